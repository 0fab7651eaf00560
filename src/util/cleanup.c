/* cleanup.c — removing registered temporary paths when a signal ends the run. The handler may
 * interrupt anything (malloc, fork: their locks held), so it calls only async-signal-safe
 * functions: openat, getdents64, unlinkat, close — no nftw, no malloc. */
#include "util/cleanup.h"
#include "util/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 16, DEPTH = 64 };

static struct {
    char *path;
    int tree;
} slots[SLOTS];
static volatile sig_atomic_t installed;

/* Removes name (relative to dirfd) and, for a folder, everything in it, depth first; entries
 * are removed as they are read, so one pass sees each remaining entry once. */
static void remove_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT || depth > DEPTH)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    _Alignas(struct dirent64) char buf[2048];
    ssize_t n;
    while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            const struct dirent64 *d = (const struct dirent64 *)(buf + off);
            off += d->d_reclen;
            if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
                remove_at(fd, d->d_name, depth + 1);
        }
    }
    close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static int remove_tree(const char *path)
{
    remove_at(AT_FDCWD, path, 0);
    return access(path, F_OK) == 0 ? -1 : 0;
}

static void on_signal(int sig)
{
    for (int i = 0; i < SLOTS; i++) {
        if (!slots[i].path)
            continue;
        if (slots[i].tree)
            remove_tree(slots[i].path);
        else
            unlink(slots[i].path);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&sa.sa_mask, sigs[i]);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    installed = 1;
}

int dm_cleanup_register(const char *path, int tree)
{
    if (!installed)
        install();
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].path)
            continue;
        slots[i].tree = tree;
        slots[i].path = strdup(path);
        return slots[i].path ? i : -1;
    }
    return -1;
}

void dm_cleanup_forget(int handle)
{
    if (handle < 0 || handle >= SLOTS)
        return;
    char *p = slots[handle].path;
    slots[handle].path = NULL;
    free(p);
}

int dm_staging_make(struct dm_staging *s, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    if (s->path)
        return 0;
    if (asprintf(&s->path, "%s/dartmk-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name) < 0) {
        s->path = NULL;
        return dm_error(DM_FAIL, "out of memory");
    }
    if (mkdtemp(s->path)) {
        s->guard = dm_cleanup_register(s->path, 1);
        return 0;
    }
    int rc = dm_error_errno(DM_FAIL, errno, "%s: cannot make a staging folder", s->path);
    free(s->path);
    s->path = NULL;
    return rc;
}

void dm_staging_remove(struct dm_staging *s)
{
    if (!s->path)
        return;
    remove_tree(s->path);
    dm_cleanup_forget(s->guard);
    free(s->path);
    s->path = NULL;
}
