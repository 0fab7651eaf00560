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
};

extern const struct dm_target_ops dm_target_partition_ops;
void dm_target_partition_free(struct dm_target_partition *x);

/* --restore-table FILE DISK: the saved table put back (asked first, unless yes); *exact says
 * whether the saved sectors went back byte for byte. 0 or an exit code after one line. */
int dm_target_partition_restore(const char *disk, const char *file, int yes, int *exact);

#endif
