/* Unit tests: tree order, case-insensitive lookup, the directory source and its streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "source/source.h"
#include "util/tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct dm_tree_ops null_ops = {.name = "test"};

static void test_tree_order_parents_first(void **state)
{
    (void)state;
    struct dm_tree *t = dm_tree_new(&null_ops, NULL, "x");
    dm_tree_add(t, "sources/boot.wim", DM_ENTRY_FILE, 10, 0, NULL);
    dm_tree_add(t, "sources", DM_ENTRY_DIR, 0, 0, NULL);
    dm_tree_add(t, "sources-old", DM_ENTRY_DIR, 0, 0, NULL);
    dm_tree_add(t, "bootmgr", DM_ENTRY_FILE, 1, 0, NULL);
    dm_tree_seal(t);
    assert_int_equal(t->count, 4);
    assert_string_equal(t->entries[0].path, "bootmgr");
    assert_string_equal(t->entries[1].path, "sources");
    assert_string_equal(t->entries[2].path, "sources/boot.wim"); /* before "sources-old" */
    assert_string_equal(t->entries[3].path, "sources-old");
    dm_tree_free(t);
}

static void test_tree_find_case_insensitive(void **state)
{
    (void)state;
    struct dm_tree *t = dm_tree_new(&null_ops, NULL, "x");
    dm_tree_add(t, "Boot", DM_ENTRY_DIR, 0, 0, NULL);
    dm_tree_add(t, "Boot/BCD", DM_ENTRY_FILE, 7, 0, NULL);
    dm_tree_add(t, "/EFI/Boot/bootx64.efi", DM_ENTRY_FILE, 9, 0, NULL);
    dm_tree_seal(t);
    const struct dm_entry *e = dm_tree_find(t, "boot/bcd");
    assert_non_null(e);
    assert_string_equal(e->path, "Boot/BCD");
    assert_int_equal(e->size, 7);
    assert_non_null(dm_tree_find(t, "/efi/boot/BOOTX64.EFI"));
    assert_string_equal(dm_tree_find(t, "efi/boot/bootx64.efi")->path, "EFI/Boot/bootx64.efi");
    assert_null(dm_tree_find(t, "boot/bcd.log"));
    assert_null(dm_tree_find(t, "boot/bc"));
    assert_null(dm_tree_find(t, ""));
    dm_tree_free(t);
}

static void test_path_casecmp(void **state)
{
    (void)state;
    assert_int_equal(dm_path_casecmp("Sources/BOOT.wim", "sources/boot.WIM"), 0);
    assert_true(dm_path_casecmp("a/b", "a-b") < 0); /* '/' sorts first */
    assert_true(dm_path_casecmp("a", "a/b") < 0);
}

static void test_empty_tree(void **state)
{
    (void)state;
    struct dm_tree *t = dm_tree_new(&null_ops, NULL, "x");
    dm_tree_seal(t);
    assert_int_equal(t->count, 0);
    assert_null(dm_tree_find(t, "bootmgr"));
    dm_tree_free(t);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_dir_source_reads_bytes(void **state)
{
    (void)state;
    char root[] = "/tmp/dartmk-unit.XXXXXX";
    assert_non_null(mkdtemp(root));
    char p[512];
    snprintf(p, sizeof p, "%s/Sources", root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/Sources/Hello.TXT", root);
    write_file(p, "hello, tree\n");
    snprintf(p, sizeof p, "%s/empty", root);
    write_file(p, "");

    struct dm_tree *t;
    assert_int_equal(dm_source_dir_open(root, &t), 0);
    assert_int_equal(t->count, 3);
    const struct dm_entry *e = dm_tree_find(t, "sources/hello.txt");
    assert_non_null(e);
    assert_int_equal(e->size, 12);
    char buf[64] = {0};
    assert_int_equal(dm_tree_read_head(t, e, buf, sizeof buf), 12);
    assert_string_equal(buf, "hello, tree\n");
    assert_int_equal(dm_tree_read_head(t, dm_tree_find(t, "EMPTY"), buf, sizeof buf), 0);
    struct dm_stream *s;
    assert_int_equal(dm_tree_open(t, dm_tree_find(t, "sources"), &s), 1); /* a directory */
    dm_tree_free(t);

    snprintf(p, sizeof p, "rm -rf '%s'", root);
    assert_int_equal(system(p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_order_parents_first),
        cmocka_unit_test(test_tree_find_case_insensitive),
        cmocka_unit_test(test_path_casecmp),
        cmocka_unit_test(test_empty_tree),
        cmocka_unit_test(test_dir_source_reads_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
