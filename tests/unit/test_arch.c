/* Unit tests: architecture from WIM XML values and PE headers; integer option parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "source/wim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_arch_from_xml(void **state)
{
    (void)state;
    assert_int_equal(dm_arch_from_wim_xml("9"), DM_ARCH_AMD64);
    assert_int_equal(dm_arch_from_wim_xml("0"), DM_ARCH_X86);
    assert_int_equal(dm_arch_from_wim_xml("12"), DM_ARCH_ARM64);
    assert_int_equal(dm_arch_from_wim_xml("5"), DM_ARCH_ARM);
    assert_int_equal(dm_arch_from_wim_xml("6"), DM_ARCH_UNKNOWN); /* IA-64: not ours */
    assert_int_equal(dm_arch_from_wim_xml(""), DM_ARCH_UNKNOWN);
    assert_int_equal(dm_arch_from_wim_xml(NULL), DM_ARCH_UNKNOWN);
    assert_int_equal(dm_arch_from_wim_xml("9x"), DM_ARCH_UNKNOWN);
    assert_string_equal(dm_arch_name(DM_ARCH_AMD64), "amd64");
    assert_null(dm_arch_name(DM_ARCH_UNKNOWN));
}

static void make_pe(unsigned char *b, size_t n, uint32_t lfanew, uint16_t machine)
{
    memset(b, 0, n);
    b[0] = 'M', b[1] = 'Z';
    b[0x3c] = (unsigned char)lfanew, b[0x3d] = (unsigned char)(lfanew >> 8);
    memcpy(b + lfanew, "PE\0\0", 4);
    b[lfanew + 4] = (unsigned char)machine, b[lfanew + 5] = (unsigned char)(machine >> 8);
}

static void test_pe_machine(void **state)
{
    (void)state;
    unsigned char b[512];
    uint16_t m = 0;
    make_pe(b, sizeof b, 0x80, 0x8664);
    assert_int_equal(dm_pe_machine(b, sizeof b, &m), 0);
    assert_int_equal(m, 0x8664);
    assert_int_equal(dm_arch_from_pe_machine(m), DM_ARCH_AMD64);
    make_pe(b, sizeof b, 0x80, 0x014c);
    assert_int_equal(dm_pe_machine(b, sizeof b, &m), 0);
    assert_int_equal(dm_arch_from_pe_machine(m), DM_ARCH_X86);
    /* e_lfanew pointing past the buffer, a missing signature, no MZ, too short. */
    make_pe(b, sizeof b, 0x80, 0x8664);
    b[0x3c] = 0xff, b[0x3d] = 0x01;
    assert_int_equal(dm_pe_machine(b, sizeof b, &m), -1);
    make_pe(b, sizeof b, 0x80, 0x8664);
    b[0x81] = 'X';
    assert_int_equal(dm_pe_machine(b, sizeof b, &m), -1);
    make_pe(b, sizeof b, 0x80, 0x8664);
    b[0] = 'Z';
    assert_int_equal(dm_pe_machine(b, sizeof b, &m), -1);
    assert_int_equal(dm_pe_machine(b, 16, &m), -1);
    make_pe(b, sizeof b, 0x80, 0x8664);
    assert_int_equal(dm_pe_machine(b, 0x85, &m), -1); /* machine field cut off */
}

static void test_parse_int(void **state)
{
    (void)state;
    long v;
    assert_int_equal(dm_parse_int("2", 1, 10, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(dm_parse_int("0", 1, 10, &v), -1);
    assert_int_equal(dm_parse_int("11", 1, 10, &v), -1);
    assert_int_equal(dm_parse_int("3x", 1, 10, &v), -1);
    assert_int_equal(dm_parse_int("", 1, 10, &v), -1);
    assert_int_equal(dm_parse_int("99999999999999999999", 1, 10, &v), -1);
    assert_int_equal(dm_parse_int(" 2", 1, 10, &v), -1); /* strtol takes these */
    assert_int_equal(dm_parse_int("+2", 1, 10, &v), -1);
    assert_int_equal(dm_parse_int("-2", 1, 10, &v), -1);
    assert_int_equal(dm_parse_int("-2", -5, 10, &v), 0);
    assert_int_equal(v, -2);
    assert_int_equal(dm_parse_int("- 2", -5, 10, &v), -1);
}

/* A fixture program (build/fixtures/dart: mingw-w64 with a VERSIONINFO resource), read whole. */
static unsigned char *fixture(const char *name, size_t *n)
{
    const char *dir = getenv("FIXTURES");
    char path[4096];
    assert_non_null(dir); /* make check sets it; run by hand: FIXTURES=build/fixtures */
    snprintf(path, sizeof path, "%s/dart/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *b = malloc(1 << 20);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static void test_pe_version(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uint16_t v[4];
        uint16_t machine;
    } cases[] = {{"7-amd64.exe", {7, 0, 1010, 0}, 0x8664},
                 {"7-x86.exe", {7, 0, 1010, 0}, 0x14c},
                 {"10-amd64.exe", {10, 0, 10586, 0}, 0x8664}};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        unsigned char *b = fixture(cases[i].file, &n);
        uint16_t v[4], m;
        assert_int_equal(dm_pe_version(b, n, v), 0);
        assert_memory_equal(v, cases[i].v, sizeof v);
        assert_int_equal(dm_pe_machine(b, n, &m), 0);
        assert_int_equal(m, cases[i].machine);
        free(b);
    }
    unsigned char plain[512];
    uint16_t v[4];
    make_pe(plain, sizeof plain, 0x80, 0x8664); /* no optional header, no resources */
    assert_int_equal(dm_pe_version(plain, sizeof plain, v), -1);
}

/* Every prefix of a real program, and random damage to it: never a read outside the buffer (the
 * ASan build), and the version is either found whole or not at all. */
static void test_pe_version_damaged(void **state)
{
    (void)state;
    size_t n;
    unsigned char *b = fixture("7-amd64.exe", &n);
    uint16_t v[4];
    for (size_t k = 0; k <= n; k += 7) {
        unsigned char *c = malloc(k ? k : 1); /* exactly k bytes: ASan sees any overrun */
        memcpy(c, b, k);
        if (dm_pe_version(c, k, v) == 0)
            assert_int_equal(v[0], 7);
        free(c);
    }
    /* damage where the parser reads: the headers and section table, and the resource section
     * around the VS_FIXEDFILEINFO signature */
    const unsigned char sig[] = {0xBD, 0x04, 0xEF, 0xFE};
    const unsigned char *at = memmem(b, n, sig, 4);
    assert_non_null(at);
    size_t rsrc = (size_t)(at - b) > 1024 ? (size_t)(at - b) - 1024 : 0;
    srand(17);
    for (int t = 0; t < 3000; t++) {
        unsigned char *c = malloc(n);
        memcpy(c, b, n);
        for (int f = 0; f < 4; f++)
            c[(size_t)rand() % 1024] = (unsigned char)rand();
        for (int f = 0; f < 4; f++)
            c[rsrc + (size_t)rand() % 1200 % (n - rsrc)] = (unsigned char)rand();
        dm_pe_version(c, n, v);
        free(c);
    }
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arch_from_xml), cmocka_unit_test(test_pe_machine),
        cmocka_unit_test(test_pe_version),    cmocka_unit_test(test_pe_version_damaged),
        cmocka_unit_test(test_parse_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
