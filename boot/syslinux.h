/* syslinux.h — BIOS boot of a FAT volume the way the design's USB chain needs it:
 *   MBR boot code (syslinux mbr.bin, or gptmbr.bin on GPT) → the active (or legacy-BIOS-bootable)
 *   partition → the syslinux VBR and ldlinux.sys (written by the syslinux installer, run as a
 *   program: Debian ships ldlinux.sys only inside it) → chain.c32 ntldr=/bootmgr, which loads
 *   Windows' boot manager the way an NT boot sector would.
 * The modules and the configuration are ordinary files of the tree the FAT writer writes; the
 * installer then adds ldlinux.sys and ldlinux.c32 and the VBR. */
#ifndef DARTMK_SYSLINUX_H
#define DARTMK_SYSLINUX_H

#include <stddef.h>
#include <stdint.h>

enum { DM_MBR_CODE = 440 }; /* boot code bytes of an MBR, before the disk signature */

/* Where syslinux's files are: $DARTMK_SYSLINUX_DIR, else Debian's /usr/lib/syslinux (a tree
 * with mbr/ and modules/bios/). */
const char *dm_syslinux_root(void);

/* The folder on the volume that holds syslinux's files ("syslinux", no slashes). */
#define DM_SYSLINUX_DIR "syslinux"

/* A file syslinux needs on the volume: from a host file, or generated text. */
struct dm_syslinux_file {
    char path[64]; /* on the volume: "syslinux/chain.c32" */
    char *host;    /* malloc'd host path, or NULL */
    char *text;    /* malloc'd: the configuration, or NULL */
};
enum { DM_SYSLINUX_FILES = 5 };

/* What the configuration boots: the recovery image straight away, or (menu) a menu whose
 * default, after `timeout` seconds, chain-loads partition `os_partition` of the boot disk (the
 * installed system) and whose other entry starts the recovery image. */
struct dm_syslinux_boot {
    int menu;
    unsigned os_partition, timeout;
};

/* The modules chain.c32 (and menu.c32) need and the configuration. *n files. Returns 0, or an
 * exit code after one line (a module missing: syslinux-common not installed). Free with
 * dm_syslinux_files_free. */
int dm_syslinux_files(const struct dm_syslinux_boot *b,
                      struct dm_syslinux_file out[DM_SYSLINUX_FILES], size_t *n);
void dm_syslinux_files_free(struct dm_syslinux_file f[DM_SYSLINUX_FILES]);
/* The installed system's partition a menu configuration written by dartmk boots (0: none). */
unsigned dm_syslinux_config_os(const char *config);

/* The files the installer writes after the volume is made (listed in the manifest as such). */
extern const char *const dm_syslinux_installed[2];

/* Reads syslinux's MBR boot code (gpt: gptmbr.bin, else mbr.bin) into code. 0 or exit code. */
int dm_syslinux_mbr(int gpt, uint8_t code[DM_MBR_CODE]);

/* Writes syslinux's MBR boot code (dm_syslinux_mbr; gpt: gptmbr.bin) into the first 440 bytes
 * of fd (a disk or disk image named `name` in messages), over the table there; code receives
 * it. Returns 0 or an exit code after one line. */
int dm_syslinux_write_mbr(int fd, const char *name, int gpt, uint8_t code[DM_MBR_CODE]);
/* Reads the first sector back: the code as written and the 0x55AA signature, else DM_FAIL after
 * one line (the disk is faulty). */
int dm_syslinux_check_mbr(int fd, const char *name, const uint8_t code[DM_MBR_CODE]);

/* Installs syslinux (its boot sector and /syslinux/ldlinux.sys, ldlinux.c32) on the FAT volume
 * at byte `offset` of TARGET (an image file or the whole-disk device), `size` bytes long (the
 * partition's size; 0: the size the volume's boot sector gives), with
 * `syslinux --install --offset OFFSET --directory /syslinux TARGET`. That installer keeps the
 * offset in 32 bits: from 4 GiB on, it is run instead at offset 0 of a loop device attached over
 * exactly [offset, offset + size) of TARGET (read-write, autoclear; detached afterwards, also when
 * the installer fails), which needs root and /dev/loop-control. Returns 0, or DM_FAIL after one
 * line naming TARGET and the reason (the installer's own message, no loop device available, ...).
 */
int dm_syslinux_install_at(const char *target, uint64_t offset, uint64_t size);
/* dm_syslinux_install_at(target, offset, 0). */
int dm_syslinux_install(const char *target, uint64_t offset);

/* After the installer: the next start runs `command` (a label: "dart") instead of the default,
 * once — written into syslinux's auxiliary data vector in ldlinux.sys (through fd, the volume
 * being at `offset`, `size` bytes, of TARGET), which syslinux clears as it uses it. */
int dm_syslinux_boot_once(int fd, const char *target, uint64_t offset, uint64_t size,
                          const char *command);

#endif
