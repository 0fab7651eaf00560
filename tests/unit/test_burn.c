/* Unit tests: the parts of `dartmk burn` that need no drive — the ISO check, the capacity check
 * (sector rounding at the edges, which the CLI tests cannot reach through a file system's free
 * space), the --speed parser, the classification of stdio: paths, and the read-back comparison
 * that verifies every burn (a copy with one byte changed must be caught, at that byte). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "target/burn.h"
#include "report_to.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A primary volume descriptor for a volume of `blocks` blocks of `block` bytes. */

static void make_pvd(unsigned char *pvd, uint32_t blocks, uint16_t block)
{
    memset(pvd, 0, DM_ISO_SECTOR);
    memcpy(pvd, "\001CD001\001", 7);
    for (int i = 0; i < 4; i++) {
        pvd[80 + i] = (unsigned char)(blocks >> (8 * i));
        pvd[87 - i] = (unsigned char)(blocks >> (8 * i));
    }
    pvd[128] = (unsigned char)block, pvd[129] = (unsigned char)(block >> 8);
    pvd[131] = (unsigned char)block, pvd[130] = (unsigned char)(block >> 8);
}

static void test_iso_check(void **state)
{
    (void)state;
    unsigned char pvd[DM_ISO_SECTOR];
    uint64_t needed = 0;
    make_pvd(pvd, 100, 2048);
    assert_int_equal(dm_burn_iso_check(pvd, 100 * 2048, &needed), DM_ISO_OK);
    assert_int_equal(dm_burn_iso_check(pvd, 200 * 2048, &needed), DM_ISO_OK); /* padded */
    assert_int_equal(dm_burn_iso_check(pvd, 99 * 2048, &needed), DM_ISO_TRUNCATED);
    assert_int_equal(needed, 100 * 2048);
    assert_int_equal(dm_burn_iso_check(pvd, DM_ISO_MIN - 2048, &needed), DM_ISO_TOO_SMALL);
    assert_int_equal(dm_burn_iso_check(pvd, 0, &needed), DM_ISO_TOO_SMALL);
    assert_int_equal(dm_burn_iso_check(pvd, 100 * 2048 + 1, &needed), DM_ISO_NOT_SECTORS);
    make_pvd(pvd, 17, 0); /* a block size of 0 is read as 2048 */
    assert_int_equal(dm_burn_iso_check(pvd, DM_ISO_MIN, &needed), DM_ISO_OK);
    pvd[0] = 2; /* a supplementary (Joliet) descriptor is not the primary one */
    assert_int_equal(dm_burn_iso_check(pvd, DM_ISO_MIN, &needed), DM_ISO_NO_PVD);
    memset(pvd, 0, sizeof pvd);
    assert_int_equal(dm_burn_iso_check(pvd, DM_ISO_MIN, &needed), DM_ISO_NO_PVD);
}

static void test_fits(void **state)
{
    (void)state;
    assert_true(dm_burn_fits(4096, 4096));
    assert_true(dm_burn_fits(4096, 4097));
    assert_false(dm_burn_fits(4097, 4096)); /* a started sector needs a whole one */
    assert_false(dm_burn_fits(4096, 4095));
    assert_false(dm_burn_fits(6144, 6143)); /* a partial sector of room does not count */
    assert_true(dm_burn_fits(4096, 6143));
    assert_false(dm_burn_fits(2048, 0));
    /* A DVD-R holds 2298496 sectors; a 4.7 GB image one sector bigger does not fit. */
    assert_true(dm_burn_fits(UINT64_C(2298496) * 2048, UINT64_C(2298496) * 2048));
    assert_false(dm_burn_fits(UINT64_C(2298497) * 2048, UINT64_C(2298496) * 2048));
}

static void test_parse_speed(void **state)
{
    (void)state;
    int kbs = -1;
    assert_int_equal(dm_burn_parse_speed("max", &kbs), 0);
    assert_int_equal(kbs, 0);
    assert_int_equal(dm_burn_parse_speed("1385", &kbs), 0);
    assert_int_equal(kbs, 1385);
    assert_int_equal(dm_burn_parse_speed("1", &kbs), 0);
    assert_int_equal(dm_burn_parse_speed("1000000", &kbs), 0);
    static const char *const bad[] = {"0", "-5", "+5", "4x", "", "1000001", "MAX", " 5", "5k"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dm_burn_parse_speed(bad[i], &kbs), -1);
}

