/* syslinux.c — syslinux's part of a stick's BIOS boot (see syslinux.h). */
#include "boot/syslinux.h"

#include "boot/loop_internal.h"
#include "util/copy.h"
#include "fat/fat_read.h"
#include "util/report.h"
#include "source/source.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Debian's syslinux-common puts them here; DARTMK_SYSLINUX_DIR names another tree of the same
 * shape (mbr/, modules/bios/) for other distributions. */
const char *dm_syslinux_root(void)
{
    const char *d = getenv("DARTMK_SYSLINUX_DIR");
    return d && *d ? d : "/usr/lib/syslinux";
}

/* chain.c32 loads bootmgr at 2000:0000 with the boot drive in DL, as an NT boot sector does.
 * "relax": chain.c32's sanity check of MBR entries computes start + length in 32 bits, so a
 * partition ending at the last sector MBR can address (sector 2^32 - 1: the recovery partition
 * placed at the end of a disk of 2 TiB or more) "wraps around" and every entry that walks the
 * table past it stops with "Primary partition (in MBR) with invalid offset and/or length". */
#define CHAIN_RELAX " relax"
static const char entry_dart[] = "LABEL dart\n"
                                 "  MENU LABEL DaRT Recovery\n"
                                 "  COM32 chain.c32\n"
                                 "  APPEND fs ntldr=/bootmgr" CHAIN_RELAX "\n";

/* No menu, no wait: the stick or partition starts the recovery image like a Windows disc. */
static char *config_direct(void)
{
    char *t;
    return asprintf(&t,
                    "# dartmk: BIOS boot of the recovery image (syslinux, chain.c32, Windows "
                    "Boot Manager)\nDEFAULT dart\nPROMPT 0\nTIMEOUT 0\n%s",
                    entry_dart) < 0
               ? NULL
               : t;
}

/* The installed system by default (its partition's boot sector on the disk syslinux started
 * from, chain-loaded), recovery on demand. The marker line lets a later run find the installed
 * system again once the recovery partition is the active one. TIMEOUT is in tenths of a second; 0
 * would mean "wait forever". */
static char *config_menu(const struct dm_syslinux_boot *b)
{
    char *t;
    unsigned tenths = b->timeout ? b->timeout * 10 : 1;
    return asprintf(&t,
                    "# dartmk: the installed system, or DaRT Recovery on demand\n"
                    "# dartmk-os-partition %u\n"
                    "UI menu.c32\nMENU TITLE Start\nPROMPT 0\nTIMEOUT %u\nDEFAULT os\n"
                    "LABEL os\n  MENU LABEL Installed system (partition %u)\n"
                    "  COM32 chain.c32\n  APPEND boot %u" CHAIN_RELAX "\n%s",
                    b->os_partition, tenths, b->os_partition, b->os_partition, entry_dart) < 0
               ? NULL
               : t;
}

unsigned dm_syslinux_config_os(const char *config)
{
    const char *m = config ? strstr(config, "# dartmk-os-partition ") : NULL;
    unsigned n = 0;
    return m && sscanf(m, "# dartmk-os-partition %u", &n) == 1 ? n : 0;
}

const char *const dm_syslinux_installed[2] = {DM_SYSLINUX_DIR "/ldlinux.sys",
                                              DM_SYSLINUX_DIR "/ldlinux.c32"};

static int module(const char *name, struct dm_syslinux_file *f)
{
    snprintf(f->path, sizeof f->path, "%s/%s", DM_SYSLINUX_DIR, name);
    if (asprintf(&f->host, "%s/modules/bios/%s", dm_syslinux_root(), name) < 0)
        return f->host = NULL, dm_error(DM_FAIL, "out of memory");
    if (access(f->host, R_OK) != 0)
        return dm_error_errno(DM_FAIL, errno,
                              "%s: syslinux's %s is needed for BIOS boot "
                              "(install syslinux-common)",
                              f->host, name);
    return 0;
}

int dm_syslinux_files(const struct dm_syslinux_boot *b,
                      struct dm_syslinux_file out[DM_SYSLINUX_FILES], size_t *n)
{
    static const char *const needed[] = {"chain.c32", "libcom32.c32", "libutil.c32", "menu.c32"};
    size_t count = b->menu ? 4 : 3;
    int rc = 0;
    memset(out, 0, DM_SYSLINUX_FILES * sizeof *out);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = module(needed[i], &out[i]);
    snprintf(out[count].path, sizeof out[count].path, "%s", DM_SYSLINUX_DIR "/syslinux.cfg");
    if (rc == 0 && !(out[count].text = b->menu ? config_menu(b) : config_direct()))
        rc = dm_error(DM_FAIL, "out of memory");
    *n = count + 1;
    if (rc)
        dm_syslinux_files_free(out);
    return rc;
}

void dm_syslinux_files_free(struct dm_syslinux_file f[DM_SYSLINUX_FILES])
{
    for (int i = 0; i < DM_SYSLINUX_FILES; i++) {
        free(f[i].host), free(f[i].text);
        f[i] = (struct dm_syslinux_file){0};
    }
}

