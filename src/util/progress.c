/* progress.c — counting long work and handing it to the bound events' progress callback. */
#include "util/progress.h"

#include "util/report.h"

#include <stdio.h>
#include <time.h>

static double (*clock_fn)(void);

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double progress_now(void) { return clock_fn ? clock_fn() : monotonic_now(); }
void dm_progress_set_clock(double (*fn)(void)) { clock_fn = fn; }

char *dm_format_size(char *buf, size_t n, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, n, "%.1f %s", v, units[u]);
    return buf;
}

static void emit(struct dm_progress *p, enum dm_progress_event ev, double t)
{
    struct dm_events *e = dm_events_current();
    p->last = t;
    if (e && e->progress)
        e->progress(e->ctx, ev, p);
}

void dm_progress_begin(struct dm_progress *p, const char *label, uint64_t total)
{
    double t = progress_now();
    *p = (struct dm_progress){.label = label, .total = total, .start = t, .last = t};
    emit(p, DM_PROGRESS_BEGIN, t);
}

void dm_progress_update(struct dm_progress *p, uint64_t done)
{
    p->done = done;
    struct dm_events *e = dm_events_current();
    if (!e || !e->progress)
        return;
    double t = progress_now();
    if (t - p->last >= e->progress_interval)
        emit(p, DM_PROGRESS_UPDATE, t);
}

void dm_progress_end(struct dm_progress *p) { emit(p, DM_PROGRESS_END, progress_now()); }
