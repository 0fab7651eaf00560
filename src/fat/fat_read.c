/* fat_read.c — the FAT reader's boot sector check and name decoding (see fat_read.h). */
#include "fat/fat_read.h"

#include "fat/fat.h"

#include <stdio.h>
#include <string.h>

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static int pow2(uint32_t v) { return v && (v & (v - 1)) == 0; }

/* The BPB's raw fields that the checks need. */
struct bpb {
    uint32_t bps, spc, reserved, nfats, root_entries, total, fat_sectors, root_cluster;
    int fat32_layout; /* no 16-bit FAT size: the FAT32 BPB */
};

static void read_bpb(const uint8_t *bs, struct bpb *b)
{
    b->bps = le16(bs + 11);
    b->spc = bs[13];
    b->reserved = le16(bs + 14);
    b->nfats = bs[16];
    b->root_entries = le16(bs + 17);
    b->total = le16(bs + 19) ? le16(bs + 19) : le32(bs + 32);
    b->fat32_layout = le16(bs + 22) == 0;
    b->fat_sectors = b->fat32_layout ? le32(bs + 36) : le16(bs + 22);
    b->root_cluster = b->fat32_layout ? le32(bs + 44) : 0;
}

/* The fields each on its own. Returns 0 or -1 with why. */
static int check_fields(const uint8_t *bs, const struct bpb *b, char *why)
{
    if (bs[0] != 0xEB && bs[0] != 0xE9)
        snprintf(why, DM_FATREAD_WHY, "no x86 jump at the start of the boot sector");
    else if (b->bps < 512 || b->bps > 4096 || !pow2(b->bps))
        snprintf(why, DM_FATREAD_WHY, "bytes per sector %u is not a power of two from 512 to 4096",
                 b->bps);
    else if (!pow2(b->spc))
        snprintf(why, DM_FATREAD_WHY, "sectors per cluster %u is not a power of two", b->spc);
    else if (b->reserved == 0)
        snprintf(why, DM_FATREAD_WHY, "no reserved sectors");
    else if (b->nfats == 0)
        snprintf(why, DM_FATREAD_WHY, "no FAT");
    else if (bs[21] != 0xF0 && bs[21] < 0xF8)
        snprintf(why, DM_FATREAD_WHY, "media byte 0x%02X", bs[21]);
    else if (b->fat_sectors == 0 || b->total == 0)
        snprintf(why, DM_FATREAD_WHY, "no %s size", b->total ? "FAT" : "volume");
    else if (b->fat32_layout && b->root_entries)
        snprintf(why, DM_FATREAD_WHY, "a FAT32 boot sector with a fixed root directory");
    else
        return 0;
    return -1;
}

/* The regions: reserved, FATs, root directory, data; the type from the cluster count. */
static int lay_out(const struct bpb *b, struct dm_fatread_geom *g, char *why)
{
    uint64_t root_sectors = ((uint64_t)b->root_entries * 32 + b->bps - 1) / b->bps;
    uint64_t data_sector = b->reserved + (uint64_t)b->nfats * b->fat_sectors + root_sectors;
    if (data_sector >= b->total) {
        snprintf(why, DM_FATREAD_WHY, "no data area: %u sectors, the data would start at %llu",
                 b->total, (unsigned long long)data_sector);
        return -1;
    }
    uint64_t clusters = (b->total - data_sector) / b->spc;
    *g = (struct dm_fatread_geom){
        .type = b->fat32_layout   ? 32
                : clusters < 4085 ? 12
                                  : 16,
        .sector_size = b->bps,
        .cluster_size = b->bps * b->spc,
        .clusters = (uint32_t)clusters,
        .fat_offset = (uint64_t)b->reserved * b->bps,
        .fat_bytes = (uint64_t)b->fat_sectors * b->bps,
        .root_offset = (b->reserved + (uint64_t)b->nfats * b->fat_sectors) * b->bps,
        .root_bytes = b->root_entries * 32,
        .root_cluster = b->root_cluster,
        .data_offset = data_sector * b->bps,
        .volume_bytes = (uint64_t)b->total * b->bps,
    };
    return 0;
}

/* The cluster count against the type and the FAT's size. */
static int check_clusters(const struct dm_fatread_geom *g, char *why)
{
    uint64_t limit = g->type == 12 ? 4084 : g->type == 16 ? 65524 : 0x0FFFFFF5 - 1;
    uint64_t need = g->type == 12 ? ((uint64_t)g->clusters + 2) * 3 / 2 + 1
                                  : ((uint64_t)g->clusters + 2) * (unsigned)(g->type / 8);
    if (g->clusters == 0)
        snprintf(why, DM_FATREAD_WHY, "no data clusters");
    else if (g->clusters > limit)
        snprintf(why, DM_FATREAD_WHY, "%u clusters are too many for FAT%d", g->clusters, g->type);
    else if (g->fat_bytes < need)
        snprintf(why, DM_FATREAD_WHY, "a FAT of %llu bytes cannot map %u clusters",
                 (unsigned long long)g->fat_bytes, g->clusters);
    else if (g->type == 32 && (g->root_cluster < 2 || g->root_cluster > g->clusters + 1))
        snprintf(why, DM_FATREAD_WHY, "root directory cluster %u is outside the volume",
                 g->root_cluster);
    else
        return 0;
    return -1;
}

