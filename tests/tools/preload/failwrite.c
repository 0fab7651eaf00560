/* failwrite.so — LD_PRELOAD shim: a disk that fills up, for "no room" tests without a small
 * file system (tests cannot mount here).
 *
 *   FAILWRITE_PREFIX=/abs/dir   only descriptors whose /proc/self/fd/N target starts with this
 *                               are affected, so stderr, pipes and other files are untouched
 *   FAILWRITE_AFTER=BYTES       the room: the write that would pass BYTES in total (over all
 *                               affected descriptors) writes what still fits, and every later
 *                               write fails with ENOSPC, as on a full disk
 *   FAILWRITE_REGION=START-END  only pwrite()s that touch bytes [START, END) of the file are
 *                               counted and failed; the rest of the disk (its partition tables)
 *                               stays writable, as on a disk with bad sectors in one place
 *   FAILWRITE_ERRNO=ENOSPC|EIO   the error of the failing writes (and allocations): ENOSPC (the
 *                               default, also for any other value) for a full disk, EIO for a
 *                               medium that stops taking writes (a stick pulled out, a dying
 *                               card); a number is taken as it is
 *   FAILWRITE_KILL=NAME         instead of failing, the process NAME (its short name: "dartmk")
 *                               is killed with SIGKILL when its room is used up, right after
 *                               the write that used it up: kill -9 at byte N of its writes.
 *                               Other processes (the programs it runs) are not affected
 *   FAILWRITE_REPORT=FILE       at a normal exit, the bytes counted are written to FILE (how
 *                               many bytes a run writes, to pick the points to kill it at)
 *
 *   FAILWRITE_FSYNC=EIO         (with FAILWRITE_PREFIX; FAILWRITE_AFTER is not needed) a
 *                               writeback error, found by the first fsync() or fdatasync() of
 *                               an affected descriptor after a write to one. As the kernel does,
 * every affected descriptor open at that moment reports it once, at its next fsync or fdatasync,
 * and later ones succeed: a library that syncs and ignores the result takes the error from its own
 *                               descriptor (every descriptor counts as an open file
 *                               description of its own; dup()s are not told apart). Only the
 *                               first error is made; a number is taken as it is
 *
 * Without FAILWRITE_PREFIX and one of FAILWRITE_AFTER, FAILWRITE_FSYNC nothing changes. Interposed:
 * write, pwrite(64), writev, pwritev(64)(v2), copy_file_range, sendfile(64) (counted like writes),
 * fallocate(64) and posix_fallocate(64) (they fail once the room is used up), fsync, fdatasync and
 * close (which forgets a descriptor's pending fsync error). stdio's buffered writes go through
 * glibc's internal
 * __write, which an LD_PRELOAD cannot reach: they are not affected; nor are mmap'd writes.
 *
 * The room is counted per process: a child (exec'd with the same environment) starts with its
 * own. The descriptor's path is resolved on every call (nothing is cached per descriptor, since
 * numbers are reused after close), and the room is reserved atomically before each write, so
 * threads writing at once never overshoot it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

/* The C library's functions, found once (pthread_once: the first call may come from any
 * thread, even before this object's constructors would have run). */
static struct {
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*pwrite)(int, const void *, size_t, off_t);
    ssize_t (*pwrite64)(int, const void *, size_t, off64_t);
    ssize_t (*writev)(int, const struct iovec *, int);
    ssize_t (*pwritev)(int, const struct iovec *, int, off_t);
    ssize_t (*pwritev64)(int, const struct iovec *, int, off64_t);
    ssize_t (*pwritev2)(int, const struct iovec *, int, off_t, int);
    ssize_t (*pwritev64v2)(int, const struct iovec *, int, off64_t, int);
    ssize_t (*copy_file_range)(int, off64_t *, int, off64_t *, size_t, unsigned int);
    ssize_t (*sendfile)(int, int, off_t *, size_t);
    ssize_t (*sendfile64)(int, int, off64_t *, size_t);
    int (*fallocate)(int, int, off_t, off_t);
    int (*fallocate64)(int, int, off64_t, off64_t);
    int (*posix_fallocate)(int, off_t, off_t);
    int (*posix_fallocate64)(int, off64_t, off64_t);
    int (*fsync)(int);
    int (*fdatasync)(int);
    int (*close)(int);
} real;
static pthread_once_t resolved = PTHREAD_ONCE_INIT;

