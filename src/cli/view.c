/* view.c — the CLI's events: lines, progress and questions on the terminal (view.h). */
#include "cli/view.h"

#include "util/progress.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BAR_INTERVAL  0.2 /* seconds between bar redraws */
#define JSON_INTERVAL 1.0 /* seconds between JSON lines */
#define BAR_WIDTH     24

static struct dm_view *current, first;

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

static void show_line(void *ctx, enum dm_level level, const char *text)
{
    struct dm_view *v = ctx;
    if (level != DM_LEVEL_ERROR && v->verbosity < DM_NORMAL)
        return;
    if (level == DM_LEVEL_DEBUG && v->verbosity < DM_VERBOSE)
        return;
    fprintf(v->out, "%s%s%s\n",
            level == DM_LEVEL_INFO ? "" : "dartmk: ", level == DM_LEVEL_WARNING ? "warning: " : "",
            text);
    fflush(v->out);
}

static void show_progress(void *ctx, enum dm_progress_event ev, const struct dm_progress *p)
{
    static const char *const names[] = {"begin", "update", "end"};
    struct dm_view *v = ctx;
    char line[512];
    double t = p->last;
    if (v->mode == DM_PROGRESS_BAR) {
        fprintf(v->out, "\r%s\033[K", dm_progress_format_bar(line, sizeof line, p, t));
        if (ev == DM_PROGRESS_END)
            fputc('\n', v->out);
    } else if (v->mode == DM_PROGRESS_JSON) {
        fprintf(v->out, "%s\n", dm_progress_format_json(line, sizeof line, p, t, names[ev]));
    }
    fflush(v->out);
}

/* Shows the question and reads one line; -1 without a terminal to ask on. */
static int ask(void *ctx, const char *question, char *answer, size_t n)
{
    struct dm_view *v = ctx;
    if (!v->in_is_tty)
        return -1;
    fputs(question, v->out);
    fflush(v->out);
    if (!fgets(answer, (int)n, v->in))
        answer[0] = '\0';
    answer[strcspn(answer, "\r\n")] = '\0';
    return 0;
}

static enum dm_progress_mode resolve_mode(enum dm_progress_mode mode, enum dm_verbosity verbosity,
                                          FILE *out)
{
    if (mode != DM_PROGRESS_AUTO)
        return mode;
    if (verbosity == DM_QUIET || !isatty(fileno(out)))
        return DM_PROGRESS_NONE;
    return DM_PROGRESS_BAR;
}

/* The view's own copy of stderr: a library whose stderr output dartmk takes (util/quiet.h) moves
 * fd 2 for a moment; what the view shows must not go with it. Unbuffered, as stderr. */
static FILE *copy;

static void close_copy(void)
{
    if (copy)
        fclose(copy), copy = NULL;
}

static FILE *terminal(void)
{
    int fd = copy ? -1 : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd >= 0 && (copy = fdopen(fd, "w")) != NULL) {
        setvbuf(copy, NULL, _IONBF, 0);
        atexit(close_copy);
    } else if (fd >= 0) {
        close(fd);
    }
    return copy ? copy : stderr;
}

void dm_view_start(struct dm_view *v, enum dm_verbosity verbosity, enum dm_progress_mode mode,
                   FILE *out)
{
    *v = (struct dm_view){.verbosity = verbosity, .out = out ? out : terminal(), .in = stdin};
    v->mode = resolve_mode(mode, verbosity, v->out);
    v->in_is_tty = !out && isatty(STDIN_FILENO);
    v->events.message = show_line;
    v->events.progress = v->mode == DM_PROGRESS_NONE ? NULL : show_progress;
    v->events.progress_interval = v->mode == DM_PROGRESS_JSON ? JSON_INTERVAL : BAR_INTERVAL;
    v->events.ask = ask;
    v->events.debug = verbosity >= DM_VERBOSE;
    v->events.ctx = v;
    current = v;
    dm_events_bind(&v->events);
}

struct dm_view *dm_view(void) { return current ? current : &first; }
