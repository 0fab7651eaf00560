/* layout.c — the stick layouts through libfdisk (see layout.h). */
#include "layout.h"

#include "copy.h"
#include "report.h"

#include <errno.h>
#include <libfdisk/libfdisk.h>
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
    *out = (struct dm_disk_layout){.scheme = scheme, .disk_size = disk_size, .start = DM_LAYOUT_ALIGN};
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
        int rc = dm_error(DM_FAIL, "%s: %lu-byte sectors: dartmk writes disks of 512-byte "
                                   "sectors only", name, fdisk_get_sector_size(cxt));
        fdisk_deassign_device(cxt, 1);
        fdisk_unref_context(cxt);
        return rc;
    }
    *out = cxt;
    return 0;
}

static void context_close(struct fdisk_context *cxt)
{
    fdisk_deassign_device(cxt, 1); /* no sync, no re-read: the caller does both at the end */
    fdisk_unref_context(cxt);
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
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot save the partition table of %s", file,
                            name);
    else if ((err = fdisk_script_write_file(sc, f)) != 0 || fflush(f) != 0 || fsync(fileno(f)))
        rc = fd_error(file, err ? err : errno, "cannot write");
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

static int add_partition(struct fdisk_context *cxt, const char *name, const struct dm_disk_layout *l)
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
    int rc = zero(fd, name, 0, DM_LAYOUT_ALIGN);
    if (rc == 0 && tail)
        rc = zero(fd, name, l->disk_size - tail, tail);
    if (rc == 0)
        rc = context_open(fd, name, 0, &cxt);
    if (rc)
        return rc;
    int err = fdisk_create_disklabel(cxt, l->scheme == DM_SCHEME_GPT ? "gpt" : "dos");
    if (err)
        rc = fd_error(name, err, "libfdisk cannot make a new partition table");
    if (rc == 0)
        rc = add_partition(cxt, name, l);
    if (rc == 0 && (err = fdisk_write_disklabel(cxt)) != 0)
        rc = fd_error(name, err, "cannot write the partition table");
    context_close(cxt);
    return rc;
}
