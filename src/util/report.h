/* report.h — errors, warnings and messages, and the exit codes of the CLI contract.
 *
 * The function that detects a failure prints the one line that names the thing and the reason
 * (dm_error) and returns its exit code; callers pass the code up without printing again. */
#ifndef DARTMK_REPORT_H
#define DARTMK_REPORT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

enum dm_exit {
    DM_OK = 0,      /* done */
    DM_FAIL = 1,    /* failed: bad input, I/O error, no room */
    DM_USAGE = 2,   /* usage error */
    DM_REFUSED = 3, /* refused for safety */
};

enum dm_verbosity { DM_QUIET = 0, DM_NORMAL = 1, DM_VERBOSE = 2 };

void dm_set_verbosity(enum dm_verbosity v);
enum dm_verbosity dm_verbosity(void);

/* "dartmk: <message>" on stderr; returns `code` so callers can `return dm_error(...)`. */
int dm_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like dm_error, appending ": strerror(errno)". */
int dm_error_errno(int code, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "dartmk: warning: <message>" on stderr, unless quiet. */
void dm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational line on stderr, unless quiet. */
void dm_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For work in another thread: this thread's diagnostics go to f instead of stderr (NULL: back
 * to stderr), so that the thread that owns the work decides which one line the user sees. */
void dm_report_to(FILE *f);
/* Bytes in MiB for messages ("%.1f MiB"); _up rounds up to the 0.1 shown, for a size said to
 * be needed (it must be enough). */
double dm_mib(uint64_t bytes);
double dm_mib_up(uint64_t bytes);
/* Verbose-only line on stderr. */
void dm_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
