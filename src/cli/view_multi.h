/* view_multi.h — how a run over several sticks looks (`usb SOURCE DISK...`): one progress line
 * per stick, each within the terminal's width, redrawn in place as a block; a JSON line per
 * stick with --progress=json; and the summary table at the end (disk, model, result, reason). */
#ifndef DARTMK_VIEW_MULTI_H
#define DARTMK_VIEW_MULTI_H

#include "cli/view.h"
#include "target/target.h"

#include <pthread.h>
#include <stdio.h>

struct dm_multi_stick {
    const char *path; /* the target as given (--progress=json's "target") */
    const char *name; /* what the line is called: the disk's or the file's name */
    int name_width;   /* columns the names take (the longest, at most 16): the lines align */
    const char *stage;
    uint64_t done, total;
    double start, last;
};

struct dm_multi_view {
    struct dm_view *v;
    struct dm_multi_stick *s;
    size_t n;
    int width;
    size_t drawn; /* lines of the block on the screen (0: the next draw starts a new one) */
    double shown; /* when the block was drawn last */
    pthread_mutex_t mu;
    void (*message)(void *ctx, enum dm_level level, const char *text); /* the view's own */
};

/* The terminal's width: TIOCGWINSZ on fd, else $COLUMNS, else 80. */
int dm_multi_width(int fd);

/* Starts showing progress for the n targets named (their paths); takes over v's line callback
 * (a line printed between two draws starts a new block) until dm_multi_view_end. */
int dm_multi_view_start(struct dm_multi_view *mv, struct dm_view *v, char **paths, size_t n);
void dm_multi_view_end(struct dm_multi_view *mv);
/* For struct dm_target_many's progress; NULL when the view shows no progress. */
void dm_multi_view_progress(void *ctx, size_t i, enum dm_progress_event ev,
                            const struct dm_progress *p);

/* One stick's progress line, at most `width` columns (less important fields dropped first:
 * the bar, the rate, the byte counts, the stage); fields of fixed widths, so that a line keeps
 * its shape as it is redrawn. Returns buf. */
char *dm_multi_line(char *buf, size_t n, const struct dm_multi_stick *s, int width);

/* The summary table: a row per target (disk, model, result, reason). */
struct dm_multi_row {
    const char *disk, *model, *result, *reason;
};
void dm_multi_table(FILE *f, const struct dm_multi_row *rows, size_t n);

#endif
