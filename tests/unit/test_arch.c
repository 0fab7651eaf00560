/* Unit tests: architecture from WIM XML values and PE headers; integer option parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "source/wim.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arch_from_xml),
        cmocka_unit_test(test_pe_machine),
        cmocka_unit_test(test_parse_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
