/* wim_verify.c — a WIM's resources checked against their own SHA-1s on every core.
 *
 * wimlib_verify_wim reads, expands and hashes every resource on one thread; expanding LZX is
 * what bounds every command that writes a boot.wim (BENCHMARKS.md, "Where the time goes").
 * Here the blob table is listed once (wimlib parses it), sorted by offset, and worker threads
 * take whole resources in turn: each reads its resource's chunk table and chunks with pread
 * through a buffer of its own, expands every chunk with a wimlib decompressor of its own and
 * hashes the bytes (SHA-1, libcrypto). Plain WIMs only: one part, not pipable, no solid
 * resources; the rest is left to wimlib. A compressed resource whose bytes passed the check
 * before (wim_memo.h) is hashed with SHA-256 instead of expanded. */
#include "source/wim_verify.h"

#include "source/wim_memo.h"
#include "util/progress.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wimlib.h>

#define MAX_WORKERS 4
#define WINDOW      (1u << 20) /* bytes read at a time; a chunk at least */

struct blob {
    uint64_t offset, csize, usize;
    uint8_t sha1[20];
    int compressed;
};

struct pool {
    struct blob *blobs;
    size_t n, cap;
    int unusual, oom;
    int fd;
    enum wimlib_compression_type ctype;
    uint32_t chunk_size;
    uint64_t total;
    struct dm_wim_memo *memo; /* NULL: every resource expands */
    atomic_size_t next;
    atomic_uint_fast64_t done;
    atomic_int failed; /* the first wimlib error code */
    atomic_int stop;
    atomic_int running; /* workers not yet done */
};

/* What one thread holds: a read buffer over the file, the expanded chunk, the chunk table. */
struct worker {
    struct pool *p;
    struct wimlib_decompressor *d;
    EVP_MD_CTX *sha1, *sha256;
    uint8_t *buf, *out, *table;
    uint64_t buf_off;
    size_t buf_cap, buf_len, table_cap;
};

static int list_blob(const struct wimlib_resource_entry *r, void *arg)
{
    struct pool *p = arg;
    if (r->packed || r->is_spanned || r->is_missing || r->part_number > 1)
        return p->unusual = 1;
    if (r->is_free)
        return 0;
    if (r->is_compressed && (p->ctype == WIMLIB_COMPRESSION_TYPE_NONE || !p->chunk_size))
        return p->unusual = 1; /* not a plain WIM either: wimlib says what is wrong */
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        struct blob *b = realloc(p->blobs, cap * sizeof *b);
        if (!b)
            return p->oom = 1;
        p->blobs = b, p->cap = cap;
    }
    struct blob *b = &p->blobs[p->n++];
    *b = (struct blob){r->offset, r->compressed_size, r->uncompressed_size, {0}, r->is_compressed};
    memcpy(b->sha1, r->sha1_hash, sizeof b->sha1);
    p->total += r->uncompressed_size;
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const struct blob *x = a, *y = b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* `n` bytes of the file at `off` (at most buf_cap), through the buffer; `end` bounds how far
 * ahead it reads. NULL if the file has fewer. */
static const uint8_t *get(struct worker *w, uint64_t off, size_t n, uint64_t end)
{
    if (off >= w->buf_off && off + n <= w->buf_off + w->buf_len)
        return w->buf + (off - w->buf_off);
    size_t want = end - off < w->buf_cap ? (size_t)(end - off) : w->buf_cap;
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(w->p->fd, w->buf + got, want - got, (off_t)(off + got));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    w->buf_off = off, w->buf_len = got;
    return got >= n ? w->buf : NULL;
}

/* Hashes `len` bytes of the file at `off` as they are. */
static int hash_raw(struct worker *w, uint64_t off, uint64_t len)
{
    uint64_t end = off + len;
    while (off < end) {
        size_t n = end - off < WINDOW ? (size_t)(end - off) : WINDOW;
        const uint8_t *b = get(w, off, n, end);
        if (!b)
            return WIMLIB_ERR_READ;
        EVP_DigestUpdate(w->sha1, b, n);
        atomic_fetch_add(&w->p->done, n);
        off += n;
    }
    return 0;
}

