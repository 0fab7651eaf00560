/* slowwrite.so — LD_PRELOAD shim: a slow stick, so that a test sees a run's progress redrawn.
 *
 *   SLOWWRITE_PREFIX=/abs/dir   only descriptors whose /proc/self/fd/N target starts with this
 *                               are slowed (stderr, pipes and other files are untouched)
 *   SLOWWRITE_USEC=N            each write or pwrite of 4 KiB or more to such a descriptor
 *                               first sleeps N microseconds (default 20000): the data is slow,
 *                               the many small writes of tables and boot sectors are not
 *
 * Interposed: write, pwrite, pwrite64. Nothing else changes: the bytes are written as asked. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int slowed(int fd)
{
    const char *prefix = getenv("SLOWWRITE_PREFIX");
    char link[64], target[4096];
    if (!prefix || !*prefix)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    return strncmp(target, prefix, strlen(prefix)) == 0;
}

static void pause_if_slowed(int fd, size_t n)
{
    if (n < 4096 || !slowed(fd))
        return;
    const char *u = getenv("SLOWWRITE_USEC");
    long usec = u ? atol(u) : 20000;
    struct timespec ts = {.tv_sec = usec / 1000000, .tv_nsec = usec % 1000000 * 1000};
    nanosleep(&ts, NULL);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    pause_if_slowed(fd, n);
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    pause_if_slowed(fd, n);
    return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    pause_if_slowed(fd, n);
    return real(fd, buf, n, off);
}
