/* layout.c — the stick layouts through libfdisk (see layout.h). */
#include "partition/layout.h"

#include "util/copy.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SECTOR = 512, GPT_BACKUP = 33 * SECTOR };

/* Microsoft basic data: what Windows and UEFI firmware expect of a FAT32 stick on GPT. */
static const char basic_data[] = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
static const uint64_t legacy_bios_bootable = 1ULL << 2; /* gptmbr.bin boots this partition */

int dm_scheme_parse(const char *s)
{
    return strcmp(s, "mbr") == 0 ? DM_SCHEME_MBR : strcmp(s, "gpt") == 0 ? DM_SCHEME_GPT : -1;
}

const char *dm_scheme_name(enum dm_scheme s) { return s == DM_SCHEME_GPT ? "gpt" : "mbr"; }

static uint64_t end_limit(enum dm_scheme scheme, uint64_t disk_size)
{
    uint64_t tail = scheme == DM_SCHEME_GPT ? GPT_BACKUP : 0;
    return disk_size > tail ? disk_size - tail : 0;
}

int dm_layout_stick(enum dm_scheme scheme, uint64_t disk_size, struct dm_disk_layout *out)
{
    uint64_t end = end_limit(scheme, disk_size) / DM_LAYOUT_ALIGN * DM_LAYOUT_ALIGN;
    *out =
        (struct dm_disk_layout){.scheme = scheme, .disk_size = disk_size, .start = DM_LAYOUT_ALIGN};
    if (end < 2 * (uint64_t)DM_LAYOUT_ALIGN)
        return -1;
    out->size = end - out->start;
    return 0;
}

uint64_t dm_layout_disk_for(enum dm_scheme scheme, uint64_t part_size)
{
    uint64_t part = (part_size + DM_LAYOUT_ALIGN - 1) / DM_LAYOUT_ALIGN * DM_LAYOUT_ALIGN;
    return DM_LAYOUT_ALIGN + part + (scheme == DM_SCHEME_GPT ? GPT_BACKUP : 0);
}

/* ---- a libfdisk context on the caller's descriptor ---- */

static int fd_error(const char *name, int err, const char *what)
{
    return dm_error_errno(DM_FAIL, err < 0 ? -err : err, "%s: %s", name, what);
}

static int context_open(int fd, const char *name, int readonly, struct fdisk_context **out)
{
    struct fdisk_context *cxt = fdisk_new_context();
    if (!cxt)
        return dm_error(DM_FAIL, "out of memory");
    fdisk_disable_dialogs(cxt, 1);
    int err = fdisk_assign_device_by_fd(cxt, fd, name, readonly);
    if (err) {
        fdisk_unref_context(cxt);
        return fd_error(name, err, "libfdisk cannot read the disk");
    }
    if (fdisk_get_sector_size(cxt) != SECTOR) {
        int rc = dm_error(DM_FAIL,
                          "%s: %lu-byte sectors: dartmk writes disks of 512-byte "
                          "sectors only",
                          name, fdisk_get_sector_size(cxt));
        fdisk_deassign_device(cxt, 1);
        fdisk_unref_context(cxt);
        return rc;
    }
    *out = cxt;
    return 0;
}

/* Returns what fdisk_deassign_device says: it fsyncs the descriptor (a negative errno). */
static int context_close(struct fdisk_context *cxt)
{
    int err = fdisk_deassign_device(cxt, 1); /* no sync(), no re-read: the caller does both */
    fdisk_unref_context(cxt);
    return err;
}

/* A writing context on a descriptor of its own, a second open file description of fd's file:
 * libfdisk syncs as it writes and does not always look at what fsync says, and the kernel tells
 * a writeback error once per open file description, to whoever syncs it first. Its descriptor
 * takes that; fd keeps the error for write_end's fsync. */
