/* parse.c — numbers and sizes as people write them. */
#include "util/parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int dm_parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    /* strtol would take " 5" and "+5": a number is digits, after a '-' when it may be negative */
    if (!(*s >= '0' && *s <= '9') && !(min < 0 && *s == '-' && s[1] >= '0' && s[1] <= '9'))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int dm_parse_size(const char *s, uint64_t *out)
{
    static const char units[] = "KMGT"; /* powers of 1024 */
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    const char *u = *end ? strchr(units, *end) : NULL;
    int shift = u ? 10 * (int)(u - units + 1) : 0;
    if (errno || (*end && (!u || end[1])) || n > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)n << shift;
    return 0;
}
