/* cleanup.h — what must not outlive an interrupted run: temporary files and staging folders are
 * registered while they exist, and SIGINT, SIGTERM, SIGHUP or SIGPIPE removes them before the
 * process dies of the signal. Normal paths remove them themselves and unregister. */
#ifndef DARTMK_CLEANUP_H
#define DARTMK_CLEANUP_H

/* Registers a file (tree = 0), a folder and everything in it (tree = 1), or everything in a
 * folder but the folder itself (tree = 2: a folder that was there, empty). Returns a handle for
 * dm_cleanup_forget, or -1 when the table is full (then only a signal would leave it behind). */
int dm_cleanup_register(const char *path, int tree);
/* Forgets a registration (the caller removed the path, or keeps it). -1 is ignored. */
void dm_cleanup_forget(int handle);
/* mkdtemp(tmpl) registered as a tree to remove, the name in the table before the folder exists.
 * Returns the handle (-1: made but not registered, the table being full), or -2 with errno set
 * when no folder was made. */
int dm_cleanup_mkdtemp(char *tmpl);
/* The same for mkstemp: the file made (0600), *fd open on it, registered to unlink. */
int dm_cleanup_mkstemp(char *tmpl, int *fd);
/* Removes what a registration names now (as a signal would) and forgets it. -1 is ignored. */
void dm_cleanup_remove(int handle);

/* A private folder under $TMPDIR, "dartmk-NAME-XXXXXX", registered so that a signal removes
 * it too. A zeroed struct is "none". */
struct dm_staging {
    char *path;
    int guard;
};
/* Makes it (once: a second call keeps the first folder). 0, or DM_FAIL after one line. */
int dm_staging_make(struct dm_staging *s, const char *name);
/* Removes it with everything in it; nothing when there is none. */
void dm_staging_remove(struct dm_staging *s);

#endif
