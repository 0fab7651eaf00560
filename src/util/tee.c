/* tee.c — one read of a tree's files fanned out to several writers (tee.h).
 *
 * Bytes are counted from the first byte of the first file asked for: the reader thread appends
 * each file after the one before (`head`), every writer keeps how far it has taken (`pos`), and
 * the ring keeps [slowest pos, head). File k of the sequence spans [start, end). */
#include "util/tee.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20) /* the reader's largest read */

struct tee_file {
    const struct dm_entry *e;
    uint64_t start, end;
    int started, ended;
};

struct tee_reader {
    uint64_t pos;
    size_t next; /* the file its next open asks for */
    int active;
};

struct dm_tee {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct dm_tree *tree;
    uint8_t *ring;
    size_t cap;
    uint64_t head;
    struct tee_reader *r;
    size_t n;
    struct tee_file *f; /* in the order the writers open them */
    size_t nf, capf;
    int error, finished, debug;
    size_t failed; /* the file the source failed on (SIZE_MAX: none) */
    pthread_t thread;
    struct dm_capture said; /* the reader thread's lines */
};

struct tee_stream {
    struct dm_stream s;
    struct dm_tee *tee;
    size_t i, k;
};

static _Thread_local struct dm_tee *joined;
static _Thread_local size_t joined_as;

/* ---- the reader thread ---- */

static int any_active(const struct dm_tee *tee)
{
    for (size_t i = 0; i < tee->n; i++)
        if (tee->r[i].active)
            return 1;
    return 0;
}

/* Bytes the reader may append now: up to the slowest active writer's position plus the ring. */
static size_t room(const struct dm_tee *tee)
{
    uint64_t slowest = tee->head;
    for (size_t i = 0; i < tee->n; i++)
        if (tee->r[i].active && tee->r[i].pos < slowest)
            slowest = tee->r[i].pos;
    return (size_t)(slowest + tee->cap - tee->head);
}

/* File e appended to the ring; returns 0, or an exit code (the source's line reported). */
static int produce(struct dm_tee *tee, const struct dm_entry *e)
{
    struct dm_stream *s = NULL;
    int rc = dm_tree_open(tee->tree, e, &s);
    while (rc == 0) {
        pthread_mutex_lock(&tee->mu);
        size_t free_bytes;
        while ((free_bytes = room(tee)) == 0 && any_active(tee))
            pthread_cond_wait(&tee->cv, &tee->mu);
        int stop = !any_active(tee);
        pthread_mutex_unlock(&tee->mu);
        if (stop)
            break;
        size_t at = (size_t)(tee->head % tee->cap), n = tee->cap - at;
        n = n < free_bytes ? n : free_bytes;
        ssize_t got = dm_stream_read(s, tee->ring + at, n < CHUNK ? n : CHUNK);
        if (got <= 0) {
            rc = got < 0 ? DM_FAIL : 0;
            break;
        }
        pthread_mutex_lock(&tee->mu);
        tee->head += (uint64_t)got;
        pthread_cond_broadcast(&tee->cv);
        pthread_mutex_unlock(&tee->mu);
    }
    int crc = s ? dm_stream_close(s) : 0;
    return rc ? rc : crc;
}

static void *reader_main(void *arg)
{
    struct dm_tee *tee = arg;
    dm_capture_begin(&tee->said);
    tee->said.events.debug = tee->debug;
    pthread_mutex_lock(&tee->mu);
    for (size_t k = 0; !tee->error; k++) {
        while (k >= tee->nf && any_active(tee))
            pthread_cond_wait(&tee->cv, &tee->mu);
        if (k >= tee->nf)
            break; /* every writer left */
        const struct dm_entry *e = tee->f[k].e;
        tee->f[k].start = tee->head, tee->f[k].started = 1;
        pthread_cond_broadcast(&tee->cv);
        pthread_mutex_unlock(&tee->mu);
        int rc = produce(tee, e);
        pthread_mutex_lock(&tee->mu);
        tee->f[k].end = tee->head, tee->f[k].ended = 1;
        tee->error = rc;
        tee->failed = rc ? k : tee->failed;
        pthread_cond_broadcast(&tee->cv);
    }
    tee->finished = 1;
    pthread_cond_broadcast(&tee->cv);
    pthread_mutex_unlock(&tee->mu);
    dm_capture_end(&tee->said);
    return NULL;
}

int dm_tee_start(struct dm_tree *t, size_t readers, size_t capacity, struct dm_tee **out)
{
    struct dm_tee *tee = calloc(1, sizeof *tee);
    struct dm_events *e = dm_events_current();
    *out = NULL;
    if (!tee || !(tee->r = calloc(readers, sizeof *tee->r)) || !(tee->ring = malloc(capacity))) {
        if (tee)
            free(tee->r), free(tee);
        return dm_error(DM_FAIL, "out of memory");
    }
    tee->tree = t, tee->cap = capacity, tee->n = readers, tee->debug = e && e->debug;
    tee->failed = SIZE_MAX;
    for (size_t i = 0; i < readers; i++)
        tee->r[i].active = 1;
    pthread_mutex_init(&tee->mu, NULL);
    pthread_cond_init(&tee->cv, NULL);
    if (pthread_create(&tee->thread, NULL, reader_main, tee) != 0) {
        pthread_mutex_destroy(&tee->mu), pthread_cond_destroy(&tee->cv);
        free(tee->ring), free(tee->r), free(tee);
        return dm_error(DM_FAIL, "cannot start a thread to read the source");
    }
    *out = tee;
    return 0;
}

