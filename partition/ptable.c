/* ptable.c — an existing partition table through libfdisk (see ptable.h). */
#include "partition/ptable.h"

#include "util/report.h"

#include <errno.h>
#include <libfdisk/libfdisk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { SECTOR = 512 };

struct dm_ptable {
    struct fdisk_context *cxt;
    const char *name;
    enum dm_scheme scheme;
};

static int fail(const char *name, int err, const char *what)
{
    return dm_error_errno(DM_FAIL, err < 0 ? -err : err, "%s: %s", name, what);
}

static int check_table(struct dm_ptable *t, int fd);

int dm_ptable_open(int fd, const char *name, int readonly, struct dm_ptable **out)
{
    struct dm_ptable *t = calloc(1, sizeof *t);
    if (!t || !(t->cxt = fdisk_new_context())) {
        free(t);
        return dm_error(DM_FAIL, "out of memory");
    }
    t->name = name;
    fdisk_disable_dialogs(t->cxt, 1);
    int err = fdisk_assign_device_by_fd(t->cxt, fd, name, readonly), rc = 0;
    if (err)
        rc = fail(name, err, "libfdisk cannot read the disk");
    else if (fdisk_get_sector_size(t->cxt) != SECTOR)
        rc = dm_error(DM_FAIL,
                      "%s: %lu-byte sectors: dartmk writes disks of 512-byte sectors "
                      "only",
                      name, fdisk_get_sector_size(t->cxt));
    else if (!fdisk_has_label(t->cxt))
        rc = dm_error(DM_FAIL,
                      "%s: no partition table (for blank media, dartmk usb writes a "
                      "whole stick)",
                      name);
    else if (!fdisk_is_label(t->cxt, GPT) && !fdisk_is_label(t->cxt, DOS))
        rc = dm_error(DM_FAIL,
                      "%s: a %s partition table: dartmk adds recovery partitions to GPT "
                      "and MBR disks only",
                      name, fdisk_label_get_name(fdisk_get_label(t->cxt, NULL)));
    if (rc == 0) {
        t->scheme = fdisk_is_label(t->cxt, GPT) ? DM_SCHEME_GPT : DM_SCHEME_MBR;
        rc = check_table(t, fd);
    }
    if (rc) {
        dm_ptable_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

void dm_ptable_close(struct dm_ptable *t)
{
    if (!t)
        return;
    if (fdisk_get_devfd(t->cxt) >= 0)
        fdisk_deassign_device(t->cxt, 1); /* the caller flushes and re-reads */
    fdisk_unref_context(t->cxt);
    free(t);
}

enum dm_scheme dm_ptable_scheme(const struct dm_ptable *t) { return t->scheme; }

const char *dm_ptable_name(const struct dm_ptable *t) { return t->name; }

uint64_t dm_ptable_disk_size(const struct dm_ptable *t)
{
    return (uint64_t)fdisk_get_nsectors(t->cxt) * SECTOR;
}

/* ---- reading ---- */

static void describe(struct dm_ptable *t, struct fdisk_partition *pa, struct dm_part *p)
{
    size_t n = fdisk_partition_get_partno(pa);
    struct fdisk_parttype *type = fdisk_partition_get_type(pa);
    const char *name = fdisk_partition_get_name(pa);
    *p = (struct dm_part){.number = n + 1,
                          .start = (uint64_t)fdisk_partition_get_start(pa) * SECTOR,
                          .size = (uint64_t)fdisk_partition_get_size(pa) * SECTOR,
                          .active = fdisk_partition_is_bootable(pa) == 1};
    if (t->scheme == DM_SCHEME_GPT) {
        snprintf(p->type, sizeof p->type, "%s", type ? fdisk_parttype_get_string(type) : "");
        snprintf(p->name, sizeof p->name, "%s", name ? name : "");
        fdisk_gpt_get_partition_attrs(t->cxt, n, &p->attrs);
        p->winre = strcasecmp(p->type, DM_WINRE_GUID) == 0;
    } else {
        unsigned code = type ? fdisk_parttype_get_code(type) : 0;
        snprintf(p->type, sizeof p->type, "0x%02x", code);
        p->winre = code == DM_WINRE_MBR;
    }
}

/* Calls fn for each entry of the partitions (free = 0) or free extents (free = 1). */
static size_t each(struct dm_ptable *t, int free_space,
                   void (*fn)(struct dm_ptable *, struct fdisk_partition *, void *, size_t),
                   void *out, size_t max)
{
    struct fdisk_table *tb = NULL;
    struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
    struct fdisk_partition *pa;
    size_t n = 0;
    int err = free_space ? fdisk_get_freespaces(t->cxt, &tb) : fdisk_get_partitions(t->cxt, &tb);
    while (!err && it && n < max && fdisk_table_next_partition(tb, it, &pa) == 0)
        fn(t, pa, out, n++);
    fdisk_free_iter(it);
    fdisk_unref_table(tb);
    return n;
}

static void put_part(struct dm_ptable *t, struct fdisk_partition *pa, void *out, size_t i)
{
    describe(t, pa, (struct dm_part *)out + i);
}

size_t dm_ptable_list(struct dm_ptable *t, struct dm_part *out, size_t max)
{
    return each(t, 0, put_part, out, max);
}

/* An MBR addresses sectors below 2^32 (2 TiB): what lies past them is not free for it. */
#define MBR_LIMIT ((UINT64_C(1) << 32) * SECTOR)

static void put_extent(struct dm_ptable *t, struct fdisk_partition *pa, void *out, size_t i)
{
    uint64_t a = (uint64_t)fdisk_partition_get_start(pa) * SECTOR;
    uint64_t b = a + (uint64_t)fdisk_partition_get_size(pa) * SECTOR;
    if (t->scheme == DM_SCHEME_MBR && b > MBR_LIMIT)
        b = MBR_LIMIT;
    a = (a + DM_LAYOUT_ALIGN - 1) / DM_LAYOUT_ALIGN * DM_LAYOUT_ALIGN;
    b = b / DM_LAYOUT_ALIGN * DM_LAYOUT_ALIGN;
    ((struct dm_extent *)out)[i] = (struct dm_extent){a, b > a ? b - a : 0};
}

static int is_extended(const char *type)
{
    return !strcmp(type, "0x05") || !strcmp(type, "0x0f") || !strcmp(type, "0x85");
}

int dm_part_is_extended(const struct dm_part *p) { return is_extended(p->type); }

/* MBR: free space inside an extended partition is for logical partitions, not for ours. */
static int in_extended(const struct dm_part *parts, size_t n, const struct dm_extent *e)
{
    for (size_t i = 0; i < n; i++) {
        if (is_extended(parts[i].type) && e->start >= parts[i].start &&
            e->start < parts[i].start + parts[i].size)
            return 1;
    }
    return 0;
}

size_t dm_ptable_free(struct dm_ptable *t, struct dm_extent *out, size_t max)
{
    struct dm_part parts[128];
    size_t np = dm_ptable_list(t, parts, 128), n = each(t, 1, put_extent, out, max), k = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i].size && !(t->scheme == DM_SCHEME_MBR && in_extended(parts, np, &out[i])))
            out[k++] = out[i];
    return k;
}

