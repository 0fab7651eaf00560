/* burn.c — libburn underneath `dartmk burn` and `dartmk devices --optical`.
 *
 * What libburn 1.5.4 reports for a stdio: pseudo drive, and what dartmk makes of it:
 *   - a path that does not exist, an empty file, a file with data: drive role 2 (random access,
 *     read-write, "like DVD-RAM"), status BLANK in all three cases, available space = the file
 *     system's free space plus the file's size. libburn overwrites a file with data from byte 0
 *     and leaves what lies beyond the new end: dartmk counts a non-empty file as holding data
 *     (refused without --blank), and --blank empties it first.
 *   - /dev/null, /dev/full, a FIFO (and a folder, which dartmk refuses first): role 3
 *     (sequential, write-only, "BLACKHOLE"), BLANK, about 1 TiB: nothing can be read back.
 *   - a path in a folder that does not exist: no drive (SORRY "Neither stdio-path nor its
 *     directory exist").
 * libburn cannot erase role-2 drives (burn_disc_erase serves MMC drives and role 5 only). */
#include "target/burn.h"

#include "device/disk.h"
#include "util/parse.h"
#include "util/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libburn/libburn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum { CHUNK = 256 << 10 }; /* verification reads: a few SCSI transfers, ends in the cache */

/* --- pure helpers ----------------------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum dm_iso_check dm_burn_iso_check(const unsigned char *pvd, uint64_t size, uint64_t *needed)
{
    if (size < DM_ISO_MIN)
        return DM_ISO_TOO_SMALL;
    if (size % DM_ISO_SECTOR)
        return DM_ISO_NOT_SECTORS;
    if (pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0)
        return DM_ISO_NO_PVD;
    /* Both-endian fields (ECMA-119 8.4): the volume space size in blocks at 80, the logical
     * block size at 128; the little-endian halves are enough. */
    uint32_t block = (uint32_t)pvd[128] | (uint32_t)pvd[129] << 8;
    uint64_t volume = (uint64_t)le32(pvd + 80) * (block ? block : DM_ISO_SECTOR);
    if (volume > size) {
        *needed = volume;
        return DM_ISO_TRUNCATED;
    }
    return DM_ISO_OK;
}

int dm_burn_fits(uint64_t need, uint64_t avail)
{
    uint64_t sectors = need / DM_ISO_SECTOR + (need % DM_ISO_SECTOR != 0);
    return sectors <= avail / DM_ISO_SECTOR;
}

int dm_burn_parse_speed(const char *s, int *kbs)
{
    long v;
    if (strcmp(s, "max") == 0) {
        *kbs = 0;
        return 0;
    }
    if (dm_parse_int(s, 1, 1000000, &v) != 0)
        return -1;
    *kbs = (int)v;
    return 0;
}

enum dm_stdio_kind dm_burn_stdio_kind(const struct stat *st, int exists)
{
    if (!exists)
        return DM_STDIO_NEW;
    if (S_ISREG(st->st_mode))
        return DM_STDIO_FILE;
    if (S_ISFIFO(st->st_mode))
        return DM_STDIO_PIPE;
    if (S_ISDIR(st->st_mode))
        return DM_STDIO_DIR;
    if (S_ISBLK(st->st_mode))
        return DM_STDIO_BLOCK;
    /* Character devices of major 1 include /dev/mem and /dev/port: only the three sinks. */
    unsigned int minor = minor(st->st_rdev);
    if (S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && (minor == 3 || minor == 5 || minor == 7))
        return DM_STDIO_NULLDEV;
    return DM_STDIO_OTHERDEV;
}