#define RESOLVE(name) (real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name))

static void resolve(void)
{
    RESOLVE(write), RESOLVE(pwrite), RESOLVE(pwrite64), RESOLVE(writev), RESOLVE(pwritev);
    RESOLVE(pwritev64), RESOLVE(pwritev2), RESOLVE(pwritev64v2), RESOLVE(copy_file_range);
    RESOLVE(sendfile), RESOLVE(sendfile64), RESOLVE(fallocate), RESOLVE(fallocate64);
    RESOLVE(posix_fallocate), RESOLVE(posix_fallocate64), RESOLVE(fsync), RESOLVE(fdatasync);
    RESOLVE(close);
}

static void init(void) { pthread_once(&resolved, resolve); }

static atomic_ullong used;

/* FAILWRITE_KILL names another program: this process is left alone. */
static bool spectator(void)
{
    const char *k = getenv("FAILWRITE_KILL");
    return k && *k && strcmp(k, program_invocation_short_name) != 0;
}

/* FAILWRITE_REPORT: the count, at a normal exit. */
__attribute__((destructor)) static void report(void)
{
    const char *f = getenv("FAILWRITE_REPORT");
    if (!f || !*f || spectator())
        return;
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dprintf(fd, "%llu\n", (unsigned long long)atomic_load(&used));
        close(fd);
    }
}

/* Bytes written to affected descriptors so far (reserved before the write, given back after a
 * short or failed one): `used`, above. */

/* FAILWRITE_AFTER, or false when it is unset or not a number (then nothing is affected). */
static bool room_of(unsigned long long *room)
{
    const char *s = getenv("FAILWRITE_AFTER");
    char *end;
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    *room = strtoull(s, &end, 10);
    return !*end && errno == 0;
}

/* Does the descriptor's file lie under FAILWRITE_PREFIX? */
static bool under_prefix(int fd)
{
    const char *prefix = getenv("FAILWRITE_PREFIX");
    char link[64], target[PATH_MAX];
    if (!prefix || !*prefix)
        return false;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return false;
    target[n] = '\0';
    return strncmp(target, prefix, strlen(prefix)) == 0;
}

/* Is fd affected? Sets *room to FAILWRITE_AFTER. Leaves errno as it was. */
static bool affected(int fd, unsigned long long *room)
{
    int saved = errno;
    bool yes = room_of(room) && !spectator() && under_prefix(fd);
    errno = saved;
    return yes;
}

static int fsync_errno(void);
static atomic_bool dirty;

/* With FAILWRITE_FSYNC, a write to an affected descriptor is what a writeback can fail on. */
static void note_dirty(int fd, size_t want)
{
    int saved = errno;
    if (want > 0 && !atomic_load(&dirty) && fsync_errno() && under_prefix(fd))
        atomic_store(&dirty, true);
    errno = saved;
}

/* How many of `want` bytes fd may take: all for an unaffected fd (*counted false), else what is
 * left of the room, reserved at once; 0 when the room is used up. */
static size_t grant(int fd, size_t want, bool *counted)
{
    unsigned long long room, cur, give;
    note_dirty(fd, want);
    *counted = want > 0 && affected(fd, &room);
    if (!*counted)
        return want;
    cur = atomic_load(&used);
    do {
        if (cur >= room)
            return 0;
        give = room - cur < want ? room - cur : want;
    } while (!atomic_compare_exchange_weak(&used, &cur, cur + give));
    return (size_t)give;
}

/* Gives back what a real call did not write of its grant; returns `done`. */
static ssize_t settle(bool counted, size_t granted, ssize_t done)
{
    size_t unused = done < 0 ? granted : granted - (size_t)done;
    if (counted && unused)
        atomic_fetch_sub(&used, unused);
    return done;
}

/* Is the room used up (fallocate and friends may not grow a file on a full disk)? */
static bool full(int fd)
{
    unsigned long long room;
    return affected(fd, &room) && atomic_load(&used) >= room;
}

