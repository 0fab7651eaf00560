/* tee.h — one read of a tree's files fanned out to several writers (`usb SOURCE DISK...`).
 *
 * Each writer runs in a thread of its own and reads the tree the way it always does
 * (dm_tree_open, dm_stream_read), in the same order as the others. Once a writer thread has
 * joined the tee, its opens of the tee's tree return streams over one bounded ring buffer that a
 * reader thread of the tee fills: each file is opened on the tree once, when the first writer
 * asks for it, and read once, its bytes kept until the slowest writer still reading has taken
 * them (the source is paced by that writer). A writer that leaves (done, or failed) no longer
 * holds the others back. Opens of other trees, and threads that did not join, are untouched. */
#ifndef DARTMK_TEE_H
#define DARTMK_TEE_H

#include "util/report.h"
#include "util/tree.h"

#include <stddef.h>

struct dm_tee;

/* A tee of `readers` writers over tree t with a ring of `capacity` bytes; its reader thread
 * started. Lines the reader thread reports are held until dm_tee_end. 0 or DM_FAIL after one
 * line. */
int dm_tee_start(struct dm_tree *t, size_t readers, size_t capacity, struct dm_tee **out);
/* In a writer's thread: from now on this thread reads t's files as writer i. */
void dm_tee_join(struct dm_tee *tee, size_t i);
/* In a writer's thread, when it reads no more (done or failed). */
void dm_tee_leave(void);
/* After every writer left: waits for the reader thread, passes its lines on to the events bound
 * now, frees the tee; returns the reader's exit code (0 when it read everything asked). */
int dm_tee_end(struct dm_tee *tee);

/* For dm_tree_open: 1 and *rc set when this thread joined a tee over t (the stream is the
 * tee's), else 0. */
int dm_tee_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out, int *rc);

#endif
