/* Unit tests: the target a command writes (src/device/claim.c on src/device/disk.c) — image
 * files (existing, new with a size, new without one, empty, the SOURCE itself, a folder) and a
 * real loop device on a sparse file (a fixed disk to dartmk; its file as the SOURCE; opened by
 * someone else; mounted), and that a file the run created goes when the run failed.
 *
 * Needs root (losetup, mount); the loop device is detached and the mount undone in the
 * teardowns, whatever the tests did. Every refusal is checked for its exit code and its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "report_to.h"
#include "device/claim.h"
#include "device/disk.h"
#include "util/report.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (UINT64_C(1) << 20)

static char root[64], loop_file[96], loop_dev[64], mnt[96];
static int mounted;
static FILE *err; /* the library's diagnostics */

static char *at(const char *rel)
{
    static char path[8][160];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", root, rel);
    return p;
}

/* A sparse file of `bytes` at ROOT/REL. */
static void sparse(const char *rel, uint64_t bytes)
{
    int fd = open(at(rel), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)bytes), 0);
    close(fd);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

static int quiet(const char *cmd)
{
    char line[512];
    snprintf(line, sizeof line, "%s >/dev/null 2>&1", cmd);
    int status = system(line);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void unmount(void)
{
    if (mounted && umount(mnt) == 0)
        mounted = 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unmount();
    if (loop_dev[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "losetup -d %s", loop_dev);
        if (quiet(cmd) != 0)
            fprintf(stderr, "test_claim: cannot detach %s\n", loop_dev);
        loop_dev[0] = '\0';
    }
    if (root[0])
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* A loop device on a 64 MiB sparse file. */
static int group_setup(void **state)
{
    strcpy(root, "/tmp/test_claim.XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(loop_file, sizeof loop_file, "%s/loop.img", root);
    snprintf(mnt, sizeof mnt, "%s/mnt", root);
    assert_int_equal(mkdir(mnt, 0755), 0);
    sparse("loop.img", 64 * MIB);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "losetup -f --show '%s' 2>/dev/null", loop_file);
    FILE *p = popen(cmd, "r");
    if (p) {
        if (!fgets(loop_dev, sizeof loop_dev, p))
            loop_dev[0] = '\0';
        loop_dev[strcspn(loop_dev, "\n")] = '\0';
        pclose(p);
    }
    if (strncmp(loop_dev, "/dev/loop", 9) != 0) {
        fprintf(stderr, "test_claim: losetup failed (root and loop devices are needed)\n");
        loop_dev[0] = '\0';
        group_teardown(state);
        return -1;
    }
    return 0;
}

struct fixture {
    struct dm_claim t, u;
    struct dm_claim_rules r;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->t.fd = f->u.fd = -1;
    f->r = (struct dm_claim_rules){.source = at("source.iso"), .what = "erased"};
    err = tmpfile();
    assert_non_null(err);
    report_to(err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dm_claim_free(&f->t);
    dm_claim_free(&f->u);
    unmount();
    dm_events_bind(NULL);
    fclose(err);
    free(f);
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

/* Probing `path` gives `code` and a line naming it that says `says`. */
static void refused(struct fixture *f, const char *path, int code, const char *says)
{
    dm_claim_free(&f->t);
    assert_int_equal(dm_claim_probe(path, &f->r, &f->t), code);
    const char *line = diagnostics();
    if (!strstr(line, says) || !strstr(line, path))
        fail_msg("expected a line naming %s and saying '%s', got '%s'", path, says, line);
}

static void probed(struct fixture *f, struct dm_claim *t, const char *path)
{
    dm_claim_free(t);
    assert_int_equal(dm_claim_probe(path, &f->r, t), 0);
    assert_string_equal(diagnostics(), "");
}

/* ---- image files ---- */

static void test_existing_image(void **state)
{
    struct fixture *f = *state;
    sparse("stick.img", 64 * MIB);
    probed(f, &f->t, at("stick.img"));
    assert_true(f->t.exists && !f->t.is_device && !f->t.created);
    assert_int_equal(f->t.size, 64 * MIB);
    assert_int_equal(dm_claim_open(&f->t), 0);
    assert_true(f->t.fd >= 0);
    assert_int_equal(dm_claim_resize(&f->t), 0);
    assert_int_equal(file_size(at("stick.img")), 64 * MIB);
    /* A failed run leaves a file it did not make. */
    assert_int_equal(dm_claim_close(&f->t, DM_FAIL), DM_FAIL);
    assert_int_equal(f->t.fd, -1);
    assert_int_equal(access(at("stick.img"), F_OK), 0);
    /* --size resizes it. */
    f->r.size = 100 * MIB;
    probed(f, &f->t, at("stick.img"));
    assert_int_equal(f->t.size, 100 * MIB);
    assert_int_equal(dm_claim_open(&f->t), 0);
    assert_int_equal(file_size(at("stick.img")), 64 * MIB); /* not before resize */
    assert_int_equal(dm_claim_resize(&f->t), 0);
    assert_int_equal(file_size(at("stick.img")), 100 * MIB);
    assert_int_equal(dm_claim_close(&f->t, 0), 0);
    unlink(at("stick.img"));
}

static void test_new_image(void **state)
{
    struct fixture *f = *state;
    f->r.size = 32 * MIB;
    probed(f, &f->t, at("new.img"));
    assert_true(!f->t.exists && !f->t.is_device);
    assert_int_equal(f->t.size, 32 * MIB);
    assert_int_not_equal(access(at("new.img"), F_OK), 0);   /* nothing made by probing */
    assert_int_equal(dm_claim_confirm(&f->t, &f->r, 0), 0); /* nothing to ask about */
    assert_int_equal(dm_claim_open(&f->t), 0);
    assert_true(f->t.created);
    assert_int_equal(dm_claim_resize(&f->t), 0);
    assert_int_equal(file_size(at("new.img")), 32 * MIB);
    /* The run failed: the file it made goes. */
    assert_int_equal(dm_claim_close(&f->t, DM_FAIL), DM_FAIL);
    assert_int_not_equal(access(at("new.img"), F_OK), 0);
    /* The run succeeded: it stays. */
    probed(f, &f->t, at("new.img"));
    assert_int_equal(dm_claim_open(&f->t), 0);
    assert_int_equal(dm_claim_close(&f->t, 0), 0);
    assert_int_equal(access(at("new.img"), F_OK), 0);
    unlink(at("new.img"));
}

static void test_new_image_without_size(void **state)
{
    struct fixture *f = *state;
    refused(f, at("new.img"), DM_FAIL, "no such file or device (--size SIZE makes a stick image)");
    f->r.fixed_ok = 1; /* partition: no suggestion to make an image */
    refused(f, at("new.img"), DM_FAIL, "no such file or device");
    assert_null(strstr(diagnostics(), "--size"));
    assert_int_not_equal(access(at("new.img"), F_OK), 0);
    /* In a folder that does not exist: judged a new file, refused when it is opened. */
    f->r.size = MIB;
    probed(f, &f->t, at("no-folder/new.img"));
    assert_int_equal(dm_claim_open(&f->t), DM_FAIL);
    assert_non_null(strstr(diagnostics(), "no-folder/new.img: cannot open for writing"));
    assert_false(f->t.created);
    assert_int_equal(dm_claim_close(&f->t, DM_FAIL), DM_FAIL);
}

static void test_empty_file(void **state)
{
    struct fixture *f = *state;
    sparse("empty.img", 0);
    refused(f, at("empty.img"), DM_FAIL, "an empty file (--size SIZE gives it a size)");
    f->r.size = 8 * MIB;
    probed(f, &f->t, at("empty.img"));
    assert_int_equal(f->t.size, 8 * MIB);
    unlink(at("empty.img"));
}

/* The SOURCE, under its name or another (a hard link, a symbolic link). */
static void test_source_refused(void **state)
{
    struct fixture *f = *state;
    sparse("source.iso", 4 * MIB);
    assert_int_equal(link(at("source.iso"), at("hard.iso")), 0);
    assert_int_equal(symlink("source.iso", at("soft.iso")), 0);
    refused(f, at("source.iso"), DM_REFUSED, "is the SOURCE");
    refused(f, at("hard.iso"), DM_REFUSED, "is the SOURCE");
    refused(f, at("soft.iso"), DM_REFUSED, "is the SOURCE");
    f->r.size = 8 * MIB; /* --size changes nothing */
    refused(f, at("source.iso"), DM_REFUSED, "is the SOURCE");
    assert_int_equal(file_size(at("source.iso")), 4 * MIB);
    /* Another file is fine. */
    f->r.size = 0;
    sparse("other.img", 4 * MIB);
    probed(f, &f->t, at("other.img"));
    unlink(at("source.iso")), unlink(at("hard.iso")), unlink(at("soft.iso"));
    unlink(at("other.img"));
}

static void test_not_a_file(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(mkdir(at("folder"), 0755), 0);
    refused(f, at("folder"), DM_REFUSED, "not a disk or a regular file");
    f->r.size = 8 * MIB;
    refused(f, at("folder"), DM_REFUSED, "not a disk or a regular file");
    rmdir(at("folder"));
    assert_int_equal(mkfifo(at("fifo"), 0600), 0);
    refused(f, at("fifo"), DM_REFUSED, "not a disk or a regular file");
    unlink(at("fifo"));
    refused(f, "/dev/null", DM_REFUSED, "not a disk or a regular file");
}

/* An existing image: asked about (no terminal here: refused without --yes). */
static void test_confirm_without_terminal(void **state)
{
    struct fixture *f = *state;
    sparse("stick.img", 8 * MIB);
    probed(f, &f->t, at("stick.img"));
    int saved = dup(STDIN_FILENO);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(saved >= 0 && null >= 0);
    dup2(null, STDIN_FILENO);
    int rc = dm_claim_confirm(&f->t, &f->r, 0);
    dup2(saved, STDIN_FILENO);
    close(saved), close(null);
    assert_int_equal(rc, DM_REFUSED);
    assert_non_null(strstr(diagnostics(), "would be erased; there is no terminal to ask on"));
    assert_int_equal(dm_claim_confirm(&f->t, &f->r, 1), 0);
    unlink(at("stick.img"));
}

/* The old table is saved as an sfdisk script; no table, no file. */
static void test_save_table(void **state)
{
    struct fixture *f = *state;
    char *saved = NULL, cmd[256];
    sparse("stick.img", 64 * MIB);
    probed(f, &f->t, at("stick.img"));
    assert_int_equal(dm_claim_open(&f->t), 0);
    assert_int_equal(dm_claim_save_table(&f->t, at("none.sfdisk"), &saved), 0);
    assert_null(saved);
    assert_int_not_equal(access(at("none.sfdisk"), F_OK), 0);
    dm_claim_close(&f->t, 0);
    snprintf(cmd, sizeof cmd,
             "printf 'label: dos\\nstart=2048, size=8192, type=c\\n' | sfdisk -q --no-reread "
             "--no-tell-kernel '%s'",
             at("stick.img"));
    assert_int_equal(quiet(cmd), 0);
    probed(f, &f->t, at("stick.img"));
    assert_int_equal(dm_claim_open(&f->t), 0);
    assert_int_equal(dm_claim_save_table(&f->t, at("old.sfdisk"), &saved), 0);
    assert_non_null(saved);
    assert_string_equal(saved, at("old.sfdisk"));
    free(saved);
    snprintf(cmd, sizeof cmd, "grep -q 'start=        2048, size=        8192, type=c' '%s'",
             at("old.sfdisk"));
    assert_int_equal(quiet(cmd), 0);
    dm_claim_close(&f->t, 0);
    unlink(at("old.sfdisk")), unlink(at("stick.img"));
}

/* ---- a loop device ---- */

/* A fixed disk to dartmk: refused without --force, allowed with it or for `partition`. */
static void test_loop_needs_force(void **state)
{
    struct fixture *f = *state;
    char line[256];
    snprintf(line, sizeof line, "not a removable disk (a loop device on %s, 64.0 MiB)", loop_file);
    refused(f, loop_dev, DM_REFUSED, line);
    assert_true(f->t.is_device);
    assert_string_equal(f->t.disk.transport, "loop");
    assert_string_equal(f->t.disk.backing_file, loop_file);
    assert_false(dm_disk_removable(&f->t.disk));
    f->r.force = 1;
    probed(f, &f->t, loop_dev);
    assert_true(f->t.is_device && f->t.exists);
    assert_int_equal(f->t.size, 64 * MIB);
    f->r.force = 0, f->r.fixed_ok = 1;
    probed(f, &f->t, loop_dev);
    /* --size is for image files. */
    f->r.size = 128 * MIB;
    refused(f, loop_dev, DM_USAGE, "--size is for image files");
}

/* Its file is the SOURCE: refused even with --force. */
static void test_loop_on_source(void **state)
{
    struct fixture *f = *state;
    f->r.source = loop_file, f->r.force = 1;
    char line[256];
    snprintf(line, sizeof line, "its file %s is the SOURCE", loop_file);
    refused(f, loop_dev, DM_REFUSED, line);
    /* And the file itself, named as the target. */
    refused(f, loop_file, DM_REFUSED, "is the SOURCE");
}

/* Opened with O_EXCL: a second claim of the same device is refused while the first holds it;
 * closing it (the run failed) removes nothing. */
static void test_loop_exclusive(void **state)
{
    struct fixture *f = *state;
    f->r.force = 1;
    probed(f, &f->t, loop_dev);
    probed(f, &f->u, loop_dev);
    assert_int_equal(dm_claim_open(&f->t), 0);
    assert_int_equal(dm_claim_open(&f->u), DM_REFUSED);
    const char *line = diagnostics();
    assert_non_null(strstr(line, "in use (mounted, or opened by another program)"));
    assert_non_null(strstr(line, loop_dev));
    assert_int_equal(dm_claim_close(&f->t, DM_FAIL), DM_FAIL);
    assert_int_equal(access(loop_dev, F_OK), 0);
    assert_int_equal(file_size(loop_file), 64 * MIB);
    /* Free again. */
    dm_claim_free(&f->u);
    f->u.fd = -1;
    probed(f, &f->u, loop_dev);
    assert_int_equal(dm_claim_open(&f->u), 0);
    assert_int_equal(dm_claim_close(&f->u, 0), 0);
}

/* Mounted: refused even with --force, exit 3, naming where. */
static void test_loop_mounted(void **state)
{
    struct fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "mkfs.ext4 -q -F %s", loop_dev);
    assert_int_equal(quiet(cmd), 0);
    assert_int_equal(mount(loop_dev, mnt, "ext4", 0, NULL), 0);
    mounted = 1;
    f->r.force = 1;
    char line[256];
    snprintf(line, sizeof line, "%s is mounted at %s; unmount it first", loop_dev, mnt);
    refused(f, loop_dev, DM_REFUSED, line);
    f->r.force = 0, f->r.fixed_ok = 1;
    refused(f, loop_dev, DM_REFUSED, line);
    unmount();
    assert_int_equal(mounted, 0);
    f->r.force = 1;
    probed(f, &f->t, loop_dev);
}

/* The file behind a loop device in use, named as the target: writing it would write under the
 * device (here under a mounted file system), so it is refused like the device itself. */
static void test_loop_file_as_target(void **state)
{
    struct fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "mkfs.ext4 -q -F %s", loop_dev);
    assert_int_equal(quiet(cmd), 0);
    assert_int_equal(mount(loop_dev, mnt, "ext4", 0, NULL), 0);
    mounted = 1;
    f->r.force = 1;
    dm_claim_free(&f->t);
    assert_int_equal(dm_claim_probe(loop_file, &f->r, &f->t), DM_REFUSED);
    const char *said = diagnostics();
    assert_non_null(strstr(said, loop_dev));
    assert_non_null(strstr(said, "is mounted at"));
}

/* The file behind a loop device nobody uses: an image like any other. */
static void test_loop_file_idle(void **state)
{
    struct fixture *f = *state;
    dm_claim_free(&f->t);
    assert_int_equal(dm_claim_probe(loop_file, &f->r, &f->t), 0);
}

/* The file behind a loop device another program holds open exclusively: refused. */
static void test_loop_file_held(void **state)
{
    struct fixture *f = *state;
    int fd = open(loop_dev, O_RDONLY | O_EXCL | O_CLOEXEC);
    assert_true(fd >= 0);
    dm_claim_free(&f->t);
    int rc = dm_claim_probe(loop_file, &f->r, &f->t);
    close(fd);
    assert_int_equal(rc, DM_REFUSED);
    assert_non_null(strstr(diagnostics(), "in use by another program"));
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_existing_image),           T(test_new_image),
        T(test_new_image_without_size),   T(test_empty_file),
        T(test_source_refused),           T(test_not_a_file),
        T(test_confirm_without_terminal), T(test_save_table),
        T(test_loop_needs_force),         T(test_loop_on_source),
        T(test_loop_exclusive),           T(test_loop_mounted),
        T(test_loop_file_as_target),      T(test_loop_file_idle),
        T(test_loop_file_held),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
