/* Unit tests: FAT long names, short names the Windows way, case flags, labels, checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fat/fat.h"

#include <string.h>

static int utf16(const char *s, uint16_t out[256])
{
    const char *why = NULL;
    return dm_fat_utf16(s, out, &why);
}

/* The short name (as "BASE    EXT") and flags a long name gets as its basis. */
static int basis(const char *name, char out[12])
{
    uint16_t u[256];
    int n = utf16(name, u);
    assert_true(n > 0);
    int f = dm_fat_short_basis(u, n, (uint8_t *)out);
    out[11] = 0;
    return f;
}

static void test_utf16_conversion(void **state)
{
    (void)state;
    uint16_t u[256];
    assert_int_equal(utf16("bootmgr", u), 7);
    assert_int_equal(u[0], 'b');
    assert_int_equal(utf16("\xc3\xa9t\xc3\xa9", u), 3); /* été */
    assert_int_equal(u[0], 0xE9);
    assert_int_equal(utf16("\xf0\x9f\x98\x80", u), 2); /* U+1F600: a surrogate pair */
    assert_int_equal(u[0], 0xD83D);
    assert_int_equal(u[1], 0xDE00);
    assert_int_equal(utf16("\xe6\x97\xa5\xe6\x9c\xac", u), 2); /* 日本 */
}

static void test_utf16_rejects(void **state)
{
    (void)state;
    uint16_t u[256];
    const char *why = NULL;
    static const char *const bad[] = {
        "a:b", "what?", "a*", "x|y",       "q\"",    "<",    ">",        "a\\b",        "tab\there",
        "",    ".",     "..", "trailing.", "space ", "\xc3", "\xc0\xaf", "\xed\xa0\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        assert_int_equal(dm_fat_utf16(bad[i], u, &why), -1);
        assert_non_null(why);
    }
    char longname[300];
    memset(longname, 'a', 255);
    longname[255] = 0;
    assert_int_equal(dm_fat_utf16(longname, u, &why), 255);
    longname[255] = 'a', longname[256] = 0;
    assert_int_equal(dm_fat_utf16(longname, u, &why), -1);
    assert_non_null(strstr(why, "255"));
}

static void test_short_names_that_fit(void **state)
{
    (void)state;
    char s[12];
    assert_int_equal(basis("BOOTMGR", s), DM_FAT_FITS);
    assert_string_equal(s, "BOOTMGR    ");
    assert_int_equal(basis("bootmgr", s), DM_FAT_FITS | DM_FAT_LOWER_BASE);
    assert_string_equal(s, "BOOTMGR    ");
    assert_int_equal(basis("boot.sdi", s), DM_FAT_FITS | DM_FAT_LOWER_BASE | DM_FAT_LOWER_EXT);
    assert_string_equal(s, "BOOT    SDI");
    assert_int_equal(basis("SETUP.exe", s), DM_FAT_FITS | DM_FAT_LOWER_EXT);
    assert_int_equal(basis("Boot.Ini", s) & (DM_FAT_FITS | DM_FAT_MIXED),
                     DM_FAT_FITS | DM_FAT_MIXED);
    assert_string_equal(s, "BOOT    INI");
    assert_int_equal(basis("A1$~!.{}", s), DM_FAT_FITS);
}

static void test_short_names_that_do_not_fit(void **state)
{
    (void)state;
    char s[12];
    assert_false(basis("Program Files", s) & DM_FAT_FITS);
    assert_string_equal(s, "PROGRAMF   "); /* space dropped, cut to 8, no extension */
    assert_false(basis("resources", s) & DM_FAT_FITS);
    assert_false(basis("my.long.file.txt", s) & DM_FAT_FITS);
    assert_string_equal(s, "MYLONGFITXT");
    assert_false(basis("a+b.txt", s) & DM_FAT_FITS);
    assert_string_equal(s, "A_B     TXT");
    assert_false(basis(".bashrc", s) & DM_FAT_FITS);
    assert_string_equal(s, "BASHRC     ");
    assert_false(basis("file.html", s) & DM_FAT_FITS);
    assert_string_equal(s, "FILE    HTM");
    assert_false(basis("\xe6\x97\xa5\xe6\x9c\xac.txt", s) & DM_FAT_FITS);
    assert_string_equal(s, "__      TXT");
    assert_false(basis("+++", s) & DM_FAT_FITS);
    assert_string_equal(s, "___        ");
}