const char *dm_burn_state_name(enum dm_burn_state s)
{
    static const char *const names[] = {"none", "blank", "appendable", "full", "unsuitable"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unsuitable";
}

/* Reads exactly n bytes at off; a short read means the file shrank since it was checked. */
static int read_image(int fd, const char *iso, void *buf, size_t n, uint64_t off)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return dm_error_errno(DM_FAIL, errno, "%s: cannot read", iso);
        if (r == 0)
            return dm_error(DM_FAIL, "%s: became shorter while it was being burned", iso);
        got += (size_t)r;
    }
    return 0;
}

static int compare(const unsigned char *a, const unsigned char *c, size_t n, uint64_t off,
                   const char *what, const char *iso)
{
    if (memcmp(a, c, n) == 0)
        return 0;
    size_t i = 0;
    while (a[i] == c[i])
        i++;
    return dm_error(DM_FAIL, "%s: verification failed: byte %llu (sector %llu) differs from %s",
                    what, (unsigned long long)(off + i),
                    (unsigned long long)((off + i) / DM_ISO_SECTOR), iso);
}

int dm_burn_verify_stream(int iso_fd, const char *iso, uint64_t bytes, dm_burn_reader rd, void *ctx,
                          const char *what, struct dm_progress *progress, char sha[DM_SHA256_HEX])
{
    unsigned char *a = malloc(CHUNK), *c = rd ? malloc(CHUNK) : NULL;
    struct dm_sha256 *h = dm_sha256_new();
    int rc = !a || (rd && !c) || !h ? dm_error(DM_FAIL, "out of memory") : 0;
    for (uint64_t off = 0, n; rc == 0 && off < bytes; off += n) {
        n = bytes - off < CHUNK ? bytes - off : CHUNK;
        rc = read_image(iso_fd, iso, a, (size_t)n, off);
        if (rc == 0 && rd)
            rc = rd(ctx, off, c, (size_t)n) ? DM_FAIL : 0;
        if (rc == 0 && rd)
            rc = compare(a, c, (size_t)n, off, what, iso);
        if (rc == 0)
            dm_sha256_update(h, a, (size_t)n);
        if (rc == 0 && progress)
            dm_progress_update(progress, off + n);
    }
    if (rc == 0)
        dm_sha256_final(h, sha);
    else
        dm_sha256_free(h);
    free(a);
    free(c);
    return rc;
}

/* --- checks before any drive is touched ------------------------------------------------------- */

static int iso_problem(const char *iso, enum dm_iso_check k, uint64_t size, uint64_t needed)
{
    unsigned long long s = (unsigned long long)size;
    switch (k) {
    case DM_ISO_TOO_SMALL:
        return dm_error(DM_FAIL, "%s: not an ISO 9660 image (%llu bytes; an image has at least %d)",
                        iso, s, DM_ISO_MIN);
    case DM_ISO_NOT_SECTORS:
        return dm_error(DM_FAIL,
                        "%s: not an ISO 9660 image (%llu bytes is not a whole number of "
                        "2048-byte sectors)",
                        iso, s);
    case DM_ISO_NO_PVD:
        return dm_error(DM_FAIL,
                        "%s: not an ISO 9660 image (no primary volume descriptor at byte %d)", iso,
                        DM_ISO_PVD_AT);
    case DM_ISO_TRUNCATED:
        return dm_error(DM_FAIL, "%s: truncated ISO image (%llu bytes, the volume needs %llu)", iso,
                        s, (unsigned long long)needed);
    default:
        return 0;
    }
}