static int write_begin(int fd, const char *name, int *own, struct fdisk_context **out)
{
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    *own = open(self, O_RDWR | O_CLOEXEC);
    if (*own < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open it for libfdisk", name);
    int rc = context_open(*own, name, 0, out);
    if (rc)
        close(*own), *own = -1;
    return rc;
}

/* Closes the context (libfdisk fsyncs its descriptor) and its descriptor, and syncs fd: the table
 * is on the disk, or the error is said ("NAME: WHAT: reason"). Returns rc or the first error. */
static int write_end(int fd, const char *name, int own, struct fdisk_context *cxt, int rc,
                     const char *what)
{
    int err = context_close(cxt);
    if (rc == 0 && err)
        rc = fd_error(name, err, what);
    if (close(own) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: %s", name, what);
    if (rc == 0 && fsync(fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: %s", name, what);
    return rc;
}

/* ---- raw copies of the label's sectors, as comments sfdisk skips ---- */

enum { RAW_LINE = 48 }; /* bytes per base64 line */

/* Appends "# dartmk-raw OFFSET SIZE AREA" and the area's bytes in base64 lines "# >...". */
static int raw_areas(struct fdisk_context *cxt, int fd, const char *name, FILE *f)
{
    const char *area;
    uint64_t off;
    size_t size;
    fprintf(f, "# dartmk-disk-size %llu\n",
            (unsigned long long)fdisk_get_nsectors(cxt) * fdisk_get_sector_size(cxt));
    for (int n = 0; fdisk_locate_disklabel(cxt, n, &area, &off, &size) == 0; n++) {
        unsigned char *b = malloc(size), line[RAW_LINE * 2];
        if (!b || pread(fd, b, size, (off_t)off) != (ssize_t)size) {
            free(b);
            return dm_error_errno(DM_FAIL, b ? errno : ENOMEM, "%s: cannot read its %s", name,
                                  area);
        }
        fprintf(f, "# dartmk-raw %llu %zu %s\n", (unsigned long long)off, size, area);
        for (size_t i = 0; i < size; i += RAW_LINE) {
            EVP_EncodeBlock(line, b + i, (int)(size - i < RAW_LINE ? size - i : RAW_LINE));
            fprintf(f, "# >%s\n", line);
        }
        free(b);
    }
    return 0;
}

int dm_layout_backup(int fd, const char *name, const char *file, int *saved)
{
    struct fdisk_context *cxt = NULL;
    *saved = 0;
    int rc = context_open(fd, name, 1, &cxt);
    if (rc || !fdisk_has_label(cxt)) {
        if (cxt)
            context_close(cxt);
        return rc;
    }
    struct fdisk_script *sc = fdisk_new_script(cxt);
    FILE *f = NULL;
    int err = sc ? fdisk_script_read_context(sc, NULL) : -ENOMEM;
    if (err)
        rc = fd_error(name, err, "cannot read its partition table");
    else if (!(f = fopen(file, "wx")))
        rc =
            dm_error_errno(DM_FAIL, errno, "%s: cannot save the partition table of %s", file, name);
    else if ((err = fdisk_script_write_file(sc, f)) != 0)
        rc = fd_error(file, err, "cannot write");
    if (rc == 0)
        rc = raw_areas(cxt, fd, name, f);
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", file);
    if (f && fclose(f) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", file);
    if (f && rc)
        unlink(file);
    *saved = rc == 0;
    fdisk_unref_script(sc);
    context_close(cxt);
    return rc;
}

/* Zeroes [off, off + n) of fd. */
static int zero(int fd, const char *name, uint64_t off, uint64_t n)
{
    void *z = calloc(1, (size_t)n);
    int rc = z ? dm_pwrite_all(fd, z, (size_t)n, off, name) : dm_error(DM_FAIL, "out of memory");
    free(z);
    return rc;
}

static int add_partition(struct fdisk_context *cxt, const char *name,
                         const struct dm_disk_layout *l)
{
    struct fdisk_label *lb = fdisk_get_label(cxt, NULL);
    struct fdisk_parttype *type = l->scheme == DM_SCHEME_GPT
                                      ? fdisk_label_get_parttype_from_string(lb, basic_data)
                                      : fdisk_label_get_parttype_from_code(lb, 0x0C);
    struct fdisk_partition *pa = fdisk_new_partition();
    size_t partno = 0;
    int err = !type || !pa ? -ENOMEM : 0;
    if (!err)
        err = fdisk_partition_set_partno(pa, 0);
    if (!err)
        err = fdisk_partition_set_start(pa, l->start / SECTOR);
    if (!err)
        err = fdisk_partition_set_size(pa, l->size / SECTOR);
    if (!err)
        err = fdisk_partition_set_type(pa, type);
    if (!err)
        err = fdisk_add_partition(cxt, pa, &partno);
    if (!err && l->scheme == DM_SCHEME_MBR)
        err = fdisk_toggle_partition_flag(cxt, partno, DOS_FLAG_ACTIVE);
    if (!err && l->scheme == DM_SCHEME_GPT)
        err = fdisk_gpt_set_partition_attrs(cxt, partno, legacy_bios_bootable);
    fdisk_unref_partition(pa);
    fdisk_unref_parttype(type);
    return err ? fd_error(name, err, "libfdisk cannot make the partition") : 0;
}

int dm_layout_write(int fd, const char *name, const struct dm_disk_layout *l)
{
    struct fdisk_context *cxt = NULL;
    uint64_t tail = l->disk_size >= 2 * (uint64_t)DM_LAYOUT_ALIGN ? DM_LAYOUT_ALIGN : 0;
    int own = -1, rc = zero(fd, name, 0, DM_LAYOUT_ALIGN);
    if (rc == 0 && tail)
        rc = zero(fd, name, l->disk_size - tail, tail);
    if (rc == 0)
        rc = write_begin(fd, name, &own, &cxt);
    if (rc)
        return rc;
    int err = fdisk_create_disklabel(cxt, l->scheme == DM_SCHEME_GPT ? "gpt" : "dos");
    if (err)
        rc = fd_error(name, err, "libfdisk cannot make a new partition table");
    if (rc == 0)
        rc = add_partition(cxt, name, l);
    if (rc == 0 && (err = fdisk_write_disklabel(cxt)) != 0)
        rc = fd_error(name, err, "cannot write the partition table");
    return write_end(fd, name, own, cxt, rc, "cannot write the partition table");
}

/* ---- putting a saved table back ---- */

struct raw_area {
    uint64_t off;
    size_t size, got;
    unsigned char *bytes;
};

struct raw {
    uint64_t disk_size;
    struct raw_area area[16];
    int n;
};

static void raw_free(struct raw *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->area[i].bytes);
}

/* One line of the saved file: the raw copies' lines are taken, the rest left to libfdisk. */
static int raw_line(struct raw *r, const char *line)
{
    unsigned long long a, b;
    unsigned char dec[RAW_LINE * 2];
    if (sscanf(line, "# dartmk-disk-size %llu", &a) == 1)
        return r->disk_size = a, 0;
    if (sscanf(line, "# dartmk-raw %llu %llu", &a, &b) == 2) {
        if (r->n == 16 || b > (1u << 20) || !(r->area[r->n].bytes = malloc(b)))
            return -1;
        r->area[r->n].off = a, r->area[r->n].size = b, r->area[r->n++].got = 0;
        return 0;
    }
    if (strncmp(line, "# >", 3) != 0 || !r->n)
        return 0;
    size_t len = strcspn(line + 3, "\r\n"), pad = 0;
    if (len > RAW_LINE * 2 || len % 4)
        return -1;
    int n = EVP_DecodeBlock(dec, (const unsigned char *)line + 3, (int)len);
    pad = len && line[3 + len - 1] == '=' ? (len > 1 && line[3 + len - 2] == '=' ? 2 : 1) : 0;
    struct raw_area *x = &r->area[r->n - 1];
    if (n < 0 || x->got + (size_t)n - pad > x->size)
        return -1;
    memcpy(x->bytes + x->got, dec, (size_t)n - pad);
    x->got += (size_t)n - pad;
    return 0;
}

static int raw_read(FILE *f, const char *file, struct raw *r)
{
    char line[512];
    while (fgets(line, sizeof line, f))
        if (raw_line(r, line) != 0)
            return dm_error(DM_FAIL, "%s: a damaged dartmk-raw section", file);
    for (int i = 0; i < r->n; i++)
        if (r->area[i].got != r->area[i].size)
            return dm_error(DM_FAIL, "%s: a truncated dartmk-raw section", file);
    return 0;
}

/* The saved sectors written back as they were. */
static int raw_restore(int fd, const char *name, const struct raw *r)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < r->n; i++)
        rc = dm_pwrite_all(fd, r->area[i].bytes, r->area[i].size, r->area[i].off, name);
    return rc;
}

/* The script through libfdisk (a table sfdisk wrote, or a disk whose size changed). */
static int script_restore(int fd, const char *name, FILE *f, const char *file)
{
    struct fdisk_context *cxt = NULL;
    int own = -1, rc = write_begin(fd, name, &own, &cxt);
    if (rc)
        return rc;
    struct fdisk_script *sc = fdisk_new_script(cxt);
    int err = sc ? fdisk_script_read_file(sc, f) : -ENOMEM;
    if (err)
        rc = fd_error(file, err, "not an sfdisk script");
    else if ((err = fdisk_apply_script(cxt, sc)) != 0 || (err = fdisk_write_disklabel(cxt)) != 0)
        rc = fd_error(name, err, "cannot write the saved partition table");
    fdisk_unref_script(sc);
    return write_end(fd, name, own, cxt, rc, "cannot write the saved partition table");
}

int dm_layout_restore(int fd, const char *name, const char *file, uint64_t disk_size, int *exact)
{
    struct raw r = {0};
    FILE *f = fopen(file, "r");
    if (!f)
        return dm_error_errno(DM_FAIL, errno, "%s", file);
    int rc = raw_read(f, file, &r);
    *exact = rc == 0 && r.n > 0 && r.disk_size == disk_size;
    if (rc == 0 && *exact)
        rc = raw_restore(fd, name, &r);
    else if (rc == 0 && fseek(f, 0, SEEK_SET) == 0)
        rc = script_restore(fd, name, f, file);
    raw_free(&r);
    fclose(f);
    return rc;
}
