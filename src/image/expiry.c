/* expiry.c — the time limit of a recovery image: calendar arithmetic, the ISO 8601 text form,
 * the DartConfig.ini scan and the verdict message.
 *
 * No operating-system calls and no libc time or stdio functions: this file is also compiled
 * with mingw-w64 into winpe/dartexpire.exe, where gmtime/timegm differ or are missing and
 * msvcrt's printf family disagrees with C99 on 64-bit formats and truncation. The calendar is
 * the proleptic Gregorian one in whole days since 1970-01-01 (Howard Hinnant's algorithms). */
#include "image/expiry.h"

#include <string.h>

enum { SECS_PER_DAY = 86400 };

/* 9999-12-31T23:59:59Z: the last instant the four-digit year form can name. */
static const int64_t LAST_INSTANT = INT64_C(253402300799);

/* Days since 1970-01-01 of a valid date (1 <= m <= 12, 1 <= d <= days in that month). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2; /* the year starts in March, so the leap day is its last day */
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

int64_t dm_expiry_add_days(int64_t built, int days)
{
    int64_t delta = (int64_t)days * SECS_PER_DAY; /* |days| <= INT_MAX: cannot overflow */
    /* Saturate rather than overflow: an instant past the end of time is still "never". */
    if (delta > 0 && built > INT64_MAX - delta)
        return INT64_MAX;
    if (delta < 0 && built < INT64_MIN - delta)
        return INT64_MIN;
    return built + delta;
}

static void put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

void dm_expiry_format(int64_t t, char buf[DM_EXPIRY_TEXT])
{
    if (t < 0)
        t = 0;
    if (t > LAST_INSTANT)
        t = LAST_INSTANT;
    int64_t y, secs = t % SECS_PER_DAY;
    int m, d;
    civil_from_days(t / SECS_PER_DAY, &y, &m, &d);
    memcpy(buf, "0000-00-00T00:00:00Z", DM_EXPIRY_TEXT);
    put_digits(buf, y, 4);
    put_digits(buf + 5, m, 2);
    put_digits(buf + 8, d, 2);
    put_digits(buf + 11, secs / 3600, 2);
    put_digits(buf + 14, secs / 60 % 60, 2);
    put_digits(buf + 17, secs % 60, 2);
}

/* Reads exactly `width` decimal digits; -1 if any is not a digit. */
static int64_t get_digits(const char *s, int width)
{
    int64_t v = 0;
    for (int i = 0; i < width; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int dm_expiry_parse(const char *s, int64_t *t)
{
    /* The separators, and the length: strlen stops at the NUL, so s[0..19] are readable. */
    if (!s || strlen(s) != DM_EXPIRY_TEXT - 1 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    int64_t y = get_digits(s, 4), mo = get_digits(s + 5, 2), d = get_digits(s + 8, 2);
    int64_t h = get_digits(s + 11, 2), mi = get_digits(s + 14, 2), sec = get_digits(s + 17, 2);
    /* Years before 1970 are refused: dm_expiry_format cannot write them back. */
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo) || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return -1;
    *t = days_from_civil(y, (int)mo, (int)d) * SECS_PER_DAY + h * 3600 + mi * 60 + sec;
    return 0;
}

/* --- DartConfig.ini ---------------------------------------------------------------------- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Does [b, e) equal the lower-case word w, ignoring ASCII case (not the locale's)? */
static int span_is(const char *b, const char *e, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(e - b) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(b[i]) != w[i])
            return 0;
    return 1;
}

static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

/* The value of a `key = value` line, cut at an inline comment (" ;", as inih reads it). */
static void value_span(const char **b, const char **e)
{
    for (const char *p = *b; p < *e; p++)
        if (*p == ';' && p > *b && is_space(p[-1])) {
            *e = p;
            break;
        }
    trim(b, e);
}

/* Applies one line; *in_build tracks the section. Returns 1 for an Expires key in [Build]
 * (with *valid and *t set from its value), else 0. */
static int scan_line(const char *b, const char *e, int *in_build, int *valid, int64_t *t)
{
    trim(&b, &e);
    if (b == e || *b == ';' || *b == '#')
        return 0;
    if (*b == '[') {
        const char *close = memchr(b, ']', (size_t)(e - b));
        if (close) {
            const char *nb = b + 1, *ne = close;
            trim(&nb, &ne);
            *in_build = span_is(nb, ne, "build");
        }
        return 0;
    }
    const char *eq = memchr(b, '=', (size_t)(e - b));
    if (!*in_build || !eq)
        return 0;
    const char *ke = eq, *vb = eq + 1, *ve = e;
    trim(&b, &ke);
    if (!span_is(b, ke, "expires"))
        return 0;
    value_span(&vb, &ve);
    char text[DM_EXPIRY_TEXT];
    *valid = (size_t)(ve - vb) == DM_EXPIRY_TEXT - 1;
    if (*valid) {
        memcpy(text, vb, DM_EXPIRY_TEXT - 1);
        text[DM_EXPIRY_TEXT - 1] = '\0';
        *valid = dm_expiry_parse(text, t) == 0;
    }
    return 1;
}

int dm_expiry_from_config(const char *ini, int64_t *t)
{
    static const char bom[] = "\xEF\xBB\xBF"; /* Notepad saves UTF-8 with one */
    if (strncmp(ini, bom, 3) == 0)
        ini += 3;
    int in_build = 0, found = 0, valid = 0;
    int64_t v = 0;
    while (*ini) {
        const char *e = strchr(ini, '\n');
        if (!e)
            e = ini + strlen(ini);
        /* A later Expires replaces an earlier one, as with inih, which dartmk reads it with. */
        found |= scan_line(ini, e, &in_build, &valid, &v);
        ini = *e ? e + 1 : e;
    }
    if (!found)
        return 1;
    if (!valid)
        return -1;
    *t = v;
    return 0;
}

/* --- the verdict ------------------------------------------------------------------------- */

/* Appends to a message of at most n bytes, truncating and always leaving it NUL-terminated. */
struct msgbuf {
    char *p;
    size_t n, len;
};

static void put_str(struct msgbuf *m, const char *s)
{
    for (; *s && m->len + 1 < m->n; s++)
        m->p[m->len++] = *s;
    if (m->n)
        m->p[m->len] = '\0';
}

static void put_u64(struct msgbuf *m, uint64_t v)
{
    char digits[21];
    size_t i = sizeof digits - 1;
    digits[i] = '\0';
    do
        digits[--i] = (char)('0' + v % 10);
    while (v /= 10);
    put_str(m, digits + i);
}

int dm_expiry_check(int64_t now, int64_t expires, char *msg, size_t n)
{
    struct msgbuf m = {msg, msg ? n : 0, 0};
    char when[DM_EXPIRY_TEXT];
    dm_expiry_format(expires, when);
    if (now >= expires) {
        put_str(&m, "This recovery image expired on ");
        put_str(&m, when);
        put_str(&m, ". Ask the help desk for a new one.");
        return 1;
    }
    /* Unsigned: the distance between any two int64_t values fits, the signed one may not. */
    uint64_t days = ((uint64_t)expires - (uint64_t)now) / SECS_PER_DAY;
    put_str(&m, "This recovery image can be used until ");
    put_str(&m, when);
    if (days == 0) {
        put_str(&m, " (less than a day left).");
        return 0;
    }
    put_str(&m, " (");
    put_u64(&m, days);
    put_str(&m, days == 1 ? " day left)." : " days left).");
    return 0;
}
