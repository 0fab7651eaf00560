/* dir.c — writing the recovery tree: every media file copied (hashed on the way for the
 * manifest), boot.wim copied and, when the recipe changes it, customised in place, then the
 * manifest at the root. Everything written is recorded so that a failure removes it all. */
#include "image/build_internal.h"
#include "util/progress.h"
#include "util/report.h"
#include "util/cleanup.h"
#include "util/copy.h"
#include "util/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the output folder ---- */

struct made {
    char *path; /* relative to the root */
    int is_dir;
};

struct outdir {
    const char *root;
    int fd, made_root, guard;
    struct made *made;
    size_t nmade;
};

static int remember(struct outdir *o, const char *rel, int is_dir)
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

/* The folder `root` would be, resolved (it may not exist yet); malloc'd or NULL. */
static char *resolved_out(const char *root)
{
    char *r = realpath(root, NULL), *dir, *parent, *out = NULL;
    if (r || errno != ENOENT || !(dir = strdup(root)))
        return r;
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    if (slash)
        *slash = '\0';
    parent = realpath(slash ? (*dir ? dir : "/") : ".", NULL);
    if (parent && asprintf(&out, "%s/%s", strcmp(parent, "/") ? parent : "", base) < 0)
        out = NULL;
    free(parent), free(dir);
    return out;
}

/* The source is never changed: the recovery tree goes neither over it nor inside it. */
static int check_not_source(const char *root, const char *source)
{
    char *src = realpath(source, NULL), *out = resolved_out(root);
    size_t n = src ? strlen(src) : 0;
    int inside = src && out && strncmp(out, src, n) == 0 && (out[n] == '\0' || out[n] == '/');
    free(src), free(out);
    return inside ? dm_error(DM_REFUSED,
                             "%s: is the source %s or inside it; write the recovery "
                             "tree elsewhere",
                             root, source)
                  : 0;
}

