/* Unit tests: what SOURCE is (src/source/source.c) — a directory, an ISO 9660 image (xorriso),
 * a UDF image whose ISO 9660 tree is a stub (genisoimage, as on Windows 10/11 discs), a bare WIM
 * (wimlib), FAT disk images with and without an MBR (mkfs.fat, sfdisk, mtools) — and what it is
 * not: a missing path, an empty file, random bytes, a FIFO, a truncated ISO. Every input is made
 * in a temporary folder from one small media tree; each kind is checked by name, by the backend
 * that reads it and by a known file's content read through the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "report_to.h"
#include "source/wim.h"
#include "source/source.h"
#include "util/report.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wimlib.h>

#define BCD_TEXT "the boot configuration\n"
#define WIM_TEXT "not really a WIM\n"
#define MIB      (1 << 20)

static char root[64];
static FILE *err; /* the library's diagnostics */

/* ---- inputs ---- */

static char *at(const char *rel)
{
    static char path[8][256];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", root, rel);
    return p;
}

static void mkdirs(const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

static void put(const char *rel, const char *text)
{
    char *path = at(rel), *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Runs a shell command (in ROOT); 0 when it succeeded. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[1024];
    int n = snprintf(cmd, sizeof cmd, "cd '%s' && (", root);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    snprintf(cmd + n, sizeof cmd - (size_t)n, ") >/dev/null 2>&1");
    int status = system(cmd);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    fprintf(stderr, "test_source: failed: %s\n", cmd);
    return -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/test_source.XXXXXX");
    assert_non_null(mkdtemp(root));
    /* The media tree. */
    put("media/bootmgr", "bootmgr\n");
    put("media/boot/bcd", BCD_TEXT);
    put("media/sources/boot.wim", WIM_TEXT);
    put("media/efi/boot/bootx64.efi", "MZ loader\n");
    /* ISO 9660 + Joliet + Rock Ridge. */
    int rc = run("xorriso -as mkisofs -quiet -J -R -V MEDIA -o media.iso media");
    /* UDF with an ISO 9660 stub holding README.TXT only. */
    put("udf/README.TXT", "This disc holds UDF.\n");
    put("udf/boot/bcd", BCD_TEXT);
    put("udf/sources/boot.wim", WIM_TEXT);
    rc = rc ? rc
            : run("genisoimage -quiet -udf -V UDFMEDIA -hide boot -hide sources -o udf.iso udf");
    /* FAT, the whole image (a "superfloppy"); and FAT in partition 1 of an MBR. */
    rc = rc ? rc
            : run("mkfs.fat -C -n MEDIA super.img 8192 && mcopy -s -i super.img media/boot "
                  "media/sources "
                  "media/bootmgr ::/");
    rc = rc ? rc
            : run("truncate -s 100M mbr.img && printf 'label: dos\\nstart=2048, size=80M, "
                  "type=c\\n' | "
                  "sfdisk -q --no-reread --no-tell-kernel mbr.img && "
                  "mkfs.fat -F 32 -s 1 --offset 2048 -n MEDIA mbr.img 81920 && "
                  "mcopy -s -i mbr.img@@1M media/boot media/sources ::/");
    /* A bare WIM. */
    WIMStruct *w = NULL;
    if (rc == 0 && (wimlib_create_new_wim(WIMLIB_COMPRESSION_TYPE_NONE, &w) != 0 ||
                    wimlib_add_image(w, at("media"), "PE", NULL, 0) != 0 ||
                    wimlib_write(w, at("boot.wim"), WIMLIB_ALL_IMAGES, 0, 1) != 0))
        rc = -1;
    wimlib_free(w);
    if (rc)
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    err = tmpfile();
    assert_non_null(err);
    report_to(err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dm_events_bind(NULL);
    fclose(err);
    return 0;
}

/* What was reported (and forgets it). */
static const char *diagnostics(void)
{
    static char text[2048];
    rewind(err);
    size_t n = fread(text, 1, sizeof text - 1, err);
    text[n] = '\0';
    fclose(err);
    err = tmpfile();
    assert_non_null(err);
    report_to(err);
    return text;
}

/* ---- helpers ---- */

/* Opens ROOT/REL, expecting success with this kind, read by the backend `ops`. */
static struct dm_tree *opened(const char *rel, enum dm_source_kind want, const char *ops)
{
    struct dm_tree *t = NULL;
    enum dm_source_kind kind = (enum dm_source_kind)99;
    assert_int_equal(dm_source_open(at(rel), &t, &kind), 0);
    assert_string_equal(diagnostics(), "");
    assert_non_null(t);
    assert_int_equal(kind, want);
    assert_string_equal(t->ops->name, ops);
    assert_string_equal(t->origin, at(rel));
    return t;
}

static void has_text(struct dm_tree *t, const char *path, const char *text)
{
    const struct dm_entry *e = dm_tree_find(t, path);
    if (!e)
        fail_msg("%s: not found", path);
    assert_int_equal(e->kind, DM_ENTRY_FILE);
    assert_int_equal(e->size, strlen(text));
    char buf[256];
    assert_int_equal(dm_tree_read_head(t, e, buf, sizeof buf), strlen(text));
    assert_memory_equal(buf, text, strlen(text));
}

/* Opening fails with `code` and a line that names the path and says `says`; nothing is set. */
static void refused(const char *path, int code, const char *says)
{
    struct dm_tree sentinel, *t = &sentinel;
    enum dm_source_kind kind = (enum dm_source_kind)99;
    assert_int_equal(dm_source_open(path, &t, &kind), code);
    assert_ptr_equal(t, &sentinel);
    assert_int_equal(kind, 99);
    const char *line = diagnostics();
    if (!strstr(line, says) || !strstr(line, path))
        fail_msg("expected a line naming %s and saying '%s', got '%s'", path, says, line);
}

/* ---- what SOURCE is ---- */

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(dm_source_kind_name(DM_SOURCE_DIRECTORY), "directory");
    assert_string_equal(dm_source_kind_name(DM_SOURCE_ISO), "iso");
    assert_string_equal(dm_source_kind_name(DM_SOURCE_WIM), "wim");
    assert_string_equal(dm_source_kind_name(DM_SOURCE_DEVICE), "device");
    assert_string_equal(dm_source_kind_name(DM_SOURCE_DISK), "disk");
}

static void test_directory(void **state)
{
    (void)state;
    struct dm_tree *t = opened("media", DM_SOURCE_DIRECTORY, "directory");
    has_text(t, "boot/bcd", BCD_TEXT);
    has_text(t, "SOURCES/Boot.WIM", WIM_TEXT);
    assert_int_equal(dm_tree_find(t, "efi/boot")->kind, DM_ENTRY_DIR);
    assert_null(dm_tree_find(t, "boot/bcd.log"));
    assert_int_equal(t->count, 8); /* 4 files, 4 folders */
    dm_tree_free(t);
}

static void test_iso(void **state)
{
    (void)state;
    struct dm_tree *t = opened("media.iso", DM_SOURCE_ISO, "ISO 9660");
    has_text(t, "boot/bcd", BCD_TEXT);
    has_text(t, "sources/boot.wim", WIM_TEXT);
    has_text(t, "EFI/BOOT/BOOTX64.EFI", "MZ loader\n");
    assert_string_equal(dm_tree_find(t, "EFI/BOOT/BOOTX64.EFI")->path, "efi/boot/bootx64.efi");
    dm_tree_free(t);
}

/* The ISO 9660 tree holds README.TXT only: the UDF volume is the media. */
static void test_udf_behind_a_stub(void **state)
{
    (void)state;
    struct dm_tree *t = opened("udf.iso", DM_SOURCE_ISO, "UDF");
    has_text(t, "sources/boot.wim", WIM_TEXT);
    has_text(t, "boot/bcd", BCD_TEXT);
    dm_tree_free(t);
    /* The stub alone, as ISO 9660 sees it. */
    assert_int_equal(dm_source_iso_open(at("udf.iso"), &t), 0);
    assert_non_null(dm_tree_find(t, "README.TXT"));
    assert_null(dm_tree_find(t, "sources/boot.wim"));
    dm_tree_free(t);
}

static void test_wim(void **state)
{
    (void)state;
    struct dm_tree *t = opened("boot.wim", DM_SOURCE_WIM, "WIM");
    const struct dm_entry *e = dm_tree_find(t, "sources/boot.wim");
    assert_non_null(e);
    struct stat st;
    assert_int_equal(stat(at("boot.wim"), &st), 0);
    assert_int_equal(e->size, (uint64_t)st.st_size);
    assert_string_equal(dm_tree_host_path(t, e), at("boot.wim"));
    char head[8];
    assert_int_equal(dm_tree_read_head(t, e, head, 8), 8);
    assert_memory_equal(head, "MSWIM\0\0\0", 8);
    assert_int_equal(t->count, 2); /* sources/ and the WIM itself */
    dm_tree_free(t);
}

/* A copy of the sample boot.wim with its one file's data (stored uncompressed) changed. */
static const char *damaged_wim(void)
{
    static char text[] = WIM_TEXT;
    FILE *in = fopen(at("boot.wim"), "rb"), *out = fopen(at("damaged.wim"), "wb");
    assert_true(in && out);
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, in);
    char *hit = memmem(buf, n, text, strlen(text));
    assert_non_null(hit);
    hit[0] ^= 1;
    assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    return at("damaged.wim");
}