static uint64_t le(const uint8_t *b, size_t size)
{
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;)
        v = v << 8 | b[i];
    return v;
}

/* A compressed resource: its chunk table (an offset for every chunk but the first, 4 bytes
 * each, 8 when it expands past 4 GiB), then the chunks; a chunk as long as its expanded size
 * is stored as it is. */
static int hash_chunks(struct worker *w, const struct blob *b)
{
    uint32_t cs = w->p->chunk_size;
    uint64_t chunks = b->usize / cs + (b->usize % cs != 0);
    size_t esize = b->usize > UINT32_MAX ? 8 : 4;
    uint64_t tsize = chunks ? (chunks - 1) * esize : 0;
    if (tsize > b->csize || tsize > SIZE_MAX)
        return WIMLIB_ERR_INVALID_CHUNK_SIZE;
    if (tsize > w->table_cap) {
        uint8_t *t = realloc(w->table, (size_t)tsize);
        if (!t)
            return WIMLIB_ERR_NOMEM;
        w->table = t, w->table_cap = (size_t)tsize;
    }
    for (uint64_t at = 0; at < tsize;) {
        size_t n = tsize - at < WINDOW ? (size_t)(tsize - at) : WINDOW;
        const uint8_t *t = get(w, b->offset + at, n, b->offset + b->csize);
        if (!t)
            return WIMLIB_ERR_READ;
        memcpy(w->table + at, t, n);
        at += n;
    }
    uint64_t data = b->offset + tsize, dsize = b->csize - tsize, end = b->offset + b->csize;
    for (uint64_t k = 0; k < chunks; k++) {
        if (atomic_load(&w->p->stop) || atomic_load(&w->p->failed))
            return 0;
        uint64_t from = k ? le(w->table + (k - 1) * esize, esize) : 0;
        uint64_t to = k + 1 < chunks ? le(w->table + k * esize, esize) : dsize;
        uint64_t ulen = k + 1 < chunks ? cs : b->usize - k * cs;
        if (from > to || to > dsize || to - from > ulen)
            return WIMLIB_ERR_DECOMPRESSION;
        const uint8_t *c = get(w, data + from, (size_t)(to - from), end);
        if (!c)
            return WIMLIB_ERR_READ;
        const void *bytes = c;
        if (to - from < ulen) {
            if (wimlib_decompress(c, (size_t)(to - from), w->out, (size_t)ulen, w->d) != 0)
                return WIMLIB_ERR_DECOMPRESSION;
            bytes = w->out;
        }
        EVP_DigestUpdate(w->sha1, bytes, (size_t)ulen);
        atomic_fetch_add(&w->p->done, ulen);
    }
    return 0;
}

static void put_le(uint8_t *b, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++, v >>= 8)
        b[i] = (uint8_t)v;
}

/* The memo's key of a compressed resource: SHA-256 over everything its expansion and verdict
 * depend on — the compression, chunk size, sizes, the SHA-1 it must expand to, and its bytes as
 * stored (chunk table and chunks). */
static int memo_key(struct worker *w, const struct blob *b, uint8_t key[DM_WIM_MEMO_KEY])
{
    static const char tag[] = "dartmk wim resource 1";
    uint8_t head[4 + 4 + 8 + 8 + 20];
    unsigned int n = 0;
    put_le(head, (uint64_t)w->p->ctype, 4);
    put_le(head + 4, w->p->chunk_size, 4);
    put_le(head + 8, b->usize, 8);
    put_le(head + 16, b->csize, 8);
    memcpy(head + 24, b->sha1, 20);
    if (EVP_DigestInit_ex(w->sha256, NULL, NULL) != 1)
        return WIMLIB_ERR_NOMEM;
    EVP_DigestUpdate(w->sha256, tag, sizeof tag);
    EVP_DigestUpdate(w->sha256, head, sizeof head);
    for (uint64_t off = b->offset, end = b->offset + b->csize; off < end;) {
        size_t len = end - off < WINDOW ? (size_t)(end - off) : WINDOW;
        const uint8_t *bytes = get(w, off, len, end);
        if (!bytes)
            return WIMLIB_ERR_READ;
        EVP_DigestUpdate(w->sha256, bytes, len);
        off += len;
    }
    return EVP_DigestFinal_ex(w->sha256, key, &n) == 1 && n == DM_WIM_MEMO_KEY ? 0
                                                                               : WIMLIB_ERR_NOMEM;
}