int dm_burn_check_iso(const char *iso, uint64_t *bytes)
{
    unsigned char pvd[DM_ISO_SECTOR] = {0};
    struct stat st;
    /* Judged before it is opened: opening a FIFO waits for a writer, a device may act. */
    int found = stat(iso, &st) == 0;
    if (!found && errno == ENOENT)
        return dm_error(DM_FAIL, "%s: no such file or directory", iso);
    if (found && S_ISDIR(st.st_mode))
        return dm_error(DM_FAIL, "%s: not an ISO 9660 image (a folder)", iso);
    if (found && !S_ISREG(st.st_mode))
        return dm_error(DM_FAIL, "%s: not an ISO 9660 image (not a regular file)", iso);
    /* O_NONBLOCK: a FIFO put in its place meanwhile is found by fstat, not waited on. */
    int fd = open(iso, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return dm_error(DM_FAIL, "%s: no such file or directory", iso);
    if (fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", iso);
    int rc = fstat(fd, &st) == 0 ? 0 : dm_error_errno(DM_FAIL, errno, "%s: cannot stat", iso);
    if (rc == 0 && S_ISDIR(st.st_mode))
        rc = dm_error(DM_FAIL, "%s: not an ISO 9660 image (a folder)", iso);
    else if (rc == 0 && !S_ISREG(st.st_mode))
        rc = dm_error(DM_FAIL, "%s: not an ISO 9660 image (not a regular file)", iso);
    uint64_t size = rc == 0 ? (uint64_t)st.st_size : 0, needed = 0;
    if (rc == 0 && size >= DM_ISO_MIN && size % DM_ISO_SECTOR == 0)
        rc = read_image(fd, iso, pvd, sizeof pvd, DM_ISO_PVD_AT);
    enum dm_iso_check k = rc == 0 ? dm_burn_iso_check(pvd, size, &needed) : DM_ISO_OK;
    if (rc == 0)
        rc = iso_problem(iso, k, size, needed);
    close(fd);
    *bytes = size;
    return rc;
}

static const char *stdio_path(const char *address)
{
    return strncmp(address, "stdio:", 6) == 0 ? address + 6 : NULL;
}

int dm_burn_check_target(const char *address, const char *iso)
{
    const char *path = stdio_path(address);
    struct stat st, ist;
    if (!path)
        return 0;
    if (!*path)
        return dm_error(DM_FAIL, "%s: names no file (stdio:PATH)", address);
    int exists = stat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot look at it", address);
    /* libburn would create a regular file there: a device name mistyped, or absent in this
     * container, is never what was meant. */
    if (!exists && dm_disk_new_in_dev(path))
        return dm_error(DM_REFUSED, "%s: no such device (no file is made in /dev)", address);
    switch (dm_burn_stdio_kind(&st, exists)) {
    case DM_STDIO_DIR:
        return dm_error(DM_FAIL, "%s: is a folder (name a file in it)", address);
    case DM_STDIO_BLOCK:
        return dm_error(DM_REFUSED,
                        "%s: is a disk; not written (burn writes discs and files; dartmk usb "
                        "writes disks)",
                        address);
    case DM_STDIO_OTHERDEV:
        return dm_error(DM_REFUSED,
                        "%s: is a device that is neither a file nor /dev/null; "
                        "not written",
                        address);
    default:
        break;
    }
    if (exists && stat(iso, &ist) == 0 && ist.st_dev == st.st_dev && ist.st_ino == st.st_ino)
        return dm_error(DM_FAIL, "%s: is %s itself", address, iso);
    return 0;
}

/* --- libburn's messages ----------------------------------------------------------------------- */

struct dm_burner {
    struct burn_drive_info *info;
    struct burn_drive *d;
    char address[BURN_DRIVE_ADR_LEN];
    int made_file; /* the stdio: path did not exist: a failed burn removes what it wrote */
    char why[512]; /* libburn's first complaint since the last reset */
};

static void start_libburn_messages(void)
{
    /* Queued, never printed: our one line per failure is the only one on stderr. */
    burn_msgs_set_severities(dm_events_current() && dm_events_current()->debug ? "NOTE" : "SORRY",
                             "NEVER", "dartmk: ");
}

/* Empties libburn's queue into b->why: the first complaint (SORRY or worse) since the last
 * reset. It names the cause ("write(2) returned -1: No space left on device"); the later ones
 * sum it up ("Burn run failed"). -v shows them all. */
static void drain_messages(struct dm_burner *b)
{
    int code, err, rank, sorry = 0;
    char msg[BURN_MSGS_MESSAGE_LEN], sev[80];
    burn_text_to_sev("SORRY", &sorry, 0);
    while (burn_msgs_obtain("ALL", &code, msg, &err, sev) == 1) {
        dm_debug("libburn %s: %s", sev, msg);
        if (b->why[0] || burn_text_to_sev(sev, &rank, 0) <= 0 || rank < sorry)
            continue;
        size_t len = strlen(msg); /* "... returned -1." + ": No space left": one full stop */
        while (len > 0 && (msg[len - 1] == '.' || msg[len - 1] == ' '))
            msg[--len] = '\0';
        if (err)
            snprintf(b->why, sizeof b->why, "%.400s: %.80s", msg, strerror(err));
        else
            snprintf(b->why, sizeof b->why, "%.500s", msg);
    }
}

static void reset_messages(struct dm_burner *b)
{
    drain_messages(b);
    b->why[0] = '\0';
}

/* " (libburn's reason)" or "". */
static const char *why(struct dm_burner *b, char *buf, size_t n)
{
    drain_messages(b);
    if (!b->why[0])
        return "";
    snprintf(buf, n, " (%s)", b->why);
    return buf;
}

/* --- a drive ---------------------------------------------------------------------------------- */

static int no_drive(struct dm_burner *b, const char *address)
{
    char buf[600];
    const char *reason = why(b, buf, sizeof buf);
    struct stat st;
    /* A file given without "stdio:" reaches libburn as a device name; say how to write it. */
    if (!stdio_path(address) && stat(address, &st) == 0 && S_ISREG(st.st_mode))
        return dm_error(DM_FAIL, "%s: not an optical drive (to write a file, use stdio:%s)",
                        address, address);
    return dm_error(DM_FAIL, "%s: no drive at this address%s", address, reason);
}

int dm_burn_open(const char *address, struct dm_burner **out)
{
    *out = NULL;
    if (strlen(address) >= BURN_DRIVE_ADR_LEN)
        return dm_error(DM_FAIL, "%.40s...: drive address too long", address);
    struct dm_burner *b = calloc(1, sizeof *b);
    if (!b)
        return dm_error(DM_FAIL, "out of memory");
    if (!burn_initialize()) {
        free(b);
        return dm_error(DM_FAIL, "%s: libburn cannot start", address);
    }
    start_libburn_messages();
    snprintf(b->address, sizeof b->address, "%s", address);
    struct stat st;
    b->made_file = stdio_path(address) && stat(stdio_path(address), &st) != 0;
    /* load 1: a drive with its tray out closes it. */
    if (burn_drive_scan_and_grab(&b->info, b->address, 1) != 1) {
        int rc = no_drive(b, address);
        burn_finish();
        free(b);
        return rc;
    }
    b->d = b->info[0].drive;
    *out = b;
    return 0;
}

void dm_burn_close(struct dm_burner *b, int failed, int eject)
{
    if (!b)
        return;
    burn_drive_release(b->d, eject);
    burn_drive_info_free(b->info);
    drain_messages(b);
    burn_finish();
    /* A disc cannot be unwritten, but a half-written or wrong file this run made is removed:
     * nothing that looks like the image is left behind. */
    if (failed && b->made_file)
        unlink(stdio_path(b->address));
    free(b);
}

static enum dm_burn_state state_of(enum burn_disc_status s)
{
    switch (s) {
    case BURN_DISC_BLANK:
        return DM_MEDIA_BLANK;
    case BURN_DISC_EMPTY:
        return DM_MEDIA_NONE;
    case BURN_DISC_APPENDABLE:
        return DM_MEDIA_APPENDABLE;
    case BURN_DISC_FULL:
        return DM_MEDIA_FULL;
    default:
        return DM_MEDIA_UNSUITABLE;
    }
}

/* Overwritable media (DVD-RAM, DVD-RW restricted overwrite, DVD+RW, BD-RE) always say BLANK:
 * whether they hold data shows only in what they hold. */
static int overwritable(int profile)
{
    return profile == 0x12 || profile == 0x13 || profile == 0x1a || profile == 0x43;
}

/* The first 64 KiB (system area and volume descriptors) are readable and not all zero. */
static int starts_with_data(struct dm_burner *b)
{
    static char buf[64 << 10];
    off_t got = 0;
    /* flag bit1: no message, bit2: no retry sector by sector — unreadable means unwritten. */
    if (burn_read_data(b->d, 0, buf, sizeof buf, &got, 2 | 4) <= 0)
        got = 0;
    drain_messages(b);
    for (off_t i = 0; i < got; i++)
        if (buf[i])
            return 1;
    return 0;
}

static void trim_copy(char *dst, const char *src, size_t n)
{
    snprintf(dst, n, "%s", src);
    for (size_t i = strlen(dst); i > 0 && dst[i - 1] == ' '; i--)
        dst[i - 1] = '\0';
}

/* Whether writing destroys data: a written disc, an overwritable one that starts with data, a
 * non-empty stdio file. */
static void learn_data(struct dm_burner *b, struct dm_burn_media *m, int profile)
{
    const char *path = stdio_path(b->address);
    struct stat st;
    if (m->state == DM_MEDIA_APPENDABLE || m->state == DM_MEDIA_FULL)
        m->holds_data = 1;
    else if (m->role == 2 && path && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        m->data_size = (uint64_t)st.st_size;
        m->holds_data = st.st_size > 0;
    } else if (m->role == 1 && m->state == DM_MEDIA_BLANK && overwritable(profile))
        m->holds_data = starts_with_data(b);
}

int dm_burn_media(struct dm_burner *b, struct dm_burn_media *m)
{
    enum burn_disc_status s;
    int profile = 0;
    *m = (struct dm_burn_media){0};
    /* A drive that is still spinning up reports UNREADY for a while (libburn's advice: ask
     * again). */
    for (int i = 0; (s = burn_disc_get_status(b->d)) == BURN_DISC_UNREADY && i < 300; i++)
        usleep(100000);
    m->state = state_of(s);
    m->role = burn_drive_get_drive_role(b->d);
    m->erasable = burn_disc_erasable(b->d) != 0;
    m->readable = m->role == 1 || m->role == 2;
    if (burn_disc_get_profile(b->d, &profile, m->profile) != 1)
        m->profile[0] = '\0';
    off_t avail = m->state == DM_MEDIA_NONE ? 0 : burn_disc_available_space(b->d, NULL);
    m->capacity = avail > 0 ? (uint64_t)avail : 0;
    trim_copy(m->vendor, b->info[0].vendor, sizeof m->vendor);
    trim_copy(m->product, b->info[0].product, sizeof m->product);
    learn_data(b, m, profile);
    drain_messages(b);
    return 0;
}

/* Threads of this process now (/proc/self/task), or -1 without /proc. */
static int thread_count(void)
{
    DIR *dir = opendir("/proc/self/task");
    int n = 0;
    if (!dir)
        return -1;
    for (struct dirent *e; (e = readdir(dir));)
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

/* libburn's worker threads (scan, erase, write) report the job done before they have ended: a
 * write worker still drops its reference to the write options (a count that it and we
 * decrement without a lock) and removes itself from libburn's list. Wait (at most 2 s) until
 * the thread is gone, so that we neither free the options beside it nor exit under it. */
static void wait_worker_gone(int before)
{
    for (int i = 0; before > 0 && thread_count() > before && i < 2000; i++)
        usleep(1000);
}

/* A signal during a write or an erase must not leave the drive in the middle of a command, nor
 * kill the process under libburn's threads: while a job runs, SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE only note themselves here, and wait_idle cancels the job and waits for the drive.
 * libburn's own signal handling is not used: it prints its lines ("UNIX-SIGNAL", "ABORT : ...")
 * on stderr itself, where dartmk's one line must be the only one. */
static volatile sig_atomic_t stop_signal;
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
enum { NSTOP = sizeof stop_signals / sizeof stop_signals[0] };

static void note_signal(int sig) { stop_signal = sig; }

/* on: the handlers above, the old ones kept in `old`; off: the old ones back. */
static void catch_signals(int on, struct sigaction old[NSTOP])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (on)
        stop_signal = 0;
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], on ? &sa : &old[i], on ? &old[i] : NULL);
}

