/* progress.h — progress of long work, reported to the events bound to this thread (report.h).
 *
 * The library counts (label, total, done, when it began); how progress looks — a bar on a
 * terminal, JSON lines, nothing — is the caller's business (src/cli/view.c). Updates reach the
 * callback no closer together than the events' progress_interval; begin and end always do. */
#ifndef DARTMK_PROGRESS_H
#define DARTMK_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct dm_progress {
    const char *label; /* what is being done: "reading boot.wim" */
    uint64_t total;    /* bytes expected (0 when unknown) */
    uint64_t done;
    double start, last; /* seconds, from the progress clock: begin, and the last report */
};

void dm_progress_begin(struct dm_progress *p, const char *label, uint64_t total);
void dm_progress_update(struct dm_progress *p, uint64_t done);
void dm_progress_end(struct dm_progress *p);

void dm_progress_set_clock(double (*now)(void));

/* "1.5 MiB"-style size; returns buf. */
char *dm_format_size(char *buf, size_t n, uint64_t bytes);

#endif
