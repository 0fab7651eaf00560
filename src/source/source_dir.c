/* source_dir.c — a directory on the host as a media tree. */
#include "source/source.h"

#include "util/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dir_source {
    char *root;      /* as given */
    char *real_root; /* resolved, to keep symlinks inside the tree */
    char *scratch;   /* host_path buffer */
};

struct fd_stream {
    struct dm_stream base;
    int fd;
};

static ssize_t fd_read(struct dm_stream *s, void *buf, size_t n)
{
    struct fd_stream *f = (struct fd_stream *)s;
    for (;;) {
        ssize_t r = read(f->fd, buf, n);
        if (r >= 0)
            return r;
        if (errno != EINTR) {
            dm_error_errno(DM_FAIL, errno, "%s: read error", s->name);
            return -1;
        }
    }
}

static int fd_close(struct dm_stream *s)
{
    struct fd_stream *f = (struct fd_stream *)s;
    close(f->fd);
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops fd_stream_ops = {.read = fd_read, .close = fd_close};

int dm_host_stream_open(const char *path, struct dm_stream **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", path);
    /* Read front to back: a larger read-ahead keeps the disk busy while the data is written. */
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    struct fd_stream *f = dm_stream_alloc(sizeof *f, &fd_stream_ops, path);
    if (!f) {
        close(fd);
        return dm_error(DM_FAIL, "%s: out of memory", path);
    }
    f->fd = fd;
    *out = &f->base;
    return 0;
}

static char *join(const char *a, const char *b)
{
    char *p;
    if (asprintf(&p, "%s/%s", a, b) < 0)
        return NULL;
    return p;
}

static const char *dir_host_path(struct dm_tree *t, const struct dm_entry *e)
{
    struct dir_source *d = t->priv;
    free(d->scratch);
    d->scratch = join(d->root, e->path);
    return d->scratch;
}

static int dir_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    const char *p = dir_host_path(t, e);
    return p ? dm_host_stream_open(p, out) : dm_error(DM_FAIL, "%s: out of memory", e->path);
}

static void dir_destroy(struct dm_tree *t)
{
    struct dir_source *d = t->priv;
    free(d->root);
    free(d->real_root);
    free(d->scratch);
    free(d);
}

static const struct dm_tree_ops dir_ops = {
    .name = "directory", .open = dir_open, .host_path = dir_host_path, .destroy = dir_destroy};

/* True when a symlink's target stays inside the source directory. */
static int inside_root(const struct dir_source *d, const char *host)
{
    char *real = realpath(host, NULL);
    if (!real)
        return 0;
    size_t n = strlen(d->real_root);
    int ok = strncmp(real, d->real_root, n) == 0 && (real[n] == '/' || real[n] == 0);
    free(real);
    return ok;
}

static int scan(struct dm_tree *t, const char *rel);

/* Adds one directory entry (and recurses into directories). */
static int scan_entry(struct dm_tree *t, const char *rel, const char *host)
{
    struct dir_source *d = t->priv;
    struct stat st;
    if (lstat(host, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s", host);
    if (S_ISLNK(st.st_mode)) {
        if (!inside_root(d, host) || stat(host, &st) != 0 || !S_ISREG(st.st_mode)) {
            dm_warn("%s: skipping symbolic link (it does not name a file inside the source)", host);
            return 0;
        }
    }
    if (S_ISDIR(st.st_mode)) {
        if (!dm_tree_add(t, rel, DM_ENTRY_DIR, 0, st.st_mtime, NULL))
            return dm_error(DM_FAIL, "%s: out of memory", host);
        return scan(t, rel);
    }
    if (!S_ISREG(st.st_mode)) {
        dm_warn("%s: skipping (not a regular file or directory)", host);
        return 0;
    }
    if (!dm_tree_add(t, rel, DM_ENTRY_FILE, (uint64_t)st.st_size, st.st_mtime, NULL))
        return dm_error(DM_FAIL, "%s: out of memory", host);
    return 0;
}

static int scan(struct dm_tree *t, const char *rel)
{
    struct dir_source *d = t->priv;
    char *dir = *rel ? join(d->root, rel) : strdup(d->root);
    DIR *dh = dir ? opendir(dir) : NULL;
    if (!dh) {
        int rc = dm_error_errno(DM_FAIL, errno, "%s: cannot read directory", dir ? dir : rel);
        free(dir);
        return rc;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(dh))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *r = *rel ? join(rel, de->d_name) : strdup(de->d_name);
        char *h = join(dir, de->d_name);
        rc = (r && h) ? scan_entry(t, r, h) : dm_error(DM_FAIL, "%s: out of memory", dir);
        free(r);
        free(h);
    }
    closedir(dh);
    free(dir);
    return rc;
}

int dm_source_dir_open(const char *path, struct dm_tree **out)
{
    struct dir_source *d = calloc(1, sizeof *d);
    if (!d || !(d->root = strdup(path)) || !(d->real_root = realpath(path, NULL))) {
        int err = errno;
        if (d)
            free(d->root);
        free(d);
        return dm_error_errno(DM_FAIL, err, "%s", path);
    }
    struct dm_tree *t = dm_tree_new(&dir_ops, d, path);
    if (!t) {
        dir_destroy(&(struct dm_tree){.priv = d});
        return dm_error(DM_FAIL, "%s: out of memory", path);
    }
    return dm_tree_finish(t, scan(t, ""), out);
}
