/* dir.c — the recovery tree written into a folder: every file of the tree (the customised
 * boot.wim among them) copied in the tree's order, the manifest (a late entry, made from the
 * checksums taken as the files were read) last. Everything written is recorded so that a
 * failure removes it all. */
#include "target/dir.h"
#include "device/disk.h"
#include "image/image.h"
#include "image/expiry.h"
#include "util/cleanup.h"
#include "util/copy.h"
#include "util/progress.h"
#include "util/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- judging DIR ---- */

static int is_empty_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int empty = 1;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    if (d)
        closedir(d);
    return d && empty;
}

static int dir_check(struct dm_job *j, void *t)
{
    const char *root = ((struct dm_target_dir *)t)->path;
    struct stat st;
    int rc = dm_target_not_source(root, j->source, "the recovery tree");
    if (rc == 0 && lstat(root, &st) != 0 && dm_disk_new_in_dev(root))
        return dm_error(DM_REFUSED, "%s: no such folder (no folder is made in /dev)", root);
    if (rc || lstat(root, &st) != 0)
        return rc; /* a folder that does not exist is made when writing */
    if (S_ISLNK(st.st_mode))
        return dm_error(DM_FAIL,
                        "%s: a symbolic link (a folder is written only at its own name, "
                        "not through a link)",
                        root);
    if (!S_ISDIR(st.st_mode))
        return dm_error(DM_FAIL, "%s: exists and is not a folder", root);
    if (!j->force && !is_empty_dir(root))
        return dm_error(DM_REFUSED, "%s: exists and is not empty (--force writes into it)", root);
    return 0;
}

static int dir_tree(struct dm_job *j, void *t)
{
    (void)t;
    j->ropts.flags = DM_RECOVERY_MANIFEST;
    return 0;
}

/* ---- the output folder: what was made, to take it away again ---- */

struct made {
    char *path; /* relative to the root */
    int is_dir;
};

struct dm_dir_out {
    const char *root;
    int fd, made_root, guard;
    struct made *made;
    size_t nmade;
    struct dm_progress progress;
    uint64_t done;
};

static int remember(struct dm_dir_out *o, const char *rel, int is_dir)
{
    struct made *m = realloc(o->made, (o->nmade + 1) * sizeof *m);
    if (!m)
        return dm_error(DM_FAIL, "out of memory");
    o->made = m;
    if (!(m[o->nmade].path = strdup(rel)))
        return dm_error(DM_FAIL, "out of memory");
    m[o->nmade++].is_dir = is_dir;
    return 0;
}

static int out_open(struct dm_dir_out *o, const char *root)
{
    struct stat st;
    o->root = root, o->fd = -1;
    if (lstat(root, &st) != 0) {
        if (errno != ENOENT || mkdir(root, 0755) != 0)
            return dm_error_errno(DM_FAIL, errno, "%s: cannot make the folder", root);
        o->made_root = 1;
        o->guard = dm_cleanup_register(root, 1) + 1; /* an interrupted build leaves nothing */
    }
    o->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return o->fd >= 0 ? 0 : dm_error_errno(DM_FAIL, errno, "%s: cannot open", root);
}

static int out_mkdir(struct dm_dir_out *o, const char *rel)
{
    struct stat st;
    if (mkdirat(o->fd, rel, 0755) == 0)
        return remember(o, rel, 1);
    if (errno == EEXIST && fstatat(o->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode))
        return 0;
    return dm_error_errno(DM_FAIL, errno, "%s/%s: cannot make the folder", o->root, rel);
}

/* The folders above rel, for files whose folder the tree does not list. */
static int out_parents(struct dm_dir_out *o, const char *rel)
{
    char *p = strdup(rel);
    int rc = p ? 0 : dm_error(DM_FAIL, "out of memory");
    for (char *s = p; rc == 0 && (s = strchr(s, '/')); *s++ = '/') {
        *s = '\0';
        rc = out_mkdir(o, p);
    }
    free(p);
    return rc;
}