static enum dm_stdio_kind kind(mode_t mode, unsigned maj, unsigned min)
{
    struct stat st = {.st_mode = mode, .st_rdev = makedev(maj, min)};
    return dm_burn_stdio_kind(&st, 1);
}

static void test_stdio_kind(void **state)
{
    (void)state;
    struct stat st = {0};
    assert_int_equal(dm_burn_stdio_kind(&st, 0), DM_STDIO_NEW);
    assert_int_equal(kind(S_IFREG | 0644, 0, 0), DM_STDIO_FILE);
    assert_int_equal(kind(S_IFIFO | 0644, 0, 0), DM_STDIO_PIPE);
    assert_int_equal(kind(S_IFDIR | 0755, 0, 0), DM_STDIO_DIR);
    assert_int_equal(kind(S_IFBLK | 0660, 8, 0), DM_STDIO_BLOCK);     /* /dev/sda */
    assert_int_equal(kind(S_IFBLK | 0660, 7, 0), DM_STDIO_BLOCK);     /* /dev/loop0 */
    assert_int_equal(kind(S_IFCHR | 0666, 1, 3), DM_STDIO_NULLDEV);   /* /dev/null */
    assert_int_equal(kind(S_IFCHR | 0666, 1, 5), DM_STDIO_NULLDEV);   /* /dev/zero */
    assert_int_equal(kind(S_IFCHR | 0666, 1, 7), DM_STDIO_NULLDEV);   /* /dev/full */
    assert_int_equal(kind(S_IFCHR | 0640, 1, 1), DM_STDIO_OTHERDEV);  /* /dev/mem */
    assert_int_equal(kind(S_IFCHR | 0640, 1, 4), DM_STDIO_OTHERDEV);  /* /dev/port */
    assert_int_equal(kind(S_IFCHR | 0660, 21, 0), DM_STDIO_OTHERDEV); /* /dev/sg0 */
    assert_int_equal(kind(S_IFCHR | 0620, 4, 1), DM_STDIO_OTHERDEV);  /* /dev/tty1 */
}

static void test_state_names(void **state)
{
    (void)state;
    assert_string_equal(dm_burn_state_name(DM_MEDIA_NONE), "none");
    assert_string_equal(dm_burn_state_name(DM_MEDIA_BLANK), "blank");
    assert_string_equal(dm_burn_state_name(DM_MEDIA_APPENDABLE), "appendable");
    assert_string_equal(dm_burn_state_name(DM_MEDIA_FULL), "full");
    assert_string_equal(dm_burn_state_name(DM_MEDIA_UNSUITABLE), "unsuitable");
    assert_string_equal(dm_burn_state_name((enum dm_burn_state)42), "unsuitable");
}

/* --- the read-back comparison ------------------------------------------------------------ */

enum { IMAGE = 1000 * 1000 + 2048 * 3 }; /* several comparison blocks, the last one partial */

struct fixture {
    char path[64];
    int fd;
    unsigned char *bytes; /* the image, and what the "disc" reads back */
    unsigned char *copy;
    int fail_at_call; /* the reader's n-th call fails (0: never) */
    int calls;
    FILE *err; /* diagnostics */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->path, "/tmp/test_burn.XXXXXX");
    f->fd = mkstemp(f->path);
    f->bytes = malloc(IMAGE);
    f->copy = malloc(IMAGE);
    f->err = tmpfile();
    assert_true(f->fd >= 0 && f->bytes && f->copy && f->err);
    for (size_t i = 0; i < IMAGE; i++)
        f->bytes[i] = (unsigned char)(i * 7 + i / 4096);
    memcpy(f->copy, f->bytes, IMAGE);
    assert_int_equal(write(f->fd, f->bytes, IMAGE), IMAGE);
    report_to(f->err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dm_events_bind(NULL);
    close(f->fd);
    unlink(f->path);
    fclose(f->err);
    free(f->bytes);
    free(f->copy);
    free(f);
    return 0;
}