/* The integrity check in a thread of its own: its verdict (and its one line) when waited for,
 * nothing said when cancelled; a sound WIM passes, through a second handle of the same file. */
static void test_wim_check(void **state)
{
    (void)state;
    struct dm_wim *w = NULL, *own = NULL;
    struct dm_wim_check *c = NULL;
    assert_int_equal(dm_wim_open(at("boot.wim"), "sources/boot.wim", &w), 0);
    assert_int_equal(dm_wim_reopen(w, &own), 0);
    assert_int_equal(dm_wim_check_start(own, &c), 0);
    assert_int_equal(dm_wim_check_wait(c), 0);
    dm_wim_close(w);
    assert_string_equal(diagnostics(), "");

    assert_int_equal(dm_wim_open(damaged_wim(), "sources/boot.wim", &own), 0);
    assert_int_equal(dm_wim_check_start(own, &c), 0);
    assert_non_null(c);
    assert_string_equal(diagnostics(), ""); /* held back until asked */
    assert_int_equal(dm_wim_check_wait(c), DM_FAIL);
    const char *said = diagnostics();
    assert_non_null(strstr(said, "dartmk: sources/boot.wim: damaged: "));
    assert_int_equal(strchr(said, '\n') - said + 1, (long)strlen(said)); /* one line */

    assert_int_equal(dm_wim_open(damaged_wim(), "sources/boot.wim", &own), 0);
    assert_int_equal(dm_wim_check_start(own, &c), 0);
    dm_wim_check_cancel(c);
    dm_wim_check_cancel(NULL);
    assert_int_equal(dm_wim_check_wait(NULL), 0);
    assert_string_equal(diagnostics(), "");
}