int dm_syslinux_mbr(int gpt, uint8_t code[DM_MBR_CODE])
{
    char *path;
    if (asprintf(&path, "%s/mbr/%s", dm_syslinux_root(), gpt ? "gptmbr.bin" : "mbr.bin") < 0)
        return dm_error(DM_FAIL, "out of memory");
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
    ssize_t n = fd >= 0 ? read(fd, code, DM_MBR_CODE) : -1;
    if (fd < 0)
        rc = dm_error_errno(DM_FAIL, errno,
                            "%s: syslinux's MBR code is needed for BIOS boot "
                            "(install syslinux-common)",
                            path);
    else if (n < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot read", path);
    else if (n < DM_MBR_CODE - 1) /* 439 or 440 bytes, depending on the version */
        rc = dm_error(DM_FAIL, "%s: only %zd bytes: not syslinux's MBR code", path, n);
    else if (n == DM_MBR_CODE - 1)
        code[DM_MBR_CODE - 1] = 0;
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

int dm_syslinux_write_mbr(int fd, const char *name, int gpt, uint8_t code[DM_MBR_CODE])
{
    int rc = dm_syslinux_mbr(gpt, code);
    return rc ? rc : dm_pwrite_all(fd, code, DM_MBR_CODE, 0, name);
}

int dm_syslinux_check_mbr(int fd, const char *name, const uint8_t code[DM_MBR_CODE])
{
    uint8_t back[512];
    if (pread(fd, back, sizeof back, 0) != (ssize_t)sizeof back)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot read back the first sector", name);
    if (memcmp(back, code, DM_MBR_CODE) != 0 || back[510] != 0x55 || back[511] != 0xAA)
        return dm_error(DM_FAIL,
                        "%s: the first sector read back is not what was written: the "
                        "stick is faulty",
                        name);
    return 0;
}

/* The last non-empty line of the installer's output, for the one-line error. */
static const char *last_line(char *buf, size_t n)
{
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    char *nl = strrchr(buf, '\n');
    return nl ? nl + 1 : buf;
}

/* Runs the installer on `device` (TARGET itself, or a loop device over its volume) with the
 * volume at byte `offset` of it; `at` is the volume's place in TARGET, for the message. */
static int run_installer(const char *target, const char *device, uint64_t offset, uint64_t at)
{
    char off[32], out[4096];
    int p[2];
    snprintf(off, sizeof off, "%" PRIu64, offset);
    if (pipe2(p, O_CLOEXEC) != 0)
        return dm_error_errno(DM_FAIL, errno, "cannot start the syslinux installer");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO), dup2(p[1], STDERR_FILENO);
        execlp("syslinux", "syslinux", "--install", "--offset", off, "--directory",
               "/" DM_SYSLINUX_DIR, device, (char *)NULL);
        dprintf(p[1], "syslinux: %s (install the syslinux package)\n", strerror(errno));
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    for (ssize_t r;
         pid > 0 && n < sizeof out - 1 &&
         ((r = read(p[0], out + n, sizeof out - 1 - n)) > 0 || (r < 0 && errno == EINTR));)
        n += r > 0 ? (size_t)r : 0;
    close(p[0]);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid < 0)
        return dm_error_errno(DM_FAIL, errno, "cannot start the syslinux installer");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    const char *msg = last_line(out, n);
    if (strcmp(device, target) == 0)
        return dm_error(DM_FAIL, "%s: the syslinux installer failed%s%.300s", target,
                        *msg ? ": " : "", msg);
    return dm_error(
        DM_FAIL, "%s: the syslinux installer failed on %s (the volume at byte %" PRIu64 ")%s%.300s",
        target, device, at, *msg ? ": " : "", msg);
}

/* The installer keeps --offset in an unsigned int (syslinux 6.04's libinstaller/syslxopt.h:
 * strtoul's result is cut to 32 bits), so an offset of 4 GiB or more silently becomes another
 * one. Up to this it is exact. */
static const uint64_t installer_max_offset = UINT32_MAX;