/* Polls the drive until its job ends, reporting the sectors written to p (may be NULL) as
 * bytes of `total`; `threads` is thread_count() before the job started. A signal cancels the
 * job (a write stops; an erase cannot be stopped and is waited for); then -1. */
static int wait_idle(struct dm_burner *b, struct dm_progress *p, uint64_t total, int threads)
{
    struct burn_progress bp;
    int cancelled = 0;
    while (burn_drive_get_status(b->d, NULL) == BURN_DRIVE_SPAWNING)
        usleep(20000);
    while (burn_drive_get_status(b->d, &bp) != BURN_DRIVE_IDLE) {
        uint64_t done = (uint64_t)bp.sector * DM_ISO_SECTOR;
        if (stop_signal && !cancelled)
            burn_drive_cancel(b->d), cancelled = 1;
        if (p && bp.sector > 0 && !cancelled)
            dm_progress_update(p, done < total ? done : total);
        drain_messages(b);
        usleep(100000);
    }
    drain_messages(b);
    wait_worker_gone(threads);
    return stop_signal ? -1 : 0;
}

static int run_erase(struct dm_burner *b)
{
    /* libburn counts an erase in steps, not bytes: no bar, a line. */
    struct sigaction old[NSTOP];
    dm_info("blanking the disc in %s (fast blanking, a minute or two)", b->address);
    catch_signals(1, old);
    int threads = thread_count();
    burn_disc_erase(b->d, 1); /* fast: what a new session needs; a full erase takes an hour */
    int stopped = wait_idle(b, NULL, 0, threads);
    catch_signals(0, old);
    if (stopped)
        return dm_error(DM_FAIL,
                        "%s: interrupted while blanking; the disc may need blanking "
                        "again",
                        b->address);
    if (!burn_drive_wrote_well(b->d)) {
        char buf[600];
        return dm_error(DM_FAIL, "%s: blanking failed%s", b->address, why(b, buf, sizeof buf));
    }
    return 0;
}

