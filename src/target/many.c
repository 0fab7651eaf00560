/* many.c — several targets of one kind in one run (target.h, dm_target_run_many): the same
 * operations as dm_target_run, each step taken for every target, the writing in parallel. */
#include "target/target.h"
#include "target/target_internal.h"
#include "util/report.h"
#include "util/tee.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef int (*op_fn)(struct dm_job *j, void *t);

/* One target's step, in a thread of its own or not: its lines held, its progress passed on. */
struct worker {
    struct dm_capture said; /* first: the progress callback finds the worker from it */
    struct dm_job *j;
    struct dm_target_many *m;
    size_t i;
    op_fn op;
    struct dm_tee *tee;
    pthread_t thread;
    int started, rc;
};

static int alive(const struct dm_target_many *m, size_t i) { return m->each[i].rc == 0; }

static void forward_progress(void *ctx, enum dm_progress_event ev, const struct dm_progress *p)
{
    struct worker *w = ctx;
    w->m->progress(w->m->ctx, w->i, ev, p);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct dm_events *outer = w->j->events;
    dm_capture_begin(&w->said);
    w->said.events.debug = outer && outer->debug;
    if (w->m->progress) {
        w->said.events.progress = forward_progress;
        w->said.events.progress_interval = outer ? outer->progress_interval : 0;
    }
    if (w->tee)
        dm_tee_join(w->tee, w->i);
    w->rc = w->op(w->j, w->m->each[w->i].t);
    dm_tee_leave();
    dm_capture_end(&w->said);
    return NULL;
}

/* Target i failed with rc: its line kept for the summary, and what it did undone. */
static void failed(struct dm_job *j, struct dm_target_many *m, size_t i, int rc, const char *why)
{
    struct dm_target_each *e = &m->each[i];
    e->rc = rc ? rc : DM_FAIL;
    snprintf(e->why, sizeof e->why, "%s", why && *why ? why : "reading SOURCE failed (above)");
    if (m->ops->abort)
        e->rc = m->ops->abort(j, e->t, e->rc);
}

/* Runs op for every target still going: at once in threads (`parallel`), else in turn. Their
 * lines are passed on in target order once all are done. Returns how many failed. */
static size_t step(struct dm_job *j, struct dm_target_many *m, op_fn op, int parallel,
                   struct dm_tee *tee)
{
    struct worker *w = calloc(m->n, sizeof *w);
    size_t nfailed = 0;
    if (!w)
        return dm_error(DM_FAIL, "out of memory"), m->n;
    for (size_t i = 0; i < m->n; i++) {
        w[i] = (struct worker){.j = j, .m = m, .i = i, .op = op, .tee = tee};
        if (!alive(m, i) || !op)
            continue;
        if (!parallel) {
            work(&w[i]);
        } else if (pthread_create(&w[i].thread, NULL, work, &w[i]) == 0) {
            w[i].started = 1;
        } else { /* run here, it would wait for the others still to start: it fails */
            dm_capture_begin(&w[i].said);
            w[i].rc = dm_error(DM_FAIL, "%s: cannot start a thread to write it",
                               m->ops->claim_of(m->each[i].t)->path);
            dm_capture_end(&w[i].said);
            if (tee)
                dm_tee_join(tee, i), dm_tee_leave();
        }
    }
    for (size_t i = 0; i < m->n; i++) {
        if (w[i].started)
            pthread_join(w[i].thread, NULL);
        if (!alive(m, i) || !op)
            continue;
        dm_capture_replay(&w[i].said);
        if (w[i].rc)
            failed(j, m, i, w[i].rc, w[i].said.events.detail), nfailed++;
        dm_capture_free(&w[i].said);
    }
    free(w);
    return nfailed;
}

/* ---- before anything is written: every step stops the whole run ---- */

/* Every target checked (each one's refusal said), and no disk or file named twice. */
static int check_all(struct dm_job *j, struct dm_target_many *m)
{
    int rc = 0;
    for (size_t i = 0; i < m->n; i++) {
        int r = m->ops->check ? m->ops->check(j, m->each[i].t) : 0;
        rc = rc ? rc : r;
        m->each[i].rc = r;
    }
    for (size_t i = 0; rc == 0 && i < m->n; i++)
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (dm_claim_same(m->ops->claim_of(m->each[i].t), m->ops->claim_of(m->each[k].t)))
                rc = dm_error(DM_USAGE, "%s: named twice (as %s too)",
                              m->ops->claim_of(m->each[i].t)->path,
                              m->ops->claim_of(m->each[k].t)->path);
    return rc;
}

/* Runs op for every target in turn, all of them even after a failure (each says why); the
 * first failure's code. `quiet_after_first`: the others' lines are dropped unless they fail
 * (the same step on the same tree says the same). */
