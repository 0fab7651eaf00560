/* report.h — how the library tells its caller what happens: errors, warnings, information and
 * progress go to callbacks (struct dm_events) that the caller — the CLI — sets; the library never
 * writes to a terminal or a standard stream itself. With no callbacks set, nothing is shown.
 *
 * A function that detects a failure reports the one line that names the thing and the reason
 * (dm_error) and returns its exit code; callers pass the code up without reporting again. The
 * first error of a run is also kept on the events (code, detail), so a caller that shows nothing
 * as it happens can still say why the run failed.
 *
 * The events a thread reports to are bound to it (dm_events_bind): a job binds its events in the
 * thread that runs it, and work handed to another thread binds a capture (struct dm_capture) whose
 * lines the owning thread passes on, or not. That binding is the only state kept per thread. */
#ifndef DARTMK_REPORT_H
#define DARTMK_REPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum dm_exit {
    DM_OK = 0,      /* done */
    DM_FAIL = 1,    /* failed: bad input, I/O error, no room */
    DM_USAGE = 2,   /* usage error */
    DM_REFUSED = 3, /* refused for safety */
};

/* "done", "failed", "usage error", "refused for safety" (and "error N" for other values). */
const char *dm_strerror(int code);

enum dm_level {
    DM_LEVEL_ERROR,   /* the one line of a failure */
    DM_LEVEL_WARNING, /* something the user should know; the run goes on */
    DM_LEVEL_INFO,    /* what was done (where a table was saved, ...) */
    DM_LEVEL_DEBUG,   /* detail for --verbose */
};

struct dm_progress;
enum dm_progress_event { DM_PROGRESS_BEGIN, DM_PROGRESS_UPDATE, DM_PROGRESS_END };

struct dm_events {
    /* One line (no newline; control characters shown as \xNN). */
    void (*message)(void *ctx, enum dm_level level, const char *text);
    /* Long work: BEGIN, UPDATEs no closer together than progress_interval seconds, END. */
    void (*progress)(void *ctx, enum dm_progress_event ev, const struct dm_progress *p);
    double progress_interval;
    /* A question asked before something is destroyed (`question` says what and what to type):
     * the answer, one line without its newline, into answer[n]. Returns 0, or -1 when there is no
     * one to ask (no terminal). */
    int (*ask)(void *ctx, const char *question, char *answer, size_t n);
    /* Whether DM_LEVEL_DEBUG lines are wanted (formatting them costs). */
    int debug;
    void *ctx;
    /* Set by the library: the first error reported while these events were bound. */
    int code;
    char detail[1024];
};

/* Binds e to this thread (NULL: nothing is reported anywhere); returns the events bound before. */
struct dm_events *dm_events_bind(struct dm_events *e);
struct dm_events *dm_events_current(void);

/* Reports "<message>" as an error; returns `code` so callers can `return dm_error(...)`. */
int dm_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like dm_error, appending ": strerror(err)". */
int dm_error_errno(int code, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dm_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dm_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Asks through the bound events' ask callback; -1 (no one to ask) without one. */
int dm_ask(const char *question, char *answer, size_t n);

/* Lines held back: while a capture is bound, this thread's lines go into it instead of to the
 * events; the owner then passes them on (dm_capture_replay) or drops them. One mechanism for
 * every "say nothing unless it matters" (a worker thread, a probe of a disk that may vanish, a
 * look inside a partition that may not be ours). Errors still set the capture's code and detail. */
struct dm_capture {
    struct dm_events events; /* bound while capturing */
    struct dm_events *outer; /* bound before */
    struct dm_capture_line *lines;
    size_t nlines;
};
void dm_capture_begin(struct dm_capture *c);
/* Back to the events bound before; the lines are kept. */
void dm_capture_end(struct dm_capture *c);
/* Passes the kept lines on to the events bound now, in order. */
void dm_capture_replay(const struct dm_capture *c);
void dm_capture_free(struct dm_capture *c);

/* Text with control characters (C0, DEL, and C1 in UTF-8) and bytes that are not UTF-8 shown as
 * \xNN: a line stays one line whatever names (from media, from the user) it quotes, reads the
 * same in every locale, and holds nothing a terminal takes for a command. malloc'd, or NULL. */
char *dm_escape_line(const char *s);

/* Bytes in MiB for messages ("%.1f MiB"); _up rounds up to the 0.1 shown, for a size said to
 * be needed (it must be enough). */
double dm_mib(uint64_t bytes);
double dm_mib_up(uint64_t bytes);

#endif
