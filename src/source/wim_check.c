/* wim_check.c — a WIM's data checked against its own SHA-1s in a thread beside the writing. */
#include "source/wim.h"

#include "util/progress.h"
#include "util/report.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct dm_wim_check {
    struct dm_wim *wim;
    struct dm_capture said; /* the thread's lines, passed on only when the verdict is wanted */
    pthread_t thread;
    struct dm_wim_watch watch;
    atomic_int finished;
    int rc;
};

static void *check_main(void *arg)
{
    struct dm_wim_check *c = arg;
    dm_events_bind(&c->said.events);
    c->rc = dm_wim_verify_watched(c->wim, &c->watch);
    dm_events_bind(NULL);
    atomic_store(&c->finished, 1);
    return NULL;
}

int dm_wim_check_start(struct dm_wim *own, struct dm_wim_check **out)
{
    struct dm_wim_check *c = calloc(1, sizeof *c);
    *out = NULL;
    if (c) {
        c->wim = own;
        atomic_init(&c->finished, 0);
        atomic_init(&c->watch.stop, 0);
        atomic_init(&c->watch.done, 0);
        atomic_init(&c->watch.total, 0);
        dm_capture_begin(&c->said); /* made here, bound in the thread */
        dm_capture_end(&c->said);
        if (pthread_create(&c->thread, NULL, check_main, c) == 0)
            return *out = c, 0;
        dm_capture_free(&c->said);
        free(c);
    }
    int rc = dm_wim_verify(own); /* no thread: the check the slow way, before the writing */
    dm_wim_close(own);
    return rc;
}

/* What is left of the check, shown as it goes (polled: the thread only counts). */
static void show_rest(struct dm_wim_check *c)
{
    const struct timespec tick = {.tv_nsec = 100 * 1000 * 1000};
    struct dm_progress p;
    int begun = 0;
    while (!atomic_load(&c->finished)) {
        uint64_t total = atomic_load(&c->watch.total);
        if (!begun && total)
            dm_progress_begin(&p, "checking boot.wim", total), begun = 1;
        if (begun)
            dm_progress_update(&p, atomic_load(&c->watch.done));
        nanosleep(&tick, NULL);
    }
    if (begun && c->rc == 0) /* wimlib's last count may come before its last bytes */
        dm_progress_update(&p, atomic_load(&c->watch.total));
    if (begun)
        dm_progress_end(&p);
}

static int join(struct dm_wim_check *c)
{
    pthread_join(c->thread, NULL);
    dm_wim_close(c->wim);
    return c->rc;
}

int dm_wim_check_wait(struct dm_wim_check *c)
{
    if (!c)
        return 0;
    show_rest(c);
    int rc = join(c);
    if (rc)
        dm_capture_replay(&c->said);
    dm_capture_free(&c->said);
    free(c);
    return rc;
}

void dm_wim_check_cancel(struct dm_wim_check *c)
{
    if (!c)
        return;
    atomic_store(&c->watch.stop, 1);
    join(c);
    dm_capture_free(&c->said);
    free(c);
}
