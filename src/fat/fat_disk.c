/* fat_disk.c — the FAT volume on a disk image or block device: a partition found through
 * libblkid's reading of the partition table (MBR, GPT), or the whole disk when it holds FAT
 * without a table (a "superfloppy", as some sticks are formatted). */
#include "fat/fat_read.h"
#include "util/report.h"

#include <blkid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Partition types Windows media live on: FAT12/16/32 (CHS and LBA), Windows RE, EFI System. */
static const unsigned char mbr_types[] = {0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E, 0x27, 0xEF};
static const char *const gpt_types[] = {
    "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", /* EFI System */
    "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", /* Microsoft basic data */
    "de94bba4-06d1-4d40-a16a-bfd50179d6ac", /* Windows RE */
};

struct disk {
    const char *path;
    blkid_probe pr;
    blkid_partlist ls; /* NULL without a partition table */
    const char *table; /* "dos", "gpt", ... */
    int count;
};

static int open_disk(const char *path, struct disk *d)
{
    *d = (struct disk){.path = path};
    errno = 0;
    d->pr = blkid_new_probe_from_filename(path);
    if (!d->pr)
        return errno ? dm_error_errno(DM_FAIL, errno, "%s: cannot open", path)
                     : dm_error(DM_FAIL, "%s: cannot read the partition table", path);
    d->ls = blkid_probe_get_partitions(d->pr);
    blkid_parttable tab = d->ls ? blkid_partlist_get_table(d->ls) : NULL;
    if (!tab) {
        d->ls = NULL;
        return 0;
    }
    d->table = blkid_parttable_get_type(tab);
    d->count = blkid_partlist_numof_partitions(d->ls);
    d->count = d->count > 0 ? d->count : 0;
    return 0;
}

/* Reads the 512 bytes at `offset`; 0 or -1. */
static int boot_sector(const struct disk *d, uint64_t offset, uint8_t bs[512])
{
    int fd = blkid_probe_get_fd(d->pr);
    return fd >= 0 && pread(fd, bs, 512, (off_t)offset) == 512 ? 0 : -1;
}

/* True when the bytes at `offset` start a FAT volume (its boot sector checks out); why says
 * what is wrong otherwise. */
static int holds_fat(const struct disk *d, uint64_t offset, char why[DM_FATREAD_WHY])
{
    uint8_t bs[512];
    struct dm_fatread_geom g;
    if (boot_sector(d, offset, bs) != 0) {
        snprintf(why, DM_FATREAD_WHY, "no boot sector");
        return 0;
    }
    return dm_fatread_geometry(bs, &g, why) == 0;
}

static int is_gpt(const struct disk *d) { return d->table && strcmp(d->table, "gpt") == 0; }

static int fat_kind(const struct disk *d, blkid_partition par)
{
    if (is_gpt(d)) {
        const char *t = blkid_partition_get_type_string(par);
        for (size_t i = 0; t && i < sizeof gpt_types / sizeof *gpt_types; i++)
            if (strcasecmp(t, gpt_types[i]) == 0)
                return 1;
        return 0;
    }
    if (!d->table || strcmp(d->table, "dos") != 0)
        return 0;
    int type = blkid_partition_get_type(par);
    return type > 0 && type < 256 && memchr(mbr_types, type, sizeof mbr_types) != NULL;
}

static uint64_t start_of(blkid_partition par)
{
    return (uint64_t)blkid_partition_get_start(par) * 512; /* libblkid counts 512-byte units */
}

/* "type 0x83" or "type 0fc63daf-..." for messages. */
static void type_text(const struct disk *d, blkid_partition par, char *buf, size_t n)
{
    const char *t = blkid_partition_get_type_string(par);
    if (is_gpt(d) && t)
        snprintf(buf, n, "type %s", t);
    else
        snprintf(buf, n, "type 0x%02x", blkid_partition_get_type(par));
}

static int take(blkid_partition par, uint64_t *offset, uint64_t *size, int *found)
{
    *offset = start_of(par);
    *size = (uint64_t)blkid_partition_get_size(par) * 512;
    *found = blkid_partition_get_partno(par);
    return 0;
}

