/* target.h — where a recovery tree goes, behind one operations table (as libfdisk puts dos, gpt
 * and sun labels behind struct fdisk_label_operations), driven by one function for every
 * target: a folder (dir.h), an ISO (iso.h), a USB stick (usb.h), a recovery partition
 * (partition.h), a network boot tree (pxe.h).
 *
 * dm_target_run calls, in this order, stopping at the first failure:
 *   check   judge TARGET before SOURCE is read: names, refusals, safety (nothing written)
 *   --      the job prepared: recipe checked, media opened (dm_job_prepare)
 *   tree    what the target needs of the tree (j->ropts), from the media: boot ways, files
 *   --      the recovery tree built (dm_job_recovery)
 *   plan    the tree known: room, layout, confirmation, opening TARGET
 *   write   the tree into TARGET
 *   verify  read back (only when j->verify)
 *   finish  put it in place: flush, rename, re-read the partition table, close
 *   result  what was done, as the --json object (j->result)
 * and, when any operation after check fails, abort to undo what the target did (each target
 * knows how far it got). Any operation may be NULL. Targets never print: the command prints
 * j->result or the target's own struct. */
#ifndef DARTMK_TARGET_H
#define DARTMK_TARGET_H

#include "recovery/job.h"

#include <json-c/json.h>

struct dm_target_ops {
    const char *name;
    /* The target writes SOURCE as it is (usb --mode dd): no media, no recovery tree. */
    int as_is;
    int (*check)(struct dm_job *j, void *t);
    int (*tree)(struct dm_job *j, void *t);
    int (*plan)(struct dm_job *j, void *t);
    int (*write)(struct dm_job *j, void *t);
    int (*verify)(struct dm_job *j, void *t);
    int (*finish)(struct dm_job *j, void *t);
    /* Undoes after failure rc; returns the exit code to give (rc, or a worse one). */
    int (*abort)(struct dm_job *j, void *t, int rc);
    struct json_object *(*result)(struct dm_job *j, void *t);
};

/* Runs job j into target t (the target's own struct: its options and what it did). With
 * --print-recipe it stops once the recipe is checked. Returns 0 or an exit code after one
 * line. */
int dm_target_run(struct dm_job *j, const struct dm_target_ops *ops, void *t);

/* The source is never changed: what a target writes (`out`, which need not exist yet) goes
 * neither over SOURCE nor inside it. Returns 0, or DM_REFUSED after one line saying to write
 * `what` ("the ISO") elsewhere. */
int dm_target_not_source(const char *out, const char *source, const char *what);

/* Which firmware a target made of the job's media boots under. `el_torito`: by the El Torito
 * images (an ISO), else by the boot files (a stick); `what` names the target in the warning
 * given when it is only one ("the ISO"). Boots neither way: DM_FAIL after one line. */
int dm_target_boot_ways(const struct dm_media *m, int el_torito, const char *what, int *bios,
                        int *uefi);

#endif
