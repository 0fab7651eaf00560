/* cab.c — expanding a Microsoft cabinet with libmspack, without trusting its names.
 *
 * libmspack parses and decompresses; everything that touches the host file system is ours: its
 * mspack_system reads the cabinet through plain file descriptors, and hands extract() an output
 * file that we created ourselves under `dest` (directory by directory with openat, O_NOFOLLOW,
 * O_EXCL), so that no member name can reach outside `dest`, whatever it says. */
#include "image/cab.h"

#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <mspack.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- libmspack's I/O, on file descriptors ---- */

struct cab_sys;

/* What our mspack_file handles really are (libmspack's struct mspack_file is a placeholder that
 * each mspack_system replaces by its own). */
struct cab_file {
    int fd;
    bool owned; /* the output file belongs to the expander, which checks its close() */
    struct cab_sys *sys;
};

static struct cab_file *cf(struct mspack_file *f) { return (struct cab_file *)f; }

struct cab_sys {
    struct mspack_system ops; /* first: libmspack passes &ops back to open() */
    int out_fd;               /* the member being extracted, created before extract() */
    int read_errno;           /* errno of a failed open/read of the cabinet; 0 = it ended early */
    int write_errno;          /* errno of a failed write of a member */
};

static struct mspack_file *sys_open(struct mspack_system *self, const char *name, int mode)
{
    struct cab_sys *s = (struct cab_sys *)self;
    struct cab_file *f = malloc(sizeof *f);
    if (!f)
        return NULL;
    f->sys = s;
    if (mode == MSPACK_SYS_OPEN_WRITE) {
        /* Ignore the name: the file was created safely by create_member(). */
        f->fd = s->out_fd;
        f->owned = false;
    } else if (mode == MSPACK_SYS_OPEN_READ) {
        f->fd = open(name, O_RDONLY | O_CLOEXEC);
        f->owned = true;
        if (f->fd < 0)
            s->read_errno = errno;
    } else {
        f->fd = -1; /* libmspack's cabinet reader never updates or appends */
    }
    if (f->fd < 0) {
        free(f);
        return NULL;
    }
    return (struct mspack_file *)f;
}

static void sys_close(struct mspack_file *file)
{
    struct cab_file *f = cf(file);
    if (f && f->owned)
        close(f->fd);
    free(f);
}

/* Reads all `bytes` unless the file ends first: libmspack takes a short count as "truncated". */
static int sys_read(struct mspack_file *file, void *buf, int bytes)
{
    struct cab_file *f = cf(file);
    int done = 0;
    while (done < bytes) {
        ssize_t r = read(f->fd, (char *)buf + done, (size_t)(bytes - done));
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            f->sys->read_errno = errno;
            return -1;
        }
        done += (int)r;
    }
    return done;
}

static int sys_write(struct mspack_file *file, void *buf, int bytes)
{
    struct cab_file *f = cf(file);
    int done = 0;
    while (done < bytes) {
        ssize_t w = write(f->fd, (char *)buf + done, (size_t)(bytes - done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            f->sys->write_errno = w < 0 ? errno : ENOSPC;
            return -1;
        }
        done += (int)w;
    }
    return done;
}

static int sys_seek(struct mspack_file *f, off_t offset, int mode)
{
    int whence = mode == MSPACK_SYS_SEEK_START ? SEEK_SET
                 : mode == MSPACK_SYS_SEEK_CUR ? SEEK_CUR
                                               : SEEK_END;
    return lseek(cf(f)->fd, offset, whence) < 0 ? -1 : 0;
}

static off_t sys_tell(struct mspack_file *f) { return lseek(cf(f)->fd, 0, SEEK_CUR); }

/* libmspack's warnings (extra bytes after the cabinet, ...) only matter when debugging. */
static void sys_message(struct mspack_file *f, const char *fmt, ...)
{
    (void)f;
    struct dm_events *e = dm_events_current();
    if (!e || !e->debug)
        return;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) >= 0)
        dm_debug("libmspack: %s", msg);
    va_end(ap);
    free(msg);
}

static void *sys_alloc(struct mspack_system *self, size_t bytes)
{
    (void)self;
    return malloc(bytes);
}

static void sys_free(void *p) { free(p); }
static void sys_copy(void *src, void *dst, size_t bytes) { memmove(dst, src, bytes); }

static void cab_sys_init(struct cab_sys *s)
{
    *s = (struct cab_sys){
        .ops = {.open = sys_open,
                .close = sys_close,
                .read = sys_read,
                .write = sys_write,
                .seek = sys_seek,
                .tell = sys_tell,
                .message = sys_message,
                .alloc = sys_alloc,
                .free = sys_free,
                .copy = sys_copy,
                .null_ptr = NULL},
        .out_fd = -1,
    };
}