/* ---- judging ---- */

static unsigned long long sector(uint64_t byte) { return (unsigned long long)(byte / SECTOR); }

int dm_ptable_check(const char *name, enum dm_scheme scheme, const struct dm_part *p, size_t n,
                    uint64_t first, uint64_t end)
{
    int mbr = scheme == DM_SCHEME_MBR;
    for (size_t i = 0; i < n; i++) {
        const struct dm_part *a = &p[i];
        if (!a->size)
            continue;
        if (a->start < first || a->start >= end || a->size > end - a->start)
            return dm_error(DM_FAIL,
                            "%s: partition %zu (sectors %llu-%llu) lies outside the disk's "
                            "usable sectors %llu-%llu: the partition table is damaged",
                            name, a->number, sector(a->start),
                            sector(a->start) + sector(a->size) - 1, sector(first), sector(end) - 1);
        int logical = mbr && a->number > 4, inside = !logical;
        for (size_t j = 0; j < n; j++) {
            const struct dm_part *b = &p[j];
            int ext = mbr && is_extended(b->type);
            if (logical && ext && a->start >= b->start && a->size <= b->size &&
                a->start - b->start <= b->size - a->size)
                inside = 1;
            if (j >= i || !b->size || a->start >= b->start + b->size ||
                b->start >= a->start + a->size)
                continue;
            if (mbr && (is_extended(a->type) ? b->number > 4 : ext && logical))
                continue; /* a logical partition in an extended one: judged by `inside` */
            return dm_error(DM_FAIL,
                            "%s: partitions %zu (sectors %llu-%llu) and %zu (sectors "
                            "%llu-%llu) overlap: the partition table is damaged",
                            name, b->number, sector(b->start),
                            sector(b->start) + sector(b->size) - 1, a->number, sector(a->start),
                            sector(a->start) + sector(a->size) - 1);
        }
        if (!inside)
            return dm_error(DM_FAIL,
                            "%s: logical partition %zu (sectors %llu-%llu) lies outside the "
                            "extended partition: the partition table is damaged",
                            name, a->number, sector(a->start),
                            sector(a->start) + sector(a->size) - 1);
    }
    return 0;
}

