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
 *   fit     the tree known: does it fit TARGET (nothing asked, nothing opened)
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

#include "device/claim.h"
#include "recovery/job.h"
#include "util/progress.h"

#include <json-c/json.h>

struct dm_target_ops {
    const char *name;
    /* The target writes SOURCE as it is (usb --mode dd): no media, no recovery tree. */
    int as_is;
    int (*check)(struct dm_job *j, void *t);
    int (*tree)(struct dm_job *j, void *t);
    int (*fit)(struct dm_job *j, void *t);
    int (*plan)(struct dm_job *j, void *t);
    int (*write)(struct dm_job *j, void *t);
    int (*verify)(struct dm_job *j, void *t);
    int (*finish)(struct dm_job *j, void *t);
    /* Undoes after failure rc; returns the exit code to give (rc, or a worse one). */
    int (*abort)(struct dm_job *j, void *t, int rc);
    struct json_object *(*result)(struct dm_job *j, void *t);
    /* The disk or file the target claims, once checked: several targets in one run are asked
     * about in one question (dm_target_run_many). */
    const struct dm_claim *(*claim_of)(const void *t);
};

/* Runs job j into target t (the target's own struct: its options and what it did). With
 * --print-recipe it stops once the recipe is checked. Returns 0 or an exit code after one
 * line. */
int dm_target_run(struct dm_job *j, const struct dm_target_ops *ops, void *t);

/* ---- several targets of one kind in one run (`usb SOURCE DISK...`) ----
 *
 * Every target checked, the job prepared once, every target's tree step and fit (one that does
 * not fit stops the run: nothing was opened), one question for all (dm_claim_confirm_all, or
 * --yes), every target planned (claimed; a failure closes them all again, nothing written),
 * then every target written at once, each in a thread of its own, reading the recovery tree
 * through one tee (util/tee.h): the source is read once. A target that fails from then on is
 * aborted and the others go on; each is verified and finished on its own. */
struct dm_target_each {
    void *t;        /* the target's own struct */
    int rc;         /* 0, or the exit code of its failure */
    int written;    /* writing began */
    char why[1024]; /* the first error line of its failure */
};

struct dm_target_many {
    const struct dm_target_ops *ops; /* with claim_of */
    struct dm_target_each *each;
    size_t n;
    size_t buffer; /* bytes the tee holds (0: DM_TARGET_BUFFER) */
    /* Progress of target i, called in the thread doing its work (NULL: not shown). */
    void (*progress)(void *ctx, size_t i, enum dm_progress_event ev, const struct dm_progress *p);
    void *ctx;
};

enum { DM_TARGET_BUFFER = 8 << 20 };

/* Runs job j into every target of m. Returns 0 when every target succeeded; otherwise the exit
 * code of the first failure (each[i].rc and why say which, and what). Once writing began,
 * j->result is {"targets": [each target's result with "result" and "error"], ...}. */
int dm_target_run_many(struct dm_job *j, struct dm_target_many *m);

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