static int read_copy(void *ctx, uint64_t off, void *buf, size_t n)
{
    struct fixture *f = ctx;
    if (++f->calls == f->fail_at_call)
        return dm_error(DM_FAIL, "disc: cannot read back byte %llu", (unsigned long long)off);
    memcpy(buf, f->copy + off, n);
    return 0;
}

static const char *diagnostics(struct fixture *f)
{
    static char text[512];
    size_t n;
    rewind(f->err);
    n = fread(text, 1, sizeof text - 1, f->err);
    text[n] = '\0';
    return text;
}

static const char *sha_of(const void *p, size_t n)
{
    static char hex[DM_SHA256_HEX];
    struct dm_sha256 *h = dm_sha256_new();
    dm_sha256_update(h, p, n);
    dm_sha256_final(h, hex);
    return hex;
}

static void test_verify_equal(void **state)
{
    struct fixture *f = *state;
    char sha[DM_SHA256_HEX] = "";
    assert_int_equal(dm_burn_verify_stream(f->fd, "x.iso", IMAGE, read_copy, f, "disc", NULL, sha),
                     0);
    assert_string_equal(sha, sha_of(f->bytes, IMAGE));
    assert_true(f->calls > 3); /* it read the copy back, block by block */
    assert_string_equal(diagnostics(f), "");
}

static void test_verify_catches_one_byte(void **state)
{
    struct fixture *f = *state;
    char sha[DM_SHA256_HEX] = "";
    f->copy[777777] ^= 0x20;
    assert_int_equal(dm_burn_verify_stream(f->fd, "x.iso", IMAGE, read_copy, f, "disc", NULL, sha),
                     DM_FAIL);
    assert_string_equal(diagnostics(f), "dartmk: disc: verification failed: byte 777777 "
                                        "(sector 379) differs from x.iso\n");
}

static void test_verify_last_byte(void **state)
{
    struct fixture *f = *state;
    char sha[DM_SHA256_HEX] = "";
    f->copy[IMAGE - 1] ^= 1;
    assert_int_equal(dm_burn_verify_stream(f->fd, "x.iso", IMAGE, read_copy, f, "disc", NULL, sha),
                     DM_FAIL);
    assert_non_null(strstr(diagnostics(f), "byte 1006143 (sector 491)"));
}

static void test_verify_read_error(void **state)
{
    struct fixture *f = *state;
    char sha[DM_SHA256_HEX] = "";
    f->fail_at_call = 2;
    assert_int_equal(dm_burn_verify_stream(f->fd, "x.iso", IMAGE, read_copy, f, "disc", NULL, sha),
                     DM_FAIL);
    assert_string_equal(diagnostics(f), "dartmk: disc: cannot read back byte 262144\n");
}

static void test_hash_only(void **state)
{
    struct fixture *f = *state;
    char sha[DM_SHA256_HEX] = "";
    f->copy[0] ^= 1; /* not looked at */
    assert_int_equal(dm_burn_verify_stream(f->fd, "x.iso", IMAGE, NULL, NULL, "disc", NULL, sha),
                     0);
    assert_string_equal(sha, sha_of(f->bytes, IMAGE));
    assert_int_equal(f->calls, 0);
}

static void test_image_shrank(void **state)
{
    struct fixture *f = *state;
    char sha[DM_SHA256_HEX] = "";
    assert_int_equal(ftruncate(f->fd, IMAGE / 2), 0);
    assert_int_equal(dm_burn_verify_stream(f->fd, "x.iso", IMAGE, read_copy, f, "disc", NULL, sha),
                     DM_FAIL);
    assert_string_equal(diagnostics(f),
                        "dartmk: x.iso: became shorter while it was being burned\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_check),
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_parse_speed),
        cmocka_unit_test(test_stdio_kind),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test_setup_teardown(test_verify_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_catches_one_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_last_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_read_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_shrank, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
