/* progress.c — terminal bar and JSON lines, throttled. */
#include "util/progress.h"

#include "util/report.h"

#include <json-c/json.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_INTERVAL  0.2 /* seconds between bar redraws */
#define JSON_INTERVAL 1.0 /* seconds between JSON lines */
#define BAR_WIDTH     24

static enum dm_progress_mode global_mode = DM_PROGRESS_AUTO;
static FILE *stream;
static double (*clock_fn)(void);

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static FILE *out(void) { return stream ? stream : stderr; }
static double now(void) { return clock_fn ? clock_fn() : monotonic_now(); }

int dm_progress_parse_mode(const char *s, enum dm_progress_mode *mode)
{
    static const char *const names[] = {"auto", "none", "bar", "json"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *mode = (enum dm_progress_mode)i;
            return 0;
        }
    }
    return -1;
}

void dm_progress_set_mode(enum dm_progress_mode mode) { global_mode = mode; }
void dm_progress_set_stream(FILE *f) { stream = f; }
void dm_progress_set_clock(double (*fn)(void)) { clock_fn = fn; }

static enum dm_progress_mode resolve_mode(void)
{
    if (global_mode != DM_PROGRESS_AUTO)
        return global_mode;
    if (dm_verbosity() == DM_QUIET || !isatty(fileno(out())))
        return DM_PROGRESS_NONE;
    return DM_PROGRESS_BAR;
}

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

static double rate_of(const struct dm_progress *p, double t)
{
    double elapsed = t - p->start;
    return elapsed > 0 ? (double)p->done / elapsed : 0.0;
}

/* Seconds left, or -1 when it cannot be known yet. */
static double eta_of(const struct dm_progress *p, double t)
{
    double rate = rate_of(p, t);
    if (p->total == 0 || rate <= 0 || p->done > p->total)
        return -1;
    return (double)(p->total - p->done) / rate;
}

char *dm_progress_format_bar(char *buf, size_t n, const struct dm_progress *p, double t)
{
    char done[32], total[32], rate[32], eta[32] = "--:--";
    int fill = p->total ? (int)((double)p->done * BAR_WIDTH / (double)p->total) : 0;
    if (fill > BAR_WIDTH)
        fill = BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '-', (size_t)(BAR_WIDTH - fill));
    bar[BAR_WIDTH] = 0;
    double left = eta_of(p, t);
    if (left >= 0)
        snprintf(eta, sizeof eta, "%d:%02d", (int)left / 60, (int)left % 60);
    int pct = p->total ? (int)(p->done * 100 / p->total) : 0;
    snprintf(buf, n, "%s [%s] %3d%% %s / %s  %s/s  %s left", p->label, bar, pct,
             dm_format_size(done, sizeof done, p->done),
             dm_format_size(total, sizeof total, p->total),
             dm_format_size(rate, sizeof rate, (uint64_t)rate_of(p, t)), eta);
    return buf;
}

char *dm_progress_format_json(char *buf, size_t n, const struct dm_progress *p, double t,
                              const char *event)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "event", json_object_new_string(event));
    json_object_object_add(o, "task", json_object_new_string(p->label));
    json_object_object_add(o, "done", json_object_new_int64((int64_t)p->done));
    json_object_object_add(o, "total", json_object_new_int64((int64_t)p->total));
    json_object_object_add(o, "rate", json_object_new_int64((int64_t)rate_of(p, t)));
    double left = eta_of(p, t);
    json_object_object_add(o, "eta", left >= 0 ? json_object_new_int64((int64_t)left) : NULL);
    snprintf(
        buf, n, "%s",
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return buf;
}

static void emit(struct dm_progress *p, double t, const char *event)
{
    char line[512];
    if (p->mode == DM_PROGRESS_BAR) {
        fprintf(out(), "\r%s\033[K", dm_progress_format_bar(line, sizeof line, p, t));
        if (strcmp(event, "end") == 0)
            fputc('\n', out());
    } else if (p->mode == DM_PROGRESS_JSON) {
        fprintf(out(), "%s\n", dm_progress_format_json(line, sizeof line, p, t, event));
    }
    fflush(out());
    p->last = t;
}

void dm_progress_begin(struct dm_progress *p, const char *label, uint64_t total)
{
    double t = now();
    *p = (struct dm_progress){
        .label = label, .total = total, .start = t, .last = t, .mode = resolve_mode()};
    emit(p, t, "begin");
}

void dm_progress_update(struct dm_progress *p, uint64_t done)
{
    p->done = done;
    if (p->mode == DM_PROGRESS_NONE)
        return;
    double t = now();
    double interval = p->mode == DM_PROGRESS_BAR ? BAR_INTERVAL : JSON_INTERVAL;
    if (t - p->last >= interval)
        emit(p, t, "update");
}

void dm_progress_end(struct dm_progress *p)
{
    if (p->mode != DM_PROGRESS_NONE)
        emit(p, now(), "end");
}
