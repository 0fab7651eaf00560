/* Unit tests: the FAT reader's name decoding (long names, checksums, NT case flags, UTF-16
 * surrogates, code page 437) and its boot sector checks (src/fat/fat_read.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fat/fat.h"
#include "fat/fat_read.h"

#include <string.h>

/* A short entry: 11 name bytes, NT case flags. */
static void short_entry(uint8_t e[32], const char *name11, uint8_t nt)
{
    memset(e, 0, 32);
    memcpy(e, name11, 11);
    e[11] = 0x20;
    e[12] = nt;
}

/* The long-name entry `seq` (1-based; last marks the first entry on disk) carrying units
 * [(seq-1)*13, seq*13) of name (n units), NUL-terminated and 0xFFFF-padded as Windows writes. */
static void lfn_entry(uint8_t e[32], const uint16_t *name, int n, int seq, int last,
                      uint8_t checksum)
{
    static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    memset(e, 0, 32);
    e[0] = (uint8_t)(seq | (last ? 0x40 : 0));
    e[11] = 0x0F;
    e[13] = checksum;
    for (int i = 0; i < 13; i++) {
        int k = (seq - 1) * 13 + i;
        uint16_t u = k < n ? name[k] : k == n ? 0 : 0xFFFF;
        e[at[i]] = (uint8_t)u;
        e[at[i] + 1] = (uint8_t)(u >> 8);
    }
}

/* Decodes name (n units) stored as long-name entries before short name11, the way they lie on
 * disk (last part first), with the checksum given. */
static int decode(const uint16_t *name, int n, const char *name11, uint8_t checksum, char *out)
{
    struct dm_fatread_lfn l;
    uint8_t e[32];
    int count = (n + 12) / 13;
    dm_fatread_lfn_reset(&l);
    for (int seq = count; seq >= 1; seq--) {
        lfn_entry(e, name, n, seq, seq == count, checksum);
        dm_fatread_lfn_add(&l, e);
    }
    short_entry(e, name11, 0);
    return dm_fatread_name(&l, e, out);
}

static uint8_t sum(const char *name11) { return dm_fat_lfn_checksum((const uint8_t *)name11); }

static int ascii16(const char *s, uint16_t *u)
{
    int n = 0;
    while (s[n]) {
        u[n] = (uint8_t)s[n];
        n++;
    }
    return n;
}

static void test_long_name_read(void **state)
{
    (void)state;
    uint16_t u[256];
    char out[DM_FATREAD_NAME_MAX];
    int n = ascii16("A Long File Name.txt", u);
    assert_int_equal(decode(u, n, "ALONGF~1TXT", sum("ALONGF~1TXT"), out), 0);
    assert_string_equal(out, "A Long File Name.txt");
    /* Exactly 13 units: no NUL, no padding. */
    n = ascii16("thirteen.char", u);
    assert_int_equal(decode(u, n, "THIRTE~1CHA", sum("THIRTE~1CHA"), out), 0);
    assert_string_equal(out, "thirteen.char");
    /* 255 units in 20 entries. */
    for (n = 0; n < 255; n++)
        u[n] = 'a' + n % 26;
    assert_int_equal(decode(u, n, "ABCDEF~1   ", sum("ABCDEF~1   "), out), 0);
    assert_int_equal(strlen(out), 255);
    assert_int_equal(out[254], 'a' + 254 % 26);
}

static void test_checksum_mismatch_uses_short_name(void **state)
{
    (void)state;
    uint16_t u[64];
    char out[DM_FATREAD_NAME_MAX];
    int n = ascii16("A Long File Name.txt", u);
    assert_int_equal(decode(u, n, "ALONGF~2TXT", sum("ALONGF~1TXT"), out), 0);
    assert_string_equal(out, "ALONGF~2.TXT");
}

