/* report.c — the single place that writes diagnostics. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum dm_verbosity verbosity = DM_NORMAL;

void dm_set_verbosity(enum dm_verbosity v) { verbosity = v; }
enum dm_verbosity dm_verbosity(void) { return verbosity; }

/* Writes text with control characters shown as \xNN: a message stays one line whatever names
 * (from media, from the user) it quotes. */
static void put_escaped(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F)
            fprintf(stderr, "\\x%02X", c);
        else
            fputc(c, stderr);
    }
}

static void emit(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char *msg = NULL;
    fputs("dartmk: ", stderr);
    fputs(prefix, stderr);
    if (vasprintf(&msg, fmt, ap) >= 0)
        put_escaped(msg);
    free(msg);
    if (suffix)
        fprintf(stderr, ": %s", suffix);
    fputc('\n', stderr);
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
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void dm_debug(const char *fmt, ...)
{
    if (verbosity < DM_VERBOSE)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("dartmk: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