static void test_fat_superfloppy(void **state)
{
    (void)state;
    struct dm_tree *t = opened("super.img", DM_SOURCE_DISK, "FAT");
    has_text(t, "boot/bcd", BCD_TEXT);
    has_text(t, "sources/boot.wim", WIM_TEXT);
    has_text(t, "bootmgr", "bootmgr\n");
    assert_null(dm_tree_find(t, "efi"));
    dm_tree_free(t);
}

static void test_fat_in_mbr(void **state)
{
    (void)state;
    struct dm_tree *t = opened("mbr.img", DM_SOURCE_DISK, "FAT");
    has_text(t, "boot/bcd", BCD_TEXT);
    has_text(t, "sources/boot.wim", WIM_TEXT);
    assert_null(dm_tree_find(t, "bootmgr"));
    dm_tree_free(t);
    /* Partition 1 by number; there is no partition 2. */
    enum dm_source_kind kind = (enum dm_source_kind)99;
    assert_int_equal(dm_source_open_partition(at("mbr.img"), 1, &t, &kind), 0);
    assert_int_equal(kind, DM_SOURCE_DISK);
    has_text(t, "boot/bcd", BCD_TEXT);
    dm_tree_free(t);
    assert_int_equal(diagnostics()[0], '\0');
    t = NULL;
    assert_int_not_equal(dm_source_open_partition(at("mbr.img"), 2, &t, &kind), 0);
    assert_null(t);
    assert_non_null(strstr(diagnostics(), "mbr.img"));
}

/* Only disk images have partitions. */
static void test_partition_of_others(void **state)
{
    (void)state;
    static const char *const names[] = {"media", "media.iso", "boot.wim"};
    for (size_t i = 0; i < 3; i++) {
        struct dm_tree *t = NULL;
        enum dm_source_kind kind = (enum dm_source_kind)99;
        assert_int_equal(dm_source_open_partition(at(names[i]), 1, &t, &kind), DM_FAIL);
        assert_null(t);
        assert_non_null(strstr(diagnostics(), "no partitions"));
    }
}

/* ---- what it is not ---- */

static void test_missing(void **state)
{
    (void)state;
    refused(at("no-such-thing"), DM_FAIL, "no such file or directory");
    refused(at("media/no-such-folder/boot.wim"), DM_FAIL, "no such file or directory");
}

static void test_empty_file(void **state)
{
    (void)state;
    put("empty", "");
    refused(at("empty"), DM_FAIL, "not an ISO image, WIM file, disk image or directory");
    unlink(at("empty"));
}

/* A megabyte of random bytes (a fixed seed: the same bytes every run). */
static void test_random_bytes(void **state)
{
    (void)state;
    FILE *f = fopen(at("random.bin"), "wb");
    assert_non_null(f);
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < MIB / 8; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        fwrite(&x, 8, 1, f);
    }
    assert_int_equal(fclose(f), 0);
    refused(at("random.bin"), DM_FAIL, "not an ISO image, WIM file, disk image or directory");
    unlink(at("random.bin"));
}

static void test_fifo(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(at("fifo"), 0600), 0);
    refused(at("fifo"), DM_FAIL, "not a file, directory or block device");
    unlink(at("fifo"));
}

/* An ISO cut short: its volume descriptor says how large it is. */
static void test_truncated_iso(void **state)
{
    (void)state;
    assert_int_equal(run("head -c 40960 media.iso > cut.iso"), 0);
    refused(at("cut.iso"), DM_FAIL, "truncated ISO image");
    unlink(at("cut.iso"));
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_kind_names),
        T(test_directory),
        T(test_iso),
        T(test_udf_behind_a_stub),
        T(test_wim),
        T(test_wim_check),
        T(test_fat_superfloppy),
        T(test_fat_in_mbr),
        T(test_partition_of_others),
        T(test_missing),
        T(test_empty_file),
        T(test_random_bytes),
        T(test_fifo),
        T(test_truncated_iso),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
