/* replace.h — a file written beside its place and renamed into it when complete, so that
 * nobody (a TFTP client, a burning program, an earlier FILE kept on failure) ever sees half a
 * file: the temporary ".NAME.dartmk-XXXXXX" in the same folder, registered for removal on a
 * signal. Used by `iso` (the ISO and its .sha256) and `pxe` (every file of the tree). */
#ifndef DARTMK_REPLACE_H
#define DARTMK_REPLACE_H

#include <sys/types.h>

struct dm_replace {
    char *final, *temp;
    int fd, guard; /* fd: write the contents here */
};

/* Opens the temporary beside `path` with `mode` (0: as a new file would be, 0666 less the
 * umask). Returns 0, or DM_FAIL after one line; r needs dm_replace_abort either way. */
int dm_replace_begin(struct dm_replace *r, const char *path, mode_t mode);
/* Flushes and closes the temporary (what was written is on the disk). 0 or DM_FAIL. */
int dm_replace_close(struct dm_replace *r);
/* Renames the closed temporary into place and frees r. 0 or DM_FAIL after one line. */
int dm_replace_rename(struct dm_replace *r);
/* Removes the temporary (a file that was at the place stays as it was) and frees r. */
void dm_replace_abort(struct dm_replace *r);
/* Removes the temporaries of `path` (".NAME.dartmk-XXXXXX" beside it, regular files) that a
 * run killed before its rename left behind. Quietly: what cannot be removed stays. */
void dm_replace_sweep(const char *path);
/* Flushes the folder of `path` (the renames in it). */
void dm_replace_sync_folder(const char *path);

#endif
