/* layout.c — the stick layouts through libfdisk (see layout.h). */
#include "partition/layout.h"
#include "partition/ptable.h"

#include "util/copy.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* The whole file is judged before anything is written: the raw blocks may only hold the label's
 * sectors dm_layout_backup saves (the first and the last MiB of the disk, an MBR's EBRs inside
 * its extended partitions), never a byte of a partition, and the script's partitions must lie
 * inside the disk, apart (dm_ptable_check). */

struct raw_area {
    uint64_t off;
    size_t size, got;
    unsigned char *bytes;
    char area[24];
};

struct raw {
    uint64_t disk_size;
    int has_size;
    struct raw_area area[16];
    int n;
};

static void raw_free(struct raw *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->area[i].bytes);
}

/* A decimal number (digits only, no sign) at *p, then one space or the end of the line. */
static int number(const char **p, unsigned long long *out)
{
    char *end;
    if (**p < '0' || **p > '9')
        return -1;
    errno = 0;
    *out = strtoull(*p, &end, 10);
    if (errno || (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\0'))
        return -1;
    *p = *end == ' ' ? end + 1 : end;
    return 0;
}

/* One line of the saved file: the raw copies' lines are taken, the rest left to libfdisk. */
static int raw_line(struct raw *r, const char *line)
{
    static const char size_tag[] = "# dartmk-disk-size ", raw_tag[] = "# dartmk-raw ";
    unsigned long long a, b;
    unsigned char dec[RAW_LINE * 2];
    const char *p = line;
    if (strncmp(line, size_tag, sizeof size_tag - 1) == 0) {
        p += sizeof size_tag - 1;
        if (r->has_size || number(&p, &a) != 0 || strcspn(p, "\r\n") != 0)
            return -1;
        return r->disk_size = a, r->has_size = 1, 0;
    }
    if (strncmp(line, raw_tag, sizeof raw_tag - 1) == 0) {
        struct raw_area *x = &r->area[r->n];
        p += sizeof raw_tag - 1;
        if (r->n == 16 || number(&p, &a) != 0 || number(&p, &b) != 0 || b == 0 || b > (1u << 20) ||
            !(x->bytes = malloc(b)))
            return -1;
        x->off = a, x->size = b, x->got = 0, r->n++;
        snprintf(x->area, sizeof x->area, "%.*s", (int)strcspn(p, "\r\n"), p);
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
    int n = 0, ended = 1;
    while (fgets(line, sizeof line, f)) {
        n += ended, ended = strchr(line, '\n') != NULL;
        if (raw_line(r, line) != 0)
            return dm_error(DM_FAIL, "%s: line %d: a %s dartmk-raw section", file, n,
                            ended ? "damaged" : "truncated");
    }
    if (!ended) /* a file cut short: what remains of a table must not be taken for it */
        return dm_error(DM_FAIL, "%s: line %d: cut short (the file ends inside it)", file, n);
    for (int i = 0; i < r->n; i++)
        if (r->area[i].got != r->area[i].size)
            return dm_error(DM_FAIL, "%s: a truncated dartmk-raw section", file);
    if (r->has_size != (r->n > 0))
        return dm_error(DM_FAIL, "%s: a truncated dartmk-raw section (%s)", file,
                        r->n ? "no dartmk-disk-size line" : "no dartmk-raw blocks");
    return 0;
}

/* The script's partitions (those it places: with a start and a size; *total counts them all)
 * and its scheme. */
static int script_parts(FILE *f, const char *file, enum dm_scheme *scheme, struct dm_part *p,
                        size_t max, size_t *n, size_t *total)
{
    struct fdisk_context *cxt = fdisk_new_context();
    struct fdisk_script *sc = cxt ? fdisk_new_script(cxt) : NULL;
    struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
    struct fdisk_partition *pa;
    const char *label = NULL;
    int rc = 0, err = sc && it ? 0 : -ENOMEM;
    *n = 0;
    if (!err && fseek(f, 0, SEEK_SET) != 0)
        err = -errno;
    if (!err)
        err = fdisk_script_read_file(sc, f);
    if (!err)
        label = fdisk_script_get_header(sc, "label");
    if (err)
        rc = fd_error(file, err, "not an sfdisk script libfdisk can read");
    else if (!label)
        rc = dm_error(DM_FAIL, "%s: not an sfdisk script (no \"label:\" line)", file);
    else if (strcmp(label, "gpt") != 0 && strcmp(label, "dos") != 0)
        rc = dm_error(DM_FAIL, "%s: a %s partition table: dartmk puts back GPT and MBR tables only",
                      file, label);
    *scheme = label && strcmp(label, "gpt") == 0 ? DM_SCHEME_GPT : DM_SCHEME_MBR;
    struct fdisk_table *tb = rc ? NULL : fdisk_script_get_table(sc);
    for (size_t i = 0; tb && *n < max && fdisk_table_next_partition(tb, it, &pa) == 0; i++) {
        struct fdisk_parttype *type = fdisk_partition_get_type(pa);
        if (!fdisk_partition_has_start(pa) || !fdisk_partition_has_size(pa))
            continue; /* placed by libfdisk in free space */
        struct dm_part *x = &p[(*n)++];
        *x = (struct dm_part){
            .number = fdisk_partition_has_partno(pa) ? fdisk_partition_get_partno(pa) + 1 : i + 1,
            .start = (uint64_t)fdisk_partition_get_start(pa) * SECTOR,
            .size = (uint64_t)fdisk_partition_get_size(pa) * SECTOR};
        if (x->size == 0) { /* libfdisk would write it one sector long, unjudged */
            rc = dm_error(DM_FAIL, "%s: partition %zu has a size of 0 sectors: not a table", file,
                          x->number);
            break;
        }
        if (*scheme == DM_SCHEME_MBR)
            snprintf(x->type, sizeof x->type, "0x%02x", type ? fdisk_parttype_get_code(type) : 0);
    }
    *total = tb ? fdisk_table_get_nents(tb) : 0;
    fdisk_free_iter(it);
    fdisk_unref_script(sc);
    fdisk_unref_context(cxt);
    return rc;
}

/* The raw blocks: the disk's size, whole sectors inside the label's areas, outside every
 * partition and each other, and the areas a table needs all there. */
static int raw_judge(const char *file, const char *name, uint64_t disk, const struct raw *r,
                     enum dm_scheme scheme, const struct dm_part *p, size_t n)
{
    if (r->disk_size != disk)
        return dm_error(DM_FAIL, "%s: saved from a disk of %llu bytes; %s has %llu: not its table",
                        file, (unsigned long long)r->disk_size, name, (unsigned long long)disk);
    uint64_t tail = disk > DM_LAYOUT_ALIGN ? disk - DM_LAYOUT_ALIGN : 0;
    int mbr = scheme == DM_SCHEME_MBR, head = 0, header = 0, last = 0;
    size_t logicals = 0;
    for (size_t j = 0; j < n; j++)
        logicals += mbr && p[j].number > 4;
    for (int i = 0; i < r->n; i++) {
        const struct raw_area *x = &r->area[i];
        char what[96];
        snprintf(what, sizeof what, "dartmk-raw block %d (%s, %zu bytes at %llu)", i + 1, x->area,
                 x->size, (unsigned long long)x->off);
        if (x->off % SECTOR || x->size % SECTOR)
            return dm_error(DM_FAIL, "%s: %s is not whole sectors", file, what);
        if (x->off > disk || x->size > disk - x->off)
            return dm_error(DM_FAIL, "%s: %s lies past the end of %s (%llu bytes)", file, what,
                            name, (unsigned long long)disk);
        uint64_t end = x->off + x->size;
        int label = end <= DM_LAYOUT_ALIGN || x->off >= tail;
        for (size_t j = 0; j < n; j++) {
            uint64_t a = p[j].start, b = p[j].start + p[j].size;
            if (mbr && dm_part_is_extended(&p[j]))
                label |= x->off >= a && end <= b; /* an EBR */
            else if (x->off < b && a < end)
                return dm_error(DM_FAIL, "%s: %s lies inside partition %zu", file, what,
                                p[j].number);
        }
        if (!label)
            return dm_error(DM_FAIL,
                            "%s: %s lies outside the partition table's sectors (the first and last "
                            "MiB of the disk%s)",
                            file, what, mbr ? ", the extended partition" : "");
        for (int k = 0; k < i; k++)
            if (x->off < r->area[k].off + r->area[k].size && r->area[k].off < end)
                return dm_error(DM_FAIL, "%s: %s overlaps block %d", file, what, k + 1);
        head |= x->off == 0, header |= x->off == SECTOR, last |= end == disk;
    }
    if (mbr ? !head || (size_t)r->n != 1 + logicals : !head || !header || !last)
        return dm_error(DM_FAIL,
                        "%s: its dartmk-raw blocks do not hold the whole table (%s): the file "
                        "was cut short or edited",
                        file,
                        mbr ? "the MBR and an EBR for each logical partition"
                            : "the protective MBR, the GPT header and the backup GPT header");
    return 0;
}

/* ---- a GPT copy's checksums, judged before libfdisk reads it ---- */

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

static uint32_t crc32_gpt(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c >> 1 ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* The saved bytes [off, off + len) when one raw block holds them all, or NULL. */
static const unsigned char *raw_at(const struct raw *r, uint64_t off, uint64_t len)
{
    for (int i = 0; i < r->n; i++) {
        const struct raw_area *x = &r->area[i];
        if (off >= x->off && len <= x->size && off - x->off <= x->size - len)
            return x->bytes + (off - x->off);
    }
    return NULL;
}

/* Is the GPT header saved at `at`, and the entries it names, whole and true to their CRC32s?
 * (libfdisk would fall back to the other copy, or read a copy that fails uninitialised.) */
static int gpt_copy_sound(const struct raw *r, uint64_t at)
{
    unsigned char h[SECTOR];
    const unsigned char *p = raw_at(r, at, SECTOR), *e;
    if (!p || memcmp(p, "EFI PART", 8) != 0)
        return 0;
    memcpy(h, p, SECTOR);
    uint64_t size = le(h + 12, 4), crc = le(h + 16, 4), lba = le(h + 72, 8);
    uint64_t bytes = le(h + 80, 4) * le(h + 84, 4);
    memset(h + 16, 0, 4);
    if (size < 92 || size > SECTOR || crc32_gpt(h, size) != crc || bytes > (1u << 20) ||
        lba > UINT64_MAX / SECTOR)
        return 0;
    return (e = raw_at(r, lba * SECTOR, bytes)) != NULL && crc32_gpt(e, bytes) == le(h + 88, 4);
}

/* Which raw blocks raw_matches lays down: all of them (MBR), or one GPT copy with the
 * protective MBR — libfdisk takes the backup GPT when the primary's checksums fail (and the
 * primary when the backup's do), so each copy is judged alone: an edited one would otherwise be
 * put back byte for byte behind a sound one. */
enum raw_half { RAW_ALL, RAW_PRIMARY, RAW_BACKUP };

static int raw_in_half(const struct raw_area *x, uint64_t disk, enum raw_half half)
{
    if (half == RAW_ALL || x->off == 0)
        return 1;
    int head = x->off + x->size <= DM_LAYOUT_ALIGN;
    return half == RAW_PRIMARY ? head : !head && x->off + DM_LAYOUT_ALIGN >= disk;
}

/* The raw blocks laid on an empty disk of the same size (a sparse memfd) and read by libfdisk:
 * the table they hold must be the script's, partition for partition. */
static int raw_matches(const char *file, uint64_t disk, const struct raw *r, enum dm_scheme scheme,
                       const struct dm_part *p, size_t n, enum raw_half half)
{
    int fd = memfd_create("dartmk-restore", MFD_CLOEXEC), rc = 0, err = 0;
    if (fd < 0 || ftruncate(fd, (off_t)disk) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot judge its saved sectors", file);
    for (int i = 0; rc == 0 && i < r->n; i++)
        if (raw_in_half(&r->area[i], disk, half))
            rc = dm_pwrite_all(fd, r->area[i].bytes, r->area[i].size, r->area[i].off, file);
    struct fdisk_context *cxt = rc ? NULL : fdisk_new_context();
    struct fdisk_table *tb = NULL;
    struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
    struct fdisk_partition *pa;
    size_t same = 0, seen = 0;
    if (rc == 0 && (!cxt || !it))
        rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0) {
        fdisk_disable_dialogs(cxt, 1);
        err = fdisk_assign_device_by_fd(cxt, fd, file, 1);
    }
    if (rc == 0 && !err && fdisk_is_label(cxt, GPT) == (scheme == DM_SCHEME_GPT) &&
        (fdisk_is_label(cxt, GPT) || fdisk_is_label(cxt, DOS)))
        err = fdisk_get_partitions(cxt, &tb);
    else
        err = -EINVAL;
    while (rc == 0 && !err && fdisk_table_next_partition(tb, it, &pa) == 0) {
        uint64_t start = (uint64_t)fdisk_partition_get_start(pa) * SECTOR;
        uint64_t size = (uint64_t)fdisk_partition_get_size(pa) * SECTOR;
        seen++;
        for (size_t j = 0; j < n; j++)
            same += p[j].number == fdisk_partition_get_partno(pa) + 1 && p[j].start == start &&
                    p[j].size == size;
    }
    if (rc == 0 && (err || seen != n || same != n))
        rc = dm_error(DM_FAIL,
                      "%s: its dartmk-raw sectors%s hold another partition table than its sfdisk "
                      "script: the file was edited",
                      file,
                      half == RAW_ALL       ? ""
                      : half == RAW_PRIMARY ? " (the primary GPT)"
                                            : " (the backup GPT)");
    fdisk_free_iter(it);
    fdisk_unref_table(tb);
    if (cxt && fdisk_get_devfd(cxt) >= 0)
        fdisk_deassign_device(cxt, 1);
    fdisk_unref_context(cxt);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The whole file judged (raw blocks read into r), nothing written. */
static int judge(FILE *f, const char *file, const char *name, uint64_t disk, struct raw *r)
{
    struct dm_part parts[128];
    enum dm_scheme scheme = DM_SCHEME_MBR;
    size_t n = 0, total = 0;
    int rc = raw_read(f, file, r);
    if (rc == 0)
        rc = script_parts(f, file, &scheme, parts, 128, &n, &total);
    if (rc == 0 && total > 128) /* past what is judged here: none may go unjudged */
        rc = dm_error(DM_FAIL,
                      "%s: its sfdisk script holds %zu partitions; dartmk puts back at "
                      "most 128",
                      file, total);
    if (rc == 0 && !r->n && !total) /* a dartmk file cut short in its script looks like this */
        rc =
            dm_error(DM_FAIL, "%s: its sfdisk script has no partitions: nothing to put back", file);
    uint64_t first = scheme == DM_SCHEME_GPT ? 34 * SECTOR : SECTOR;
    uint64_t end = scheme == DM_SCHEME_GPT && disk > GPT_BACKUP ? disk - GPT_BACKUP : disk;
    if (rc == 0)
        rc = dm_ptable_check(file, scheme, parts, n, first, end);
    if (rc == 0 && r->n)
        rc = raw_judge(file, name, disk, r, scheme, parts, n);
    int gpt = scheme == DM_SCHEME_GPT;
    if (rc == 0 && r->n && gpt && (!gpt_copy_sound(r, SECTOR) || !gpt_copy_sound(r, disk - SECTOR)))
        rc = dm_error(DM_FAIL,
                      "%s: its saved %s GPT header or entries do not match their checksums: the "
                      "file was edited or damaged",
                      file, gpt_copy_sound(r, SECTOR) ? "backup" : "primary");
    if (rc == 0 && r->n)
        rc = raw_matches(file, disk, r, scheme, parts, n, gpt ? RAW_PRIMARY : RAW_ALL);
    if (rc == 0 && r->n && gpt)
        rc = raw_matches(file, disk, r, scheme, parts, n, RAW_BACKUP);
    return rc;
}

int dm_layout_restore_check(const char *file, const char *name, uint64_t disk_size)
{
    struct raw r = {0};
    FILE *f = fopen(file, "r");
    if (!f)
        return dm_error_errno(DM_FAIL, errno, "%s", file);
    int rc = judge(f, file, name, disk_size, &r);
    raw_free(&r);
    fclose(f);
    return rc;
}

/* The saved sectors written back as they were. */
static int raw_restore(int fd, const char *name, const struct raw *r)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < r->n; i++)
        rc = dm_pwrite_all(fd, r->area[i].bytes, r->area[i].size, r->area[i].off, name);
    return rc;
}

/* The script through libfdisk (a table sfdisk wrote). */
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
    *exact = 0;
    if (!f)
        return dm_error_errno(DM_FAIL, errno, "%s", file);
    int rc = judge(f, file, name, disk_size, &r);
    *exact = rc == 0 && r.n > 0;
    if (rc == 0 && *exact)
        rc = raw_restore(fd, name, &r);
    else if (rc == 0 && fseek(f, 0, SEEK_SET) == 0)
        rc = script_restore(fd, name, f, file);
    raw_free(&r);
    fclose(f);
    return rc;
}

int dm_layout_saved_sector0(const char *file, uint8_t out[512], uint64_t *disk_size)
{
    struct raw r = {0};
    FILE *f = fopen(file, "r");
    int rc = f ? raw_read(f, file, &r) : dm_error_errno(DM_FAIL, errno, "%s", file), found = 0;
    for (int i = 0; rc == 0 && i < r.n && !found; i++)
        if (r.area[i].off == 0 && r.area[i].size >= 512)
            memcpy(out, r.area[i].bytes, 512), found = 1;
    *disk_size = r.disk_size;
    if (f)
        fclose(f);
    raw_free(&r);
    return rc ? rc : found ? 0 : 1;
}
