/* claim.c — the disk or image a command writes (see claim.h). */
#include "device/claim.h"

#include "util/cleanup.h"
#include "util/userdir.h"
#include "partition/layout.h"
#include "util/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static const char *base_name(const char *path)
{
    return strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
}

static int probe_device(struct dm_claim *t, const struct dm_claim_rules *r)
{
    t->is_device = 1;
    if (r->size)
        return dm_error(DM_USAGE, "%s: --size is for image files; a disk has its own size",
                        t->path);
    int rc = dm_disk_probe("", t->path, &t->disk);
    if (rc == 0 && t->disk.backing_file && same_file(t->disk.backing_file, r->source))
        rc = dm_error(DM_REFUSED, "%s: its file %s is the SOURCE", t->path, t->disk.backing_file);
    if (rc == 0)
        rc = dm_disk_check_writable(&t->disk, r->force || r->fixed_ok);
    t->size = t->disk.size;
    return rc;
}

/* A loop device over the file, in use (mounted, swap, held, or opened exclusively by someone):
 * writing the file would write under it. Returns 0 or DM_REFUSED after one line. */
static int check_loop(const char *path, const char *name)
{
    struct dm_disk d;
    struct dm_capture said;
    char *dev = NULL;
    if (asprintf(&dev, "/dev/%s", name) < 0)
        return dm_error(DM_FAIL, "out of memory");
    dm_capture_begin(&said);
    int rc = dm_disk_probe("", dev, &d);
    rc = rc ? rc : dm_disk_check_in_use(&d);
    dm_capture_end(&said);
    int fd = rc ? -1 : open(dev, O_RDONLY | O_EXCL | O_CLOEXEC);
    if (rc)
        rc = dm_error(DM_REFUSED, "%s: is the file behind %s (%s)", path, dev, said.events.detail);
    else if (fd < 0 && errno == EBUSY)
        rc = dm_error(DM_REFUSED, "%s: is the file behind %s, which is in use by another program",
                      path, dev);
    if (fd >= 0)
        close(fd);
    dm_disk_free(&d);
    dm_capture_free(&said);
    free(dev);
    return rc;
}

/* An image file: not a swap file in use, nor the file behind a loop device in use. */
static int probe_file(struct dm_claim *t, const struct dm_claim_rules *r, const struct stat *st)
{
    int swap = 0, rc = dm_disk_swap_file("", t->path, &swap);
    if (rc)
        return rc;
    if (swap)
        return dm_error(DM_REFUSED, "%s: is used as swap; swapoff it first", t->path);
    char **loops = dm_disk_loops_over("", t->path);
    for (size_t i = 0; loops && loops[i]; i++) {
        if (rc == 0)
            rc = check_loop(t->path, loops[i]);
        free(loops[i]);
    }
    free(loops);
    t->size = r->size ? r->size : (uint64_t)st->st_size;
    if (rc == 0 && !t->size)
        return dm_error(DM_FAIL, "%s: an empty file (--size SIZE gives it a size)", t->path);
    return rc;
}

int dm_claim_probe(const char *path, const struct dm_claim_rules *r, struct dm_claim *t)
{
    struct stat st;
    *t = (struct dm_claim){.path = path, .fd = -1, .guard = -1};
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return dm_error_errno(DM_FAIL, errno, "%s", path);
        /* A device name mistyped, or absent here: never a new file in devtmpfs. */
        if (dm_disk_new_in_dev(path))
            return dm_error(DM_REFUSED, "%s: no such device (no file is made in /dev)", path);
        if (!r->size)
            return dm_error(DM_FAIL, "%s: no such file or device%s", path,
                            r->fixed_ok ? "" : " (--size SIZE makes a stick image)");
        t->size = r->size;
        return 0;
    }
    t->exists = 1;
    if (same_file(path, r->source))
        return dm_error(DM_REFUSED, "%s: is the SOURCE", path);
    if (S_ISBLK(st.st_mode))
        return probe_device(t, r);
    if (!S_ISREG(st.st_mode))
        return dm_error(DM_REFUSED, "%s: not a disk or a regular file", path);
    return probe_file(t, r, &st);
}

void dm_claim_describe(FILE *f, const struct dm_claim *t)
{
    if (t->is_device)
        dm_disk_describe(f, &t->disk);
    else
        fprintf(f, "%s: an image file of %.1f MiB\n", t->path, dm_mib(t->size));
}

int dm_claim_same(const struct dm_claim *a, const struct dm_claim *b)
{
    if (a->is_device && b->is_device)
        return a->disk.major == b->disk.major && a->disk.minor == b->disk.minor;
    if (a->is_device != b->is_device) /* a loop device and the file behind it */
        return a->is_device ? same_file(a->disk.backing_file, b->path)
                            : same_file(b->disk.backing_file, a->path);
    return same_file(a->path, b->path) || strcmp(a->path, b->path) == 0;
}