/* ---- the GPT's own sectors (libfdisk takes the backup silently when the primary is damaged) ----
 */

enum { MAX_PARTS = 128, MAX_ARRAY = 64 << 20 }; /* a larger array is not CRC-checked here */

static uint32_t crc32(const unsigned char *b, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= b[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint64_t le(const unsigned char *b, int n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | b[n];
    return v;
}

struct gpt_header {
    uint64_t alt, first, last, entries;
    uint32_t n, esize, crc;
};

/* The GPT header at sector lba, its CRC right and (array) its partition entries' CRC too. */
static int gpt_header_read(int fd, uint64_t lba, int array, struct gpt_header *h)
{
    unsigned char b[SECTOR];
    if (pread(fd, b, SECTOR, (off_t)(lba * SECTOR)) != SECTOR || memcmp(b, "EFI PART", 8) != 0)
        return -1;
    uint32_t size = (uint32_t)le(b + 12, 4), crc = (uint32_t)le(b + 16, 4);
    memset(b + 16, 0, 4);
    if (size < 92 || size > SECTOR || crc32(b, size) != crc)
        return -1;
    *h = (struct gpt_header){.alt = le(b + 32, 8),
                             .first = le(b + 40, 8),
                             .last = le(b + 48, 8),
                             .entries = le(b + 72, 8),
                             .n = (uint32_t)le(b + 80, 4),
                             .esize = (uint32_t)le(b + 84, 4),
                             .crc = (uint32_t)le(b + 88, 4)};
    uint64_t bytes = (uint64_t)h->n * h->esize;
    if (!array || bytes > MAX_ARRAY)
        return 0;
    unsigned char *a = malloc(bytes ? bytes : 1);
    int ok = a && pread(fd, a, bytes, (off_t)(h->entries * SECTOR)) == (ssize_t)bytes &&
             crc32(a, bytes) == h->crc;
    free(a);
    return ok ? 0 : -1;
}

/* The primary GPT readable and standard, and the backup (when readable) the same table. */
static int check_gpt(struct dm_ptable *t, int fd)
{
    struct gpt_header p, b;
    uint64_t last = fdisk_get_nsectors(t->cxt) - 1;
    if (gpt_header_read(fd, 1, 1, &p) != 0)
        return dm_error(DM_FAIL,
                        "%s: the primary GPT (sector 1) is damaged, only its backup is "
                        "readable: the partition table is damaged",
                        t->name);
    if (p.esize < 128 || (p.esize & (p.esize - 1)))
        return dm_error(DM_FAIL,
                        "%s: GPT partition entries of %u bytes (UEFI: 128, 256, 512...): the "
                        "partition table is damaged",
                        t->name, p.esize);
    if (p.alt > 1 && p.alt <= last && gpt_header_read(fd, p.alt, 0, &b) == 0 &&
        (b.crc != p.crc || b.n != p.n || b.esize != p.esize || b.first != p.first ||
         b.last != p.last))
        return dm_error(DM_FAIL,
                        "%s: the primary GPT (sector 1) and its backup (sector %llu) hold "
                        "different tables: the partition table is damaged",
                        t->name, (unsigned long long)p.alt);
    return 0;
}

/* libfdisk reads a protective MBR whose GPT it rejected as an MBR with one 0xEE partition. */
static int protective_alone(struct dm_part *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].type, "0xee"))
            return 1;
    return 0;
}

