/* wim_memo.c — the compressed resources that passed boot.wim's check before (wim_memo.h). */
#include "source/wim_memo.h"

#include "util/userdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char MAGIC[16] = {'d', 'a', 'r', 't', 'm', 'k', ' ', 'c',
                               'h', 'e', 'c', 'k', 'e', 'd', '1', '\n'};

struct keys {
    uint8_t (*k)[DM_WIM_MEMO_KEY];
    size_t n, cap;
};

struct dm_wim_memo {
    char *dir, *path;
    struct keys known; /* loaded, sorted */
    struct keys added; /* passed in this run */
    pthread_mutex_t lock;
};

/* DARTMK_CACHE_DIR (empty: none), else $XDG_CACHE_HOME/dartmk, else ~/.cache/dartmk. */
static char *cache_dir(void)
{
    const char *set = getenv("DARTMK_CACHE_DIR");
    if (set)
        return *set ? strdup(set) : NULL;
    return dm_user_dir("XDG_CACHE_HOME", ".cache");
}

/* The memo's file in `dir` (malloc'd), or NULL. */
static char *memo_file(const char *dir)
{
    char *path = NULL;
    return dir && asprintf(&path, "%s/checked", dir) >= 0 ? path : NULL;
}

char *dm_wim_memo_path(void)
{
    char *dir = cache_dir(), *path = memo_file(dir);
    free(dir);
    return path;
}

/* This user's, and nobody else may write it. */
static int ours(const struct stat *st) { return st->st_uid == geteuid() && !(st->st_mode & 022); }

static int cmp_key(const void *a, const void *b) { return memcmp(a, b, DM_WIM_MEMO_KEY); }