static void test_numeric_tails(void **state)
{
    (void)state;
    uint8_t n[11];
    memcpy(n, "PROGRAMF   ", 11);
    dm_fat_short_tail(n, 1);
    assert_memory_equal(n, "PROGRA~1   ", 11);
    memcpy(n, "LONGFILETXT", 11);
    dm_fat_short_tail(n, 12);
    assert_memory_equal(n, "LONGF~12TXT", 11);
    memcpy(n, "AB      TXT", 11);
    dm_fat_short_tail(n, 3);
    assert_memory_equal(n, "AB~3    TXT", 11);
    memcpy(n, "X          ", 11);
    dm_fat_short_tail(n, 1234567);
    assert_memory_equal(n, "~1234567   ", 11);
}

static void test_lfn_checksum(void **state)
{
    (void)state;
    /* Computed by hand from the rotate-and-add rule of the FAT specification. */
    uint8_t sum = 0;
    const uint8_t *name = (const uint8_t *)"PROGRA~1   ";
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)((sum >> 1) | (sum << 7)) + name[i];
    assert_int_equal(dm_fat_lfn_checksum(name), sum);
    assert_int_not_equal(dm_fat_lfn_checksum((const uint8_t *)"PROGRA~2   "), sum);
}

static void test_namecmp_folds_case(void **state)
{
    (void)state;
    uint16_t a[256], b[256];
    int la = utf16("README.txt", a), lb = utf16("readme.TXT", b);
    assert_int_equal(dm_fat_namecmp(a, la, b, lb), 0);
    la = utf16("\xc3\xa9t\xc3\xa9", a), lb = utf16("\xc3\x89T\xc3\x89", b); /* été / ÉTÉ */
    assert_int_equal(dm_fat_namecmp(a, la, b, lb), 0);
    la = utf16("\xd0\xb4\xd0\xb0", a), lb = utf16("\xd0\x94\xd0\x90", b); /* да / ДА */
    assert_int_equal(dm_fat_namecmp(a, la, b, lb), 0);
    la = utf16("a", a), lb = utf16("ab", b);
    assert_true(dm_fat_namecmp(a, la, b, lb) < 0);
    la = utf16("b", a), lb = utf16("A", b);
    assert_true(dm_fat_namecmp(a, la, b, lb) > 0);
}

static void test_labels(void **state)
{
    (void)state;
    char out[11];
    const char *why = NULL;
    assert_int_equal(dm_fat_label("Dart Rec", out, &why), 0);
    assert_memory_equal(out, "DART REC   ", 11);
    assert_int_equal(dm_fat_label("", out, &why), 0);
    assert_memory_equal(out, "           ", 11);
    assert_int_equal(dm_fat_label("ABCDEFGHIJKL", out, &why), -1);
    assert_non_null(strstr(why, "11"));
    assert_int_equal(dm_fat_label("A*B", out, &why), -1);
    assert_int_equal(dm_fat_label("A.B", out, &why), -1);
    assert_int_equal(dm_fat_label(" LEAD", out, &why), -1);
    assert_int_equal(dm_fat_label("\xc3\xa9", out, &why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf16_conversion),
        cmocka_unit_test(test_utf16_rejects),
        cmocka_unit_test(test_short_names_that_fit),
        cmocka_unit_test(test_short_names_that_do_not_fit),
        cmocka_unit_test(test_numeric_tails),
        cmocka_unit_test(test_lfn_checksum),
        cmocka_unit_test(test_namecmp_folds_case),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