/* FAILWRITE_ERRNO: the error a write past the room gets (ENOSPC unless it says otherwise). */
static int fail_errno(void)
{
    const char *s = getenv("FAILWRITE_ERRNO");
    char *end;
    if (!s || !*s)
        return ENOSPC;
    if (strcmp(s, "EIO") == 0)
        return EIO;
    if (strcmp(s, "ENOSPC") == 0)
        return ENOSPC;
    long n = strtol(s, &end, 10);
    return !*end && n > 0 && n < 4096 ? (int)n : ENOSPC;
}

/* A write past the room fails (named for the common case: the disk is full), or, with
 * FAILWRITE_KILL, the process dies as under kill -9. */
static ssize_t enospc(void)
{
    const char *k = getenv("FAILWRITE_KILL");
    if (k && *k)
        raise(SIGKILL);
    errno = fail_errno();
    return -1;
}

static ssize_t nosys(void)
{
    errno = ENOSYS;
    return -1;
}

/* ---- plain writes ---- */

ssize_t write(int fd, const void *buf, size_t n)
{
    init();
    bool counted;
    size_t give = grant(fd, n, &counted);
    if (counted && !give)
        return enospc();
    return settle(counted, give, real.write(fd, buf, give));
}

/* FAILWRITE_REGION: a positioned write that stays outside the failing region. */
static bool spared(off64_t off, size_t n)
{
    const char *s = getenv("FAILWRITE_REGION");
    unsigned long long a, b;
    if (!s || sscanf(s, "%llu-%llu", &a, &b) != 2 || off < 0)
        return false;
    return (unsigned long long)off + n <= a || (unsigned long long)off >= b;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    init();
    if (spared(off, n)) {
        note_dirty(fd, n);
        return real.pwrite(fd, buf, n, off);
    }
    bool counted;
    size_t give = grant(fd, n, &counted);
    if (counted && !give)
        return enospc();
    return settle(counted, give, real.pwrite(fd, buf, give, off));
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    init();
    if (spared(off, n)) {
        note_dirty(fd, n);
        return real.pwrite64(fd, buf, n, off);
    }
    bool counted;
    size_t give = grant(fd, n, &counted);
    if (counted && !give)
        return enospc();
    return settle(counted, give, real.pwrite64(fd, buf, give, off));
}

/* ---- vector writes ---- */

enum vec_call { WRITEV, PWRITEV, PWRITEV64, PWRITEV2, PWRITEV64V2 };

static size_t iov_total(const struct iovec *iov, int cnt)
{
    size_t total = 0;
    for (int i = 0; i < cnt; i++)
        total = iov[i].iov_len > SIZE_MAX - total ? SIZE_MAX : total + iov[i].iov_len;
    return total;
}

/* The first `bytes` bytes of iov, as entries of `part`; returns their count. */
static int iov_prefix(const struct iovec *iov, int cnt, size_t bytes, struct iovec *part)
{
    int n = 0;
    for (; n < cnt && bytes > 0; n++) {
        part[n] = iov[n];
        if (part[n].iov_len > bytes)
            part[n].iov_len = bytes;
        bytes -= part[n].iov_len;
    }
    return n;
}

static ssize_t vec_real(enum vec_call c, int fd, const struct iovec *iov, int cnt, off64_t off,
                        int flags)
{
    switch (c) {
    case WRITEV:
        return real.writev(fd, iov, cnt);
    case PWRITEV:
        return real.pwritev(fd, iov, cnt, (off_t)off);
    case PWRITEV64:
        return real.pwritev64(fd, iov, cnt, off);
    case PWRITEV2:
        return real.pwritev2 ? real.pwritev2(fd, iov, cnt, (off_t)off, flags) : nosys();
    default:
        return real.pwritev64v2 ? real.pwritev64v2(fd, iov, cnt, off, flags) : nosys();
    }
}

static ssize_t vec_write(enum vec_call c, int fd, const struct iovec *iov, int cnt, off64_t off,
                         int flags)
{
    init();
    if (cnt < 0 || cnt > IOV_MAX) /* invalid: let the kernel say so */
        return vec_real(c, fd, iov, cnt, off, flags);
    bool counted;
    size_t total = iov_total(iov, cnt), give = grant(fd, total, &counted);
    if (counted && !give)
        return enospc();
    struct iovec part[IOV_MAX];
    if (give < total) {
        cnt = iov_prefix(iov, cnt, give, part);
        iov = part;
    }
    return settle(counted, give, vec_real(c, fd, iov, cnt, off, flags));
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    return vec_write(WRITEV, fd, iov, cnt, 0, 0);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    return vec_write(PWRITEV, fd, iov, cnt, off, 0);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
    return vec_write(PWRITEV64, fd, iov, cnt, off, 0);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
    return vec_write(PWRITEV2, fd, iov, cnt, off, flags);
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off64_t off, int flags)
{
    return vec_write(PWRITEV64V2, fd, iov, cnt, off, flags);
}