static int read_all(int fd, void *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* The keys in `path`, oldest first: 0 (none when there is no file, or a file not of the memo's
 * shape: it will be replaced), or -1 when the file is not this user's own to use. */
static int read_keys(const char *path, struct keys *out)
{
    *out = (struct keys){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    char magic[sizeof MAGIC];
    int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ours(&st) ? 0 : -1;
    uint64_t size = rc == 0 ? (uint64_t)st.st_size : 0;
    size_t n = size >= sizeof MAGIC ? (size_t)((size - sizeof MAGIC) / DM_WIM_MEMO_KEY) : 0;
    int shaped = size >= sizeof MAGIC && (size - sizeof MAGIC) % DM_WIM_MEMO_KEY == 0 &&
                 n <= DM_WIM_MEMO_MAX;
    if (rc == 0 && shaped && n && (out->k = malloc(n * DM_WIM_MEMO_KEY)) != NULL &&
        read_all(fd, magic, sizeof magic) == 0 && memcmp(magic, MAGIC, sizeof MAGIC) == 0 &&
        read_all(fd, out->k, n * DM_WIM_MEMO_KEY) == 0)
        out->n = out->cap = n;
    else
        free(out->k), out->k = NULL;
    close(fd);
    return rc;
}

struct dm_wim_memo *dm_wim_memo_load(void)
{
    char *dir = cache_dir();
    struct stat st;
    struct dm_wim_memo *m = dir ? calloc(1, sizeof *m) : NULL;
    int usable = m && (stat(dir, &st) == 0 ? S_ISDIR(st.st_mode) && ours(&st) : errno == ENOENT);
    if (usable && !(m->path = memo_file(dir)))
        usable = 0;
    if (usable && read_keys(m->path, &m->known) != 0)
        usable = 0;
    if (!usable) {
        if (m)
            free(m->path);
        free(m), free(dir);
        return NULL;
    }
    m->dir = dir;
    if (m->known.n)
        qsort(m->known.k, m->known.n, DM_WIM_MEMO_KEY, cmp_key);
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

int dm_wim_memo_has(const struct dm_wim_memo *m, const uint8_t key[DM_WIM_MEMO_KEY])
{
    return m && m->known.n && bsearch(key, m->known.k, m->known.n, DM_WIM_MEMO_KEY, cmp_key);
}

void dm_wim_memo_add(struct dm_wim_memo *m, const uint8_t key[DM_WIM_MEMO_KEY])
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    struct keys *a = &m->added;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        void *k = cap <= DM_WIM_MEMO_MAX ? realloc(a->k, cap * DM_WIM_MEMO_KEY) : NULL;
        if (k)
            a->k = k, a->cap = cap;
    }
    if (a->n < a->cap) /* out of memory, or more than it keeps: forgotten, expanded next time */
        memcpy(a->k[a->n++], key, DM_WIM_MEMO_KEY);
    pthread_mutex_unlock(&m->lock);
}

/* Makes the cache folder (and its parents) for this user alone; 0 when it is ours to write. */
static int make_dir(const char *dir)
{
    struct stat st;
    dm_make_dirs(dir, NULL);
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && ours(&st) ? 0 : -1;
}

/* n bytes to fd, 64 KiB at a time. */
static int write_all(int fd, const void *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        size_t k = n - done < (64u << 10) ? n - done : (64u << 10);
        ssize_t w = write(fd, (const char *)p + done, k);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* The header, old's keys from `from` on, add's from `add_from` on; closes fd. */
static int write_keys(int fd, const struct keys *old, size_t from, const struct keys *add,
                      size_t add_from)
{
    int bad = write_all(fd, MAGIC, sizeof MAGIC) != 0;
    if (!bad && old->n > from)
        bad = write_all(fd, old->k[from], (old->n - from) * DM_WIM_MEMO_KEY) != 0;
    if (!bad && add->n > add_from)
        bad = write_all(fd, add->k[add_from], (add->n - add_from) * DM_WIM_MEMO_KEY) != 0;
    return (close(fd) != 0 || bad) ? -1 : 0;
}

/* `a` sorted, each key once. */
static void sort_unique(struct keys *a)
{
    size_t n = 0;
    qsort(a->k, a->n, DM_WIM_MEMO_KEY, cmp_key);
    for (size_t i = 0; i < a->n; i++)
        if (n == 0 || memcmp(a->k[n - 1], a->k[i], DM_WIM_MEMO_KEY) != 0)
            memmove(a->k[n++], a->k[i], DM_WIM_MEMO_KEY);
    a->n = n;
}

/* New memos left by runs killed before their rename ("checked.XXXXXX", this user's, a minute
 * old: one that is younger may be another run's, still being written). */
static void sweep(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    time_t now = time(NULL);
    while (d && (e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "checked.", 8) == 0 && strlen(e->d_name) == 14 &&
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_uid == geteuid() && now - st.st_mtime > 60)
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
}

void dm_wim_memo_save(struct dm_wim_memo *m)
{
    struct keys now;
    if (!m || !m->added.n || make_dir(m->dir) != 0)
        return;
    free(m->known.k); /* looked up no more: not held twice with what is read now */
    m->known = (struct keys){0};
    if (read_keys(m->path, &now) != 0)
        return; /* not ours to write: the file is left as it is */
    sort_unique(&m->added);
    size_t kept = 0; /* what is on disk now (another run may have added to it), less ours */
    for (size_t i = 0; i < now.n; i++)
        if (!bsearch(now.k[i], m->added.k, m->added.n, DM_WIM_MEMO_KEY, cmp_key))
            memmove(now.k[kept++], now.k[i], DM_WIM_MEMO_KEY);
    now.n = kept;
    size_t over = kept + m->added.n > DM_WIM_MEMO_MAX ? kept + m->added.n - DM_WIM_MEMO_MAX : 0;
    size_t drop_old = over < kept ? over : kept; /* the oldest go first */
    char *tmp = NULL;
    int fd = asprintf(&tmp, "%s/checked.XXXXXX", m->dir) < 0 ? (tmp = NULL, -1)
                                                             : mkostemp(tmp, O_CLOEXEC);
    if (fd >= 0 && (write_keys(fd, &now, drop_old, &m->added, over - drop_old) != 0 ||
                    rename(tmp, m->path) != 0))
        unlink(tmp);
    sweep(m->dir);
    free(tmp);
    free(now.k);
}

void dm_wim_memo_free(struct dm_wim_memo *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m->known.k);
    free(m->added.k);
    free(m->path);
    free(m->dir);
    free(m);
}
