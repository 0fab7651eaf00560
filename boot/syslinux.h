/* syslinux.h — BIOS boot of a FAT volume the way the design's USB chain needs it:
 *   MBR boot code (syslinux mbr.bin, or gptmbr.bin on GPT) → the active (or legacy-BIOS-bootable)
 *   partition → the syslinux VBR and ldlinux.sys (written by the syslinux installer, run as a
 *   program: Debian ships ldlinux.sys only inside it) → chain.c32 ntldr=/bootmgr, which loads
 *   Windows' boot manager the way an NT boot sector would.
 * The modules and the configuration are ordinary files of the tree the FAT writer writes; the
 * installer then adds ldlinux.sys and ldlinux.c32 and the VBR. */
#ifndef DARTMK_SYSLINUX_H
#define DARTMK_SYSLINUX_H

#include <stdint.h>

enum { DM_MBR_CODE = 440 }; /* boot code bytes of an MBR, before the disk signature */

/* The folder on the volume that holds syslinux's files ("syslinux", no slashes). */
#define DM_SYSLINUX_DIR "syslinux"

/* A file syslinux needs on the volume: from a host file, or generated text. */
struct dm_syslinux_file {
    const char *path; /* on the volume: "syslinux/chain.c32" */
    char *host;       /* malloc'd host path, or NULL */
    const char *text; /* the configuration, or NULL */
};
enum { DM_SYSLINUX_FILES = 4 };

/* The modules chain.c32 needs and the configuration that chain-loads /bootmgr. Returns 0, or an
 * exit code after one line (a module missing: syslinux-common not installed). Free with
 * dm_syslinux_files_free. */
int dm_syslinux_files(struct dm_syslinux_file out[DM_SYSLINUX_FILES]);
void dm_syslinux_files_free(struct dm_syslinux_file f[DM_SYSLINUX_FILES]);

/* The files the installer writes after the volume is made (listed in the manifest as such). */
extern const char *const dm_syslinux_installed[2];

/* Reads syslinux's MBR boot code (gpt: gptmbr.bin, else mbr.bin) into code. 0 or exit code. */
int dm_syslinux_mbr(int gpt, uint8_t code[DM_MBR_CODE]);

/* Runs `syslinux --install --offset OFFSET --directory /syslinux TARGET` on the FAT volume at
 * byte `offset` of TARGET (an image file or the whole-disk device). Returns 0, or DM_FAIL after
 * one line with the installer's own message. */
int dm_syslinux_install(const char *target, uint64_t offset);

#endif
