/* target.h — a disk or disk image a command is about to write, handled in the order the safety
 * rules need (DESIGN.md, Devices and safety): judge it from sysfs and /proc without opening it
 * (dm_target_probe), ask (dm_target_confirm), open it (O_EXCL on devices, checked to be the same
 * device of the same size), save its partition table, write, close — removing a file the run
 * created if the run failed. Shared by `usb` and `partition`. */
#ifndef DARTMK_TARGET_H
#define DARTMK_TARGET_H

#include "disk.h"

#include <stdint.h>

struct dm_target {
    const char *path;
    int is_device, exists, created;
    uint64_t size;       /* bytes: the disk's, the file's, or the one asked for */
    struct dm_disk disk; /* devices */
    int fd, guard;
};

struct dm_target_rules {
    const char *source;   /* refused as the target (or the file behind a loop device) */
    uint64_t size;        /* --size: make or resize an image file; 0 = keep (and it must exist) */
    int force;            /* allow a fixed disk */
    int fixed_ok;         /* the command is meant for fixed disks: --force is not needed */
    const char *what;     /* what confirming will do, for the prompt: "erased", "changed" */
};

/* Judges TARGET before anything is opened. Returns 0, DM_REFUSED (3), DM_FAIL or DM_USAGE after
 * one line. Free with dm_target_free either way. */
int dm_target_probe(const char *path, const struct dm_target_rules *r, struct dm_target *t);
/* With a terminal, shows the disk and has its name typed back; without one, `yes` must be set.
 * A target the run creates needs nothing. */
int dm_target_confirm(const struct dm_target *t, const struct dm_target_rules *r, int yes);
/* Opens it for writing (creating a new image file). */
int dm_target_open(struct dm_target *t);
/* An image file gets the size asked for (after its table was saved). */
int dm_target_resize(const struct dm_target *t);
/* Saves the partition table (an sfdisk script) to `file`, or to a new file in
 * $XDG_STATE_HOME/dartmk/tables (~/.local/state/...) when NULL; *saved_to is the path, or NULL
 * when the target has no table. Says where. */
int dm_target_save_table(const struct dm_target *t, const char *file, char **saved_to);
/* Closes it; a file the run created is removed when rc != 0. Returns rc or a close error. */
int dm_target_close(struct dm_target *t, int rc);
void dm_target_free(struct dm_target *t);

#endif
