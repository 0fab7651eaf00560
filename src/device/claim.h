/* claim.h — a disk or disk image a command is about to write, handled in the order the safety
 * rules need (docs/architecture.md, Safety): judge it from sysfs and /proc without opening it
 * (dm_claim_probe), ask (dm_claim_confirm), open it (O_EXCL on devices, checked to be the same
 * device of the same size), save its partition table, write, close — removing a file the run
 * created if the run failed. Shared by `usb` and `partition`. */
#ifndef DARTMK_CLAIM_H
#define DARTMK_CLAIM_H

#include "device/disk.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dm_claim {
    const char *path;
    int is_device, exists, created;
    uint64_t size;       /* bytes: the disk's, the file's, or the one asked for */
    struct dm_disk disk; /* devices */
    int fd, guard;
};

struct dm_claim_rules {
    const char *source; /* refused as the target (or the file behind a loop device) */
    uint64_t size;      /* --size: make or resize an image file; 0 = keep (and it must exist) */
    int force;          /* allow a fixed disk */
    int fixed_ok;       /* the command is meant for fixed disks: --force is not needed */
    const char *what;   /* what confirming will do, for the prompt: "erased", "changed" */
};

/* Judges TARGET before anything is opened. Returns 0, DM_REFUSED (3), DM_FAIL or DM_USAGE after
 * one line. Free with dm_claim_free either way. */
int dm_claim_probe(const char *path, const struct dm_claim_rules *r, struct dm_claim *t);
/* With a terminal, shows the disk and has its name typed back; without one, `yes` must be set.
 * A target the run creates needs nothing. */
int dm_claim_confirm(const struct dm_claim *t, const struct dm_claim_rules *r, int yes);
/* What confirming shows of it: the disk (model, size, what is on it) or the image file. */
void dm_claim_describe(FILE *f, const struct dm_claim *t);
/* Several targets asked about at once: every one that exists described, and their number typed
 * back (`what` they will be: "erased"); with `yes` or none existing, nothing is asked. */
int dm_claim_confirm_all(const struct dm_claim *const *t, size_t n, const char *what, int yes);
/* Whether two probed targets are the same disk or the same file. */
int dm_claim_same(const struct dm_claim *a, const struct dm_claim *b);
/* Opens it for writing (creating a new image file). */
int dm_claim_open(struct dm_claim *t);
/* An image file gets the size asked for (after its table was saved). */
int dm_claim_resize(const struct dm_claim *t);
/* Saves the partition table (an sfdisk script) to `file`, or to a new file in
 * $XDG_STATE_HOME/dartmk/tables (~/.local/state/...) when NULL; *saved_to is the path, or NULL
 * when the target has no table. Says where. */
int dm_claim_save_table(const struct dm_claim *t, const char *file, char **saved_to);
/* The tables saved in the state folder (of any disk), the oldest first: *files malloc'd paths
 * (free each and the array); their number. */
size_t dm_claim_saved_tables(char ***files);
/* Closes it; a file the run created is removed when rc != 0. Returns rc or a close error. */
int dm_claim_close(struct dm_claim *t, int rc);
void dm_claim_free(struct dm_claim *t);

#endif
