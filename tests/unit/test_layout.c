/* Unit tests: the stick layouts (partition/layout.c) — the arithmetic of the one-partition plan,
 * and what libfdisk writes through dartmk's descriptor, read back by libblkid (another library
 * than the writer's), with the old table saved as an sfdisk script and the label area cleared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "partition/layout.h"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MIB = 1 << 20 };

static void test_scheme_names(void **state)
{
    (void)state;
    assert_int_equal(dm_scheme_parse("mbr"), DM_SCHEME_MBR);
    assert_int_equal(dm_scheme_parse("gpt"), DM_SCHEME_GPT);
    assert_int_equal(dm_scheme_parse("GPT"), -1);
    assert_int_equal(dm_scheme_parse(""), -1);
    assert_string_equal(dm_scheme_name(DM_SCHEME_GPT), "gpt");
    assert_string_equal(dm_scheme_name(DM_SCHEME_MBR), "mbr");
}

static void test_stick_arithmetic(void **state)
{
    (void)state;
    struct dm_disk_layout l;
    /* MBR: from 1 MiB to the last whole MiB. */
    assert_int_equal(dm_layout_stick(DM_SCHEME_MBR, 64ull * MIB, &l), 0);
    assert_int_equal(l.start, MIB);
    assert_int_equal(l.size, 63ull * MIB);
    assert_int_equal(dm_layout_stick(DM_SCHEME_MBR, 64ull * MIB + 4096, &l), 0);
    assert_int_equal(l.size, 63ull * MIB);
    /* GPT: the backup table (33 sectors) takes the last, partial MiB. */
    assert_int_equal(dm_layout_stick(DM_SCHEME_GPT, 64ull * MIB, &l), 0);
    assert_int_equal(l.size, 62ull * MIB);
    assert_int_equal(dm_layout_stick(DM_SCHEME_GPT, 64ull * MIB + 33 * 512, &l), 0);
    assert_int_equal(l.size, 63ull * MIB);
    /* At least one MiB of partition. */
    assert_int_equal(dm_layout_stick(DM_SCHEME_MBR, 2ull * MIB, &l), 0);
    assert_int_equal(l.size, MIB);
    assert_int_equal(dm_layout_stick(DM_SCHEME_MBR, 2ull * MIB - 512, &l), -1);
    assert_int_equal(dm_layout_stick(DM_SCHEME_GPT, 2ull * MIB, &l), -1);
    assert_int_equal(dm_layout_stick(DM_SCHEME_MBR, 0, &l), -1);
}

/* disk_for is the smallest disk whose plan holds the partition: one byte less does not. */
static void test_disk_for_is_tight(void **state)
{
    (void)state;
    static const uint64_t parts[] = {1, MIB, MIB + 1, 33ull * MIB + 12345, 4000ull * MIB};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
            struct dm_disk_layout l;
            uint64_t disk = dm_layout_disk_for((enum dm_scheme)s, parts[i]);
            assert_int_equal(dm_layout_stick((enum dm_scheme)s, disk, &l), 0);
            assert_true(l.size >= parts[i]);
            if (dm_layout_stick((enum dm_scheme)s, disk - 512, &l) == 0)
                assert_true(l.size < parts[i]);
        }
}

/* ---- written through libfdisk, read back with libblkid ---- */