static int out_open(struct outdir *o, const char *root, const char *source, int force)
{
    int rc = check_not_source(root, source);
    if (rc)
        return rc;
    struct stat st;
    o->root = root, o->fd = -1;
    if (lstat(root, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return dm_error(DM_FAIL, "%s: exists and is not a folder", root);
        if (!force && !is_empty_dir(root))
            return dm_error(DM_REFUSED, "%s: exists and is not empty (--force writes into it)",
                            root);
    } else if (errno != ENOENT || mkdir(root, 0755) != 0) {
        return dm_error_errno(DM_FAIL, errno, "%s: cannot make the folder", root);
    } else {
        o->made_root = 1;
        o->guard = dm_cleanup_register(root, 1) + 1; /* an interrupted build leaves nothing */
    }
    o->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return o->fd >= 0 ? 0 : dm_error_errno(DM_FAIL, errno, "%s: cannot open", root);
}

static int out_mkdir(struct outdir *o, const char *rel)
{
    struct stat st;
    if (mkdirat(o->fd, rel, 0755) == 0)
        return remember(o, rel, 1);
    if (errno == EEXIST && fstatat(o->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode))
        return 0;
    return dm_error_errno(DM_FAIL, errno, "%s/%s: cannot make the folder", o->root, rel);
}

/* The folders above rel, for files whose folder the source tree does not list. */
static int out_parents(struct outdir *o, const char *rel)
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
static int out_create(struct outdir *o, const char *rel, int *fd)
{
    int rc = out_parents(o, rel);
    if (rc)
        return rc;
    *fd = openat(o->fd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (*fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s/%s: cannot write", o->root, rel);
    return remember(o, rel, 0);
}

static void out_abort(struct outdir *o)
{
    for (size_t i = o->nmade; i-- > 0;)
        unlinkat(o->fd, o->made[i].path, o->made[i].is_dir ? AT_REMOVEDIR : 0);
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->made_root)
        rmdir(o->root);
}

static void out_free(struct outdir *o)
{
    dm_cleanup_forget(o->guard - 1);
    for (size_t i = 0; i < o->nmade; i++)
        free(o->made[i].path);
    free(o->made);
    if (o->fd >= 0)
        close(o->fd);
}

/* ---- copying ---- */

struct build {
    struct dm_media *m;
    const struct dm_build_plan *p;
    struct outdir out;
    struct dm_progress progress;
    uint64_t done;
    json_object *files; /* the manifest's list */
    char source_wim_sha[DM_SHA256_HEX];
};

static int add_file_json(struct build *b, const char *rel, uint64_t size, const char *hex)
{
    json_object *f = json_object_new_object();
    json_object_object_add(f, "path", json_object_new_string(rel));
    json_object_object_add(f, "size", json_object_new_int64((int64_t)size));
    json_object_object_add(f, "sha256", json_object_new_string(hex));
    return json_object_array_add(b->files, f) == 0 ? 0 : dm_error(DM_FAIL, "out of memory");
}

/* Copies a tree entry to rel, hashing it into hex. */
static int copy_entry(struct build *b, const struct dm_entry *e, const char *rel,
                      char hex[DM_SHA256_HEX])
{
    struct dm_stream *s = NULL;
    struct dm_sha256 *h = dm_sha256_new();
    int fd = -1;
    uint64_t got = 0;
    int rc = h ? out_create(&b->out, rel, &fd) : dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = dm_tree_open(b->m->tree, e, &s);
    char *what = NULL;
    if (rc == 0 && asprintf(&what, "%s/%s", b->out.root, rel) < 0)
        what = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = dm_copy_stream(s, fd, what, h, &b->progress, b->done, &got);
    free(what);
    int crc = s ? dm_stream_close(s) : 0;
    rc = rc ? rc : crc;
    if (rc == 0 && got != e->size)
        rc = dm_error(DM_FAIL, "%s: the source changed while it was read", e->path);
    if (rc == 0 && e->mtime)
        futimens(fd, (struct timespec[2]){{e->mtime, 0}, {e->mtime, 0}});
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s/%s: cannot write", b->out.root, rel);
    b->done += got;
    if (rc == 0)
        dm_sha256_final(h, hex);
    else
        dm_sha256_free(h);
    return rc;
}

/* The SHA-256 of a file already written (boot.wim after it was changed in place). */
static int hash_file(const char *path, uint64_t *size, char hex[DM_SHA256_HEX])
{
    struct dm_stream *s = NULL;
    int rc = dm_host_stream_open(path, &s);
    if (rc == 0)
        rc = dm_hash_stream(s, size, hex);
    int crc = s ? dm_stream_close(s) : 0;
    return rc ? rc : crc;
}

/* ---- the tree ---- */

static int is_boot_wim(const struct build *b, const struct dm_entry *e)
{
    const struct dm_bootfile *f = &b->m->files[DM_ROLE_BOOT_WIM];
    return f->where == DM_ON_MEDIA && strcasecmp(e->path, f->path) == 0;
}

/* Every file and folder but boot.wim (copied first, see copy_boot_wim). */
static int copy_tree(struct build *b)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->m->tree->count; i++) {
        const struct dm_entry *e = &b->m->tree->entries[i];
        char hex[DM_SHA256_HEX];
        if (dm_media_entry_skipped(e, 1) || is_boot_wim(b, e))
            continue; /* build always writes its own manifest */
        if (e->kind == DM_ENTRY_DIR)
            rc = out_mkdir(&b->out, e->path);
        else if ((rc = copy_entry(b, e, e->path, hex)) == 0)
            rc = add_file_json(b, e->path, e->size, hex);
    }
    return rc;
}

static int copy_boot_wim(struct build *b)
{
    const struct dm_bootfile *f = &b->m->files[DM_ROLE_BOOT_WIM];
    const struct dm_entry *e = f->where == DM_ON_MEDIA ? dm_tree_find(b->m->tree, f->path) : NULL;
    if (!e)
        return dm_error(DM_FAIL, "%s: no sources/boot.wim", b->m->tree->origin);
    int rc = copy_entry(b, e, e->path, b->source_wim_sha);
    if (rc == 0 && !b->p->customise)
        rc = add_file_json(b, e->path, e->size, b->source_wim_sha);
    return rc;
}

static uint64_t tree_bytes(const struct dm_tree *t)
{
    uint64_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        n += t->entries[i].size;
    return n;
}

/* ---- boot.wim customised in a thread while the rest of the media is copied ---- */

