/* report.c — lines and questions to the events bound to this thread (report.h). */
#include "util/report.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dm_capture_line {
    enum dm_level level;
    char *text;
};

static _Thread_local struct dm_events *bound;

struct dm_events *dm_events_bind(struct dm_events *e)
{
    struct dm_events *before = bound;
    bound = e;
    return before;
}

struct dm_events *dm_events_current(void) { return bound; }

const char *dm_strerror(int code)
{
    static const char *const names[] = {"done", "failed", "usage error", "refused for safety"};
    static _Thread_local char other[32];
    if (code >= 0 && code < (int)(sizeof names / sizeof names[0]))
        return names[code];
    snprintf(other, sizeof other, "error %d", code);
    return other;
}

double dm_mib(uint64_t bytes) { return (double)bytes / 1048576.0; }
double dm_mib_up(uint64_t bytes) { return (double)((bytes * 10 + (1 << 20) - 1) >> 20) / 10; }

/* Control characters and bytes that are not UTF-8 become \xNN: a line quotes names from media
 * and values typed, and must reach a terminal as text. */
char *dm_escape_line(const char *s)
{
    char *out = malloc(strlen(s) * 4 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; out && *p;) {
        uint32_t c = 0;
        int n = dm_utf8_next(p, &c);
        int shown = n && c >= 0x20 && c != 0x7F && (c < 0x80 || c > 0x9F);
        for (int i = 0; i < (n ? n : 1); i++, p++)
            o += shown ? sprintf(o, "%c", *p) : sprintf(o, "\\x%02X", *p);
    }
    if (out)
        *o = 0;
    return out;
}

static void report_line(enum dm_level level, const char *text)
{
    struct dm_events *e = bound;
    if (!e || (level == DM_LEVEL_DEBUG && !e->debug))
        return;
    if (e->message)
        e->message(e->ctx, level, text);
}

/* Formats, escapes and reports; an error also becomes the run's detail if it is the first. */
static void report(int code, enum dm_level level, const char *suffix, const char *fmt, va_list ap)
{
    struct dm_events *e = bound;
    if (!e || (level == DM_LEVEL_DEBUG && !e->debug) ||
        (!e->message && (level != DM_LEVEL_ERROR || e->code)))
        return;
    char *raw = NULL, *text = NULL;
    if (vasprintf(&raw, fmt, ap) < 0)
        raw = NULL;
    if (raw && suffix) {
        char *joined = NULL;
        if (asprintf(&joined, "%s: %s", raw, suffix) >= 0)
            free(raw), raw = joined;
    }
    text = dm_escape_line(raw ? raw : "out of memory");
    if (level == DM_LEVEL_ERROR && !e->code) {
        e->code = code;
        snprintf(e->detail, sizeof e->detail, "%s", text ? text : "out of memory");
    }
    if (e->message)
        e->message(e->ctx, level, text ? text : "out of memory");
    free(raw), free(text);
}

int dm_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(code, DM_LEVEL_ERROR, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int dm_error_errno(int code, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(code, DM_LEVEL_ERROR, strerror(err), fmt, ap);
    va_end(ap);
    return code;
}

#define LEVEL_FN(name, level)                                                                      \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        report(0, level, NULL, fmt, ap);                                                           \
        va_end(ap);                                                                                \
    }
LEVEL_FN(dm_warn, DM_LEVEL_WARNING)
LEVEL_FN(dm_info, DM_LEVEL_INFO)
LEVEL_FN(dm_debug, DM_LEVEL_DEBUG)

int dm_ask(const char *question, char *answer, size_t n)
{
    struct dm_events *e = bound;
    return e && e->ask ? e->ask(e->ctx, question, answer, n) : -1;
}

/* ---- captures ---- */

static void capture_line(void *ctx, enum dm_level level, const char *text)
{
    struct dm_capture *c = ctx;
    struct dm_capture_line *l = realloc(c->lines, (c->nlines + 1) * sizeof *l);
    if (!l)
        return;
    c->lines = l;
    l[c->nlines].level = level;
    if ((l[c->nlines].text = strdup(text)))
        c->nlines++;
}

void dm_capture_begin(struct dm_capture *c)
{
    struct dm_events *outer = bound;
    *c = (struct dm_capture){.outer = outer};
    c->events.message = capture_line;
    c->events.debug = outer ? outer->debug : 0;
    c->events.ctx = c;
    dm_events_bind(&c->events);
}

void dm_capture_end(struct dm_capture *c) { dm_events_bind(c->outer); }

void dm_capture_replay(const struct dm_capture *c)
{
    struct dm_events *e = bound;
    for (size_t i = 0; i < c->nlines; i++) {
        if (e && c->lines[i].level == DM_LEVEL_ERROR && !e->code) {
            e->code = c->events.code ? c->events.code : DM_FAIL;
            snprintf(e->detail, sizeof e->detail, "%s", c->lines[i].text);
        }
        report_line(c->lines[i].level, c->lines[i].text);
    }
}

void dm_capture_free(struct dm_capture *c)
{
    for (size_t i = 0; i < c->nlines; i++)
        free(c->lines[i].text);
    free(c->lines);
    c->lines = NULL, c->nlines = 0;
}
