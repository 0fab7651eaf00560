/* Unit tests: the UEFI boot entry for a recovery partition (boot/efientry.c), built with
 * libefiboot and read back with libefivar's own parsers: the device path's text, the load
 * option's description, attributes and path. Writing the firmware's variables needs a machine
 * started with UEFI; this one is not, which dm_efi_available must say. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "boot/efientry.h"

#include <efivar/efiboot.h>
#include <efivar/efivar.h>
#include <string.h>
#include <unistd.h>

static const char uuid[] = "BE1038F8-5EE6-8D49-BEDA-B2E30A3159D3";

static void test_path_text(void **state)
{
    (void)state;
    struct dm_efi_entry e;
    assert_int_equal(dm_efi_entry_make(4, uuid, 542113792, 471859200, "\\EFI\\BOOT\\BOOTX64.EFI",
                                       "DaRT Recovery", &e),
                     0);
    assert_string_equal(e.path, "HD(4,GPT,be1038f8-5ee6-8d49-beda-b2e30a3159d3,0x102800,0xe1000)"
                                "/File(\\EFI\\BOOT\\BOOTX64.EFI)");
    assert_int_equal(e.added, 0);
    dm_efi_entry_free(&e);
}

static void test_load_option(void **state)
{
    (void)state;
    struct dm_efi_entry e;
    char text[512];
    assert_int_equal(dm_efi_entry_make(2, uuid, 1048576, 1048576 * 450ull,
                                       "\\EFI\\BOOT\\BOOTIA32.EFI", "DaRT Recovery", &e),
                     0);
    efi_load_option *opt = (efi_load_option *)e.option;
    assert_int_equal(efi_loadopt_attrs(opt), 1); /* LOAD_OPTION_ACTIVE */
    assert_string_equal((const char *)efi_loadopt_desc(opt, (ssize_t)e.option_size),
                        "DaRT Recovery");
    efidp dp = efi_loadopt_path(opt, (ssize_t)e.option_size);
    assert_non_null(dp);
    assert_true(efidp_format_device_path(text, sizeof text, dp,
                                         efi_loadopt_pathlen(opt, (ssize_t)e.option_size)) > 0);
    assert_string_equal(text, e.path);
    assert_non_null(strstr(text, "HD(2,GPT,"));
    assert_non_null(strstr(text, ",0x800,0xe1000)/File(\\EFI\\BOOT\\BOOTIA32.EFI)"));
    dm_efi_entry_free(&e);
}

static void test_bad_guid(void **state)
{
    (void)state;
    struct dm_efi_entry e;
    assert_int_equal(dm_efi_entry_make(1, "not-a-guid", 0, 512, "\\X.EFI", "D", &e), 1);
    assert_null(e.option);
}

static void test_this_machine(void **state)
{
    (void)state;
    assert_int_equal(dm_efi_available(), access("/sys/firmware/efi/efivars", F_OK) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_text),
        cmocka_unit_test(test_load_option),
        cmocka_unit_test(test_bad_guid),
        cmocka_unit_test(test_this_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
