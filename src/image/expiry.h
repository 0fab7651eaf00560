/* expiry.h — the time limit of a recovery image (`--expire-days N`, the wizard's `ERDC /e N`).
 *
 * Plain C with no operating-system calls: the same file is compiled into dartmk (which writes
 * the expiry instant) and, with mingw-w64, into the Windows PE checker winpe/dartexpire.c
 * (which reads it at start-up and shuts the environment down once it has passed). Times are
 * seconds since 1970-01-01 UTC; the text form is ISO 8601 UTC, "2026-12-24T19:05:00Z". */
#ifndef DARTMK_EXPIRY_H
#define DARTMK_EXPIRY_H

#include <stddef.h>
#include <stdint.h>

enum { DM_EXPIRY_TEXT = 21 };        /* "YYYY-MM-DDTHH:MM:SSZ" and its NUL */
enum { DM_EXPIRY_MAX_DAYS = 36500 }; /* --expire-days accepts 1 .. this */

/* The instant `days` whole days after `built`. */
int64_t dm_expiry_add_days(int64_t built, int days);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" (years 1970..9999; others are clamped) into buf. */
void dm_expiry_format(int64_t t, char buf[DM_EXPIRY_TEXT]);

/* Parses exactly that form (a valid calendar date and time in years 1970..9999, the trailing Z;
 * nothing before or after it); returns 0, or -1 for anything else. */
int dm_expiry_parse(const char *s, int64_t *t);

/* Finds `Expires=` in section [Build] of an INI text (the image's DaRT\DartConfig.ini; CRLF or
 * LF, keys and sections case-insensitive, spaces around '=' allowed, ';' and '#' comment lines,
 * a " ;" inline comment, a UTF-8 BOM). When the key appears more than once the last one counts,
 * as with inih. Returns 0 and sets *t, 1 when there is no such key, -1 when its value is not a
 * valid time (then *t is untouched: callers must fail closed). */
int dm_expiry_from_config(const char *ini, int64_t *t);

/* Has the image expired at `now`? Returns 1 (expired: at or after `expires`) or 0, and writes
 * one line for the person at the machine into msg (at most n bytes, NUL-terminated): when it
 * expired, or how long it remains usable ("This recovery image can be used until
 * 2026-12-24T19:05:00Z (30 days left)."; whole days rounded down, "less than a day left" in
 * the last one). Messages are ASCII, which every console code page shows alike. */
int dm_expiry_check(int64_t now, int64_t expires, char *msg, size_t n);

#endif
