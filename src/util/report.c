/* report.c — the single place that writes diagnostics. */
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum dm_verbosity verbosity = DM_NORMAL;
/* Where this thread's diagnostics go (NULL: stderr). */
static _Thread_local FILE *sink;

void dm_report_to(FILE *f) { sink = f; }

double dm_mib(uint64_t bytes) { return (double)bytes / 1048576.0; }
double dm_mib_up(uint64_t bytes) { return (double)((bytes * 10 + (1 << 20) - 1) >> 20) / 10; }
static FILE *out(void) { return sink ? sink : stderr; }

void dm_set_verbosity(enum dm_verbosity v) { verbosity = v; }
enum dm_verbosity dm_verbosity(void) { return verbosity; }

/* Writes text with control characters shown as \xNN: a message stays one line whatever names
 * (from media, from the user) it quotes. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F)
            fprintf(f, "\\x%02X", c);
        else
            fputc(c, f);
    }
}

static void emit(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char *msg = NULL;
    FILE *f = out();
    fputs("dartmk: ", f);
    fputs(prefix, f);
    if (vasprintf(&msg, fmt, ap) >= 0)
        put_escaped(f, msg);
    free(msg);
    if (suffix)
        fprintf(f, ": %s", suffix);
    fputc('\n', f);
}

int dm_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap, NULL);
    va_end(ap);
    return code;
}

int dm_error_errno(int code, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap, strerror(err));
    va_end(ap);
    return code;
}

void dm_warn(const char *fmt, ...)
{
    if (verbosity < DM_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("warning: ", fmt, ap, NULL);
    va_end(ap);
}

void dm_info(const char *fmt, ...)
{
    if (verbosity < DM_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out(), fmt, ap);
    fputc('\n', out());
    va_end(ap);
}

void dm_debug(const char *fmt, ...)
{
    if (verbosity < DM_VERBOSE)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("dartmk: ", out());
    vfprintf(out(), fmt, ap);
    fputc('\n', out());
    va_end(ap);
}
