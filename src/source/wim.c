/* wim.c — WIM files through wimlib. */
#include "source/wim.h"
#include "source/wim_verify.h"

#include "util/cleanup.h"
#include "util/progress.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wimlib.h>
#include <libxml/xmlerror.h>

struct dm_wim {
    WIMStruct *wim;
    char *display;
    int staged_fd;    /* the unlinked temporary copy, or -1 */
    char *host;       /* the host path it was opened at; NULL for a staged copy */
    WIMStruct *spare; /* a staged copy's second handle, for dm_wim_reopen */
    int count, boot_index;
    uint64_t file_size;   /* of the WIM file, 0 if unknown */
    uint32_t header_boot; /* the boot index its header says (wimlib ignores one out of range) */
    struct dm_wim_image *images;
};

/* wimlib parses the WIM's XML with libxml2, which prints parser errors on stderr; the failure
 * reaches us as wimlib's error code and is reported as one line. */
static void xml_quiet(void *ctx, const char *msg, ...) { (void)ctx, (void)msg; }

int dm_wimlib_ready(void)
{
    static int ready;
    if (!ready) {
        xmlSetGenericErrorFunc(NULL, xml_quiet);
        /* Windows media paths are case-insensitive; so are our lookups. */
        if (wimlib_global_init(WIMLIB_INIT_FLAG_DEFAULT_CASE_INSENSITIVE) != 0)
            return -1;
        wimlib_set_print_errors(false);
        ready = 1;
    }
    return 0;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int wim_fail(const struct dm_wim *w, const char *what, int err)
{
    return dm_error(DM_FAIL, "%s: %s (%s)", w->display, what, wimlib_get_error_string(err));
}

void dm_wim_close(struct dm_wim *w)
{
    if (!w)
        return;
    if (w->wim)
        wimlib_free(w->wim);
    if (w->spare)
        wimlib_free(w->spare);
    for (int i = 0; i < w->count; i++)
        free(w->images[i].name);
    free(w->images);
    if (w->staged_fd >= 0)
        close(w->staged_fd);
    free(w->display);
    free(w->host);
    free(w);
}

static int load_images(struct dm_wim *w)
{
    struct wimlib_wim_info info;
    int r = wimlib_get_wim_info(w->wim, &info);
    if (r)
        return wim_fail(w, "cannot read the WIM header", r);
    if (info.total_parts > 1) /* its resources are spread over the other parts */
        return dm_error(DM_FAIL,
                        "%s: part %u of a split WIM (%u parts): Windows PE boots from a whole WIM "
                        "(wimjoin makes one)",
                        w->display, (unsigned)info.part_number, (unsigned)info.total_parts);
    if (info.image_count == 0)
        return dm_error(DM_FAIL, "%s: the WIM holds no image", w->display);
    if (w->header_boot > info.image_count) /* else another image would be taken silently */
        return dm_error(DM_FAIL,
                        "%s: damaged WIM header: its boot index %u names no image (the WIM has "
                        "%u image%s)",
                        w->display, (unsigned)w->header_boot, (unsigned)info.image_count,
                        info.image_count == 1 ? "" : "s");
    w->count = (int)info.image_count;
    w->boot_index = (int)info.boot_index;
    w->images = calloc((size_t)w->count, sizeof *w->images);
    if (!w->images)
        return dm_error(DM_FAIL, "%s: out of memory", w->display);
    for (int i = 1; i <= w->count; i++) {
        struct dm_wim_image *im = &w->images[i - 1];
        im->index = i;
        im->name = strdup(wimlib_get_image_name(w->wim, i));
        im->bootable = i == w->boot_index;
        im->arch = dm_arch_from_wim_xml(wimlib_get_image_property(w->wim, i, "WINDOWS/ARCH"));
        if (!im->name)
            return dm_error(DM_FAIL, "%s: out of memory", w->display);
    }
    return 0;
}

/* The header's blob table and XML data must lie inside the file: wimlib allocates what their
 * sizes say before reading, and reports an absurd size as "Ran out of memory". */
static int check_header(struct dm_wim *w, const char *host_path)
{
    static const struct {
        size_t at;
        const char *what;
    } res[] = {{48, "blob table"}, {72, "XML data"}};
    unsigned char h[208];
    struct stat st;
    int fd = open(host_path, O_RDONLY | O_CLOEXEC);
    int ok = fd >= 0 && fstat(fd, &st) == 0 && pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h;
    if (fd >= 0)
        close(fd);
    if (!ok || (le64(h + 8) & 0xFFFFFFFFu) != sizeof h) /* wimlib says what is wrong with it */
        return 0;
    w->file_size = (uint64_t)st.st_size;
    w->header_boot = (uint32_t)le64(h + 120);
    for (size_t i = 0; i < sizeof res / sizeof *res; i++) {
        const unsigned char *r = h + res[i].at;
        uint64_t size = le64(r) & 0xFFFFFFFFFFFFFFull, off = le64(r + 8), orig = le64(r + 16);
        if (!(r[7] & 4) && orig > size) /* stored uncompressed: as long as it says */
            size = orig;
        if (off > (uint64_t)st.st_size || size > (uint64_t)st.st_size - off)
            return dm_error(DM_FAIL,
                            "%s: damaged WIM header: its %s (%llu bytes at %llu) lies past the "
                            "file's end (%llu bytes)",
                            w->display, res[i].what, (unsigned long long)size,
                            (unsigned long long)off, (unsigned long long)st.st_size);
    }
    return 0;
}

/* A dm_wim around an open WIMStruct (taken: freed on failure), its header as `hdr` read it. */
static int wrap(WIMStruct *wim, const char *host, const struct dm_wim *hdr, struct dm_wim **out)
{
    const char *display = hdr->display;
    struct dm_wim *w = calloc(1, sizeof *w);
    if (!w || !(w->display = strdup(display)) || (host && !(w->host = strdup(host)))) {
        if (w)
            free(w->display);
        free(w);
        wimlib_free(wim);
        return dm_error(DM_FAIL, "%s: out of memory", display);
    }
    w->wim = wim, w->staged_fd = -1;
    w->file_size = hdr->file_size, w->header_boot = hdr->header_boot;
    int rc = load_images(w);
    if (rc)
        dm_wim_close(w);
    else
        *out = w;
    return rc;
}

/* Opens the WIM at host_path. A staged copy (staged_fd, kept open with it, closed on failure)
 * is opened twice while it has a name: the spare handle is dm_wim_reopen's. */
static int open_at(const char *host_path, const char *display, int staged_fd, struct dm_wim **out)
{
    WIMStruct *wim = NULL, *spare = NULL;
    struct dm_wim hdr = {.display = (char *)display};
    int r = 0, rc = dm_wimlib_ready() < 0 ? dm_error(DM_FAIL, "wimlib: cannot initialise")
                                          : check_header(&hdr, host_path);
    if (rc == 0)
        r = wimlib_open_wim(host_path, 0, &wim);
    if (rc == 0 && r == 0 && staged_fd >= 0)
        r = wimlib_open_wim(host_path, 0, &spare);
    if (rc == 0 && r)
        rc = wim_fail(&hdr, "not a readable WIM file", r);
    if (rc == 0)
        rc = wrap(wim, staged_fd < 0 ? host_path : NULL, &hdr, out);
    else
        wimlib_free(wim);
    if (rc) {
        wimlib_free(spare);
        if (staged_fd >= 0)
            close(staged_fd);
        return rc;
    }
    (*out)->staged_fd = staged_fd, (*out)->spare = spare;
    return 0;
}

int dm_wim_open(const char *host_path, const char *display, struct dm_wim **out)
{
    return open_at(host_path, display, -1, out);
}

/* Copies a stream into fd, with progress; returns 0 or an exit code. */
static int copy_stream(struct dm_stream *s, int fd, const char *name, uint64_t total)
{
    enum { BUF = 1 << 20 };
    char *buf = malloc(BUF);
    if (!buf)
        return dm_error(DM_FAIL, "%s: out of memory", name);
    struct dm_progress p;
    char label[256];
    snprintf(label, sizeof label, "reading %s", name);
    dm_progress_begin(&p, label, total);
    uint64_t done = 0;
    int rc = 0;
    ssize_t n;
    while (rc == 0 && (n = dm_stream_read(s, buf, BUF)) > 0) {
        for (ssize_t off = 0; rc == 0 && off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno != EINTR)
                rc = dm_error_errno(DM_FAIL, errno, "%s: cannot stage a temporary copy", name);
            off += w > 0 ? w : 0;
        }
        done += (uint64_t)n;
        dm_progress_update(&p, done);
    }
    if (rc == 0 && n < 0)
        rc = DM_FAIL;
    dm_progress_end(&p);
    free(buf);
    return rc;
}