static int each_step(struct dm_job *j, struct dm_target_many *m, op_fn op, int quiet_after_first)
{
    int rc = 0;
    for (size_t i = 0; op && i < m->n; i++) {
        struct dm_capture said;
        int quiet = quiet_after_first && i > 0;
        if (quiet)
            dm_capture_begin(&said);
        int r = op(j, m->each[i].t);
        if (quiet) {
            dm_capture_end(&said);
            if (r)
                dm_capture_replay(&said);
            dm_capture_free(&said);
        }
        rc = rc ? rc : r;
    }
    return rc;
}

static int prepare_all(struct dm_job *j, struct dm_target_many *m)
{
    int rc = m->ops->as_is ? 0 : dm_job_prepare(j);
    if (rc == 0)
        rc = each_step(j, m, m->ops->tree, 1);
    if (rc == 0 && !m->ops->as_is)
        rc = dm_job_recovery(j);
    return rc ? rc : each_step(j, m, m->ops->fit, 0);
}

/* One question for every target, then each claimed (with the question answered). */
static int claim_all(struct dm_job *j, struct dm_target_many *m)
{
    const struct dm_claim **c = calloc(m->n, sizeof *c);
    if (!c)
        return dm_error(DM_FAIL, "out of memory");
    int there = 0;
    for (size_t i = 0; i < m->n; i++)
        c[i] = m->ops->claim_of(m->each[i].t), there |= c[i]->exists;
    /* Disks and files that are there are overwritten from the first byte: boot.wim's integrity
     * check passes before the question (files the run makes are written beside it). */
    int rc = there ? dm_job_checked(j) : 0;
    if (rc == 0)
        rc = dm_claim_confirm_all(c, m->n, "erased", j->yes);
    free(c);
    int yes = j->yes;
    j->yes = 1;
    for (size_t i = 0; rc == 0 && m->ops->plan && i < m->n; i++)
        rc = m->ops->plan(j, m->each[i].t);
    j->yes = yes;
    return rc;
}

/* ---- writing: each target on its own ---- */

static const char *result_of(const struct dm_job *j, const struct dm_target_each *e)
{
    return e->rc ? (e->written ? "failed" : "not written") : j->verify ? "verified" : "written";
}

static void results(struct dm_job *j, struct dm_target_many *m)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < m->n; i++) {
        struct dm_target_each *e = &m->each[i];
        json_object *o = m->ops->result ? m->ops->result(j, e->t) : json_object_new_object();
        json_object_object_add(o, "result", json_object_new_string(result_of(j, e)));
        json_object_object_add(o, "exit", json_object_new_int(e->rc));
        json_object_object_add(o, "error", e->rc ? json_object_new_string(e->why) : NULL);
        json_object_array_add(a, o);
    }
    j->result = json_object_new_object();
    json_object_object_add(j->result, "targets", a);
    dm_target_add_source_image(j);
}

static int write_all(struct dm_job *j, struct dm_target_many *m)
{
    struct dm_tee *tee = NULL;
    int rc =
        j->rt ? dm_tee_start(j->rt->tree, m->n, m->buffer ? m->buffer : DM_TARGET_BUFFER, &tee) : 0;
    for (size_t i = 0; i < m->n; i++) {
        m->each[i].written = rc == 0;
        if (rc)
            failed(j, m, i, rc, j->events ? j->events->detail : NULL);
    }
    if (rc)
        return rc;
    step(j, m, m->ops->write, 1, tee);
    dm_tee_end(tee); /* the source's own failure: said, and each writer failed with it */
    /* boot.wim's integrity check, beside the writing: before any stick is said to be good */
    int checked = dm_job_checked(j);
    for (size_t i = 0; checked && i < m->n; i++)
        if (alive(m, i))
            failed(j, m, i, checked, j->events ? j->events->detail : NULL);
    if (j->verify)
        step(j, m, m->ops->verify, 1, NULL);
    step(j, m, m->ops->finish, 0, NULL);
    results(j, m);
    for (size_t i = 0; rc == 0 && i < m->n; i++)
        rc = m->each[i].rc;
    return rc;
}

int dm_target_run_many(struct dm_job *j, struct dm_target_many *m)
{
    struct dm_events *before = j->events ? dm_events_bind(j->events) : NULL;
    int rc = check_all(j, m);
    int go = rc == 0;
    if (rc == 0)
        rc = prepare_all(j, m);
    if (rc == 0)
        rc = claim_all(j, m);
    if (rc == 0)
        rc = write_all(j, m);
    else if (go && m->ops->abort) /* nothing was written: what was claimed is let go */
        for (size_t i = 0; i < m->n; i++)
            m->ops->abort(j, m->each[i].t, rc);
    if (j->events)
        dm_events_bind(before);
    return rc;
}