/* ---- the expansion ---- */

/* The most one data block expands to, and the most a cabinet may expand to: a tool lives in
 * boot.wim, which Windows PE loads into memory. */
#define CAB_BLOCK_MAX  32768u
#define CAB_EXPAND_MAX ((uint64_t)4 << 30)

struct member {
    struct mscabd_file *file;
    char *name; /* UTF-8 as the cabinet spells it ('\' separators): for messages */
    char *path; /* UTF-8 relative host path ('/' separators) under dest */
};

struct expand {
    const char *display; /* the cabinet, in messages */
    const char *dest;
    int dest_fd;
    struct cab_sys sys;
    struct mscab_decompressor *cabd;
    struct mscabd_cabinet *cab;
    struct member *members;
    size_t count;
};

static const char *mspack_reason(int err)
{
    switch (err) {
    case MSPACK_ERR_READ:
        return "truncated";
    case MSPACK_ERR_SEEK:
        return "truncated: an offset is past its end";
    case MSPACK_ERR_SIGNATURE:
        return "no MSCF signature";
    case MSPACK_ERR_DATAFORMAT:
        return "bad header or block layout";
    case MSPACK_ERR_CHECKSUM:
        return "checksum mismatch";
    case MSPACK_ERR_DECRUNCH:
        return "cannot decompress";
    case MSPACK_ERR_NOMEMORY:
        return "out of memory";
    case MSPACK_ERR_OPEN:
        return "cannot open";
    default:
        return "libmspack error";
    }
}

/* Latin-1 to UTF-8 (cabinets without the UTF-8 flag use an 8-bit code page; Latin-1 keeps every
 * name distinct and valid, which is what the host needs). */
static char *latin1_to_utf8(const char *s)
{
    size_t n = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += *p < 0x80 ? 1 : 2;
    char *out = malloc(n), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) {
            *o++ = (char)*p;
        } else {
            *o++ = (char)(0xC0 | (*p >> 6));
            *o++ = (char)(0x80 | (*p & 0x3F));
        }
    }
    *o = '\0';
    return out;
}

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static bool utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned n;
        uint32_t cp, min;
        if (*s < 0x80) {
            s++;
            continue;
        } else if (*s >= 0xC2 && *s <= 0xDF) {
            n = 1, cp = *s & 0x1F, min = 0x80;
        } else if ((*s & 0xF0) == 0xE0) {
            n = 2, cp = *s & 0x0F, min = 0x800;
        } else if (*s >= 0xF0 && *s <= 0xF4) {
            n = 3, cp = *s & 0x07, min = 0x10000;
        } else {
            return false;
        }
        for (unsigned i = 1; i <= n; i++) { /* stops at the NUL: it is not a continuation */
            if ((s[i] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        s += n + 1;
    }
    return true;
}

/* ASCII only, whatever the locale (names are compared as Windows does for ASCII): bytes of UTF-8
 * sequences must never compare equal to others (a folder's spelling is copied byte for byte onto
 * names that compare equal). */
static int ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

static bool is_ascii_letter(char c)
{
    int l = ascii_lower((unsigned char)c);
    return l >= 'a' && l <= 'z';
}

static bool is_sep(char c) { return c == '\\' || c == '/'; }

/* Why `name` must not be expanded, or NULL if it is a plain relative path. */
static const char *unsafe_reason(const char *name)
{
    if (!*name)
        return "empty name";
    if (is_sep(name[0]))
        return "absolute name";
    if (is_ascii_letter(name[0]) && name[1] == ':')
        return "name has a drive letter";
    for (const char *c = name; *c; c++) {
        if (*c == ':')
            return "':' in a name (an NTFS stream)";
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            return "control character in a name";
    }
    for (const char *c = name;; c++) {
        size_t len = strcspn(c, "\\/");
        if (len == 0)
            return "empty folder name (doubled or trailing separator)";
        if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return "name has a '.' or '..' component";
        c += len;
        if (!*c)
            break;
    }
    return NULL;
}

/* Fills m->name and m->path from the cabinet's name; 0, or DM_FAIL after printing. */
static int member_init(struct expand *x, struct member *m, struct mscabd_file *f)
{
    bool utf8 = (f->attribs & MSCAB_ATTRIB_UTF_NAME) && utf8_valid(f->filename);
    m->file = f;
    m->name = utf8 ? strdup(f->filename) : latin1_to_utf8(f->filename);
    m->path = m->name ? strdup(m->name) : NULL;
    if (!m->path)
        return dm_error(DM_FAIL, "%s: out of memory", x->display);
    if ((f->attribs & MSCAB_ATTRIB_UTF_NAME) && !utf8)
        return dm_error(DM_FAIL, "%s: member '%s': name is marked UTF-8 but is not valid UTF-8",
                        x->display, m->name);
    const char *why = unsafe_reason(m->name);
    if (why)
        return dm_error(DM_FAIL, "%s: member '%s': refused: %s", x->display, m->name, why);
    for (char *c = m->path; *c; c++)
        if (*c == '\\')
            *c = '/';
    return 0;
}

/* One name on Windows: a member's file name or one of its folders, compared ignoring ASCII case
 * (Windows sees "A.TXT" and "a.txt" as one file). */
struct key {
    struct member *m;
    size_t len; /* the first len bytes of m->path */
    bool is_dir;
    size_t index; /* of the member in the cabinet, so the first spelling wins */
};

static int name_cmp(const struct key *p, const struct key *q)
{
    size_t n = p->len < q->len ? p->len : q->len;
    for (size_t i = 0; i < n; i++) {
        int c =
            ascii_lower((unsigned char)p->m->path[i]) - ascii_lower((unsigned char)q->m->path[i]);
        if (c)
            return c;
    }
    return p->len < q->len ? -1 : p->len > q->len;
}

static int key_cmp(const void *a, const void *b)
{
    const struct key *p = a, *q = b;
    int c = name_cmp(p, q);
    if (c)
        return c;
    if (p->is_dir != q->is_dir)
        return p->is_dir ? 1 : -1;
    return p->index < q->index ? -1 : p->index > q->index;
}

/* Every member's file name and folder prefixes, sorted case-insensitively. */
static struct key *collect_keys(struct expand *x, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < x->count; i++)
        for (const char *c = x->members[i].path; *c; c++)
            n += *c == '/';
    n += x->count;
    struct key *keys = calloc(n, sizeof *keys), *k = keys;
    if (!keys)
        return NULL;
    for (size_t i = 0; i < x->count; i++) {
        struct member *m = &x->members[i];
        for (const char *c = m->path; *c; c++)
            if (*c == '/')
                *k++ = (struct key){m, (size_t)(c - m->path), true, i};
        *k++ = (struct key){m, strlen(m->path), false, i};
    }
    qsort(keys, n, sizeof *keys, key_cmp);
    *count = n;
    return keys;
}

