/* fat_names.c — long names (UTF-16), short 8.3 names the Windows way, labels, checksums. */
#include "fat/fat.h"
#include "util/utf8.h"

#include <string.h>

#define MAX_LFN 255

/* Characters no FAT name may hold (besides controls below 0x20). */
static int forbidden_long(uint32_t c)
{
    return c < 0x20 || (c < 0x80 && strchr("\"*/:<>?\\|", (int)c));
}

/* Characters a short name may hold as they are (after upper-casing). */
static int short_ok(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c < 0x80 && c != 0 && strchr("!#$%&'()-@^_`{}~", (int)c) != NULL;
}

int dm_fat_utf16(const char *utf8, uint16_t out[256], const char **why)
{
    const unsigned char *s = (const unsigned char *)utf8;
    int len = 0;
    if (!*s)
        return *why = "an empty name", -1;
    if (strcmp(utf8, ".") == 0 || strcmp(utf8, "..") == 0)
        return *why = "'.' and '..' cannot be names", -1;
    while (*s) {
        uint32_t c;
        int n = dm_utf8_next(s, &c);
        if (n == 0)
            return *why = "the name is not valid UTF-8", -1;
        if (forbidden_long(c))
            return *why = "FAT does not allow the characters \" * / : < > ? \\ | or control "
                          "characters in names",
                   -1;
        int units = c >= 0x10000 ? 2 : 1;
        if (len + units > MAX_LFN)
            return *why = "the name is longer than FAT's 255 characters", -1;
        if (units == 2) {
            out[len++] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            out[len++] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            out[len++] = (uint16_t)c;
        }
        s += n;
    }
    if (out[len - 1] == '.' || out[len - 1] == ' ')
        return *why = "the name ends with a dot or a space, which Windows drops", -1;
    return len;
}

/* Upper case for the letters FAT name comparison folds: ASCII, Latin-1, Greek, Cyrillic. */
static uint16_t fold(uint16_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ||
        (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
        return (uint16_t)(c - 0x20);
    if (c == 0xFF)
        return 0x178;
    if (c >= 0x450 && c <= 0x45F)
        return (uint16_t)(c - 0x50);
    return c;
}

int dm_fat_namecmp(const uint16_t *a, int alen, const uint16_t *b, int blen)
{
    for (int i = 0; i < alen && i < blen; i++) {
        uint16_t x = fold(a[i]), y = fold(b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen - blen;
}

/* Copies one part (base or extension) of a name into a short-name field. Returns flags:
 * DM_FAT_FITS when nothing was lost or dropped; the case of its letters. */
struct part {
    int lower, upper, lossy, n;
};

static void put_part(const uint16_t *p, int len, uint8_t *dst, int room, struct part *r)
{
    *r = (struct part){0};
    for (int i = 0; i < len; i++) {
        uint16_t c = p[i];
        if (c == ' ' || c == '.') { /* dropped, as Windows does */
            r->lossy = 1;
            continue;
        }
        r->lower |= c >= 'a' && c <= 'z';
        r->upper |= c >= 'A' && c <= 'Z';
        uint16_t u = (c >= 'a' && c <= 'z') ? (uint16_t)(c - 32) : c;
        if (!short_ok(u)) {
            u = '_';
            r->lossy = 1;
        }
        if (r->n < room)
            dst[r->n] = (uint8_t)u;
        else
            r->lossy = 1; /* too long for the field */
        r->n++;
    }
}

int dm_fat_short_basis(const uint16_t *name, int len, uint8_t out[11])
{
    memset(out, ' ', 11);
    int start = 0;
    while (start < len && name[start] == '.') /* leading dots are dropped */
        start++;
    int dot = -1;
    for (int i = len - 1; i >= start; i--)
        if (name[i] == '.') {
            dot = i;
            break;
        }
    int base_end = dot >= 0 ? dot : len;
    struct part b, e = {0};
    put_part(name + start, base_end - start, out, 8, &b);
    if (dot >= 0)
        put_part(name + dot + 1, len - dot - 1, out + 8, 3, &e);
    if (b.n == 0) { /* nothing usable in the base: Windows still needs one character */
        out[0] = '_';
        b.lossy = 1;
    }
    int flags = 0;
    if (!b.lossy && !e.lossy && start == 0)
        flags |= DM_FAT_FITS;
    if ((b.lower && b.upper) || (e.lower && e.upper))
        flags |= DM_FAT_MIXED;
    if (b.lower && !b.upper)
        flags |= DM_FAT_LOWER_BASE;
    if (e.lower && !e.upper)
        flags |= DM_FAT_LOWER_EXT;
    if (out[0] == 0xE5) /* a deleted-entry marker; FAT stores it as 0x05 */
        out[0] = 0x05;
    return flags;
}

void dm_fat_short_tail(uint8_t name[11], unsigned n)
{
    char tail[12];
    int tl = 0;
    tail[tl++] = '~';
    char digits[11];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n && nd < 7);
    while (nd)
        tail[tl++] = digits[--nd];
    int base = 0;
    while (base < 8 && name[base] != ' ')
        base++;
    int at = base + tl <= 8 ? base : 8 - tl;
    memcpy(name + at, tail, (size_t)tl);
    for (int i = at + tl; i < 8; i++)
        name[i] = ' ';
}

uint8_t dm_fat_lfn_checksum(const uint8_t name[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

int dm_fat_label(const char *label, char out[11], const char **why)
{
    memset(out, ' ', 11);
    size_t n = label ? strlen(label) : 0;
    if (n > 11)
        return *why = "longer than 11 characters", -1;
    if (n && label[0] == ' ')
        return *why = "it starts with a space", -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)label[i];
        unsigned char u = (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
        if (u != ' ' && !short_ok(u))
            return *why = "FAT labels allow only letters, digits, spaces and ! # $ % & ' ( ) - @ "
                          "^ _ ` { } ~",
                   -1;
        out[i] = (char)u;
    }
    return 0;
}