int dm_fatread_marked(const uint8_t bs[512]) { return memcmp(bs + 3, DM_FAT_MARK, 8) == 0; }

int dm_fatread_geometry(const uint8_t bs[512], struct dm_fatread_geom *g, char why[DM_FATREAD_WHY])
{
    struct bpb b;
    if (dm_fatread_marked(bs)) {
        snprintf(why, DM_FATREAD_WHY, "%s", DM_FATREAD_INCOMPLETE);
        return -1;
    }
    read_bpb(bs, &b);
    if (check_fields(bs, &b, why) || lay_out(&b, g, why))
        return -1;
    return check_clusters(g, why);
}

/* ---- names ---- */

void dm_fatread_lfn_reset(struct dm_fatread_lfn *l) { l->count = l->next = 0; }

void dm_fatread_lfn_add(struct dm_fatread_lfn *l, const uint8_t e[32])
{
    static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    int seq = e[0] & 0x3F;
    if (e[0] & 0x40) { /* the last part of the name comes first and starts a set */
        l->count = seq;
        l->next = seq;
        l->checksum = e[13];
    }
    if (seq < 1 || seq > 20 || (e[0] & 0x80) || seq != l->next || e[13] != l->checksum) {
        dm_fatread_lfn_reset(l);
        return;
    }
    for (int i = 0; i < 13; i++)
        l->units[(seq - 1) * 13 + i] = (uint16_t)le16(e + at[i]);
    l->next = seq - 1;
}

static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

int dm_fatread_utf8(const uint16_t *u, int n, char *out, size_t cap)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c == 0 || (c >= 0xDC00 && c <= 0xDFFF))
            return -1;
        if (c >= 0xD800 && c <= 0xDBFF) { /* a high surrogate takes the low one after it */
            if (i + 1 >= n || u[i + 1] < 0xDC00 || u[i + 1] > 0xDFFF)
                return -1;
            c = 0x10000 + ((c - 0xD800) << 10) + (u[++i] - 0xDC00u);
        }
        if (len + 5 > cap)
            return -1;
        len += put_utf8(out + len, c);
    }
    if (len >= cap)
        return -1;
    out[len] = 0;
    return (int)len;
}

/* The long name of a complete set; -1 when it is not a usable name. */
static int long_name(const struct dm_fatread_lfn *l, char *out)
{
    int max = l->count * 13, n = 0;
    while (n < max && l->units[n] != 0) /* NUL-terminated unless it fills the last entry */
        n++;
    if (n == 0 || n > 255)
        return -1;
    for (int i = 0; i < n; i++)
        if (l->units[i] == '/' || l->units[i] < 0x20)
            return -1;
    if ((n == 1 && l->units[0] == '.') || (n == 2 && l->units[0] == '.' && l->units[1] == '.'))
        return -1;
    return dm_fatread_utf8(l->units, n, out, DM_FATREAD_NAME_MAX) < 0 ? -1 : 0;
}

int dm_fatread_name(struct dm_fatread_lfn *l, const uint8_t e[32], char out[DM_FATREAD_NAME_MAX])
{
    int complete = l->count > 0 && l->next == 0 && l->checksum == dm_fat_lfn_checksum(e);
    int rc = complete ? long_name(l, out) : -1;
    dm_fatread_lfn_reset(l);
    return rc == 0 ? 0 : dm_fatread_short_name(e, out);
}

/* Code page 437, bytes 0x80..0xFF: what DOS and Windows (US) put in short names. */
static const uint16_t cp437[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
    0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0};

/* The lower case of the capitals code page 437 has: ASCII, Latin-1 (Ç, É, Ä, Ñ...), Greek (Γ,
 * Σ...). Windows and Linux lower those too when the NT case flag says so. */
static uint32_t lower(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
        (c >= 0x391 && c <= 0x3A9 && c != 0x3A2))
        return c + 0x20;
    return c;
}

/* Appends one part (base or extension) of a short name; -1 for a byte no name may hold. */
static int short_part(const uint8_t *p, int n, int lower_case, char *out, size_t *len)
{
    while (n > 0 && p[n - 1] == ' ')
        n--;
    for (int i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == '/')
            return -1;
        uint32_t c = p[i] < 0x80 ? p[i] : cp437[p[i] - 0x80];
        *len += put_utf8(out + *len, lower_case ? lower(c) : c);
    }
    return n;
}

int dm_fatread_short_name(const uint8_t e[32], char out[DM_FATREAD_NAME_MAX])
{
    uint8_t base[8];
    memcpy(base, e, 8);
    if (base[0] == 0x05) /* 0xE5 is a deleted entry's mark; a name starting with it says 0x05 */
        base[0] = 0xE5;
    size_t len = 0;
    int nb = short_part(base, 8, e[12] & 0x08, out, &len);
    if (nb <= 0)
        return -1;
    size_t dot = len;
    out[len++] = '.';
    int ne = short_part(e + 8, 3, e[12] & 0x10, out, &len);
    if (ne < 0)
        return -1;
    if (ne == 0)
        len = dot;
    out[len] = 0;
    return 0;
}