/* ---- the writers ---- */

void dm_tee_join(struct dm_tee *tee, size_t i) { joined = tee, joined_as = i; }

static void leave(struct dm_tee *tee, size_t i)
{
    pthread_mutex_lock(&tee->mu);
    tee->r[i].active = 0;
    pthread_cond_broadcast(&tee->cv);
    pthread_mutex_unlock(&tee->mu);
}

void dm_tee_leave(void)
{
    if (joined)
        leave(joined, joined_as);
    joined = NULL;
}

static ssize_t tee_read(struct dm_stream *st, void *buf, size_t n)
{
    struct tee_stream *ts = (struct tee_stream *)st;
    struct dm_tee *tee = ts->tee;
    struct tee_reader *r = &tee->r[ts->i];
    uint64_t limit;
    pthread_mutex_lock(&tee->mu);
    for (;;) {
        const struct tee_file *f = &tee->f[ts->k];
        limit = f->ended ? f->end : tee->head;
        if (!r->active || r->pos < limit || tee->error || f->ended || tee->finished)
            break;
        pthread_cond_wait(&tee->cv, &tee->mu);
    }
    if (!r->active || r->pos >= limit) {
        /* The end of the file; or the source failed on this file, or stopped before it (the
         * reader said why). */
        ssize_t end = r->active && tee->f[ts->k].ended && ts->k != tee->failed ? 0 : -1;
        pthread_mutex_unlock(&tee->mu);
        return end;
    }
    size_t at = (size_t)(r->pos % tee->cap), m = tee->cap - at;
    uint64_t avail = limit - r->pos;
    m = m < avail ? m : (size_t)avail;
    m = m < n ? m : n;
    pthread_mutex_unlock(&tee->mu);
    memcpy(buf, tee->ring + at, m); /* the reader never writes below the slowest position */
    pthread_mutex_lock(&tee->mu);
    r->pos += m;
    pthread_cond_broadcast(&tee->cv);
    pthread_mutex_unlock(&tee->mu);
    return (ssize_t)m;
}

/* A writer that closes a file before its end has stopped (it failed): it holds no one back. */
static int tee_close(struct dm_stream *st)
{
    struct tee_stream *ts = (struct tee_stream *)st;
    struct dm_tee *tee = ts->tee;
    pthread_mutex_lock(&tee->mu);
    const struct tee_file *f = &tee->f[ts->k];
    int whole = f->ended && tee->r[ts->i].pos == f->end;
    pthread_mutex_unlock(&tee->mu);
    if (!whole)
        leave(tee, ts->i);
    dm_stream_free(st);
    return 0;
}

static const struct dm_stream_ops tee_ops = {.read = tee_read, .close = tee_close};

/* The writer's next file is e: asked of the reader if it is the first to want it. */
static int next_file(struct dm_tee *tee, size_t i, const struct dm_entry *e, size_t *k)
{
    struct tee_reader *r = &tee->r[i];
    *k = r->next++;
    if (*k == tee->nf) {
        if (tee->nf == tee->capf) {
            size_t cap = tee->capf ? 2 * tee->capf : 64;
            struct tee_file *f = realloc(tee->f, cap * sizeof *f);
            if (!f)
                return dm_error(DM_FAIL, "out of memory");
            tee->f = f, tee->capf = cap;
        }
        tee->f[tee->nf++] = (struct tee_file){.e = e};
        pthread_cond_broadcast(&tee->cv);
    } else if (tee->f[*k].e != e) {
        return dm_error(DM_FAIL,
                        "internal error: %s: the writers read the files in different "
                        "orders",
                        e->path);
    }
    while (!tee->f[*k].started && !tee->error && !tee->finished)
        pthread_cond_wait(&tee->cv, &tee->mu);
    if (!tee->f[*k].started)
        return DM_FAIL; /* the source failed: the reader said why */
    r->pos = tee->f[*k].start;
    return 0;
}

int dm_tee_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out, int *rc)
{
    struct dm_tee *tee = joined;
    size_t k = 0;
    if (!tee || tee->tree != t)
        return 0;
    pthread_mutex_lock(&tee->mu);
    *rc = tee->r[joined_as].active ? next_file(tee, joined_as, e, &k) : DM_FAIL;
    pthread_mutex_unlock(&tee->mu);
    struct tee_stream *ts = *rc ? NULL : dm_stream_alloc(sizeof *ts, &tee_ops, e->path);
    if (*rc == 0 && !ts)
        *rc = dm_error(DM_FAIL, "out of memory");
    if (*rc) {
        leave(tee, joined_as);
        return 1;
    }
    ts->tee = tee, ts->i = joined_as, ts->k = k;
    *out = &ts->s;
    return 1;
}

int dm_tee_end(struct dm_tee *tee)
{
    if (!tee)
        return 0;
    for (size_t i = 0; i < tee->n; i++)
        leave(tee, i);
    pthread_join(tee->thread, NULL);
    dm_capture_replay(&tee->said);
    dm_capture_free(&tee->said);
    int rc = tee->error;
    pthread_mutex_destroy(&tee->mu);
    pthread_cond_destroy(&tee->cv);
    free(tee->f), free(tee->ring), free(tee->r), free(tee);
    return rc;
}