int dm_burn_blank(struct dm_burner *b, const struct dm_burn_media *m)
{
    const char *path = stdio_path(b->address);
    int rc = 0;
    reset_messages(b);
    if (m->role == 2 && path) {
        /* libburn cannot erase a role-2 drive; an empty file is what blank means for it. */
        if (truncate(path, 0) != 0)
            rc = dm_error_errno(DM_FAIL, errno, "%s: cannot empty it", b->address);
    } else if (m->state == DM_MEDIA_FULL || m->state == DM_MEDIA_APPENDABLE) {
        rc = m->erasable ? run_erase(b)
                         : dm_error(DM_FAIL, "%s: the disc cannot be blanked", b->address);
    }
    /* Overwritable media: the write replaces what they hold; nothing to do first. */
    if (rc == 0 && burn_drive_re_assess(b->d, 0) <= 0) {
        char buf[600];
        rc = dm_error(DM_FAIL, "%s: cannot learn the disc's state after blanking%s", b->address,
                      why(b, buf, sizeof buf));
    }
    return rc;
}

/* One closed session holding one data track read from the image. A recorder reads it through a
 * 16 MiB FIFO, which keeps the drive fed while the disk that holds the image is busy elsewhere
 * (a starved drive spoils the disc, or slows to a crawl with buffer-underrun protection).
 * libburn's FIFO polls every 50 ms, which caps it near one FIFO per 50 ms: a stdio: file, which
 * cannot be spoiled by waiting, reads the image directly. */