static int expand_and_hash(struct worker *w, const struct blob *b)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestInit_ex(w->sha1, NULL, NULL) != 1) /* SHA-1, set up by worker_init */
        return WIMLIB_ERR_NOMEM;
    int err = b->compressed ? hash_chunks(w, b) : hash_raw(w, b->offset, b->usize);
    if (err || atomic_load(&w->p->stop) || atomic_load(&w->p->failed))
        return err;
    EVP_DigestFinal_ex(w->sha1, md, &n);
    return n == 20 && memcmp(md, b->sha1, 20) == 0 ? 0 : WIMLIB_ERR_INVALID_RESOURCE_HASH;
}

/* A compressed resource remembered by the memo counts as checked once its key is found; one
 * that expands to its SHA-1 is remembered. */
static int check_one(struct worker *w, const struct blob *b)
{
    uint8_t key[DM_WIM_MEMO_KEY];
    int memo = b->compressed && w->p->memo;
    int err = memo ? memo_key(w, b, key) : 0;
    if (!err && memo && dm_wim_memo_has(w->p->memo, key)) {
        atomic_fetch_add(&w->p->done, b->usize);
        return 0;
    }
    if (!err)
        err = expand_and_hash(w, b);
    if (!err && memo && !atomic_load(&w->p->stop) && !atomic_load(&w->p->failed))
        dm_wim_memo_add(w->p->memo, key);
    return err;
}

static void fail(struct pool *p, int err)
{
    int none = 0;
    atomic_compare_exchange_strong(&p->failed, &none, err);
}

static void *verify_worker(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->p;
    for (;;) {
        if (atomic_load(&p->stop) || atomic_load(&p->failed))
            break;
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        int err = check_one(w, &p->blobs[i]);
        if (err)
            fail(p, err);
    }
    atomic_fetch_sub(&p->running, 1);
    return NULL;
}

static int worker_init(struct worker *w, struct pool *p)
{
    *w = (struct worker){.p = p, .buf_cap = p->chunk_size > WINDOW ? p->chunk_size : WINDOW};
    w->buf = malloc(w->buf_cap);
    w->out = malloc(p->chunk_size ? p->chunk_size : 1);
    w->sha1 = EVP_MD_CTX_new();
    w->sha256 = EVP_MD_CTX_new();
    /* here, before the threads: libcrypto sets itself up on first use */
    if (!w->buf || !w->out || !w->sha1 || !w->sha256 ||
        EVP_DigestInit_ex(w->sha1, EVP_sha1(), NULL) != 1 ||
        EVP_DigestInit_ex(w->sha256, EVP_sha256(), NULL) != 1)
        return WIMLIB_ERR_NOMEM;
    if (p->ctype != WIMLIB_COMPRESSION_TYPE_NONE &&
        wimlib_create_decompressor(p->ctype, p->chunk_size, &w->d) != 0)
        return WIMLIB_ERR_NOMEM;
    return 0;
}

static void worker_free(struct worker *w)
{
    if (w->d)
        wimlib_free_decompressor(w->d);
    EVP_MD_CTX_free(w->sha1);
    EVP_MD_CTX_free(w->sha256);
    free(w->buf);
    free(w->out);
    free(w->table);
}

static int no_op(const struct wimlib_dir_entry *e, void *arg)
{
    (void)e, (void)arg;
    return 0;
}