/* Opens rel for writing (never through a symbolic link). */
static int out_create(struct dm_dir_out *o, const char *rel, int *fd)
{
    int rc = out_parents(o, rel);
    if (rc)
        return rc;
    *fd = openat(o->fd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (*fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s/%s: cannot write", o->root, rel);
    return remember(o, rel, 0);
}

static void out_free(struct dm_dir_out *o)
{
    if (!o)
        return;
    dm_cleanup_forget(o->guard - 1);
    for (size_t i = 0; i < o->nmade; i++)
        free(o->made[i].path);
    free(o->made);
    if (o->fd >= 0)
        close(o->fd);
    free(o);
}

/* ---- writing ---- */

/* Copies a tree entry to the same path under the root, with its time. */
static int copy_entry(struct dm_dir_out *o, struct dm_tree *tree, const struct dm_entry *e)
{
    struct dm_stream *s = NULL;
    char *what = NULL;
    uint64_t got = 0;
    int fd = -1, rc = out_create(o, e->path, &fd);
    if (rc == 0)
        rc = dm_tree_open(tree, e, &s);
    if (rc == 0 && asprintf(&what, "%s/%s", o->root, e->path) < 0)
        what = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = dm_copy_stream(s, fd, what, NULL, &o->progress, o->done, &got);
    free(what);
    int crc = s ? dm_stream_close(s) : 0;
    rc = rc ? rc : crc;
    if (rc == 0 && got != e->size)
        rc = dm_error(DM_FAIL, "%s: the source changed while it was read", e->path);
    if (rc == 0 && e->mtime)
        futimens(fd, (struct timespec[2]){{e->mtime, 0}, {e->mtime, 0}});
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s/%s: cannot write", o->root, e->path);
    o->done += got;
    return rc;
}

/* Every entry, the late ones (the manifest) after all the others. */
static int copy_tree(struct dm_dir_out *o, struct dm_tree *tree)
{
    int rc = 0;
    for (int late = 0; late < 2; late++)
        for (size_t i = 0; rc == 0 && i < tree->count; i++) {
            const struct dm_entry *e = &tree->entries[i];
            if (!!(e->flags & DM_ENTRY_LATE) != late)
                continue;
            rc = e->kind == DM_ENTRY_DIR ? out_mkdir(o, e->path) : copy_entry(o, tree, e);
        }
    return rc;
}

static int dir_write(struct dm_job *j, void *t)
{
    struct dm_target_dir *d = t;
    struct dm_dir_out *o = d->out = calloc(1, sizeof *o);
    if (!o)
        return dm_error(DM_FAIL, "out of memory");
    int rc = out_open(o, d->path);
    if (rc)
        return rc;
    dm_progress_begin(&o->progress, "copying the media", dm_tree_bytes(j->rt->tree));
    rc = copy_tree(o, j->rt->tree);
    dm_progress_end(&o->progress);
    return rc;
}

static int dir_finish(struct dm_job *j, void *t)
{
    struct dm_target_dir *d = t;
    (void)j;
    if (syncfs(d->out->fd) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot flush to disk", d->path);
    out_free(d->out);
    d->out = NULL;
    return 0;
}

/* Everything this run made goes, newest first; files that were in DIR before stay. */
static int dir_abort(struct dm_job *j, void *t, int rc)
{
    struct dm_target_dir *d = t;
    struct dm_dir_out *o = d->out;
    (void)j;
    for (size_t i = o ? o->nmade : 0; i-- > 0;)
        unlinkat(o->fd, o->made[i].path, o->made[i].is_dir ? AT_REMOVEDIR : 0);
    if (o && o->made_root)
        rmdir(o->root);
    out_free(o);
    d->out = NULL;
    return rc;
}

static json_object *dir_result(struct dm_job *j, void *t)
{
    const struct dm_image_plan *p = &j->plan;
    const struct dm_media *m = j->media;
    json_object *o = json_object_new_object();
    char expires[DM_EXPIRY_TEXT];
    if (p->expire_days)
        dm_expiry_format(dm_expiry_add_days(p->built, p->expire_days), expires);
    json_object_object_add(o, "output", json_object_new_string(((struct dm_target_dir *)t)->path));
    json_object_object_add(o, "manifest", json_object_new_string(DM_MANIFEST_NAME));
    json_object_object_add(o, "image_index", json_object_new_int(m->image));
    json_object_object_add(o, "arch", json_object_new_string(dm_arch_name(m->arch) ?: "unknown"));
    json_object_object_add(o, "customised", json_object_new_boolean(p->customise));
    json_object_object_add(o, "tools", json_object_new_int((int)p->ntools));
    json_object_object_add(o, "drivers", json_object_new_int((int)p->ndrivers));
    json_object_object_add(o, "expires", p->expire_days ? json_object_new_string(expires) : NULL);
    return o;
}

const struct dm_target_ops dm_target_dir_ops = {
    .name = "dir",
    .check = dir_check,
    .tree = dir_tree,
    .write = dir_write,
    .finish = dir_finish,
    .abort = dir_abort,
    .result = dir_result,
};