static struct burn_disc *make_disc(const char *iso, int role, struct burn_source **src)
{
    struct burn_disc *disc = burn_disc_create();
    struct burn_session *session = burn_session_create();
    struct burn_track *track = burn_track_create();
    struct burn_source *file = burn_file_source_new(iso, NULL);
    *src = file && role == 1 ? burn_fifo_source_new(file, 32 << 10, 512, 1) : file;
    if (*src != file)
        burn_source_free(file); /* the FIFO holds its own reference */
    int ok = disc && session && track && *src;
    if (ok)
        burn_track_define_data(track, 0, 0, 1, BURN_MODE1);
    ok = ok && burn_track_set_source(track, *src) == BURN_SOURCE_OK &&
         burn_session_add_track(session, track, BURN_POS_END) &&
         burn_disc_add_session(disc, session, BURN_POS_END);
    burn_track_free(track);     /* the session holds it */
    burn_session_free(session); /* the disc holds it */
    if (!ok) {
        burn_disc_free(disc);
        burn_source_free(*src);
        *src = NULL;
        return NULL;
    }
    return disc;
}

/* libburn's reasons are lines; our message is one. */
static void one_line(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = '\0';
    for (; *s; s++)
        if (*s == '\n')
            *s = ' ';
}

static struct burn_write_opts *write_opts(struct dm_burner *b, struct burn_disc *disc)
{
    char reasons[BURN_REASONS_LEN] = "";
    struct burn_write_opts *o = burn_write_opts_new(b->d);
    if (!o) {
        dm_error(DM_FAIL, "out of memory");
        return NULL;
    }
    burn_write_opts_set_multi(o, 0); /* close the disc: a recovery disc is written once */
    burn_write_opts_set_underrun_proof(o, 1);
    burn_write_opts_set_simulate(o, 0);
    burn_write_opts_set_stdio_fsync(o, 1);
    if (burn_write_opts_auto_write_type(o, disc, reasons, 0) == BURN_WRITE_NONE) {
        one_line(reasons);
        dm_error(DM_FAIL, "%s: libburn finds no way to write this disc (%s)", b->address, reasons);
        burn_write_opts_free(o);
        return NULL;
    }
    return o;
}