/* The staged copy has no name while it is written (O_TMPFILE): nothing is left behind however
 * the run ends, SIGKILL included, and its space is freed when the fd is closed. wimlib opens a
 * WIM only by a name that realpath() resolves (not /proc/self/fd/N of a nameless file), so the
 * copy is linked into $TMPDIR just around wimlib_open_wim and unlinked when wimlib holds it;
 * the name is registered for the cleanup meanwhile. Where the file system has no O_TMPFILE the
 * copy is a registered mkstemp file, unlinked at the same moment.
 *
 * Makes the copy's fd; *name stays "" for a nameless copy. Returns 0, or -1 with errno set. */
static int staged_temp(const char *dir, char *name, size_t n, int *guard)
{
    *name = '\0', *guard = -1;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    if (snprintf(name, n, "%s/dartmk-wim.XXXXXX", dir) >= (int)n)
        return *name = '\0', errno = ENAMETOOLONG, -1;
    if ((fd = mkostemp(name, O_CLOEXEC)) < 0)
        return *name = '\0', -1;
    *guard = dm_cleanup_register(name, 0);
    return fd;
}

/* Gives the nameless copy in fd a name in dir, registered before it exists. 0 or -1 (errno). */
static int staged_name(int fd, const char *dir, char *name, size_t n, int *guard)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (int i = 0; i < 100; i++) {
        if (snprintf(name, n, "%s/dartmk-wim.%ld.%d", dir, (long)getpid(), i) >= (int)n)
            return *name = '\0', errno = ENAMETOOLONG, -1;
        *guard = dm_cleanup_register(name, 0);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        int err = errno;
        dm_cleanup_forget(*guard);
        *guard = -1, *name = '\0';
        if (err != EEXIST)
            return errno = err, -1;
    }
    return errno = EEXIST, -1;
}