/* ---- copies in the kernel: counted against the destination ---- */

ssize_t copy_file_range(int in, off64_t *in_off, int out, off64_t *out_off, size_t n,
                        unsigned int flags)
{
    init();
    bool counted;
    size_t give = grant(out, n, &counted);
    if (counted && !give)
        return enospc();
    return settle(counted, give, real.copy_file_range(in, in_off, out, out_off, give, flags));
}

ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
    init();
    bool counted;
    size_t give = grant(out, n, &counted);
    if (counted && !give)
        return enospc();
    return settle(counted, give, real.sendfile(out, in, off, give));
}

ssize_t sendfile64(int out, int in, off64_t *off, size_t n)
{
    init();
    bool counted;
    size_t give = grant(out, n, &counted);
    if (counted && !give)
        return enospc();
    return settle(counted, give, real.sendfile64(out, in, off, give));
}

/* ---- allocation: refused once the disk is full, unless it frees space ---- */

static bool frees_space(int mode)
{
    return mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    init();
    if (!frees_space(mode) && full(fd))
        return (int)enospc();
    return real.fallocate(fd, mode, off, len);
}

int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
    init();
    if (!frees_space(mode) && full(fd))
        return (int)enospc();
    return real.fallocate64(fd, mode, off, len);
}

/* posix_fallocate returns the error number instead of setting errno. */
int posix_fallocate(int fd, off_t off, off_t len)
{
    init();
    return full(fd) ? fail_errno() : real.posix_fallocate(fd, off, len);
}

int posix_fallocate64(int fd, off64_t off, off64_t len)
{
    init();
    return full(fd) ? fail_errno() : real.posix_fallocate64(fd, off, len);
}

/* ---- fsync: a writeback error, reported once per descriptor ---- */

enum { MAX_FD = 4096 };
static atomic_bool sync_failed;          /* the error has happened */
static atomic_int pending_error[MAX_FD]; /* descriptors still to report it (its errno) */

/* FAILWRITE_FSYNC: the error of the failing sync, or 0 when none is asked for. */
static int fsync_errno(void)
{
    const char *s = getenv("FAILWRITE_FSYNC");
    char *end;
    if (!s || !*s)
        return 0;
    if (strcmp(s, "EIO") == 0)
        return EIO;
    if (strcmp(s, "ENOSPC") == 0)
        return ENOSPC;
    long n = strtol(s, &end, 10);
    return !*end && n > 0 && n < 4096 ? (int)n : EIO;
}

/* The error happens: every affected descriptor open now will report it once. */
static void writeback_error(int err)
{
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (!*end && e->d_name[0] != '.' && fd >= 0 && fd < MAX_FD && fd != dirfd(d) &&
            under_prefix((int)fd))
            atomic_store(&pending_error[fd], err);
    }
    if (d)
        closedir(d);
}

/* Before a sync of fd: -1 with errno set when it reports the error, 0 to sync for real. */
static int sync_error(int fd)
{
    int saved = errno, err = fsync_errno();
    bool mine = err && fd >= 0 && fd < MAX_FD && under_prefix(fd);
    errno = saved;
    if (!mine)
        return 0;
    bool no = false;
    if (atomic_load(&dirty) && atomic_compare_exchange_strong(&sync_failed, &no, true))
        writeback_error(err);
    int pending = atomic_exchange(&pending_error[fd], 0);
    if (!pending)
        return 0;
    errno = pending;
    return -1;
}

int fsync(int fd)
{
    init();
    return sync_error(fd) ? -1 : real.fsync(fd);
}

int fdatasync(int fd)
{
    init();
    return sync_error(fd) ? -1 : real.fdatasync(fd);
}

int close(int fd)
{
    init();
    if (fd >= 0 && fd < MAX_FD)
        atomic_store(&pending_error[fd], 0);
    return real.close(fd);
}