static size_t count_parts(struct dm_ptable *t)
{
    struct fdisk_table *tb = NULL;
    size_t n = fdisk_get_partitions(t->cxt, &tb) == 0 ? fdisk_table_get_nents(tb) : 0;
    fdisk_unref_table(tb);
    return n;
}

/* The table as read: its partitions inside the disk (GPT: its usable sectors) and apart. */
static int check_table(struct dm_ptable *t, int fd)
{
    struct dm_part parts[MAX_PARTS];
    size_t n = dm_ptable_list(t, parts, MAX_PARTS), all = count_parts(t);
    uint64_t first = SECTOR, end = dm_ptable_disk_size(t);
    if (all > MAX_PARTS)
        return dm_error(DM_FAIL,
                        "%s: %zu partitions: dartmk changes tables of at most %d (as Windows "
                        "does)",
                        t->name, all, MAX_PARTS);
    if (t->scheme == DM_SCHEME_MBR && protective_alone(parts, n))
        return dm_error(DM_FAIL,
                        "%s: a protective MBR (type 0xee) without a valid GPT: the partition "
                        "table is damaged",
                        t->name);
    int rc = t->scheme == DM_SCHEME_GPT ? check_gpt(t, fd) : 0;
    if (rc)
        return rc;
    if (t->scheme == DM_SCHEME_GPT) {
        first = (uint64_t)fdisk_get_first_lba(t->cxt) * SECTOR;
        uint64_t last = ((uint64_t)fdisk_get_last_lba(t->cxt) + 1) * SECTOR;
        end = last < end ? last : end;
    }
    return dm_ptable_check(t->name, t->scheme, parts, n, first, end);
}

/* ---- changing ---- */

/* MBR: the first unused primary slot; -1 when the four are taken. */
static int free_primary(struct dm_ptable *t)
{
    for (int i = 0; i < 4; i++)
        if (!fdisk_is_partition_used(t->cxt, (size_t)i))
            return i;
    return -1;
}

/* GPT: the first unused entry; -1 when every entry is used. */
static int free_entry(struct dm_ptable *t)
{
    for (size_t i = 0; i < fdisk_get_npartitions(t->cxt); i++)
        if (!fdisk_is_partition_used(t->cxt, i))
            return (int)i;
    return -1;
}