/* Checks one group of keys with the same name: a file may not share its name with another file
 * or a folder; folders spelled in several cases take the first member's spelling, so that the
 * host holds one folder where Windows would. The groups come parent first (a prefix sorts
 * first), so a folder's parents are already respelled when its turn comes. */
static int check_group(struct expand *x, const struct key *k, size_t n)
{
    const struct key *first_file = NULL;
    for (size_t i = 0; i < n; i++) {
        if (k[i].is_dir && first_file)
            return dm_error(DM_FAIL, "%s: member '%s': a folder of it has the name of member '%s'",
                            x->display, k[i].m->name, first_file->m->name);
        if (!k[i].is_dir && first_file)
            return dm_error(DM_FAIL, "%s: member '%s': same name as member '%s' on Windows",
                            x->display, k[i].m->name, first_file->m->name);
        if (!k[i].is_dir)
            first_file = &k[i];
        else if (i > 0)
            memcpy(k[i].m->path, k[0].m->path, k[i].len);
    }
    return 0;
}

static int check_collisions(struct expand *x)
{
    size_t n;
    struct key *keys = collect_keys(x, &n);
    if (!keys)
        return dm_error(DM_FAIL, "%s: out of memory", x->display);
    int rc = 0;
    for (size_t i = 0, j; i < n && !rc; i = j) {
        for (j = i + 1; j < n && name_cmp(&keys[i], &keys[j]) == 0; j++)
            ;
        rc = check_group(x, &keys[i], j - i);
    }
    free(keys);
    return rc;
}

/* Opens (creating as needed) the folder holding m's file; the folders are walked from dest one
 * by one with O_NOFOLLOW, so a symbolic link already in dest leads nowhere. Returns a descriptor
 * (dest_fd itself for a top-level file) and the file name in *leaf, or -1 after printing. */
