/* loop.c — a loop device over a byte range (see loop_internal.h). */
#include "boot/loop_internal.h"

#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* LOOP_CTL_GET_FREE hands out a device another program may take before we configure it
 * (EBUSY): ask again, a few times. */
enum { ATTACH_TRIES = 8 };

static void fill_info(struct loop_info64 *info, const char *target, uint64_t offset, uint64_t size)
{
    memset(info, 0, sizeof *info);
    info->lo_offset = offset;
    info->lo_sizelimit = size;
    info->lo_flags = LO_FLAGS_AUTOCLEAR;
    snprintf((char *)info->lo_file_name, sizeof info->lo_file_name, "%s", target);
}

/* Binds the open, unbound loop device `fd` to `backing`. LOOP_CONFIGURE (Linux 5.8) does it in
 * one step; older kernels get LOOP_SET_FD then LOOP_SET_STATUS64 (a kill between the two would
 * leave the device attached without autoclear). 0, or an errno value. */
static int bind_loop(int fd, int backing, const char *target, uint64_t offset, uint64_t size)
{
#ifdef LOOP_CONFIGURE
    struct loop_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fd = (uint32_t)backing;
    fill_info(&cfg.info, target, offset, size);
    if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOTTY)
        return errno;
#endif
    struct loop_info64 info;
    fill_info(&info, target, offset, size);
    if (ioctl(fd, LOOP_SET_FD, backing) != 0)
        return errno;
    if (ioctl(fd, LOOP_SET_STATUS64, &info) != 0) {
        int err = errno;
        ioctl(fd, LOOP_CLR_FD, 0);
        return err;
    }
    return 0;
}

/* What the kernel made of it: the offset, the limit, autoclear, and the device's size. */
static int check_loop(struct dm_loop *l, const char *target, uint64_t offset, uint64_t size)
{
    struct loop_info64 info;
    uint64_t bytes = 0;
    if (ioctl(l->fd, LOOP_GET_STATUS64, &info) != 0 || ioctl(l->fd, BLKGETSIZE64, &bytes) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: %s: cannot read the loop device's settings",
                              target, l->path);
    if (info.lo_offset != offset || info.lo_sizelimit != size ||
        !(info.lo_flags & LO_FLAGS_AUTOCLEAR) || (info.lo_flags & LO_FLAGS_READ_ONLY))
        return dm_error(DM_FAIL,
                        "%s: %s: the kernel set up the loop device at byte %" PRIu64 ", %" PRIu64
                        " bytes, flags 0x%x, not as asked",
                        target, l->path, (uint64_t)info.lo_offset, (uint64_t)info.lo_sizelimit,
                        info.lo_flags);
    if (bytes != size)
        return dm_error(DM_FAIL,
                        "%s: the volume at byte %" PRIu64 " (%" PRIu64
                        " bytes) goes past the end of %s (%" PRIu64 " bytes of it there)",
                        target, offset, size, target, bytes);
    return 0;
}

int dm_loop_attach(const char *target, uint64_t offset, uint64_t size, const char *why,
                   struct dm_loop *l)
{
    l->fd = -1;
    l->path[0] = '\0';
    if (size == 0 || offset > INT64_MAX || size > INT64_MAX - offset)
        return dm_error(DM_FAIL, "%s: no loop device for %" PRIu64 " bytes at byte %" PRIu64,
                        target, size, offset);
    int backing = open(target, O_RDWR | O_CLOEXEC);
    if (backing < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open it for a loop device", target);
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC), err = 0, rc = 0;
    if (ctl < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: no loop device available%s: /dev/loop-control",
                            target, why);
    for (int i = 0; rc == 0 && i < ATTACH_TRIES; i++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) {
            rc = dm_error_errno(DM_FAIL, errno, "%s: no loop device available%s", target, why);
            break;
        }
        snprintf(l->path, sizeof l->path, "/dev/loop%d", n);
        /* Exclusive: nothing can mount it while the installer writes through it. */
        l->fd = open(l->path, O_RDWR | O_CLOEXEC | O_EXCL);
        err = l->fd < 0 ? errno : bind_loop(l->fd, backing, target, offset, size);
        if (err == 0)
            break;
        if (l->fd >= 0)
            close(l->fd), l->fd = -1;
        if (err != EBUSY || i == ATTACH_TRIES - 1)
            rc = dm_error_errno(DM_FAIL, err, "%s: no loop device available%s: %s", target, why,
                                l->path);
    }
    if (ctl >= 0)
        close(ctl);
    close(backing); /* the loop device holds its own reference */
    if (rc == 0 && (rc = check_loop(l, target, offset, size)) != 0)
        dm_loop_detach(l, target);
    return rc;
}

int dm_loop_detach(struct dm_loop *l, const char *target)
{
    if (l->fd < 0)
        return 0;
    int rc = 0;
    if (fsync(l->fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush what was written through %s", target,
                            l->path);
    /* With other openers still there the kernel only marks it for autoclear; otherwise the
     * detach completes as this, the last descriptor, is closed. */
    ioctl(l->fd, LOOP_CLR_FD, 0);
    close(l->fd);
    l->fd = -1;
    return rc;
}