/* Every image's metadata loads (wimlib checks its SHA-1 as it does) and every file's data is
 * in the blob table. */
static int references(WIMStruct *wim, int images)
{
    const int flags =
        WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE | WIMLIB_ITERATE_DIR_TREE_FLAG_RESOURCES_NEEDED;
    for (int i = 1; i <= images; i++) {
        int err = wimlib_iterate_dir_tree(wim, i, "", flags, no_op, NULL);
        if (err)
            return err;
    }
    return 0;
}

static int workers_count(size_t blobs)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cpus < 1 ? 1 : cpus > MAX_WORKERS ? MAX_WORKERS : (int)cpus;
    return blobs < (size_t)n ? (blobs ? (int)blobs : 1) : n;
}

/* Shows how far the workers got until they are done, every 100 ms, and passes on a stop. */
static void follow(struct pool *p, struct dm_wim_watch *watch, pthread_t *t, int started)
{
    const struct timespec tick = {.tv_nsec = 100 * 1000 * 1000};
    struct dm_progress progress;
    if (watch)
        atomic_store(&watch->total, p->total);
    else
        dm_progress_begin(&progress, "checking boot.wim", p->total);
    for (;;) {
        uint64_t done = atomic_load(&p->done);
        if (watch)
            atomic_store(&watch->done, done);
        else
            dm_progress_update(&progress, done);
        if (watch && atomic_load(&watch->stop))
            atomic_store(&p->stop, 1);
        if (atomic_load(&p->running) == 0 || atomic_load(&p->stop))
            break;
        nanosleep(&tick, NULL);
    }
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    if (!watch)
        dm_progress_end(&progress);
}

static int run(struct pool *p, struct dm_wim_watch *watch)
{
    struct worker w[MAX_WORKERS];
    pthread_t t[MAX_WORKERS];
    int n = 0, started = 0, want = workers_count(p->n);
    while (n < want && worker_init(&w[n], p) == 0)
        n++;
    if (n < want)
        worker_free(&w[n]); /* the one that failed; fewer threads will do */
    if (n == 0)
        return WIMLIB_ERR_NOMEM;
    atomic_init(&p->running, n);
    while (started < n && pthread_create(&t[started], NULL, verify_worker, &w[started]) == 0)
        started++;
    for (int i = started; i < n; i++) /* threads that could not start: their share here */
        verify_worker(&w[i]);
    follow(p, watch, t, started);
    for (int i = 0; i < n; i++)
        worker_free(&w[i]);
    return atomic_load(&p->failed);
}

int dm_wim_verify_parallel(WIMStruct *wim, int fd, struct dm_wim_watch *watch)
{
    struct wimlib_wim_info info;
    struct pool p = {.fd = fd};
    if (wimlib_get_wim_info(wim, &info) != 0 || info.total_parts != 1 || info.pipable)
        return -1;
    p.ctype = (enum wimlib_compression_type)info.compression_type;
    p.chunk_size = info.chunk_size;
    int err = references(wim, info.image_count);
    if (!err && wimlib_iterate_lookup_table(wim, 0, list_blob, &p) != 0 && !p.oom)
        err = -1; /* solid or spanned resources */
    if (!err && p.oom)
        err = WIMLIB_ERR_NOMEM;
    if (!err && p.ctype != WIMLIB_COMPRESSION_TYPE_NONE && p.chunk_size == 0)
        err = -1;
    if (!err) {
        qsort(p.blobs, p.n, sizeof *p.blobs, by_offset);
        atomic_init(&p.next, 0), atomic_init(&p.done, 0);
        atomic_init(&p.failed, 0), atomic_init(&p.stop, 0);
        p.memo = dm_wim_memo_load();
        err = run(&p, watch);
        if (!err && atomic_load(&p.stop))
            err = WIMLIB_ERR_ABORTED_BY_PROGRESS;
        if (!err)
            dm_wim_memo_save(p.memo);
        dm_wim_memo_free(p.memo);
    }
    free(p.blobs);
    return err;
}