static int open_parent(struct expand *x, const struct member *m, char *path, char **leaf)
{
    int dir = x->dest_fd;
    char *comp = path, *slash;
    while ((slash = strchr(comp, '/'))) {
        *slash = '\0';
        int err = mkdirat(dir, comp, 0755) < 0 && errno != EEXIST ? errno : 0;
        int next = err ? -1 : openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && !err)
            err = errno;
        if (dir != x->dest_fd)
            close(dir);
        if (next < 0) {
            dm_error_errno(DM_FAIL, err, "%s/%s: cannot make the folder for member '%s'", x->dest,
                           path, m->name);
            return -1;
        }
        *slash = '/';
        dir = next;
        comp = slash + 1;
    }
    *leaf = comp;
    return dir;
}

/* Creates m's file, new (O_EXCL) and not through a link; a descriptor or -1 after printing. */
static int create_member(struct expand *x, const struct member *m)
{
    char *path = strdup(m->path), *leaf;
    if (!path) {
        dm_error(DM_FAIL, "%s: out of memory", x->display);
        return -1;
    }
    int fd = -1, dir = open_parent(x, m, path, &leaf);
    if (dir >= 0) {
        fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            dm_error_errno(DM_FAIL, errno, "%s/%s: cannot create member '%s'", x->dest, m->path,
                           m->name);
        if (dir != x->dest_fd)
            close(dir);
    }
    free(path);
    return fd;
}

/* libmspack says "out of memory" when it cannot set up a decompressor for a window size its
 * format does not have (Quantum 2^10..2^21, LZX 2^15..2^21): the folder's header is damaged. */
static bool bad_window(int comp_type)
{
    int method = MSCABD_COMP_METHOD(comp_type), bits = MSCABD_COMP_LEVEL(comp_type);
    return (method == MSCAB_COMP_QUANTUM && (bits < 10 || bits > 21)) ||
           (method == MSCAB_COMP_LZX && (bits < 15 || bits > 21));
}

/* The message for a failed extract(); returns DM_FAIL. */
static int extract_error(struct expand *x, const struct member *m, int err)
{
    if (err == MSPACK_ERR_NOMEMORY && bad_window(m->file->folder->comp_type))
        return dm_error(DM_FAIL,
                        "%s: %s: corrupt data in the cabinet (its folder's compression window "
                        "2^%d is not one the format has)",
                        x->display, m->name, MSCABD_COMP_LEVEL(m->file->folder->comp_type));
    if (err == MSPACK_ERR_WRITE)
        return dm_error_errno(DM_FAIL, x->sys.write_errno, "%s/%s", x->dest, m->path);
    if ((err == MSPACK_ERR_READ || err == MSPACK_ERR_OPEN) && x->sys.read_errno)
        return dm_error_errno(DM_FAIL, x->sys.read_errno, "%s: cannot read", x->display);
    return dm_error(DM_FAIL, "%s: %s: corrupt data in the cabinet (%s)", x->display, m->name,
                    mspack_reason(err));
}

static int extract_member(struct expand *x, const struct member *m)
{
    int fd = create_member(x, m);
    if (fd < 0)
        return DM_FAIL;
    x->sys.out_fd = fd;
    x->sys.read_errno = x->sys.write_errno = 0;
    int err = x->cabd->extract(x->cabd, m->file, m->path);
    x->sys.out_fd = -1;
    if (close(fd) < 0 && err == MSPACK_ERR_OK) {
        x->sys.write_errno = errno;
        err = MSPACK_ERR_WRITE;
    }
    return err == MSPACK_ERR_OK ? 0 : extract_error(x, m, err);
}

/* A cabinet set keeps files (even one file's data) across several .cab files: refuse it whole
 * rather than expand part of it. */
static int check_single(struct expand *x)
{
    const struct mscabd_cabinet *c = x->cab;
    if (!(c->flags & (MSCAB_HDR_PREVCAB | MSCAB_HDR_NEXTCAB)) && !c->next)
        return 0;
    const char *other = "?";
    if ((c->flags & MSCAB_HDR_NEXTCAB) && c->nextname)
        other = c->nextname;
    else if ((c->flags & MSCAB_HDR_PREVCAB) && c->prevname)
        other = c->prevname;
    return dm_error(DM_FAIL,
                    "%s: part of a cabinet set spanning several files (with '%s'); only a "
                    "single-file cabinet can be expanded",
                    x->display, other);
}

/* Reads the first 4 bytes: 1 "MSCF", 0 something else or a shorter file, -errno. */
static int has_magic(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char magic[4];
    size_t got = 0;
    ssize_t n = 1;
    while (got < sizeof magic && n != 0) {
        n = read(fd, magic + got, sizeof magic - got);
        if (n < 0 && errno != EINTR)
            break;
        got += n > 0 ? (size_t)n : 0;
    }
    int rc = n < 0 ? -errno : got == sizeof magic && memcmp(magic, "MSCF", 4) == 0;
    close(fd);
    return rc;
}

