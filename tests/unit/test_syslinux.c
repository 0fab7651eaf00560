/* Unit tests: the syslinux installer on FAT volumes anywhere in a file (boot/syslinux.c) and the
 * loop device it goes through past 4 GiB (boot/loop.c) — on a 6 GiB sparse file: the loop device
 * covers exactly the bytes asked for (reads, writes, its size, nothing past its end), is detached
 * afterwards; a range past the end of the file, a missing file, a volume bigger than its
 * partition and no volume at all are refused with their one line and leave nothing attached; the
 * installer writes its boot sector and ldlinux.sys below 4 GiB (its own --offset) and above (the
 * loop device), with the size given or read from the volume's boot sector.
 *
 * Needs root (loop devices), syslinux, mkfs.fat and mtools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "boot/loop_internal.h"
#include "boot/syslinux.h"
#include "fat/fat_read.h"
#include "util/report.h"
#include "util/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static char root[64], disk[96], vol[96];

/* The last line reported, and how many. */
static char last[1024];
static int lines;
static void message(void *ctx, enum dm_level level, const char *text)
{
    (void)ctx, (void)level;
    snprintf(last, sizeof last, "%s", text);
    lines++;
}
static struct dm_events events = {.message = message};

static int quiet(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int quiet(const char *fmt, ...)
{
    char cmd[1024], line[1100];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof cmd);
    snprintf(line, sizeof line, "( %s ) >/dev/null 2>&1", cmd);
    int status = system(line);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The loop devices whose backing file is `path`. */
static int attached(const char *path)
{
    int n = 0;
    DIR *d = opendir("/sys/block");
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[300], b[4096] = "";
        if (strncmp(e->d_name, "loop", 4) != 0)
            continue;
        snprintf(p, sizeof p, "/sys/block/%s/loop/backing_file", e->d_name);
        FILE *f = fopen(p, "r");
        if (f && fgets(b, sizeof b, f)) {
            b[strcspn(b, "\n")] = '\0';
            n += strcmp(b, path) == 0;
        }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

/* A 64 MiB FAT32 volume (mkfs.fat, with /syslinux) written at `offset` of the disk. */
static void put_volume(uint64_t offset)
{
    assert_int_equal(quiet("rm -f '%s' && truncate -s 64M '%s' && mkfs.fat -F 32 -n TEST '%s' && "
                           "MTOOLS_SKIP_CHECK=1 mmd -i '%s' ::/syslinux && dd if='%s' of='%s' "
                           "bs=1M seek=%llu conv=notrunc,sparse status=none",
                           vol, vol, vol, vol, vol, disk, (unsigned long long)(offset / MIB)),
                     0);
}

/* Whether syslinux is installed on the volume at `offset`: its boot sector and ldlinux.sys. */
static int installed(uint64_t offset)
{
    char oem[9] = "";
    int fd = open(disk, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, oem, 8, (off_t)offset + 3), 8);
    close(fd);
    struct dm_tree *t = NULL;
    assert_int_equal(dm_fatread_open(disk, offset, 64 * MIB, &t), 0);
    int ok = strcmp(oem, "SYSLINUX") == 0 && dm_tree_find(t, dm_syslinux_installed[0]) &&
             dm_tree_find(t, dm_syslinux_installed[1]);
    dm_tree_free(t);
    return ok;
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/test_syslinux.XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(disk, sizeof disk, "%s/disk.img", root);
    snprintf(vol, sizeof vol, "%s/vol.img", root);
    int fd = open(disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)(6 * GIB)), 0);
    close(fd);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    quiet("rm -rf '%s'", root);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    last[0] = '\0', lines = 0;
    dm_events_bind(&events);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dm_events_bind(NULL);
    assert_int_equal(attached(disk), 0);
    return 0;
}