int dm_ptable_add_recovery(struct dm_ptable *t, uint64_t start, uint64_t size, const char *gpt_name,
                           size_t *number)
{
    struct fdisk_label *lb = fdisk_get_label(t->cxt, NULL);
    int gpt = t->scheme == DM_SCHEME_GPT, slot = gpt ? free_entry(t) : free_primary(t);
    *number = 0;
    if (gpt && slot < 0)
        return dm_error(DM_FAIL,
                        "%s: all %zu entries of the GPT are used: there is no slot for a "
                        "recovery partition",
                        t->name, fdisk_get_npartitions(t->cxt));
    if (slot < 0)
        return dm_error(DM_FAIL,
                        "%s: all four primary partitions of the MBR are used: there is "
                        "no slot for a recovery partition",
                        t->name);
    struct fdisk_parttype *type = gpt ? fdisk_label_get_parttype_from_string(lb, DM_WINRE_GUID)
                                      : fdisk_label_get_parttype_from_code(lb, DM_WINRE_MBR);
    struct fdisk_partition *pa = fdisk_new_partition();
    size_t partno = 0;
    int err = !type || !pa ? -ENOMEM : 0;
    if (!err)
        err = gpt ? fdisk_partition_partno_follow_default(pa, 1)
                  : fdisk_partition_set_partno(pa, (size_t)slot);
    if (!err)
        err = fdisk_partition_set_start(pa, start / SECTOR);
    if (!err)
        err = fdisk_partition_set_size(pa, size / SECTOR);
    if (!err)
        err = fdisk_partition_set_type(pa, type);
    if (!err && gpt)
        err = fdisk_partition_set_name(pa, gpt_name);
    if (!err)
        err = fdisk_add_partition(t->cxt, pa, &partno);
    if (!err && gpt)
        err = fdisk_gpt_set_partition_attrs(t->cxt, partno, DM_WINRE_ATTRS);
    fdisk_unref_partition(pa);
    fdisk_unref_parttype(type);
    *number = partno + 1;
    return err ? fail(t->name, err, "libfdisk cannot add the recovery partition") : 0;
}

int dm_ptable_delete(struct dm_ptable *t, size_t number)
{
    int err = fdisk_delete_partition(t->cxt, number - 1);
    return err ? fail(t->name, err, "libfdisk cannot delete the old recovery partition") : 0;
}

int dm_ptable_mark_recovery(struct dm_ptable *t, size_t number, const char *gpt_name)
{
    if (t->scheme != DM_SCHEME_GPT)
        return 0;
    struct fdisk_partition *pa = fdisk_new_partition();
    int err = pa ? fdisk_partition_set_name(pa, gpt_name) : -ENOMEM;
    if (!err)
        err = fdisk_set_partition(t->cxt, number - 1, pa);
    if (!err)
        err = fdisk_gpt_set_partition_attrs(t->cxt, number - 1, DM_WINRE_ATTRS);
    fdisk_unref_partition(pa);
    return err ? fail(t->name, err, "libfdisk cannot name the recovery partition") : 0;
}

int dm_ptable_set_active(struct dm_ptable *t, size_t number)
{
    struct dm_part parts[128];
    size_t n = dm_ptable_list(t, parts, 128);
    for (size_t i = 0; i < n; i++) {
        int want = parts[i].number == number;
        if (parts[i].number > 4 || parts[i].active == want)
            continue;
        int err = fdisk_toggle_partition_flag(t->cxt, parts[i].number - 1, DOS_FLAG_ACTIVE);
        if (err)
            return fail(t->name, err, "libfdisk cannot set the active partition");
    }
    return 0;
}

int dm_ptable_write(struct dm_ptable *t)
{
    int err = fdisk_write_disklabel(t->cxt);
    return err ? fail(t->name, err, "cannot write the partition table") : 0;
}

const char *dm_ptable_uuid(struct dm_ptable *t, size_t number, char out[40])
{
    struct fdisk_partition *pa = NULL;
    out[0] = '\0';
    if (fdisk_get_partition(t->cxt, number - 1, &pa) == 0 && fdisk_partition_get_uuid(pa))
        snprintf(out, 40, "%s", fdisk_partition_get_uuid(pa));
    fdisk_unref_partition(pa);
    return out;
}
