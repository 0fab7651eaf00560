/* wim_check.c — a WIM's data checked against its own SHA-1s in a thread beside the writing. */
#include "source/wim.h"

#include "util/report.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct dm_wim_check {
    struct dm_wim *wim;
    struct dm_capture said; /* the thread's lines, passed on only when the verdict is wanted */
    pthread_t thread;
    atomic_int stop;
    int rc;
};

static void *check_main(void *arg)
{
    struct dm_wim_check *c = arg;
    dm_events_bind(&c->said.events);
    c->rc = dm_wim_verify_until(c->wim, &c->stop);
    dm_events_bind(NULL);
    return NULL;
}

int dm_wim_check_start(struct dm_wim *own, struct dm_wim_check **out)
{
    struct dm_wim_check *c = calloc(1, sizeof *c);
    *out = NULL;
    if (c) {
        c->wim = own;
        atomic_init(&c->stop, 0);
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
    atomic_store(&c->stop, 1);
    join(c);
    dm_capture_free(&c->said);
    free(c);
}
