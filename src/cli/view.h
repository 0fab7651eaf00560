/* view.h — how a run looks on the terminal: the CLI's events (util/report.h). Lines go to stderr
 * as "dartmk: ..." ("dartmk: warning: ..."), filtered by -q/-v; progress is a bar on a terminal
 * (bytes, rate, time left), one JSON object per line with --progress=json, or nothing; questions
 * are asked on the terminal. The library reports; only this file shows. */
#ifndef DARTMK_VIEW_H
#define DARTMK_VIEW_H

#include "util/report.h"

#include <stddef.h>
#include <stdio.h>

enum dm_verbosity { DM_QUIET = 0, DM_NORMAL = 1, DM_VERBOSE = 2 };

enum dm_progress_mode {
    DM_PROGRESS_AUTO, /* bar if stderr is a terminal and not quiet, otherwise none */
    DM_PROGRESS_NONE,
    DM_PROGRESS_BAR,
    DM_PROGRESS_JSON,
};

struct dm_view {
    struct dm_events events;
    enum dm_verbosity verbosity;
    enum dm_progress_mode mode; /* resolved: NONE, BAR or JSON */
    FILE *out;                  /* stderr, or a test's stream */
    FILE *in;                   /* where answers come from: stdin */
    int in_is_tty;              /* whether questions can be asked */
    int width;                  /* the terminal's columns, for the bar (read again on SIGWINCH) */
    int bar_shown;              /* a bar is on the current line (a message clears it first) */
};

/* Parses "auto", "none", "bar" or "json"; returns -1 on anything else. */
int dm_progress_parse_mode(const char *s, enum dm_progress_mode *out);

/* Sets up v for stderr/stdin (out NULL) or the stream given, and binds it to this thread. */
void dm_view_start(struct dm_view *v, enum dm_verbosity verbosity, enum dm_progress_mode mode,
                   FILE *out);
/* The view of the running command: the one dm_view_start set up last in this process (before
 * any, one to set up). */
struct dm_view *dm_view(void);

/* The columns of the terminal `out` is (TIOCGWINSZ), else $COLUMNS, else 80. */
int dm_view_width(FILE *out);
/* The bar line (without "\r") as shown at time `now`, in at most `width` - 1 columns: the rate
 * goes first, then the time left, then the bar shrinks and goes, then the sizes, last the label
 * is cut. The final line of a stage (`final`) says how long it took instead of what is left.
 * Returns buf. */
char *dm_progress_format_bar(char *buf, size_t n, const struct dm_progress *p, double now,
                             int width, int final);
/* The JSON line (without "\n"), as shown at time `now`; returns buf. */
char *dm_progress_format_json(char *buf, size_t n, const struct dm_progress *p, double now,
                              const char *event);

#endif
