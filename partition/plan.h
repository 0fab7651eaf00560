/* plan.h — where the recovery partition goes on a disk that already holds a system: found and
 * kept in place when dartmk made it before (idempotent), replaced on request, else placed in a
 * free extent. The plan is applied to the table in memory (partition/ptable.h); nothing is
 * written here. */
#ifndef DARTMK_PLAN_H
#define DARTMK_PLAN_H

#include "partition/ptable.h"

enum dm_part_plan_action { DM_PART_CREATE, DM_PART_UPDATE, DM_PART_REPLACE };
enum { DM_PART_MAX = 128, DM_PART_RECOVERY_MIN = 450 << 20 };

struct dm_part_plan_opts {
    uint64_t need;    /* bytes the recovery tree needs (the smallest FAT32 volume for it) */
    uint64_t size;    /* --size; 0: need + 25%, at least DM_PART_RECOVERY_MIN */
    int at_end;       /* --at end: at the end of the last free extent */
    uint64_t at;      /* --at SECTOR, in bytes; 0: the largest free extent */
    const char *name; /* the GPT partition name that marks ours */
    int replace, force;
    /* MBR (no names): the disk whose WinRE partitions are looked inside (partition/contents.h)
     * to tell dartmk's; NULL: none is. */
    const char *disk;
};

struct dm_part_plan {
    enum dm_part_plan_action action;
    struct dm_part before[DM_PART_MAX], after[DM_PART_MAX];
    size_t nbefore, nafter;
    struct dm_part part; /* the recovery partition as it will be */
    size_t old_active;   /* MBR: the partition that was active before (0: none) */
    size_t foreign;      /* a Windows RE partition dartmk did not make, left alone (0: none) */
};

/* "create", "update", "replace". */
const char *dm_part_plan_action_name(enum dm_part_plan_action a);
/* Why `name` cannot be the GPT partition name that marks dartmk's partition ("is empty", "is not
 * valid UTF-8", "holds a control character", "is longer than ..."), or NULL when it can: GPT
 * stores 36 UTF-16 code units, and libfdisk drops a name it cannot convert, which would leave
 * the partition unnamed and no longer dartmk's on the next run. */
const char *dm_part_name_fault(const char *name);
/* The default size for a tree needing `need` bytes: +25%, at least DM_PART_RECOVERY_MIN, 1 MiB
 * aligned. */
uint64_t dm_part_plan_default_size(uint64_t need);

/* Before planning: the number of the recovery partition dartmk made (0: none) and of the
 * partition that is active now (MBR; 0: none). */
size_t dm_part_plan_ours(struct dm_ptable *t, const struct dm_part_plan_opts *o, size_t *active);

/* Plans and applies the plan to t in memory. Refusals (exit 1, one line): not enough free space
 * (what is needed, the largest free extent), --size below what the tree needs, --at outside a
 * free extent or not 1 MiB aligned, no free MBR slot, an old partition too small to update. */
int dm_part_plan_recovery(struct dm_ptable *t, const struct dm_part_plan_opts *o,
                          struct dm_part_plan *out);

#endif