/* Exactly [5 GiB, 5 GiB + 1 MiB) of the file, both ways, and nothing past it. */
static void test_loop_range(void **state)
{
    (void)state;
    uint8_t pat[4096], got[4096];
    for (size_t i = 0; i < sizeof pat; i++)
        pat[i] = (uint8_t)(i * 7 + 1);
    int fd = open(disk, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, pat, sizeof pat, (off_t)(5 * GIB)), sizeof pat);
    assert_int_equal(pwrite(fd, "before", 6, (off_t)(5 * GIB) - 6), 6);

    struct dm_loop l;
    assert_int_equal(dm_loop_attach(disk, 5 * GIB, MIB, "", &l), 0);
    assert_int_equal(lines, 0);
    assert_true(l.fd >= 0);
    assert_int_equal(attached(disk), 1);
    uint64_t bytes = 0;
    assert_int_equal(ioctl(l.fd, BLKGETSIZE64, &bytes), 0);
    assert_int_equal(bytes, MIB);
    assert_int_equal(pread(l.fd, got, sizeof got, 0), sizeof got);
    assert_memory_equal(got, pat, sizeof pat);
    assert_int_equal(pwrite(l.fd, "through the loop", 16, 512), 16);
    assert_true(pwrite(l.fd, "past", 4, (off_t)MIB) <= 0); /* nothing past its end */
    assert_int_equal(dm_loop_detach(&l, disk), 0);
    assert_int_equal(l.fd, -1);
    assert_int_equal(attached(disk), 0);

    assert_int_equal(pread(fd, got, 16, (off_t)(5 * GIB) + 512), 16);
    assert_memory_equal(got, "through the loop", 16);
    assert_int_equal(pread(fd, got, 6, (off_t)(5 * GIB) - 6), 6);
    assert_memory_equal(got, "before", 6);
    close(fd);
    assert_int_equal(dm_loop_detach(&l, disk), 0); /* a second time: nothing */
}

static void test_loop_past_end(void **state)
{
    (void)state;
    struct dm_loop l;
    assert_int_equal(dm_loop_attach(disk, 6 * GIB - 512 * 1024, MIB, "", &l), DM_FAIL);
    assert_int_equal(lines, 1);
    assert_non_null(strstr(last, "goes past the end of"));
    assert_non_null(strstr(last, disk));
    assert_int_equal(l.fd, -1);
}

static void test_loop_no_file(void **state)
{
    (void)state;
    struct dm_loop l;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/missing.img", root);
    assert_int_equal(dm_loop_attach(missing, 5 * GIB, MIB, "", &l), DM_FAIL);
    assert_int_equal(lines, 1);
    assert_non_null(strstr(last, missing));
    assert_non_null(strstr(last, "No such file"));
    assert_int_equal(l.fd, -1);
}

/* Below 4 GiB: the installer's own --offset (no loop device). */
static void test_install_below_4g(void **state)
{
    (void)state;
    put_volume(MIB);
    assert_int_equal(dm_syslinux_install_at(disk, MIB, 64 * MIB), 0);
    assert_true(installed(MIB));
}

/* 4 GiB + 1 MiB: a 32-bit offset would be 1 MiB, the volume above; it must stay as it was. */
static void test_install_past_4g(void **state)
{
    (void)state;
    uint64_t at = 4 * GIB + MIB;
    put_volume(MIB); /* a fresh volume at 1 MiB, without syslinux */
    put_volume(at);
    assert_int_equal(dm_syslinux_install_at(disk, at, 64 * MIB), 0);
    assert_true(installed(at));
    struct dm_tree *t = NULL;
    assert_int_equal(dm_fatread_open(disk, MIB, 64 * MIB, &t), 0);
    assert_null(dm_tree_find(t, dm_syslinux_installed[0]));
    dm_tree_free(t);
}

/* dm_syslinux_install: the size from the volume's boot sector. */
static void test_install_size_from_bpb(void **state)
{
    (void)state;
    put_volume(5 * GIB);
    assert_int_equal(dm_syslinux_install(disk, 5 * GIB), 0);
    assert_true(installed(5 * GIB));
}

static void test_install_volume_bigger_than_partition(void **state)
{
    (void)state;
    put_volume(5 * GIB);
    assert_int_equal(dm_syslinux_install_at(disk, 5 * GIB, 32 * MIB), DM_FAIL);
    assert_int_equal(lines, 1);
    assert_non_null(strstr(last, "says it has 67108864 bytes, more than the 33554432"));
}

static void test_install_no_volume(void **state)
{
    (void)state;
    assert_int_equal(dm_syslinux_install_at(disk, 5 * GIB + 512 * MIB, 64 * MIB), DM_FAIL);
    assert_int_equal(lines, 1);
    assert_non_null(strstr(last, "no FAT volume at byte 5905580032"));
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_syslinux: needs root (loop devices)\n");
        return 1;
    }
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_loop_range),
        T(test_loop_past_end),
        T(test_loop_no_file),
        T(test_install_below_4g),
        T(test_install_past_4g),
        T(test_install_size_from_bpb),
        T(test_install_volume_bigger_than_partition),
        T(test_install_no_volume),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