struct custom {
    pthread_t thread;
    int started;
    struct build *b;
    const struct dm_recipe *r;
    const char *source;
    char *host; /* the output's boot.wim */
    struct dm_wim_status status;
    _Atomic int finished;
    int rc;
    struct dm_capture said; /* what the thread reported */
    uint64_t size;
    char hex[DM_SHA256_HEX];
};

static void *custom_main(void *arg)
{
    struct custom *c = arg;
    dm_capture_begin(&c->said);
    c->rc = dm_build_image(c->b->m, c->b->p, c->r, c->source, c->b->source_wim_sha, c->host,
                           &c->status);
    if (c->rc == 0 && !c->status.cancel)
        c->rc = hash_file(c->host, &c->size, c->hex);
    dm_capture_end(&c->said);
    c->finished = 1;
    return NULL;
}

static int custom_start(struct custom *c)
{
    if (asprintf(&c->host, "%s/%s", c->b->out.root, c->b->m->files[DM_ROLE_BOOT_WIM].path) < 0) {
        c->host = NULL;
        return dm_error(DM_FAIL, "out of memory");
    }
    if (pthread_create(&c->thread, NULL, custom_main, c) != 0)
        return dm_error(DM_FAIL, "cannot start a thread");
    c->started = 1;
    return 0;
}

/* Waits for the thread, showing its progress; stops it first when the copy failed (rc). */
static int custom_finish(struct custom *c, int rc)
{
    struct dm_progress progress;
    if (rc)
        c->status.cancel = 1;
    dm_progress_begin(&progress, "adding to boot.wim", c->status.total);
    while (!c->finished) {
        progress.total = c->status.total;
        dm_progress_update(&progress, c->status.done);
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    dm_progress_end(&progress);
    pthread_join(c->thread, NULL);
    if (!rc)
        dm_capture_replay(&c->said); /* when both failed, the copy's line is the one */
    dm_capture_free(&c->said);
    rc = rc ? rc : c->rc;
    return rc ? rc : add_file_json(c->b, c->b->m->files[DM_ROLE_BOOT_WIM].path, c->size, c->hex);
}

static int write_manifest(struct build *b, const struct dm_recipe *r, const char *source)
{
    json_object *j = dm_build_manifest(b->m, b->p, r, source, b->source_wim_sha);
    int fd = -1, rc = j ? 0 : dm_error(DM_FAIL, "out of memory");
    if (rc == 0) {
        json_object_object_add(j, "files", json_object_get(b->files));
        rc = out_create(&b->out, DM_MANIFEST_NAME, &fd);
    }
    if (rc == 0) {
        const char *text = dm_manifest_text(j);
        char *what = NULL;
        rc = asprintf(&what, "%s/%s", b->out.root, DM_MANIFEST_NAME) < 0
                 ? dm_error(DM_FAIL, "out of memory")
                 : dm_write_all(fd, text, strlen(text), what);
        if (rc == 0)
            rc = dm_write_all(fd, "\n", 1, what);
        free(what);
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s/%s: cannot write", b->out.root, DM_MANIFEST_NAME);
    json_object_put(j);
    return rc;
}

int dm_build_write(struct dm_media *m, const struct dm_build_plan *p, const struct dm_recipe *r,
                   const char *source, const char *outdir, int force)
{
    struct build b = {.m = m, .p = p, .files = json_object_new_array()};
    int rc = out_open(&b.out, outdir, source, force);
    if (rc == 0 && !b.files)
        rc = dm_error(DM_FAIL, "out of memory");
    struct custom c = {.b = &b, .r = r, .source = source};
    if (rc == 0) {
        dm_progress_begin(&b.progress, "copying the media", tree_bytes(m->tree));
        rc = copy_boot_wim(&b);
        if (rc == 0 && p->customise)
            rc = custom_start(&c);
        if (rc == 0)
            rc = copy_tree(&b);
        dm_progress_end(&b.progress);
    }
    if (c.started)
        rc = custom_finish(&c, rc);
    free(c.host);
    if (rc == 0)
        rc = write_manifest(&b, r, source);
    if (rc == 0 && syncfs(b.out.fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush to disk", outdir);
    if (rc)
        out_abort(&b.out);
    out_free(&b.out);
    json_object_put(b.files);
    return rc;
}