static int open_cabinet(struct expand *x, const char *path)
{
    int selftest;
    MSPACK_SYS_SELFTEST(selftest);
    if (selftest != MSPACK_ERR_OK)
        return dm_error(DM_FAIL, "%s: libmspack was built for another off_t size", x->display);
    x->cabd = mspack_create_cab_decompressor(&x->sys.ops);
    if (!x->cabd)
        return dm_error(DM_FAIL, "%s: out of memory", x->display);
    /* Both default to 0 today; say so, since either would silently accept bad checksums. */
    x->cabd->set_param(x->cabd, MSCABD_PARAM_FIXMSZIP, 0);
    x->cabd->set_param(x->cabd, MSCABD_PARAM_SALVAGE, 0);
    x->cab = x->cabd->open(x->cabd, path);
    if (x->cab)
        return check_single(x);
    int err = x->cabd->last_error(x->cabd);
    /* libmspack reads the whole header before it looks at the signature: a short file that is
     * no cabinet at all would otherwise be called a truncated one. */
    if (err == MSPACK_ERR_READ && !x->sys.read_errno && has_magic(path) == 0)
        err = MSPACK_ERR_SIGNATURE;
    if ((err == MSPACK_ERR_OPEN || err == MSPACK_ERR_READ) && x->sys.read_errno)
        return dm_error_errno(DM_FAIL, x->sys.read_errno, "%s: cannot read", x->display);
    return dm_error(DM_FAIL, "%s: not a valid cabinet (%s)", x->display, mspack_reason(err));
}

static int collect_members(struct expand *x)
{
    for (struct mscabd_file *f = x->cab->files; f; f = f->next)
        x->count++;
    x->members = calloc(x->count ? x->count : 1, sizeof *x->members);
    if (!x->members)
        return dm_error(DM_FAIL, "%s: out of memory", x->display);
    size_t i = 0;
    for (struct mscabd_file *f = x->cab->files; f; f = f->next)
        if (member_init(x, &x->members[i++], f))
            return DM_FAIL;
    return check_collisions(x);
}

/* A bomb is refused before anything is written: members that overlap in the data (each data
 * block holds at most 32 KiB) or that together are larger than any tool can be. */
static int check_sizes(struct expand *x)
{
    uint64_t claimed = 0, room = 0;
    for (const struct mscabd_file *f = x->cab->files; f; f = f->next)
        claimed += f->length;
    for (const struct mscabd_folder *d = x->cab->folders; d; d = d->next)
        room += (uint64_t)d->num_blocks * CAB_BLOCK_MAX;
    if (claimed > room)
        return dm_error(DM_FAIL,
                        "%s: refused: its members claim %llu bytes, more than its data holds "
                        "(at most %llu): they overlap (a cabinet bomb)",
                        x->display, (unsigned long long)claimed, (unsigned long long)room);
    if (claimed > CAB_EXPAND_MAX)
        return dm_error(
            DM_FAIL, "%s: refused: it expands to %llu bytes, more than the %d GiB a tool may take",
            x->display, (unsigned long long)claimed, (int)(CAB_EXPAND_MAX >> 30));
    return 0;
}

static void expand_free(struct expand *x)
{
    for (size_t i = 0; x->members && i < x->count; i++) {
        free(x->members[i].name);
        free(x->members[i].path);
    }
    free(x->members);
    if (x->cab)
        x->cabd->close(x->cabd, x->cab);
    if (x->cabd)
        mspack_destroy_cab_decompressor(x->cabd);
    if (x->dest_fd >= 0)
        close(x->dest_fd);
}

int dm_cab_expand(const char *path, const char *display, const char *dest)
{
    struct expand x = {.display = display, .dest = dest, .dest_fd = -1};
    cab_sys_init(&x.sys);
    int rc = 0;
    x.dest_fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (x.dest_fd < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot open the folder", dest);
    if (!rc)
        rc = open_cabinet(&x, path);
    if (!rc)
        rc = collect_members(&x);
    if (!rc)
        rc = check_sizes(&x);
    for (size_t i = 0; !rc && i < x.count; i++)
        rc = extract_member(&x, &x.members[i]);
    expand_free(&x);
    return rc;
}

int dm_cab_is_cab(const char *path)
{
    int rc = has_magic(path);
    if (rc < 0)
        dm_error_errno(DM_FAIL, -rc, "%s: cannot read", path);
    return rc < 0 ? -1 : rc;
}