/* The size of the FAT volume whose boot sector is at `offset` of TARGET, from its BPB. */
static int volume_bytes(const char *target, uint64_t offset, uint64_t *bytes)
{
    uint8_t b[512];
    int fd = open(target, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", target);
    ssize_t n = pread(fd, b, sizeof b, (off_t)offset);
    int err = errno;
    close(fd);
    if (n < 0)
        return dm_error_errno(DM_FAIL, err, "%s: cannot read byte %" PRIu64, target, offset);
    unsigned bps = n == (ssize_t)sizeof b ? (unsigned)b[11] | (unsigned)b[12] << 8 : 0;
    uint64_t sectors = n == (ssize_t)sizeof b ? (unsigned)b[19] | (unsigned)b[20] << 8 : 0;
    if (sectors == 0 && n == (ssize_t)sizeof b)
        sectors =
            (uint64_t)b[32] | (uint64_t)b[33] << 8 | (uint64_t)b[34] << 16 | (uint64_t)b[35] << 24;
    if ((b[0] != 0xeb && b[0] != 0xe9) || b[510] != 0x55 || b[511] != 0xaa ||
        (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096) || sectors == 0)
        return dm_error(DM_FAIL, "%s: no FAT volume at byte %" PRIu64 " for syslinux", target,
                        offset);
    *bytes = sectors * bps;
    return 0;
}

int dm_syslinux_install_at(const char *target, uint64_t offset, uint64_t size)
{
    if (offset <= installer_max_offset)
        return run_installer(target, target, offset, offset);
    /* Past the installer's reach: a loop device over exactly the volume's bytes, the installer
     * run on it at offset 0 (it writes the same ldlinux.sys and boot sector: both are relative
     * to the volume), then detached. */
    uint64_t bytes;
    int rc = volume_bytes(target, offset, &bytes);
    if (rc == 0 && size && bytes > size)
        rc = dm_error(DM_FAIL,
                      "%s: the FAT volume at byte %" PRIu64 " says it has %" PRIu64
                      " bytes, more than the %" PRIu64 " of its partition",
                      target, offset, bytes, size);
    if (rc)
        return rc;
    struct dm_loop l;
    rc = dm_loop_attach(target, offset, size ? size : bytes,
                        " (the syslinux installer reaches a volume 4 GiB or more into a disk only "
                        "through one)",
                        &l);
    if (rc == 0)
        rc = run_installer(target, l.path, 0, offset);
    int detached = dm_loop_detach(&l, target);
    return rc ? rc : detached;
}

int dm_syslinux_install(const char *target, uint64_t offset)
{
    return dm_syslinux_install_at(target, offset, 0);
}

/* ---- boot once: syslinux's auxiliary data vector ---- */

/* syslinux keeps an auxiliary data vector (ADV) in the last two sectors of ldlinux.sys: two
 * identical 512-byte copies of a head signature, a checksum, 500 bytes of tagged data (tag,
 * length, bytes; a zero tag ends it) and a tail signature. The data dwords plus the checksum add
 * up to a fixed value. Tag 1 is "boot once": a command line syslinux runs at the next start
 * instead of the default, and clears. (Debian's installer has no --once for FAT volumes.) */
enum { ADV_SIZE = 512, ADV_DATA = 500, ADV_BOOTONCE = 1 };
static const uint32_t adv_head = 0x5a2d2fa5, adv_sum = 0xa3041767, adv_tail = 0xdd28bf64;

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static void make_adv(uint8_t adv[ADV_SIZE], const char *command)
{
    size_t n = strlen(command);
    uint32_t sum = 0;
    memset(adv, 0, ADV_SIZE);
    adv[8] = ADV_BOOTONCE, adv[9] = (uint8_t)n;
    memcpy(adv + 10, command, n);
    for (int i = 0; i < ADV_DATA; i += 4)
        sum += (uint32_t)adv[8 + i] | (uint32_t)adv[9 + i] << 8 | (uint32_t)adv[10 + i] << 16 |
               (uint32_t)adv[11 + i] << 24;
    put32le(adv, adv_head);
    put32le(adv + 4, adv_sum - sum);
    put32le(adv + 8 + ADV_DATA, adv_tail);
}

int dm_syslinux_boot_once(int fd, const char *target, uint64_t offset, uint64_t size,
                          const char *command)
{
    struct dm_tree *t = NULL;
    uint8_t adv[ADV_SIZE], old[4];
    uint64_t at[2];
    int rc = strlen(command) > 200 ? dm_error(DM_FAIL, "boot-once command too long")
                                   : dm_fatread_open(target, offset, size, &t);
    const struct dm_entry *e = rc == 0 ? dm_tree_find(t, dm_syslinux_installed[0]) : NULL;
    if (rc == 0 && (!e || e->size < 2 * ADV_SIZE))
        rc = dm_error(DM_FAIL, "%s: no %s to hold the boot-once data", target,
                      dm_syslinux_installed[0]);
    for (int i = 0; rc == 0 && i < 2; i++)
        rc = dm_fatread_file_offset(t, e, e->size - (uint64_t)(2 - i) * ADV_SIZE, &at[i]);
    if (rc == 0 && (pread(fd, old, 4, (off_t)at[0]) != 4 || old[0] != (uint8_t)adv_head ||
                    old[3] != (uint8_t)(adv_head >> 24)))
        rc = dm_error(DM_FAIL, "%s: %s has no auxiliary data vector where syslinux keeps it",
                      target, dm_syslinux_installed[0]);
    make_adv(adv, command);
    for (int i = 0; rc == 0 && i < 2; i++)
        rc = dm_pwrite_all(fd, adv, ADV_SIZE, at[i], target);
    dm_tree_free(t);
    return rc;
}
