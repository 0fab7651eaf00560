/* view.c — the CLI's events: lines, progress and questions on the terminal (view.h). */
#include "cli/view.h"

#include "util/progress.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* "M:SS" (or "H:MM:SS") of a number of seconds. */
static void format_time(char *buf, size_t n, double seconds)
{
    int s = (int)seconds;
    if (s >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, n, "%d:%02d", s / 60, s % 60);
}

/* The fields of one bar line, each already text, of the same width all through a stage (the
 * bytes done in the total's unit, the rate padded to its widest, "1023.9 MiB/s"), so that a
 * stage keeps one layout and its redraws do not jitter. */
struct bar_fields {
    const char *label;
    char pct[8], sizes[80], rate[32], when[32];
    double part; /* 0..1: how much of the bar is filled */
};

/* "1.9 / 3.6 MiB": what is done in the total's unit, as wide as the total, so that the field
 * keeps its width through the stage; "1.9 MiB" when the total is not known. */
static void sizes(char *buf, size_t n, uint64_t done, uint64_t total)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    char d[24], t[24];
    int u = 0;
    double scale = 1.0;
    while (total / scale >= 1024.0 && u < 4)
        scale *= 1024.0, u++;
    if (!total) {
        snprintf(buf, n, "%10s", dm_format_size(d, sizeof d, done));
        return;
    }
    snprintf(t, sizeof t, u ? "%.1f" : "%.0f", (double)total / scale);
    snprintf(d, sizeof d, u ? "%.1f" : "%.0f", (double)done / scale);
    snprintf(buf, n, "%*s / %s %s", (int)strlen(t), d, t, units[u]);
}

static void bar_fields(struct bar_fields *f, const struct dm_progress *p, double t, int final)
{
    char rate[16], left[16] = "--:--";
    f->label = p->label;
    f->part = p->total ? (double)p->done / (double)p->total : 0.0;
    f->part = f->part > 1.0 ? 1.0 : f->part;
    snprintf(f->pct, sizeof f->pct, "%3d%%", (int)(f->part * 100));
    sizes(f->sizes, sizeof f->sizes, p->done, p->total);
    snprintf(f->rate, sizeof f->rate, "%10s/s",
             dm_format_size(rate, sizeof rate, (uint64_t)rate_of(p, t)));
    double eta = eta_of(p, t);
    if (final) {
        format_time(left, sizeof left, t - p->start);
        snprintf(f->when, sizeof f->when, "took %5s", left);
    } else {
        if (eta >= 0)
            format_time(left, sizeof left, eta);
        snprintf(f->when, sizeof f->when, "%5s left", left);
    }
}

/* The line with a bar of `bar` characters (none when 0) and the fields `level` keeps:
 * 0 all, 1 without the rate, 2 without the time, 3 without the sizes. */
static int compose(char *buf, size_t n, const struct bar_fields *f, int bar, int level)
{
    char b[BAR_WIDTH + 3] = "";
    if (bar > 0) {
        int fill = (int)(f->part * bar);
        b[0] = '[';
        memset(b + 1, '#', (size_t)fill);
        memset(b + 1 + fill, '-', (size_t)(bar - fill));
        b[bar + 1] = ']';
        b[bar + 2] = '\0';
    }
    return snprintf(buf, n, "%s%s%s %s%s%s%s%s%s%s", f->label, bar > 0 ? " " : "", b, f->pct,
                    level < 3 ? " " : "", level < 3 ? f->sizes : "", level < 1 ? "  " : "",
                    level < 1 ? f->rate : "", level < 2 ? "  " : "", level < 2 ? f->when : "");
}

/* The line in at most `width` - 1 columns (the last column stays empty: a line that fills it
 * wraps on some terminals), dropping the less important fields first: the rate, the time, then
 * the bar shrinks to MIN_BAR and goes, then the sizes; last, the label is cut. */
#define MIN_BAR 5
static char *fit(char *buf, size_t n, const struct bar_fields *f, int width)
{
    int room = width > 1 ? width - 1 : 1;
    for (int level = 0; level < 3; level++) {
        if (compose(buf, n, f, BAR_WIDTH, level) <= room)
            return buf;
    }
    int over = compose(buf, n, f, BAR_WIDTH, 2) - room;
    if (BAR_WIDTH - over >= MIN_BAR)
        return compose(buf, n, f, BAR_WIDTH - over, 2), buf;
    for (int level = 2; level < 4; level++) {
        if (compose(buf, n, f, 0, level) <= room)
            return buf;
    }
    int keep = room - (int)strlen(f->pct) - 4; /* the label cut, "..." and a space */
    snprintf(buf, n, "%.*s... %s", keep > 0 ? keep : 0, f->label, f->pct);
    if ((size_t)room < n)
        buf[room] = '\0';
    return buf;
}

char *dm_progress_format_bar(char *buf, size_t n, const struct dm_progress *p, double t, int width,
                             int final)
{
    struct bar_fields f;
    bar_fields(&f, p, t, final);
    return fit(buf, n, &f, width);
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

/* Takes a bar off its line, so that a message is not written after it. */
static void clear_bar(struct dm_view *v)
{
    if (v->bar_shown)
        fputs("\r\033[K", v->out);
    v->bar_shown = 0;
}

static void show_line(void *ctx, enum dm_level level, const char *text)
{
    struct dm_view *v = ctx;
    if (level != DM_LEVEL_ERROR && v->verbosity < DM_NORMAL)
        return;
    if (level == DM_LEVEL_DEBUG && v->verbosity < DM_VERBOSE)
        return;
    clear_bar(v);
    fprintf(v->out, "%s%s%s\n",
            level == DM_LEVEL_INFO ? "" : "dartmk: ", level == DM_LEVEL_WARNING ? "warning: " : "",
            text);
    fflush(v->out);
}

/* Set by SIGWINCH (all a handler may safely do); the next redraw reads the width again. */
static volatile sig_atomic_t resized;

static void on_resize(int sig)
{
    (void)sig;
    resized = 1;
}

int dm_view_width(FILE *out)
{
    struct winsize ws;
    if (out && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *columns = getenv("COLUMNS");
    char *end = NULL;
    long n = columns ? strtol(columns, &end, 10) : 0;
    return end && end != columns && *end == '\0' && n > 0 && n < 10000 ? (int)n : 80;
}

static void show_progress(void *ctx, enum dm_progress_event ev, const struct dm_progress *p)
{
    static const char *const names[] = {"begin", "update", "end"};
    struct dm_view *v = ctx;
    char line[512];
    double t = p->last;
    if (v->mode == DM_PROGRESS_BAR) {
        if (resized)
            resized = 0, v->width = dm_view_width(v->out);
        dm_progress_format_bar(line, sizeof line, p, t, v->width, ev == DM_PROGRESS_END);
        fprintf(v->out, "\r%s\033[K%s", line, ev == DM_PROGRESS_END ? "\n" : "");
        v->bar_shown = ev != DM_PROGRESS_END;
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
    clear_bar(v);
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

/* The width now, and again after every SIGWINCH (SA_RESTART: no read or write is cut short). */
static void watch_width(struct dm_view *v)
{
    struct sigaction sa = {.sa_handler = on_resize, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    v->width = dm_view_width(v->out);
    resized = 0;
    sigaction(SIGWINCH, &sa, NULL);
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
    if (v->mode == DM_PROGRESS_BAR)
        watch_width(v);
    v->events.debug = verbosity >= DM_VERBOSE;
    v->events.ctx = v;
    current = v;
    dm_events_bind(&v->events);
}

struct dm_view *dm_view(void) { return current ? current : &first; }
