/* usb.h — writing a bootable recovery stick into a disk or disk image the caller opened:
 *   FAT mode: a new partition table (partition/layout.h), syslinux's MBR code, the recovery tree
 *             as one FAT32 volume (src/fat/), then the syslinux installer (boot/syslinux.h);
 *   image mode (`--mode dd`): an ISO image copied byte for byte.
 * Both flush (fsync, BLKFLSBUF on devices) before they read back what they wrote. Planning is
 * separate from writing, so that a disk that is too small is refused before anything else. */
#ifndef DARTMK_STICK_H
#define DARTMK_STICK_H

#include "boot/syslinux.h"
#include "device/claim.h"
#include "partition/layout.h"
#include "fat/fat.h"
#include "recovery/recovery.h"
#include "target/target.h"
#include "util/sha256.h"

#include <stdint.h>

struct dm_usb {
    int fd;           /* open for reading and writing (O_EXCL on devices) */
    const char *path; /* for messages, the installer and the read-back */
    int is_device;
    uint64_t size; /* bytes */
};

struct dm_usb_plan {
    struct dm_disk_layout layout;
    struct dm_fat_plan *fat;
    struct dm_recovery *rt;
};

struct dm_usb_result {
    uint64_t bytes;          /* written (FAT mode: the files; image mode: the image) */
    char sha[DM_SHA256_HEX]; /* image mode: the image's; FAT mode: the manifest's */
    int verified, files;     /* read back: files verified of files listed (FAT mode) */
};

/* The rest of a FAT volume holding rt's tree, once `fat` was written at [start, start + size) of
 * s: the syslinux installer (boot_once: syslinux --once), FAT32's backup boot sector, a flush, and
 * with `verify` every file read back against the manifest. Fills r. */
struct dm_usb_finish_opts {
    struct dm_recovery *rt;
    int verify, boot_once;
};
int dm_usb_finish(const struct dm_usb *s, const struct dm_fat_plan *fat, uint64_t start,
                  uint64_t size, const struct dm_usb_finish_opts *o, struct dm_usb_result *r);

/* The syslinux files of a FAT volume (boot says what its configuration starts) put into the
 * job's tree options, with the manifest; sf holds them until dm_syslinux_files_free. */
int dm_usb_tree_opts(struct dm_job *j, const struct dm_syslinux_boot *boot,
                     struct dm_syslinux_file sf[DM_SYSLINUX_FILES]);

/* After writing: asks the kernel to read the new partition table (devices; waits while it is
 * busy, a moment after our own writes). */
void dm_usb_reread(const struct dm_usb *s);

/* ---- the `usb` target: a whole stick in FAT mode, or an image copied byte for byte (dd) ---- */

struct dm_target_usb {
    /* Options. */
    enum dm_scheme scheme;
    const char *label;  /* as written: upper case */
    uint64_t size;      /* --size: an image file made or resized to it; 0 = keep */
    const char *backup; /* --backup-table FILE, or NULL */
    /* What the run did. */
    struct dm_claim claim; /* {.fd = -1, .guard = -1} before the run */
    struct dm_usb_plan plan;
    struct dm_syslinux_file sf[DM_SYSLINUX_FILES];
    struct dm_usb_result r;
    char *saved_table; /* where the old table went, or NULL */
    int bios, uefi, writing;
};

extern const struct dm_target_ops dm_target_usb_ops, dm_target_usb_dd_ops;
void dm_target_usb_free(struct dm_target_usb *u);

#endif
