/* utf8.c — strict UTF-8 decoding (see utf8.h). */
#include "util/utf8.h"

#include <stddef.h>

int dm_utf8_next(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    int n = s[0] < 0x80             ? 1
            : (s[0] & 0xE0) == 0xC0 ? 2
            : (s[0] & 0xF0) == 0xE0 ? 3
            : (s[0] & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0)
        return 0;
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

const char *dm_utf8_text_fault(const char *name, int *units)
{
    int u = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s;) {
        uint32_t c;
        int n = dm_utf8_next(s, &c);
        if (n == 0)
            return "is not valid UTF-8";
        if (c < 0x20 || c == 0x7f)
            return "holds a control character";
        u += c >= 0x10000 ? 2 : 1;
        s += n;
    }
    if (units)
        *units = u;
    return NULL;
}