int dm_claim_confirm_all(const struct dm_claim *const *t, size_t n, const char *what, int yes)
{
    size_t asked = 0;
    for (size_t i = 0; i < n; i++)
        asked += t[i]->exists;
    if (yes || asked == 0)
        return 0;
    char *question = NULL, line[64];
    size_t len = 0;
    FILE *f = open_memstream(&question, &len);
    if (!f)
        return dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (t[i]->exists)
            dm_claim_describe(f, t[i]);
    fprintf(f,
            "Everything on the %zu disks above will be %s. Type how many disks that is to go on: ",
            asked, what);
    fclose(f);
    int got = dm_ask(question, line, sizeof line);
    free(question);
    if (got < 0)
        return dm_error(DM_REFUSED,
                        "%zu disks would be %s; there is no terminal to ask on: --yes confirms",
                        asked, what);
    char *end = NULL;
    unsigned long typed = strtoul(line, &end, 10);
    if (end != line && *end == '\0' && typed == asked)
        return 0;
    return dm_error(DM_REFUSED,
                    "'%s' is not the number of disks (%zu): not confirmed; nothing "
                    "was written",
                    line, asked);
}

int dm_claim_confirm(const struct dm_claim *t, const struct dm_claim_rules *r, int yes)
{
    if (yes || !t->exists)
        return 0;
    const char *name = t->is_device ? t->disk.name : base_name(t->path);
    char *question = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&question, &len);
    if (!f)
        return dm_error(DM_FAIL, "out of memory");
    dm_claim_describe(f, t);
    fprintf(f, "%s %s will be %s. Type '%s' to go on: ", r->fixed_ok ? "The disk" : "Everything on",
            t->path, r->what, name);
    fclose(f);
    char line[PATH_MAX];
    int asked = dm_ask(question, line, sizeof line);
    free(question);
    if (asked < 0)
        return dm_error(DM_REFUSED,
                        "%s: would be %s; there is no terminal to ask on: --yes "
                        "confirms",
                        t->path, r->what);
    if (strcmp(line, name) == 0 || strcmp(line, t->path) == 0)
        return 0;
    return dm_error(DM_REFUSED, "%s: not confirmed; nothing was written", t->path);
}