static int run_write(struct dm_burner *b, struct burn_write_opts *o, struct burn_disc *disc,
                     const char *iso, uint64_t bytes)
{
    struct dm_progress p;
    struct sigaction old[NSTOP];
    char buf[600];
    dm_progress_begin(&p, "burning", bytes);
    catch_signals(1, old);
    int threads = thread_count();
    burn_disc_write(o, disc);
    int stopped = wait_idle(b, &p, bytes, threads);
    catch_signals(0, old);
    if (!stopped)
        dm_progress_update(&p, bytes);
    dm_progress_end(&p);
    if (stopped)
        return dm_error(DM_FAIL, "%s: interrupted while burning %s%s", b->address, iso,
                        b->made_file             ? " (the file is removed)"
                        : stdio_path(b->address) ? ""
                                                 : " (the disc is unusable)");
    if (!burn_drive_wrote_well(b->d))
        return dm_error(DM_FAIL, "%s: burning %s failed%s", b->address, iso,
                        why(b, buf, sizeof buf));
    return 0;
}

int dm_burn_write(struct dm_burner *b, const char *iso, uint64_t bytes, int speed)
{
    struct burn_source *src;
    reset_messages(b);
    struct burn_disc *disc = make_disc(iso, burn_drive_get_drive_role(b->d), &src);
    if (!disc)
        return dm_error(DM_FAIL, "%s: cannot prepare the track (out of memory?)", iso);
    struct burn_write_opts *o = write_opts(b, disc);
    int rc = o ? 0 : DM_FAIL;
    if (rc == 0) {
        burn_drive_set_speed(b->d, 0, speed);
        rc = run_write(b, o, disc, iso, bytes);
    }
    burn_write_opts_free(o);
    burn_disc_free(disc);
    burn_source_free(src);
    return rc;
}

