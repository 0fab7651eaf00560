/* cleanup.c — removing registered temporary paths when a signal ends the run. The handler uses
 * only async-signal-safe calls (unlinkat, openat, getdents64, close): it may interrupt the main
 * flow anywhere, malloc included. */
#include "util/cleanup.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { SLOTS = 16 };

static struct {
    char *path;
    int tree;
} slots[SLOTS];
static volatile sig_atomic_t installed;

/* Removing is async-signal-safe: openat, getdents64, unlinkat and close, no memory allocated
 * (a signal can come while the main flow holds malloc's lock: nftw there would wait forever). */
static void remove_at(int dirfd, const char *name, int depth);

struct dirent64_raw {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* Everything in the open folder fd; passes until one finds nothing left (or removes nothing). */
static void empty_dir(int fd, int depth)
{
    char buf[4096] __attribute__((aligned(8)));
    for (int found = 1, removed = 1; found && removed;) {
        found = removed = 0;
        lseek(fd, 0, SEEK_SET);
        for (long n; (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;)
            for (long at = 0; at < n; at += ((struct dirent64_raw *)(buf + at))->reclen) {
                const char *name = ((struct dirent64_raw *)(buf + at))->name;
                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                    continue;
                found = 1;
                remove_at(fd, name, depth + 1);
                removed |= faccessat(fd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0;
            }
    }
}

static void remove_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT || depth > 64)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    empty_dir(fd, depth);
    close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void remove_tree(const char *path) { remove_at(AT_FDCWD, path, 0); }

static void remove_slot(int i)
{
    int fd;
    if (slots[i].tree == 2 &&
        (fd = open(slots[i].path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
        empty_dir(fd, 0);
        close(fd);
    } else if (slots[i].tree == 1) {
        remove_tree(slots[i].path);
    } else if (slots[i].tree == 0) {
        unlink(slots[i].path);
    }
}

static void on_signal(int sig)
{
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].path)
            remove_slot(i);
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

/* mkdtemp (fd NULL) or mkstemp, with the name in slot `handle` before the folder or file exists:
 * a signal at any moment removes it (making it, then registering it, leaves a window). */
static int make_registered(char *tmpl, int handle, int *fd)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static int seeded;
    if (!seeded)
        srandom((unsigned)getpid() ^ (unsigned)time(NULL)), seeded = 1;
    size_t n = strlen(tmpl), x = n;
    while (x > 0 && tmpl[x - 1] == 'X')
        x--;
    for (int tries = 0; tries < 100; tries++) {
        for (size_t i = x; i < n; i++)
            tmpl[i] = abc[(unsigned)random() % (sizeof abc - 1)];
        memcpy(slots[handle].path, tmpl, n); /* same length: the handler reads a whole name */
        int made = fd ? (*fd = open(tmpl, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0
                      : mkdir(tmpl, 0700) == 0;
        if (made)
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

static int make_temp(char *tmpl, int *fd)
{
    int handle = dm_cleanup_register(tmpl, fd ? 0 : 1);
    if (handle < 0) /* the table is full: made as before, unregistered */
        return (fd ? (*fd = mkostemp(tmpl, O_CLOEXEC)) >= 0 : mkdtemp(tmpl) != NULL) ? -1 : -2;
    if (make_registered(tmpl, handle, fd) == 0)
        return handle;
    int err = errno;
    dm_cleanup_forget(handle);
    errno = err;
    return -2;
}

int dm_cleanup_mkdtemp(char *tmpl) { return make_temp(tmpl, NULL); }
int dm_cleanup_mkstemp(char *tmpl, int *fd) { return make_temp(tmpl, fd); }

void dm_cleanup_forget(int handle)
{
    if (handle < 0 || handle >= SLOTS)
        return;
    char *p = slots[handle].path;
    slots[handle].path = NULL;
    free(p);
}

void dm_cleanup_remove(int handle)
{
    if (handle < 0 || handle >= SLOTS || !slots[handle].path)
        return;
    remove_slot(handle);
    dm_cleanup_forget(handle);
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
    if ((s->guard = dm_cleanup_mkdtemp(s->path)) >= -1)
        return 0;
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