static int scratch_disk(uint64_t size, char path[64])
{
    strcpy(path, "/tmp/dartmk-layout-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    return fd;
}

/* Partition 1 as libblkid sees it: start and size in bytes, the type code or GUID, flags. */
struct seen {
    const char *table;
    uint64_t start, size;
    int type;
    char guid[64];
    unsigned long long flags;
};

static void read_back(const char *path, struct seen *out)
{
    blkid_probe pr = blkid_new_probe_from_filename(path);
    assert_non_null(pr);
    blkid_probe_enable_partitions(pr, 1);
    blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
    assert_int_equal(blkid_do_fullprobe(pr), 0);
    blkid_partlist ls = blkid_probe_get_partitions(pr);
    assert_non_null(ls);
    assert_int_equal(blkid_partlist_numof_partitions(ls), 1);
    blkid_partition p = blkid_partlist_get_partition(ls, 0);
    static char table[16];
    snprintf(table, sizeof table, "%s", blkid_parttable_get_type(blkid_partlist_get_table(ls)));
    *out = (struct seen){.table = table,
                         .start = (uint64_t)blkid_partition_get_start(p) * 512,
                         .size = (uint64_t)blkid_partition_get_size(p) * 512,
                         .type = blkid_partition_get_type(p),
                         .flags = blkid_partition_get_flags(p)};
    const char *guid = blkid_partition_get_type_string(p);
    snprintf(out->guid, sizeof out->guid, "%s", guid ? guid : "");
    blkid_free_probe(pr);
}

static void test_mbr_written(void **state)
{
    (void)state;
    char path[64];
    struct dm_disk_layout l;
    struct seen s;
    int fd = scratch_disk(64ull * MIB, path);
    /* An old ISO 9660 signature at 32 KiB, and junk in the last MiB: both must go. */
    assert_int_equal(pwrite(fd, "\001CD001", 6, 32768), 6);
    assert_int_equal(pwrite(fd, "EFI PART", 8, 64ull * MIB - 512), 8);
    assert_int_equal(dm_layout_stick(DM_SCHEME_MBR, 64ull * MIB, &l), 0);
    assert_int_equal(dm_layout_write(fd, path, &l), 0);
    read_back(path, &s);
    assert_string_equal(s.table, "dos");
    assert_int_equal(s.start, MIB);
    assert_int_equal(s.size, 63ull * MIB);
    assert_int_equal(s.type, 0x0C);
    assert_int_equal(s.flags, 0x80); /* active */
    char buf[8];
    assert_int_equal(pread(fd, buf, 6, 32768), 6);
    assert_memory_equal(buf, "\0\0\0\0\0\0", 6);
    assert_int_equal(pread(fd, buf, 8, 64ull * MIB - 512), 8);
    assert_memory_equal(buf, "\0\0\0\0\0\0\0\0", 8);
    close(fd);
    unlink(path);
}

static void test_gpt_written(void **state)
{
    (void)state;
    char path[64];
    struct dm_disk_layout l;
    struct seen s;
    int fd = scratch_disk(100ull * MIB, path);
    assert_int_equal(dm_layout_stick(DM_SCHEME_GPT, 100ull * MIB, &l), 0);
    assert_int_equal(dm_layout_write(fd, path, &l), 0);
    read_back(path, &s);
    assert_string_equal(s.table, "gpt");
    assert_int_equal(s.start, MIB);
    assert_int_equal(s.size, 98ull * MIB);
    assert_string_equal(s.guid, "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7");
    assert_int_equal(s.flags, 1ull << 2); /* legacy BIOS bootable */
    close(fd);
    unlink(path);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_backup(void **state)
{
    (void)state;
    char path[64], saved_to[80];
    struct dm_disk_layout l;
    int saved = -1;
    int fd = scratch_disk(64ull * MIB, path);
    snprintf(saved_to, sizeof saved_to, "%s.sfdisk", path);
    /* No table: nothing saved, no file. */
    assert_int_equal(dm_layout_backup(fd, path, saved_to, &saved), 0);
    assert_int_equal(saved, 0);
    assert_int_not_equal(access(saved_to, F_OK), 0);
    /* A table: an sfdisk script naming it. */
    assert_int_equal(dm_layout_stick(DM_SCHEME_MBR, 64ull * MIB, &l), 0);
    assert_int_equal(dm_layout_write(fd, path, &l), 0);
    assert_int_equal(dm_layout_backup(fd, path, saved_to, &saved), 0);
    assert_int_equal(saved, 1);
    const char *text = slurp(saved_to);
    assert_non_null(strstr(text, "label: dos"));
    assert_non_null(strstr(text, "start=        2048, size=      129024, type=c, bootable"));
    /* An existing backup is never overwritten. */
    assert_int_equal(dm_layout_backup(fd, path, saved_to, &saved), 1);
    assert_int_equal(saved, 0);
    unlink(saved_to);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme_names),      cmocka_unit_test(test_stick_arithmetic),
        cmocka_unit_test(test_disk_for_is_tight), cmocka_unit_test(test_mbr_written),
        cmocka_unit_test(test_gpt_written),       cmocka_unit_test(test_backup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