static int read_drive(void *ctx, uint64_t off, void *buf, size_t n)
{
    struct dm_burner *b = ctx;
    off_t got = 0;
    char w[600];
    /* flag bit1: we say what failed, in one line. */
    if (burn_read_data(b->d, (off_t)off, buf, (off_t)n, &got, 2) > 0 && (size_t)got == n)
        return 0;
    return dm_error(DM_FAIL, "%s: cannot read back byte %llu of the written image%s", b->address,
                    (unsigned long long)(off + (uint64_t)got), why(b, w, sizeof w));
}

int dm_burn_verify(struct dm_burner *b, const char *iso, uint64_t bytes, int verify,
                   char sha[DM_SHA256_HEX])
{
    struct dm_progress p;
    reset_messages(b);
    int fd = open(iso, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", iso);
    /* After a write libburn still knows the medium as it was (a stdio file's size, a disc's
     * readable capacity): learn it again, or reads past the old end are refused. */
    int rc = 0;
    if (verify && burn_drive_re_assess(b->d, 0) <= 0) {
        char w[600];
        rc = dm_error(DM_FAIL, "%s: cannot learn the disc's state after burning%s", b->address,
                      why(b, w, sizeof w));
    }
    if (rc == 0) {
        dm_progress_begin(&p, verify ? "verifying" : "hashing", bytes);
        rc = dm_burn_verify_stream(fd, iso, bytes, verify ? read_drive : NULL, b, b->address, &p,
                                   sha);
        dm_progress_end(&p);
    }
    close(fd);
    return rc;
}

/* --- recorders on this machine ---------------------------------------------------------------- */

/* Grabs a scanned drive to learn its medium, then lets it go. */
static void describe(struct burn_drive_info *info, struct dm_burn_drive *out)
{
    struct dm_burner b = {.info = info, .d = info->drive};
    burn_drive_d_get_adr(info->drive, b.address);
    snprintf(out->address, sizeof out->address, "%s", b.address);
    if (burn_drive_grab(info->drive, 0) == 1) {
        dm_burn_media(&b, &out->media);
        burn_drive_release(info->drive, 0);
    } else {
        out->media.state = DM_MEDIA_UNSUITABLE;
        trim_copy(out->media.vendor, info->vendor, sizeof out->media.vendor);
        trim_copy(out->media.product, info->product, sizeof out->media.product);
        drain_messages(&b);
    }
}

int dm_burn_scan(struct dm_burn_drive **list, size_t *n)
{
    struct burn_drive_info *infos = NULL;
    unsigned int count = 0;
    struct dm_burner quiet = {0};
    int r, rc = 0;
    *list = NULL;
    *n = 0;
    if (!burn_initialize())
        return dm_error(DM_FAIL, "libburn cannot start");
    start_libburn_messages();
    int threads = thread_count();
    while ((r = burn_drive_scan(&infos, &count)) == 0) /* the scan runs in a libburn thread */
        usleep(1000);
    wait_worker_gone(threads);
    if (r < 0) {
        char w[600];
        rc = dm_error(DM_FAIL, "cannot scan for optical drives%s", why(&quiet, w, sizeof w));
    }
    if (rc == 0 && count > 0 && !(*list = calloc(count, sizeof **list)))
        rc = dm_error(DM_FAIL, "out of memory");
    for (unsigned int i = 0; rc == 0 && i < count; i++)
        describe(&infos[i], &(*list)[i]);
    if (rc == 0)
        *n = count;
    if (infos)
        burn_drive_info_free(infos);
    drain_messages(&quiet);
    burn_finish();
    return rc;
}
