/* progress.h — progress reporting for long work.
 *
 * Modes: a bar on a terminal (bytes, rate, time left), nothing in pipes, or one JSON object
 * per line (--progress=json) for automation. All output goes to stderr so that stdout stays
 * free for --json results. Updates are throttled; begin/end always report. */
#ifndef DARTMK_PROGRESS_H
#define DARTMK_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum dm_progress_mode {
    DM_PROGRESS_AUTO, /* bar if stderr is a terminal and not quiet, otherwise none */
    DM_PROGRESS_NONE,
    DM_PROGRESS_BAR,
    DM_PROGRESS_JSON,
};

struct dm_progress {
    const char *label; /* what is being done: "reading boot.wim" */
    uint64_t total;    /* bytes expected (0 when unknown) */
    uint64_t done;
    double start, last;         /* seconds, from the progress clock */
    enum dm_progress_mode mode; /* resolved at begin: NONE, BAR or JSON */
};

/* Parses "auto", "none", "bar" or "json"; returns -1 on anything else. */
int dm_progress_parse_mode(const char *s, enum dm_progress_mode *out);
void dm_progress_set_mode(enum dm_progress_mode mode);
/* For tests: where output goes (default stderr) and the clock (default CLOCK_MONOTONIC). */
void dm_progress_set_stream(FILE *f);
void dm_progress_set_clock(double (*now)(void));

void dm_progress_begin(struct dm_progress *p, const char *label, uint64_t total);
void dm_progress_update(struct dm_progress *p, uint64_t done);
void dm_progress_end(struct dm_progress *p);

/* "1.5 MiB"-style size; returns buf. */
char *dm_format_size(char *buf, size_t n, uint64_t bytes);
/* The bar line (without "\r"), as printed at time `now`; returns buf. */
char *dm_progress_format_bar(char *buf, size_t n, const struct dm_progress *p, double now);
/* The JSON line (without "\n"), as printed at time `now`; returns buf. */
char *dm_progress_format_json(char *buf, size_t n, const struct dm_progress *p, double now,
                              const char *event);

#endif