int dm_claim_open(struct dm_claim *t)
{
    if (!t->exists) {
        t->fd = open(t->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (t->fd >= 0)
            t->created = 1, t->guard = dm_cleanup_register(t->path, 0);
    } else {
        t->fd = open(t->path, O_RDWR | O_CLOEXEC | (t->is_device ? O_EXCL : 0));
    }
    if (t->fd < 0 && errno == EBUSY)
        return dm_error(DM_REFUSED, "%s: in use (mounted, or opened by another program)", t->path);
    if (t->fd < 0 && errno == ETXTBSY)
        return dm_error(DM_REFUSED, "%s: is used as swap; swapoff it first", t->path);
    if (t->fd < 0 && errno == EEXIST && !t->exists) /* O_EXCL does not follow a symlink */
        return dm_error(DM_FAIL,
                        "%s: a symbolic link to nothing (a new image file is made only at its "
                        "own name, not through a link)",
                        t->path);
    if (t->fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open for writing", t->path);
    struct stat st;
    uint64_t bytes = 0;
    if (fstat(t->fd, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s", t->path);
    if (t->is_device &&
        (!S_ISBLK(st.st_mode) || st.st_rdev != makedev(t->disk.major, t->disk.minor)))
        return dm_error(DM_REFUSED, "%s: changed while it was being checked", t->path);
    if (t->is_device && (ioctl(t->fd, BLKGETSIZE64, &bytes) != 0 || bytes != t->size))
        return dm_error(DM_REFUSED, "%s: its size changed while it was being checked", t->path);
    /* A file made swap since it was judged: the kernel refuses every write (even one of no
     * bytes, which asks it without writing anything). */
    if (!t->is_device && pwrite(t->fd, "", 0, 0) < 0 && errno == ETXTBSY)
        return dm_error(DM_REFUSED, "%s: is used as swap; swapoff it first", t->path);
    return 0;
}

int dm_claim_resize(const struct dm_claim *t)
{
    struct stat st;
    if (t->is_device || (fstat(t->fd, &st) == 0 && (uint64_t)st.st_size == t->size))
        return 0;
    if (ftruncate(t->fd, (off_t)t->size) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot make it %llu bytes", t->path,
                              (unsigned long long)t->size);
    return 0;
}

int dm_claim_close(struct dm_claim *t, int rc)
{
    if (t->fd >= 0 && close(t->fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", t->path);
    if (rc && t->created)
        unlink(t->path);
    dm_cleanup_forget(t->guard);
    t->fd = -1, t->guard = -1;
    return rc;
}

void dm_claim_free(struct dm_claim *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    dm_disk_free(&t->disk);
}

/* ---- the old partition table ---- */

/* Removes dir and its parents up to `top` (the first folder default_backup made), when empty. */
static void unmake(char *dir, const char *top)
{
    for (char *slash; rmdir(dir) == 0 && strcmp(dir, top) != 0 && (slash = strrchr(dir, '/'));)
        *slash = '\0';
}

/* $XDG_STATE_HOME/dartmk/tables, else ~/.local/state/dartmk/tables (malloc'd), or NULL. */
static char *tables_dir(void)
{
    char *top = dm_user_dir("XDG_STATE_HOME", ".local/state"), *dir = NULL;
    if (top && asprintf(&dir, "%s/tables", top) < 0)
        dir = NULL;
    free(top);
    return dir;
}

struct saved {
    char *path;
    struct timespec at;
};

static int oldest_first(const void *a, const void *b)
{
    const struct saved *x = a, *y = b;
    if (x->at.tv_sec != y->at.tv_sec)
        return x->at.tv_sec < y->at.tv_sec ? -1 : 1;
    if (x->at.tv_nsec != y->at.tv_nsec)
        return x->at.tv_nsec < y->at.tv_nsec ? -1 : 1;
    return strcmp(x->path, y->path);
}

size_t dm_claim_saved_tables(char ***files)
{
    char *dir = tables_dir();
    struct saved *v = NULL;
    size_t n = 0;
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    struct stat st;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        struct saved *more = len > 7 && strcmp(e->d_name + len - 7, ".sfdisk") == 0
                                 ? realloc(v, (n + 1) * sizeof *v)
                                 : NULL;
        v = more ? more : v;
        if (more && asprintf(&v[n].path, "%s/%s", dir, e->d_name) >= 0 && stat(v[n].path, &st) == 0)
            v[n++].at = st.st_mtim;
        else if (more)
            free(v[n].path);
    }
    if (d)
        closedir(d);
    free(dir);
    if (n)
        qsort(v, n, sizeof *v, oldest_first);
    *files = n ? malloc(n * sizeof **files) : NULL;
    for (size_t i = 0; i < n; i++)
        (*files)[i] = v[i].path;
    free(v);
    return *files ? n : 0;
}

/* A new file in the state folder, named after the disk and the time; *made: the first folder
 * it had to make (NULL when they were all there), for unmake. */
static char *default_backup(const struct dm_claim *t, char **made)
{
    const char *name = t->is_device ? t->disk.name : base_name(t->path);
    char stamp[32], *dir = tables_dir(), *file = NULL;
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
    if (!dir)
        return NULL;
    dm_make_dirs(dir, made);
    for (int n = 1; n < 100; n++) { /* two runs in one second keep both tables */
        if (asprintf(&file, n == 1 ? "%s/%s-%s.sfdisk" : "%s/%s-%s-%d.sfdisk", dir, name, stamp,
                     n) < 0)
            file = NULL;
        if (!file || access(file, F_OK) != 0)
            break;
        free(file), file = NULL;
    }
    free(dir);
    return file;
}

/* The part of `path` after "$HOME/", or NULL when it is not under it. */
static const char *home_relative(const char *path)
{
    const char *home = getenv("HOME");
    size_t n = home ? strlen(home) : 0;
    while (n > 1 && home[n - 1] == '/')
        n--;
    if (n <= 1 || strncmp(path, home, n) != 0 || path[n] != '/')
        return NULL;
    return path + n + 1;
}

int dm_claim_save_table(const struct dm_claim *t, const char *file, char **saved_to)
{
    int saved = 0;
    char *made = NULL;
    *saved_to = file ? strdup(file) : default_backup(t, &made);
    if (!*saved_to)
        return dm_error(DM_FAIL,
                        "%s: nowhere to save the old partition table (HOME is not "
                        "set): --backup-table FILE",
                        t->path);
    int rc = dm_layout_backup(t->fd, t->path, *saved_to, &saved);
    if (rc == 0 && saved) { /* two lines a person reads: 80 columns hold the default name */
        const char *under_home = home_relative(*saved_to);
        dm_info("saved the old table as %s%s", under_home ? "~/" : "",
                under_home ? under_home : *saved_to);
        dm_info("  restore it: dartmk partition --restore-table FILE %s", t->path);
    }
    if (!saved && made) /* nothing saved: no folder left behind for it either */
        unmake(dirname(*saved_to), made);
    if (!saved)
        free(*saved_to), *saved_to = NULL;
    free(made);
    return rc;
}
