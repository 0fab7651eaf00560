/* cleanup.h — what must not outlive an interrupted run: temporary files and staging folders are
 * registered while they exist, and SIGINT, SIGTERM, SIGHUP or SIGPIPE removes them before the
 * process dies of the signal. Normal paths remove them themselves and unregister. */
#ifndef DARTMK_CLEANUP_H
#define DARTMK_CLEANUP_H

/* Registers a file (tree = 0) or a folder and everything in it (tree = 1). Returns a handle for
 * dm_cleanup_forget, or -1 when the table is full (then only a signal would leave it behind). */
int dm_cleanup_register(const char *path, int tree);
/* Forgets a registration (the caller removed the path, or keeps it). -1 is ignored. */
void dm_cleanup_forget(int handle);

#endif