static void test_broken_sets_use_short_name(void **state)
{
    (void)state;
    uint16_t u[64];
    char out[DM_FATREAD_NAME_MAX];
    struct dm_fatread_lfn l;
    uint8_t e[32];
    int n = ascii16("a name of thirty characters ok", u); /* 3 entries */
    uint8_t cs = sum("ANAMEO~1   ");
    /* Entry 2 missing: 3 then 1. */
    dm_fatread_lfn_reset(&l);
    lfn_entry(e, u, n, 3, 1, cs);
    dm_fatread_lfn_add(&l, e);
    lfn_entry(e, u, n, 1, 0, cs);
    dm_fatread_lfn_add(&l, e);
    short_entry(e, "ANAMEO~1   ", 0);
    assert_int_equal(dm_fatread_name(&l, e, out), 0);
    assert_string_equal(out, "ANAMEO~1");
    /* The first entry on disk without its 0x40 mark. */
    dm_fatread_lfn_reset(&l);
    for (int seq = 3; seq >= 1; seq--) {
        lfn_entry(e, u, n, seq, 0, cs);
        dm_fatread_lfn_add(&l, e);
    }
    short_entry(e, "ANAMEO~1   ", 0);
    assert_int_equal(dm_fatread_name(&l, e, out), 0);
    assert_string_equal(out, "ANAMEO~1");
    /* A set that stops short (entry 1 never comes). */
    dm_fatread_lfn_reset(&l);
    lfn_entry(e, u, n, 3, 1, cs);
    dm_fatread_lfn_add(&l, e);
    lfn_entry(e, u, n, 2, 0, cs);
    dm_fatread_lfn_add(&l, e);
    short_entry(e, "ANAMEO~1   ", 0);
    assert_int_equal(dm_fatread_name(&l, e, out), 0);
    assert_string_equal(out, "ANAMEO~1");
    /* The set is used once: the next short entry gets its own name. */
    short_entry(e, "OTHER   TXT", 0);
    assert_int_equal(dm_fatread_name(&l, e, out), 0);
    assert_string_equal(out, "OTHER.TXT");
}

static void test_unusable_long_names(void **state)
{
    (void)state;
    uint16_t u[8];
    char out[DM_FATREAD_NAME_MAX];
    int n = ascii16("a/b", u);
    assert_int_equal(decode(u, n, "A_B        ", sum("A_B        "), out), 0);
    assert_string_equal(out, "A_B");
    n = ascii16("..", u);
    assert_int_equal(decode(u, n, "DOTDOT     ", sum("DOTDOT     "), out), 0);
    assert_string_equal(out, "DOTDOT");
    u[0] = 'x', u[1] = 0xDC00; /* a low surrogate alone */
    assert_int_equal(decode(u, 2, "X_         ", sum("X_         "), out), 0);
    assert_string_equal(out, "X_");
}

static void test_surrogates(void **state)
{
    (void)state;
    char out[16];
    const uint16_t smile[] = {'a', 0xD83D, 0xDE00, 'b'};
    assert_int_equal(dm_fatread_utf8(smile, 4, out, sizeof out), 6);
    assert_string_equal(out, "a\xf0\x9f\x98\x80"
                             "b");
    const uint16_t high_alone[] = {0xD83D, 'b'};
    assert_int_equal(dm_fatread_utf8(high_alone, 2, out, sizeof out), -1);
    const uint16_t high_last[] = {'a', 0xD83D};
    assert_int_equal(dm_fatread_utf8(high_last, 2, out, sizeof out), -1);
    const uint16_t low_first[] = {0xDE00, 'a'};
    assert_int_equal(dm_fatread_utf8(low_first, 2, out, sizeof out), -1);
    const uint16_t bmp[] = {0xE9, 0x65E5, 0x0416};
    assert_int_equal(dm_fatread_utf8(bmp, 3, out, sizeof out), 7);
    assert_string_equal(out, "\xc3\xa9\xe6\x97\xa5\xd0\x96");
    assert_int_equal(dm_fatread_utf8(bmp, 3, out, 4), -1); /* too small a buffer */
}

