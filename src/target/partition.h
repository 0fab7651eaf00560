/* partition.h — the `partition` target: a hidden, bootable recovery partition added to a disk
 * that holds a system, or dartmk's updated in place, without changing a byte of any other
 * partition. The order is the safety argument: judge the disk, plan on a read-only view
 * (--dry-run stops there), ask, open O_EXCL, save the table, write the volume, plan again on
 * the real thing, write the table, the boot code; any failure after the table was written puts
 * the saved one back. */
#ifndef DARTMK_TARGET_PARTITION_H
#define DARTMK_TARGET_PARTITION_H

#include "boot/efientry.h"
#include "boot/syslinux.h"
#include "device/claim.h"
#include "partition/plan.h"
#include "target/target.h"
#include "target/usb.h"

enum dm_bios_boot { DM_BIOS_MENU, DM_BIOS_ACTIVE, DM_BIOS_NONE };

/* How an update writes the partition it keeps (README: "An update, interrupted"):
 *   in place: the new tree into the volume's free clusters, the FATs with both trees' chains,
 *             then the switch (one sector: the boot sector naming the new root, marked), the old
 *             chains freed, syslinux's installer (its boot sector clears the mark);
 *   rewrite:  the boot sector and its backup marked (unreadable) first, the volume written,
 *             its boot sector marked readable, syslinux's installer.
 * At every instant the old image is intact or the boot sector carries the mark. */
enum dm_part_update { DM_UPDATE_NONE, DM_UPDATE_IN_PLACE, DM_UPDATE_REWRITE };

/* What a run changes (the plan's "change"): a new partition, new contents in the one dartmk
 * made, dartmk's made anew elsewhere (--replace), or nothing — the partition's manifest records
 * the fingerprint of these very inputs (image.h: dm_fingerprint). */
enum dm_part_change { DM_CHANGE_CREATE, DM_CHANGE_UPDATE, DM_CHANGE_MOVE, DM_CHANGE_NONE };
const char *dm_part_change_name(enum dm_part_change c);

/* The record dartmk keeps on the disk, in the recovery partition's volume beside the manifest:
 * how the disk booted before dartmk first provisioned it (the MBR's boot code, base64, and the
 * active partition), for `partition --remove`. An update carries the first record over. */
#define DM_PART_RECORD "dartmk-record.json"
enum { DM_PART_RECORD_MAX = 1024 };
/* Without a record: how an MBR disk booted before dartmk's recovery partition starting at byte
 * `start` was added, from the oldest table saved on this host (the state folder) of a disk of
 * this size and disk signature without that partition: its MBR code and active partition (0:
 * none); *from the saved table's path (malloc'd). 1 when found, else 0. */
int dm_part_boot_before(const char *disk, uint64_t disk_size, uint64_t start,
                        uint8_t code[DM_MBR_CODE], size_t *active, char **from);

struct dm_target_partition {
    /* Options. */
    struct dm_part_plan_opts popts; /* size, at, name, replace, force (need, disk: the run's) */
    const char *label, *backup;
    enum dm_bios_boot bios;
    unsigned timeout;
    int efi_entry; /* -1: on when DISK is this UEFI machine's own */
    int boot_once, dry_run;
    /* What the run did. */
    struct dm_claim claim; /* .path = DISK before the run */
    struct dm_syslinux_file sf[DM_SYSLINUX_FILES];
    struct dm_fat_plan *fat;
    enum dm_scheme scheme;
    struct dm_part_plan plan;
    char uuid[40], *saved_table;
    struct dm_usb_result res;
    const char *loader;      /* the EFI loader's path in the partition */
    struct dm_efi_entry efi; /* GPT */
    const char *efi_why;     /* why it was not added, or NULL */
    int stage;               /* how far writing got, for abort */
    unsigned os;             /* the installed system's partition the menu starts (0: none) */
    enum dm_part_update update;
    int incomplete;    /* the partition held an incomplete update when the run began */
    int marked;        /* the run may have left the mark (abort says so) */
    uint32_t *old_fat; /* in place: the old volume's FAT */
    char note[200];    /* the mark's note: what it is, and the installed system's partition */
    char record[DM_PART_RECORD_MAX]; /* DM_PART_RECORD's text */
    char inputs[256];                /* the target's options in the fingerprint (JSON) */
    char fingerprint[65], fingerprint_before[65]; /* "" when unknown */
    enum dm_part_change change;
    int efi_changed; /* the firmware entry was added (a change even when the partition is not) */
};

/* "in-place", "rewrite", or NULL. */
const char *dm_target_partition_update_name(enum dm_part_update u);

extern const struct dm_target_ops dm_target_partition_ops;
void dm_target_partition_free(struct dm_target_partition *x);

/* --restore-table FILE DISK: the saved table put back (asked first, unless yes); *exact says
 * whether the saved sectors went back byte for byte. 0 or an exit code after one line. */
int dm_target_partition_restore(const char *disk, const char *file, int yes, int *exact);

/* ---- the partition's life after provisioning (lifecycle.c) ---- */

/* --status DISK: what is there, read only (the disk opened read-only; mounted disks are fine):
 * the object `partition --status --json` prints (README). gpt_name: the name that marks
 * dartmk's on GPT; verify: read the volume back against its manifest. 0 or an exit code after
 * one line (a disk that cannot be read or has no partition table). */
int dm_target_partition_status(const char *disk, const char *gpt_name, int verify,
                               json_object **out);

struct dm_part_remove {
    const char *disk, *gpt_name, *backup;
    int force, yes, dry_run;
};
/* --remove DISK: dartmk's recovery partition deleted (a Windows RE partition dartmk did not
 * make only with force), the MBR code and active flag put back from the record on the disk,
 * the UEFI entry deleted; same safety as provisioning (judged, asked, O_EXCL, the table saved
 * first and put back if writing fails). *out: the object `--remove --json` prints. */
int dm_target_partition_remove(const struct dm_part_remove *o, json_object **out);

#endif