static const char *tmp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

/* Copies the entry into a temporary file and opens that (see staged_temp). */
static int stage(struct dm_tree *t, const struct dm_entry *e, struct dm_wim **out)
{
    const char *dir = tmp_dir();
    char name[4096];
    int guard;
    int fd = staged_temp(dir, name, sizeof name, &guard);
    if (fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot create a temporary file", dir);
    struct dm_stream *s;
    int rc = dm_tree_open(t, e, &s);
    if (rc == 0) {
        rc = copy_stream(s, fd, e->path, e->size);
        int crc = dm_stream_close(s);
        rc = rc ? rc : crc;
    }
    if (rc == 0 && !*name && staged_name(fd, dir, name, sizeof name, &guard) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot name a temporary file", dir);
    if (rc == 0)
        rc = open_at(name, e->path, fd, out);
    else
        close(fd);
    if (*name)
        unlink(name);
    dm_cleanup_forget(guard);
    return rc;
}

int dm_wim_open_entry(struct dm_tree *t, const struct dm_entry *e, struct dm_wim **out)
{
    const char *host = dm_tree_host_path(t, e);
    if (host)
        return dm_wim_open(host, e->path, out);
    return stage(t, e, out);
}

int dm_wim_reopen(struct dm_wim *w, struct dm_wim **out)
{
    if (w->host)
        return open_at(w->host, w->display, -1, out);
    if (!w->spare) /* a staged copy has no name to open it by: its one spare is given out */
        return dm_error(DM_FAIL, "%s: cannot open it again", w->display);
    WIMStruct *spare = w->spare;
    w->spare = NULL;
    return wrap(spare, NULL, w, out);
}

const char *dm_wim_display(const struct dm_wim *w) { return w->display; }
int dm_wim_image_count(const struct dm_wim *w) { return w->count; }
int dm_wim_boot_index(const struct dm_wim *w) { return w->boot_index; }

const struct dm_wim_image *dm_wim_image(const struct dm_wim *w, int index)
{
    return index >= 1 && index <= w->count ? &w->images[index - 1] : NULL;
}

int dm_wim_select(const struct dm_wim *w, int requested, int *index)
{
    if (requested == 0) {
        *index = w->boot_index ? w->boot_index : 1;
        return 0;
    }
    if (requested < 1 || requested > w->count)
        return dm_error(DM_FAIL, "%s: image index %d does not exist (the WIM has %d image%s)",
                        w->display, requested, w->count, w->count == 1 ? "" : "s");
    *index = requested;
    return 0;
}

struct stat_result {
    uint64_t size;
    int is_dir;
};

static int stat_cb(const struct wimlib_dir_entry *d, void *ctx)
{
    struct stat_result *r = ctx;
    r->is_dir = (d->attributes & WIMLIB_FILE_ATTRIBUTE_DIRECTORY) != 0;
    r->size = d->streams[0].resource.uncompressed_size;
    return 0;
}

int dm_wim_stat(struct dm_wim *w, int index, const char *path, int *found, uint64_t *size,
                int *is_dir)
{
    struct stat_result res = {0};
    int r = wimlib_iterate_dir_tree(w->wim, index, path, 0, stat_cb, &res);
    *found = r == 0;
    if (r == WIMLIB_ERR_PATH_DOES_NOT_EXIST)
        return 0;
    if (r)
        return wim_fail(w, "cannot read the image's directory tree", r);
    if (size)
        *size = res.size;
    if (is_dir)
        *is_dir = res.is_dir;
    return 0;
}

/* A file of a WIM image, decompressed by wimlib in a child process writing into a pipe: wimlib
 * extracts to files or to standard output only, and this keeps the bytes off the disk. */
struct wim_stream {
    struct dm_stream base;
    int fd;
    pid_t pid;
    int ended; /* the child has been reaped */
};

/* Reaps the child; returns 0 when it extracted the whole file, else prints and returns DM_FAIL. */
static int reap(struct wim_stream *ws, int kill_it)
{
    int status = 0;
    if (kill_it)
        kill(ws->pid, SIGKILL);
    while (waitpid(ws->pid, &status, 0) < 0 && errno == EINTR)
        ;
    ws->ended = 1;
    if (kill_it || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        return 0;
    int err = WIFEXITED(status) ? WEXITSTATUS(status) : WIMLIB_ERR_READ;
    return dm_error(DM_FAIL, "%s: cannot read from the WIM (%s)", ws->base.name,
                    wimlib_get_error_string(err));
}

static ssize_t wims_read(struct dm_stream *s, void *buf, size_t n)
{
    struct wim_stream *ws = (struct wim_stream *)s;
    ssize_t r;
    while ((r = read(ws->fd, buf, n)) < 0 && errno == EINTR)
        ;
    if (r < 0) {
        dm_error_errno(DM_FAIL, errno, "%s: read error", s->name);
        return -1;
    }
    if (r == 0 && !ws->ended && reap(ws, 0) != 0)
        return -1;
    return r;
}

static int wims_close(struct dm_stream *s)
{
    struct wim_stream *ws = (struct wim_stream *)s;
    close(ws->fd);
    if (!ws->ended)
        reap(ws, 1); /* closed before the end: the rest is not wanted */
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops wim_stream_ops = {.read = wims_read, .close = wims_close};

static void child_extract(struct dm_wim *w, int index, const char *path, int out_fd)
{
    if (dup2(out_fd, STDOUT_FILENO) < 0)
        _exit(WIMLIB_ERR_WRITE);
    const char *paths[] = {path};
    int r = wimlib_extract_paths(w->wim, index, ".", paths, 1, WIMLIB_EXTRACT_FLAG_TO_STDOUT);
    _exit(r > 0 && r < 256 ? r : (r ? 255 : 0));
}

int dm_wim_open_file(struct dm_wim *w, int index, const char *path, struct dm_stream **out)
{
    char *name;
    if (asprintf(&name, "%s:%s", w->display, path) < 0)
        return dm_error(DM_FAIL, "%s: out of memory", w->display);
    struct wim_stream *ws = dm_stream_alloc(sizeof *ws, &wim_stream_ops, name);
    free(name);
    if (!ws)
        return dm_error(DM_FAIL, "%s: out of memory", w->display);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        dm_stream_free(&ws->base);
        return dm_error_errno(DM_FAIL, errno, "%s: cannot create a pipe", w->display);
    }
    fflush(NULL);
    ws->pid = fork();
    if (ws->pid == 0) {
        close(p[0]);
        child_extract(w, index, path, p[1]);
    }
    close(p[1]);
    if (ws->pid < 0) {
        close(p[0]);
        dm_stream_free(&ws->base);
        return dm_error_errno(DM_FAIL, errno, "%s: cannot start a reader", w->display);
    }
    ws->fd = p[0];
    *out = &ws->base;
    return 0;
}

/* ---- integrity: every resource against its own SHA-1 ---- */

struct verify_ctx {
    struct dm_progress p;
    int begun;
    struct dm_wim_watch *watch;
};

static enum wimlib_progress_status on_verify(enum wimlib_progress_msg msg,
                                             union wimlib_progress_info *info, void *arg)
{
    struct verify_ctx *v = arg;
    if (msg != WIMLIB_PROGRESS_MSG_VERIFY_STREAMS)
        return WIMLIB_PROGRESS_STATUS_CONTINUE;
    if (!v->begun)
        dm_progress_begin(&v->p, "checking boot.wim", info->verify_streams.total_bytes),
            v->begun = 1;
    dm_progress_update(&v->p, info->verify_streams.completed_bytes);
    struct dm_wim_watch *x = v->watch;
    if (!x)
        return WIMLIB_PROGRESS_STATUS_CONTINUE;
    atomic_store(&x->total, info->verify_streams.total_bytes);
    atomic_store(&x->done, info->verify_streams.completed_bytes);
    return atomic_load(&x->stop) ? WIMLIB_PROGRESS_STATUS_ABORT : WIMLIB_PROGRESS_STATUS_CONTINUE;
}

/* A blob table entry that cannot be right: its bytes past the file's end, or more uncompressed
 * bytes than its chunk table (4 or 8 bytes a chunk, inside the compressed bytes) can index.
 * wimlib would allocate what it claims and report "Ran out of memory". Solid resources (one
 * table for many blobs) are left to wimlib. */
struct blob_check {
    const struct dm_wim *w;
    uint32_t chunk_size;
    struct wimlib_resource_entry bad; /* a copy: wimlib's entry lives during the call only */
    const char *why;
};

static int check_blob(const struct wimlib_resource_entry *r, void *arg)
{
    struct blob_check *c = arg;
    if (r->packed || r->is_missing)
        return 0;
    uint64_t csize = r->compressed_size, usize = r->uncompressed_size, end = c->w->file_size;
    uint64_t chunks = usize / c->chunk_size + (usize % c->chunk_size != 0);
    uint64_t table = chunks ? (chunks - 1) * (usize > UINT32_MAX ? 8 : 4) : 0;
    if (end && (r->offset > end || csize > end - r->offset))
        c->why = "lies past the file's end";
    else if (r->is_compressed ? table > csize : usize != csize)
        c->why = "cannot expand to the size it claims";
    else
        return 0;
    c->bad = *r;
    return 1;
}

static int check_blobs(struct dm_wim *w)
{
    struct wimlib_wim_info info;
    struct blob_check c = {.w = w};
    if (wimlib_get_wim_info(w->wim, &info) != 0 || info.chunk_size == 0)
        return 0;
    c.chunk_size = info.chunk_size;
    if (wimlib_iterate_lookup_table(w->wim, 0, check_blob, &c) == 0 || !c.why)
        return 0;
    return dm_error(DM_FAIL,
                    "%s: damaged: a resource in its blob table (%llu bytes at %llu, %llu "
                    "expanded) %s",
                    w->display, (unsigned long long)c.bad.compressed_size,
                    (unsigned long long)c.bad.offset, (unsigned long long)c.bad.uncompressed_size,
                    c.why);
}

int dm_wim_check_blobs(struct dm_wim *w) { return check_blobs(w); }

int dm_wim_verify(struct dm_wim *w) { return dm_wim_verify_watched(w, NULL); }

/* wimlib's own check, on one thread: for the WIMs dm_wim_verify_parallel does not read. */
static int verify_wimlib(struct dm_wim *w, struct dm_wim_watch *watch)
{
    struct verify_ctx v = {.watch = watch};
    wimlib_register_progress_function(w->wim, on_verify, &v);
    int err = wimlib_verify_wim(w->wim, 0);
    wimlib_register_progress_function(w->wim, NULL, NULL);
    if (v.begun)
        dm_progress_end(&v.p);
    return err;
}

/* The WIM's file, for reading beside wimlib: a descriptor of its own. */
static int read_fd(const struct dm_wim *w)
{
    if (w->host)
        return open(w->host, O_RDONLY | O_CLOEXEC);
    return w->staged_fd >= 0 ? fcntl(w->staged_fd, F_DUPFD_CLOEXEC, 0) : -1;
}

int dm_wim_verify_watched(struct dm_wim *w, struct dm_wim_watch *watch)
{
    int rc = check_blobs(w);
    if (rc)
        return rc;
    int fd = read_fd(w);
    int err = fd >= 0 ? dm_wim_verify_parallel(w->wim, fd, watch) : -1;
    if (fd >= 0)
        close(fd);
    if (err < 0)
        err = verify_wimlib(w, watch);
    if (err == 0)
        return 0;
    return dm_error(DM_FAIL, "%s: damaged: %s (its data does not match its own checksums)",
                    w->display, wimlib_get_error_string(err));
}

struct WIMStruct *dm_wim_wimlib(struct dm_wim *w) { return w->wim; }