static void test_nt_case_flags(void **state)
{
    (void)state;
    uint8_t e[32];
    char out[DM_FATREAD_NAME_MAX];
    static const struct {
        const char *raw;
        uint8_t nt;
        const char *name;
    } cases[] = {
        {"README  TXT", 0x00, "README.TXT"},
        {"README  TXT", 0x08, "readme.TXT"},
        {"README  TXT", 0x10, "README.txt"},
        {"README  TXT", 0x18, "readme.txt"},
        {"BOOTMGR    ", 0x18, "bootmgr"},
        {"A1_~$   B  ", 0x18, "a1_~$.b"},
        {"\x90T\x90        ", 0x08, "\xc3\xa9t\xc3\xa9"}, /* ÉTÉ in code page 437, lowered */
        {"\x90T\x90        ", 0x00, "\xc3\x89T\xc3\x89"},
        {"\x05XY     Z  ", 0x00, "\xcf\x83XY.Z"}, /* 0x05 stands for 0xE5 (σ in 437) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        short_entry(e, cases[i].raw, cases[i].nt);
        assert_int_equal(dm_fatread_short_name(e, out), 0);
        assert_string_equal(out, cases[i].name);
    }
    short_entry(e, "           ", 0);
    assert_int_equal(dm_fatread_short_name(e, out), -1);
    short_entry(e, "A/B     TXT", 0);
    assert_int_equal(dm_fatread_short_name(e, out), -1);
    short_entry(e, "A\x01      TXT", 0);
    assert_int_equal(dm_fatread_short_name(e, out), -1);
}

/* A FAT16 boot sector of `sectors` 512-byte sectors: 4 reserved, 2 FATs of 40 sectors, 512 root
 * entries, 4 sectors per cluster. */
static void fat16_boot(uint8_t bs[512], uint32_t sectors)
{
    memset(bs, 0, 512);
    bs[0] = 0xEB, bs[1] = 0x3C, bs[2] = 0x90;
    bs[11] = 0x00, bs[12] = 0x02; /* 512 */
    bs[13] = 4;
    bs[14] = 4;
    bs[16] = 2;
    bs[17] = 0x00, bs[18] = 0x02; /* 512 root entries */
    bs[19] = (uint8_t)sectors, bs[20] = (uint8_t)(sectors >> 8);
    bs[21] = 0xF8;
    bs[22] = 40;
    bs[510] = 0x55, bs[511] = 0xAA;
}

static void test_geometry(void **state)
{
    (void)state;
    uint8_t bs[512];
    struct dm_fatread_geom g;
    char why[DM_FATREAD_WHY];
    fat16_boot(bs, 40000);
    assert_int_equal(dm_fatread_geometry(bs, &g, why), 0);
    assert_int_equal(g.type, 16);
    assert_int_equal(g.cluster_size, 2048);
    assert_int_equal(g.fat_offset, 4 * 512);
    assert_int_equal(g.root_offset, (4 + 80) * 512);
    assert_int_equal(g.root_bytes, 512 * 32);
    assert_int_equal(g.data_offset, (4 + 80 + 32) * 512);
    assert_int_equal(g.clusters, (40000 - 116) / 4);
    assert_int_equal(g.volume_bytes, 40000 * 512);
    fat16_boot(bs, 8000); /* fewer than 4085 clusters: FAT12 */
    assert_int_equal(dm_fatread_geometry(bs, &g, why), 0);
    assert_int_equal(g.type, 12);
}

static void test_geometry_rejects(void **state)
{
    (void)state;
    uint8_t bs[512];
    struct dm_fatread_geom g;
    char why[DM_FATREAD_WHY];
    static const struct {
        int at;
        uint8_t value;
        const char *why;
    } bad[] = {
        {0, 0x00, "no x86 jump"},
        {12, 0x0B, "bytes per sector 2816"}, /* 0x0B00 */
        {12, 0x20, "bytes per sector 8192"},
        {13, 3, "sectors per cluster 3"},
        {13, 0, "sectors per cluster 0"},
        {14, 0, "no reserved sectors"},
        {16, 0, "no FAT"},
        {21, 0x12, "media byte 0x12"},
        {22, 0, "no FAT size"},
        {22, 1, "cannot map"},
        {23, 0x4E, "no data area"}, /* 2 FATs of 19968 sectors */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fat16_boot(bs, 40000);
        bs[bad[i].at] = bad[i].value;
        why[0] = 0;
        assert_int_equal(dm_fatread_geometry(bs, &g, why), -1);
        if (!strstr(why, bad[i].why))
            fail_msg("case %zu: '%s' does not say '%s'", i, why, bad[i].why);
    }
    fat16_boot(bs, 40000); /* the FAT32 layout (no 16-bit FAT size) with a fixed root */
    bs[22] = 0, bs[36] = 40;
    assert_int_equal(dm_fatread_geometry(bs, &g, why), -1);
    assert_non_null(strstr(why, "a FAT32 boot sector with a fixed root directory"));
    fat16_boot(bs, 40000); /* a FAT32 layout whose root cluster is outside */
    bs[17] = bs[18] = 0, bs[22] = 0, bs[36] = 255, bs[37] = 1, bs[19] = bs[20] = 0;
    bs[32] = 0x40, bs[33] = 0x0D, bs[34] = 0x03; /* 200000 sectors */
    bs[44] = 0xFF, bs[45] = 0xFF, bs[46] = 0xFF;
    assert_int_equal(dm_fatread_geometry(bs, &g, why), -1);
    assert_non_null(strstr(why, "root directory cluster"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_name_read),
        cmocka_unit_test(test_checksum_mismatch_uses_short_name),
        cmocka_unit_test(test_broken_sets_use_short_name),
        cmocka_unit_test(test_unusable_long_names),
        cmocka_unit_test(test_surrogates),
        cmocka_unit_test(test_nt_case_flags),
        cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_geometry_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