/* partno > 0: that partition, which must hold FAT (whatever its type says). */
static int pick_numbered(const struct disk *d, int partno, uint64_t *offset, uint64_t *size,
                         int *found)
{
    blkid_partition par = d->ls ? blkid_partlist_get_partition_by_partno(d->ls, partno) : NULL;
    char type[64];
    if (!d->ls)
        return dm_error(DM_FAIL,
                        "%s: partition %d does not exist (the disk has no partition "
                        "table)",
                        d->path, partno);
    if (!par)
        return dm_error(DM_FAIL, "%s: partition %d does not exist (the disk has %d)", d->path,
                        partno, d->count);
    char why[DM_FATREAD_WHY];
    if (!holds_fat(d, start_of(par), why)) {
        if (strcmp(why, DM_FATREAD_INCOMPLETE) == 0)
            return dm_error(DM_FAIL, "%s: partition %d: %s", d->path, partno, why);
        type_text(d, par, type, sizeof type);
        return dm_error(DM_FAIL, "%s: partition %d is not a FAT volume (%s; %s)", d->path, partno,
                        type, why);
    }
    return take(par, offset, size, found);
}

/* The partitions, for the message that none holds FAT: "1 type 0x83, 2 type 0x0c (not FAT)". */
static void list_partitions(const struct disk *d, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < d->count && len < n; i++) {
        blkid_partition par = blkid_partlist_get_partition(d->ls, i);
        char type[64];
        type_text(d, par, type, sizeof type);
        char why[DM_FATREAD_WHY];
        int w = snprintf(
            buf + len, n - len, "%s%d %s%s", i ? ", " : "", blkid_partition_get_partno(par), type,
            fat_kind(d, par) && !holds_fat(d, start_of(par), why) ? " without a FAT volume" : "");
        len += w > 0 ? (size_t)w : 0;
    }
}

/* A boot sector that says it is one: an x86 jump first and the 0x55AA signature last (FAT,
 * and also NTFS or exFAT, which the FAT check then names as not FAT). */
static int looks_bootable(const struct disk *d)
{
    uint8_t bs[512];
    return boot_sector(d, 0, bs) == 0 && (bs[0] == 0xEB || bs[0] == 0xE9) && bs[510] == 0x55 &&
           bs[511] == 0xAA;
}

/* partno 0: the first partition of a FAT kind that holds FAT; else the whole disk. */
static int pick_first(const struct disk *d, uint64_t *offset, uint64_t *size, int *found)
{
    char why[DM_FATREAD_WHY];
    for (int i = 0; i < d->count; i++) {
        blkid_partition par = blkid_partlist_get_partition(d->ls, i);
        if (fat_kind(d, par) && holds_fat(d, start_of(par), why))
            return take(par, offset, size, found);
    }
    if (d->count == 0 && holds_fat(d, 0, why)) {
        *offset = *size = 0;
        *found = 0;
        return 0;
    }
    /* libblkid takes a damaged FAT boot sector for an empty MBR: say what is wrong with it. */
    if (!d->ls || (d->count == 0 && looks_bootable(d)))
        return dm_error(DM_FAIL, "%s: not a FAT volume (%s) and no partition table", d->path, why);
    char list[1024];
    list_partitions(d, list, sizeof list);
    return dm_error(DM_FAIL, "%s: no FAT partition (%s partition table: %s)", d->path,
                    strcmp(d->table, "dos") == 0 ? "MBR" : d->table,
                    d->count ? list : "no partitions");
}

static int fatread_disk_find(const char *path, int partno, uint64_t *offset, uint64_t *size,
                             int *found_partno)
{
    struct disk d;
    int rc = open_disk(path, &d);
    if (rc)
        return rc;
    rc = partno > 0 ? pick_numbered(&d, partno, offset, size, found_partno)
                    : pick_first(&d, offset, size, found_partno);
    blkid_free_probe(d.pr);
    return rc;
}

int dm_fatread_disk_open(const char *path, int partno, struct dm_tree **out)
{
    uint64_t offset, size;
    int found;
    int rc = fatread_disk_find(path, partno, &offset, &size, &found);
    if (rc)
        return rc;
    if (found)
        dm_debug("%s: reading the FAT volume of partition %d (byte %llu, %llu bytes)", path, found,
                 (unsigned long long)offset, (unsigned long long)size);
    else
        dm_debug("%s: reading the FAT volume at the start (no partition table)", path);
    return dm_fatread_open(path, offset, size, out);
}

int dm_fatread_recognise(const char *path)
{
    struct disk d = {.path = path, .pr = blkid_new_probe_from_filename(path)};
    if (!d.pr)
        return 0;
    blkid_partlist ls = blkid_probe_get_partitions(d.pr);
    char why[DM_FATREAD_WHY];
    int yes = (ls && blkid_partlist_get_table(ls)) || looks_bootable(&d) || holds_fat(&d, 0, why);
    blkid_free_probe(d.pr);
    return yes;
}
