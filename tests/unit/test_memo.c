/* Unit tests: the memo of boot.wim's check (source/wim_memo.c) — where it lives, what it keeps
 * between runs, two runs saving at once, its bound (the oldest keys go), and the files it will
 * not use: not this user's, writable by others, a link, not of its shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "source/wim_memo.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char root[64], dir[128], file[160];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/test_memo.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(dir, sizeof dir, "%s/cache/dartmk", root);
    snprintf(file, sizeof file, "%s/checked", dir);
    return setenv("DARTMK_CACHE_DIR", dir, 1);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

static void key(uint8_t k[DM_WIM_MEMO_KEY], uint32_t n)
{
    memset(k, 0xa5, DM_WIM_MEMO_KEY);
    for (int i = 0; i < 4; i++) /* big-endian: the keys sort as their numbers do */
        k[i] = (uint8_t)(n >> (24 - 8 * i));
}

static off_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void save_keys(uint32_t from, uint32_t to)
{
    struct dm_wim_memo *m = dm_wim_memo_load();
    uint8_t k[DM_WIM_MEMO_KEY];
    assert_non_null(m);
    for (uint32_t i = from; i < to; i++)
        key(k, i), dm_wim_memo_add(m, k);
    dm_wim_memo_save(m);
    dm_wim_memo_free(m);
}

static int remembered(uint32_t n)
{
    struct dm_wim_memo *m = dm_wim_memo_load();
    uint8_t k[DM_WIM_MEMO_KEY];
    key(k, n);
    int has = dm_wim_memo_has(m, k);
    dm_wim_memo_free(m);
    return has;
}

static void test_where(void **state)
{
    (void)state;
    char *p;
    setenv("DARTMK_CACHE_DIR", "", 1);
    assert_null(dm_wim_memo_load());
    assert_null(dm_wim_memo_path());
    unsetenv("DARTMK_CACHE_DIR");
    setenv("XDG_CACHE_HOME", "/x", 1);
    assert_string_equal(p = dm_wim_memo_path(), "/x/dartmk/checked"), free(p);
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/h", 1);
    assert_string_equal(p = dm_wim_memo_path(), "/h/.cache/dartmk/checked"), free(p);
    unsetenv("HOME");
    assert_null(dm_wim_memo_path());
}

static void test_kept(void **state)
{
    (void)state;
    struct stat st;
    struct dm_wim_memo *m = dm_wim_memo_load(); /* no folder yet: an empty memo */
    assert_non_null(m);
    uint8_t k[DM_WIM_MEMO_KEY];
    key(k, 1);
    assert_false(dm_wim_memo_has(m, k));
    dm_wim_memo_save(m); /* nothing added: nothing made */
    dm_wim_memo_free(m);
    assert_int_equal(size_of(dir), -1);
    save_keys(1, 4);
    assert_int_equal(size_of(file), 16 + 3 * DM_WIM_MEMO_KEY);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(remembered(1) && remembered(2) && remembered(3));
    assert_false(remembered(4));
    save_keys(2, 6); /* two known already: each key once */
    assert_int_equal(size_of(file), 16 + 5 * DM_WIM_MEMO_KEY);
}

/* Two runs loaded before either saved: the second keeps what the first wrote. */
static void test_two_at_once(void **state)
{
    (void)state;
    struct dm_wim_memo *a = dm_wim_memo_load(), *b = dm_wim_memo_load();
    uint8_t k[DM_WIM_MEMO_KEY];
    key(k, 10), dm_wim_memo_add(a, k);
    key(k, 20), dm_wim_memo_add(b, k);
    dm_wim_memo_save(a);
    dm_wim_memo_save(b);
    dm_wim_memo_free(a), dm_wim_memo_free(b);
    assert_true(remembered(10) && remembered(20));
    assert_int_equal(size_of(file), 16 + 2 * DM_WIM_MEMO_KEY);
}

static void test_bounded(void **state)
{
    (void)state;
    save_keys(0, DM_WIM_MEMO_MAX);
    assert_int_equal(size_of(file), 16 + (off_t)DM_WIM_MEMO_MAX * DM_WIM_MEMO_KEY);
    save_keys(DM_WIM_MEMO_MAX, DM_WIM_MEMO_MAX + 10);
    assert_int_equal(size_of(file), 16 + (off_t)DM_WIM_MEMO_MAX * DM_WIM_MEMO_KEY);
    assert_false(remembered(0));
    assert_false(remembered(9));
    assert_true(remembered(10));
    assert_true(remembered(DM_WIM_MEMO_MAX + 9));
}

/* A file of another shape (a torn write, another program's): not believed, and replaced. */
static void test_not_its_shape(void **state)
{
    (void)state;
    save_keys(1, 2);
    FILE *f = fopen(file, "a");
    assert_non_null(f);
    fputs("torn", f);
    fclose(f);
    assert_false(remembered(1));
    save_keys(5, 6);
    assert_int_equal(size_of(file), 16 + DM_WIM_MEMO_KEY);
    assert_true(remembered(5));
    f = fopen(file, "r+");
    fputs("not the header..", f); /* 16 bytes: the right size, the wrong magic */
    fclose(f);
    assert_false(remembered(5));
}

/* The memo decides what is not expanded: one that others may write is not used, nor written. */
static void test_not_ours(void **state)
{
    (void)state;
    save_keys(1, 2);
    assert_int_equal(chmod(file, 0666), 0);
    assert_null(dm_wim_memo_load());
    assert_int_equal(chmod(file, 0600), 0);
    assert_int_equal(chown(file, 65534, 65534), 0);
    assert_null(dm_wim_memo_load());
    assert_int_equal(chown(file, 0, 0), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_null(dm_wim_memo_load());
    assert_int_equal(chmod(dir, 0700), 0);
    assert_true(remembered(1));
    char other[192];
    snprintf(other, sizeof other, "%s/other", root);
    assert_int_equal(rename(file, other), 0);
    assert_int_equal(symlink(other, file), 0); /* a link: not followed */
    assert_null(dm_wim_memo_load());
}

/* Saved keys of a memo loaded when the file was still ours, after it became another's: left. */
static void test_not_ours_to_write(void **state)
{
    (void)state;
    save_keys(1, 2);
    struct dm_wim_memo *m = dm_wim_memo_load();
    uint8_t k[DM_WIM_MEMO_KEY];
    key(k, 7), dm_wim_memo_add(m, k);
    assert_int_equal(chmod(file, 0644 | 0002), 0);
    dm_wim_memo_save(m);
    dm_wim_memo_free(m);
    assert_int_equal(size_of(file), 16 + DM_WIM_MEMO_KEY);
}

/* New memos left by killed runs: removed by the next save once a minute old, not before. */
static void test_left_by_killed_runs(void **state)
{
    (void)state;
    char old[192], young[192];
    save_keys(1, 2);
    snprintf(old, sizeof old, "%s/checked.ABCDEF", dir);
    snprintf(young, sizeof young, "%s/checked.GHIJKL", dir);
    fclose(fopen(old, "w"));
    fclose(fopen(young, "w"));
    struct timeval two_minutes_ago[2];
    gettimeofday(&two_minutes_ago[0], NULL);
    two_minutes_ago[0].tv_sec -= 120, two_minutes_ago[1] = two_minutes_ago[0];
    assert_int_equal(utimes(old, two_minutes_ago), 0);
    save_keys(2, 3);
    assert_int_equal(size_of(old), -1);
    assert_int_equal(size_of(young), 0);
    assert_true(remembered(1) && remembered(2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_where),
        cmocka_unit_test_setup_teardown(test_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_its_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_ours_to_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_left_by_killed_runs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
