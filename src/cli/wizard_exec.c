/* wizard_exec.c — the wizard runs dartmk itself: every fact it shows and every check it makes
 * comes from the commands' own code (`inspect --json`, `devices --json`, `--print-recipe`,
 * `--dry-run`), and the run at the end is the equivalent command line. */
#include "cli/wizard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[PATH_MAX];

void wz_list_add(struct wz_list *l, const char *s)
{
    if (l->n + 2 > l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v)
            abort();
    }
    l->v[l->n] = strdup(s);
    if (!l->v[l->n])
        abort();
    l->v[++l->n] = NULL;
}

void wz_list_addf(struct wz_list *l, const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    wz_list_add(l, s);
    free(s);
}

void wz_list_remove(struct wz_list *l, int i)
{
    if (i < 0 || i >= l->n)
        return;
    free(l->v[i]);
    memmove(l->v + i, l->v + i + 1, (l->n - i) * sizeof *l->v); /* the NULL too */
    l->n--;
}

void wz_list_free(struct wz_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (struct wz_list){0};
}

int wz_exec_init(void)
{
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = 0;
    return 0;
}

/* argv for execv: this executable, then ARGS. */
static char **child_argv(const struct wz_list *args)
{
    char **v = calloc(args->n + 2, sizeof *v);
    if (!v)
        abort();
    v[0] = self;
    for (int i = 0; i < args->n; i++)
        v[i + 1] = args->v[i];
    return v;
}

/* Appends what fd has to *buf (len so far in *len); returns 0 at end of file. */
static int drain(int fd, char **buf, size_t *len)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0)
        return 0;
    *buf = realloc(*buf, *len + n + 1);
    if (!*buf)
        abort();
    memcpy(*buf + *len, chunk, n);
    *len += n;
    (*buf)[*len] = 0;
    return 1;
}

static int wait_code(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void read_both(int ofd, int efd, char **out, char **err)
{
    size_t olen = 0, elen = 0;
    struct pollfd p[2] = {{ofd, POLLIN, 0}, {efd, POLLIN, 0}};
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents && !drain(ofd, out, &olen))
            p[0].fd = -1;
        if (p[1].revents && !drain(efd, err, &elen))
            p[1].fd = -1;
    }
}

int wz_capture(const struct wz_list *args, char **out, char **err)
{
    int o[2], e[2];
    *out = calloc(1, 1);
    *err = calloc(1, 1);
    if (pipe2(o, O_CLOEXEC) < 0)
        return 1;
    if (pipe2(e, O_CLOEXEC) < 0)
        return close(o[0]), close(o[1]), 1;
    char **argv = child_argv(args);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0), dup2(o[1], 1), dup2(e[1], 2);
        execv(self, argv);
        _exit(127);
    }
    free(argv);
    close(o[1]), close(e[1]);
    if (pid > 0)
        read_both(o[0], e[0], out, err);
    close(o[0]), close(e[0]);
    return pid > 0 ? wait_code(pid) : 1;
}

int wz_attached(const struct wz_list *args)
{
    char **argv = child_argv(args);
    /* Ctrl-C is the command's to handle (it cleans up, then ends): the wizard waits for it. */
    struct sigaction ign = {.sa_handler = SIG_IGN}, oldint, oldquit;
    sigaction(SIGINT, &ign, &oldint);
    sigaction(SIGQUIT, &ign, &oldquit);
    pid_t pid = fork();
    if (pid == 0) {
        sigaction(SIGINT, &oldint, NULL);
        sigaction(SIGQUIT, &oldquit, NULL);
        execv(self, argv);
        _exit(127);
    }
    free(argv);
    int rc = pid > 0 ? wait_code(pid) : 1;
    sigaction(SIGINT, &oldint, NULL);
    sigaction(SIGQUIT, &oldquit, NULL);
    return rc;
}

char *wz_last_line(const char *err)
{
    size_t n = strlen(err);
    while (n && err[n - 1] == '\n')
        n--;
    size_t start = n;
    while (start && err[start - 1] != '\n')
        start--;
    char *s = strndup(err + start, n - start);
    if (!s)
        abort();
    return s;
}

/* A word as the shell reads it back: as it is when it is plain, else in single quotes. */
static void quote_word(FILE *f, const char *w)
{
    if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        "_-+=./:,@%") == strlen(w)) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (; *w; w++)
        *w == '\'' ? fputs("'\\''", f) : fputc(*w, f);
    fputc('\'', f);
}

char *wz_shell_line(const struct wz_list *args)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    if (!f)
        abort();
    fputs("dartmk", f);
    for (int i = 0; i < args->n; i++) {
        fputc(' ', f);
        quote_word(f, args->v[i]);
    }
    fclose(f);
    return s;
}
