/* view_multi.c — progress and the summary of a run over several sticks (view_multi.h). */
#include "cli/view_multi.h"

#include "util/progress.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NAME_MAX_SHOWN 16

int dm_multi_width(int fd)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    int w = cols ? atoi(cols) : 0;
    return w > 0 ? w : 80;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* ---- one line per stick ---- */

/* Appends " text" to buf when it still fits `width`; returns whether it did. */
static int add(char *buf, size_t n, int width, const char *text)
{
    size_t len = strlen(buf), more = strlen(text) + 1;
    if (len + more > (size_t)width || len + more >= n)
        return 0;
    snprintf(buf + len, n - len, " %s", text);
    return 1;
}

char *dm_multi_line(char *buf, size_t n, const struct dm_multi_stick *s, int width)
{
    char done[32], total[32], bytes[80], rate[48], bar[48], stage[32];
    int pct = s->total ? (int)(s->done * 100 / s->total) : 0;
    double secs = s->last - s->start; /* its own: a stage that ended keeps its rate */
    uint64_t per = secs > 0 ? (uint64_t)((double)s->done / secs) : 0;
    int fill = pct > 100 ? 20 : pct * 20 / 100;
    snprintf(bytes, sizeof bytes, "%10s/%-10s", dm_format_size(done, sizeof done, s->done),
             dm_format_size(total, sizeof total, s->total));
    snprintf(rate, sizeof rate, "%10s/s", dm_format_size(total, sizeof total, per));
    snprintf(bar, sizeof bar, "[%.*s%.*s]", fill, "####################", 20 - fill,
             "--------------------");
    snprintf(stage, sizeof stage, "%-9.*s", (int)strcspn(s->stage, " "), s->stage);
    /* The name and the percentage always; then, as the width allows, in this order. */
    const char *fields[] = {stage, bytes, rate, bar};
    int keep = 4, w = s->name_width ? s->name_width : NAME_MAX_SHOWN;
    for (; keep >= 0; keep--) {
        snprintf(buf, n, "%-*.*s %3d%%", w, w, s->name, pct);
        int fits = 1;
        for (int i = 0; i < keep && fits; i++)
            fits = add(buf, n, width, fields[i]);
        if (fits)
            break;
    }
    if (keep < 0 || (int)strlen(buf) > width) /* narrower than name and percentage */
        snprintf(buf, n, "%.*s", width > 0 ? width : 0, s->name);
    return buf;
}

static struct dm_multi_view *active;

/* A line of the view (an error, a warning): the block drawn so far stays above it. */
static void message(void *ctx, enum dm_level level, const char *text)
{
    struct dm_multi_view *mv = active;
    pthread_mutex_lock(&mv->mu);
    mv->drawn = 0;
    mv->message(ctx, level, text);
    pthread_mutex_unlock(&mv->mu);
}

static void draw(struct dm_multi_view *mv, double now)
{
    FILE *f = mv->v->out;
    char line[512];
    if (mv->drawn)
        fprintf(f, "\033[%zuA", mv->drawn);
    for (size_t i = 0; i < mv->n; i++)
        fprintf(f, "\r%s\033[K\n", dm_multi_line(line, sizeof line, &mv->s[i], mv->width - 1));
    mv->drawn = mv->n;
    mv->shown = now;
    fflush(f);
}

static void json_line(struct dm_multi_view *mv, size_t i, enum dm_progress_event ev,
                      const struct dm_progress *p)
{
    static const char *const names[] = {"begin", "update", "end"};
    char line[512];
    json_object *o =
        json_tokener_parse(dm_progress_format_json(line, sizeof line, p, p->last, names[ev]));
    if (!o)
        return;
    json_object_object_add(o, "target", json_object_new_string(mv->s[i].path));
    fprintf(
        mv->v->out, "%s\n",
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    fflush(mv->v->out);
}

void dm_multi_view_progress(void *ctx, size_t i, enum dm_progress_event ev,
                            const struct dm_progress *p)
{
    struct dm_multi_view *mv = ctx;
    pthread_mutex_lock(&mv->mu);
    struct dm_multi_stick *s = &mv->s[i];
    s->stage = p->label, s->done = p->done, s->total = p->total;
    s->last = p->last;
    if (ev == DM_PROGRESS_BEGIN)
        s->start = p->start;
    if (mv->v->mode == DM_PROGRESS_JSON)
        json_line(mv, i, ev, p);
    else if (ev != DM_PROGRESS_UPDATE || p->last - mv->shown >= mv->v->events.progress_interval)
        draw(mv, p->last);
    pthread_mutex_unlock(&mv->mu);
}

int dm_multi_view_start(struct dm_multi_view *mv, struct dm_view *v, char **paths, size_t n)
{
    *mv = (struct dm_multi_view){.v = v, .n = n, .width = dm_multi_width(fileno(v->out))};
    if (!(mv->s = calloc(n, sizeof *mv->s)))
        return -1;
    int w = 4;
    for (size_t i = 0; i < n; i++) {
        int len = (int)strlen(base_name(paths[i]));
        w = len > w ? (len < NAME_MAX_SHOWN ? len : NAME_MAX_SHOWN) : w;
    }
    for (size_t i = 0; i < n; i++)
        mv->s[i] = (struct dm_multi_stick){
            .path = paths[i], .name = base_name(paths[i]), .name_width = w, .stage = "waiting"};
    pthread_mutex_init(&mv->mu, NULL);
    mv->message = v->events.message;
    v->events.message = message;
    active = mv;
    return 0;
}

void dm_multi_view_end(struct dm_multi_view *mv)
{
    if (mv->message)
        mv->v->events.message = mv->message;
    active = NULL;
    pthread_mutex_destroy(&mv->mu);
    free(mv->s);
    mv->s = NULL;
}

/* ---- the summary ---- */

void dm_multi_table(FILE *f, const struct dm_multi_row *rows, size_t n)
{
    int w[3] = {4, 5, 6}; /* DISK, MODEL, RESULT */
    for (size_t i = 0; i < n; i++) {
        const char *c[3] = {rows[i].disk, rows[i].model, rows[i].result};
        for (int k = 0; k < 3; k++)
            if ((int)strlen(c[k]) > w[k])
                w[k] = (int)strlen(c[k]);
    }
    fprintf(f, "%-*s  %-*s  %-*s  %s\n", w[0], "DISK", w[1], "MODEL", w[2], "RESULT", "REASON");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%-*s  %-*s  %-*s  %s\n", w[0], rows[i].disk, w[1], rows[i].model, w[2],
                rows[i].result, rows[i].reason);
}
