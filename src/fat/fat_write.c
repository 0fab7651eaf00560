/* fat_write.c — writing a planned volume front to back: reserved sectors, both FATs, the
 * FAT12/16 root region, then every cluster in allocation order (directories built in memory,
 * file data streamed from the source). One pass, large writes, each file read once. */
#include "fat/fat_internal.h"

#include "util/progress.h"
#include "util/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 128 KiB, a multiple of every cluster size: the buffer stays in the CPU cache between the read
 * from the source and the copy into the page cache. 1 MiB made every other run several times
 * slower (BENCHMARKS.md). */
#define BUF_SIZE (128u << 10)

/* A sequential writer with one aligned buffer. */
struct out {
    int fd;
    uint64_t base, pos; /* region start; bytes written so far (flushed or buffered) */
    uint64_t limit;     /* the volume's size: nothing is ever written past it */
    uint8_t *buf;
    size_t len;
    int failed;
    const char *name;
    struct dm_progress progress;
    const char *task; /* what the progress is called; NULL: no progress */
    uint64_t file_bytes;
};

static int out_flush(struct out *o)
{
    size_t done = 0;
    while (!o->failed && done < o->len) {
        ssize_t w =
            pwrite(o->fd, o->buf + done, o->len - done, (off_t)(o->base + o->pos - o->len + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            o->failed = 1;
            return dm_error_errno(DM_FAIL, w < 0 ? errno : ENOSPC, "%s: cannot write at byte %llu",
                                  o->name, (unsigned long long)(o->base + o->pos - o->len + done));
        }
        done += (size_t)w;
    }
    o->len = 0;
    return o->failed ? DM_FAIL : 0;
}

/* Room for at least one byte; returns a pointer to the free part of the buffer. */
static uint8_t *out_room(struct out *o, size_t *room)
{
    if (o->len == BUF_SIZE)
        out_flush(o);
    *room = BUF_SIZE - o->len;
    return o->buf + o->len;
}

/* Checks that n more bytes stay inside the volume (a planning bug must never write past it). */
static int out_fits(struct out *o, uint64_t n)
{
    if (o->failed)
        return 0;
    if (o->pos + n <= o->limit)
        return 1;
    o->failed = 1;
    dm_error(DM_FAIL, "internal error: the FAT writer would write past the end of its volume");
    return 0;
}

static void out_commit(struct out *o, size_t n)
{
    if (!out_fits(o, n))
        return;
    o->len += n;
    o->pos += n;
}

static void out_bytes(struct out *o, const void *p, size_t n)
{
    while (n && !o->failed) {
        size_t room;
        uint8_t *dst = out_room(o, &room);
        size_t k = n < room ? n : room;
        memcpy(dst, p, k);
        out_commit(o, k);
        p = (const uint8_t *)p + k, n -= k;
    }
}

static void out_zeros(struct out *o, uint64_t n)
{
    while (n && !o->failed) {
        size_t room;
        uint8_t *dst = out_room(o, &room);
        size_t k = n < room ? (size_t)n : room;
        memset(dst, 0, k);
        out_commit(o, k);
        n -= k;
    }
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v), put16(p + 2, v >> 16); }

/* ---- reserved sectors ---- */

/* The boot sector; with opts.incomplete, marked (fat.h), unreadable unless `readable`. */
static void boot_sector(const struct dm_fat_plan *p, int readable, uint8_t s[SECTOR])
{
    const struct fat_geom *g = &p->geom;
    int fat32 = g->type == DM_FAT32;
    memset(s, 0, SECTOR);
    memcpy(s, fat32 ? "\xEB\x58\x90" : "\xEB\x3C\x90", 3);
    memcpy(s + 3, "MSWIN4.1", 8); /* the OEM name that every FAT driver accepts */
    put16(s + 11, SECTOR);
    s[13] = (uint8_t)g->spc;
    put16(s + 14, g->reserved);
    s[16] = 2;
    put16(s + 17, g->root_entries);
    put16(s + 19, !fat32 && g->total < 65536 ? g->total : 0);
    s[21] = 0xF8;
    put16(s + 22, fat32 ? 0 : g->fat_sectors);
    put16(s + 24, 63);
    put16(s + 26, 255);
    put32(s + 28, p->opts.hidden_sectors);
    put32(s + 32, !fat32 && g->total < 65536 ? 0 : g->total);
    uint8_t *ext = s + (fat32 ? 64 : 36);
    if (fat32) {
        put32(s + 36, g->fat_sectors);
        put32(s + 44, p->nodes[0].first_cluster); /* root directory cluster */
        put16(s + 48, 1);                         /* FSInfo sector */
        put16(s + 50, 6);                         /* backup boot sector */
    }
    ext[0] = 0x80;
    ext[2] = 0x29;
    put32(ext + 3, p->serial);
    memcpy(ext + 7, p->has_label ? p->label : "NO NAME    ", 11);
    memcpy(ext + 18, fat32 ? "FAT32   " : g->type == DM_FAT16 ? "FAT16   " : "FAT12   ", 8);
    /* Boot code area (syslinux replaces it): "int 18h" hands over to the next boot device. */
    memcpy(ext + 26, "\xCD\x18\xF4\xEB\xFD", 5);
    s[510] = 0x55, s[511] = 0xAA;
    if (!p->opts.incomplete)
        return;
    memcpy(s + 3, DM_FAT_MARK, 8);
    snprintf((char *)s + DM_FAT_MARK_NOTE, 510 - DM_FAT_MARK_NOTE, "%s", p->opts.incomplete);
    if (!readable)
        put16(s + 11, 0), s[16] = 0; /* no bytes per sector, no FAT: nobody mounts it */
}

void dm_fat_plan_boot_sector(const struct dm_fat_plan *p, int readable, uint8_t s[512])
{
    boot_sector(p, readable, s);
}

static void fsinfo_sector(const struct dm_fat_plan *p, uint8_t s[SECTOR])
{
    memset(s, 0, SECTOR);
    put32(s, 0x41615252);
    put32(s + 484, 0x61417272);
    put32(s + 488, p->geom.clusters - p->used_clusters);
    uint32_t next = p->first + p->used_clusters; /* the first cluster after the tree's run */
    put32(s + 492, next < p->geom.clusters + 2 ? next : p->first > 2 ? 2 : 0xFFFFFFFF);
    put32(s + 508, 0xAA550000);
}

static void write_reserved(const struct dm_fat_plan *p, struct out *o)
{
    uint8_t boot[SECTOR], info[SECTOR];
    boot_sector(p, 0, boot);
    out_bytes(o, boot, SECTOR);
    if (p->geom.type != DM_FAT32) {
        out_zeros(o, (uint64_t)(p->geom.reserved - 1) * SECTOR);
        return;
    }
    fsinfo_sector(p, info);
    out_bytes(o, info, SECTOR);
    out_zeros(o, 4 * SECTOR); /* sectors 2-5 */
    out_bytes(o, boot, SECTOR);
    out_bytes(o, info, SECTOR);
    out_zeros(o, (uint64_t)(p->geom.reserved - 8) * SECTOR);
}

/* ---- the FATs ---- */

struct fat_emit {
    struct out *o;
    enum dm_fat_type type;
    uint64_t bytes;
    uint32_t count;
    uint8_t half; /* FAT12: the pending low nibble */
};

static void emit(struct fat_emit *e, uint32_t v)
{
    uint8_t b[4];
    size_t n = e->type == DM_FAT16 ? 2 : 4;
    if (e->type == DM_FAT12) {
        if (e->count++ % 2 == 0) {
            b[0] = (uint8_t)v;
            e->half = (uint8_t)((v >> 8) & 0x0F);
            n = 1;
        } else {
            b[0] = (uint8_t)(e->half | (v & 0x0F) << 4);
            b[1] = (uint8_t)(v >> 4);
            n = 2;
        }
    } else {
        put32(b, v);
    }
    out_bytes(e->o, b, n);
    e->bytes += n;
}

/* One FAT: the tree's chains, and where it has none, keep's entries (or free). */
static void write_fat(const struct dm_fat_plan *p, struct out *o, const uint32_t *keep)
{
    enum dm_fat_type t = p->geom.type;
    uint32_t eoc = t == DM_FAT12 ? 0xFFF : t == DM_FAT16 ? 0xFFFF : 0x0FFFFFFF;
    uint32_t end = p->first + p->used_clusters, last = keep ? p->geom.clusters + 2 : end;
    struct fat_emit e = {.o = o, .type = t};
    emit(&e, eoc & ~7u); /* entry 0: the media byte 0xF8 */
    emit(&e, eoc);       /* entry 1: end of chain, clean volume */
    for (uint32_t c = 2; c < p->first; c++)
        emit(&e, keep ? keep[c] : 0);
    for (uint32_t n = 0; n < p->count; n++) {
        const struct fat_node *k = &p->nodes[p->order[n]];
        for (uint32_t c = 0; c < k->nclusters; c++)
            emit(&e, c + 1 < k->nclusters ? k->first_cluster + c + 1 : eoc);
    }
    for (uint32_t c = end; c < last; c++)
        emit(&e, keep[c]);
    if (t == DM_FAT12 && e.count % 2) { /* the last entry's high nibble; the next one is free */
        out_bytes(o, &e.half, 1);
        e.bytes++;
    }
    out_zeros(o, (uint64_t)p->geom.fat_sectors * SECTOR - e.bytes);
}

/* ---- directories ---- */

static void fat_time(int64_t t, uint16_t *date, uint16_t *time_)
{
    const int64_t min = 315532800, max = 4354819198; /* 1980-01-01, 2107-12-31 23:59:58 */
    time_t tt = (time_t)(t < min ? min : t > max ? max : t);
    struct tm tm;
    gmtime_r(&tt, &tm);
    *date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    *time_ = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

static void short_entry(uint8_t *d, const uint8_t name[11], uint8_t attr, uint8_t nt,
                        uint32_t cluster, uint32_t size, int64_t mtime)
{
    uint16_t date, tm;
    fat_time(mtime, &date, &tm);
    memcpy(d, name, 11);
    d[11] = attr;
    d[12] = nt;
    put16(d + 14, tm);
    put16(d + 16, date);
    put16(d + 18, date);
    put16(d + 20, cluster >> 16);
    put16(d + 22, tm);
    put16(d + 24, date);
    put16(d + 26, cluster);
    put32(d + 28, size);
}

static void lfn_entries(uint8_t *d, const struct fat_node *k)
{
    static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    uint8_t sum = dm_fat_lfn_checksum(k->short_name);
    for (int n = k->lfn_entries; n >= 1; n--, d += 32) {
        d[0] = (uint8_t)(n | (n == k->lfn_entries ? 0x40 : 0));
        d[11] = 0x0F;
        d[13] = sum;
        for (int j = 0; j < 13; j++) {
            int i = (n - 1) * 13 + j;
            put16(d + at[j], i < k->name_len ? k->name[i] : i == k->name_len ? 0 : 0xFFFF);
        }
    }
}

static int64_t mtime_of(const struct dm_fat_plan *p, const struct fat_node *k)
{
    return k->entry && k->entry->mtime ? k->entry->mtime : p->now;
}

/* Fills the directory's entries into d (zeroed, dir_entries * 32 bytes). */
static void build_dir(const struct dm_fat_plan *p, uint32_t i, uint8_t *d)
{
    const struct fat_node *dir = &p->nodes[i];
    if (i == 0 && p->has_label) {
        short_entry(d, (const uint8_t *)p->label, 0x08, 0, 0, 0, p->now);
        d += 32;
    } else if (i != 0) {
        uint32_t up = dir->parent ? p->nodes[dir->parent].first_cluster : 0;
        short_entry(d, (const uint8_t *)".          ", 0x10, 0, dir->first_cluster, 0,
                    mtime_of(p, dir));
        short_entry(d + 32, (const uint8_t *)"..         ", 0x10, 0, up, 0, mtime_of(p, dir));
        d += 64;
    }
    for (uint32_t c = dir->first_child; c; c = p->nodes[c].next_sibling) {
        const struct fat_node *k = &p->nodes[c];
        lfn_entries(d, k);
        d += 32 * k->lfn_entries;
        short_entry(d, k->short_name, k->is_dir ? 0x10 : 0x20, k->nt_case, k->first_cluster,
                    k->is_dir ? 0 : (uint32_t)k->entry->size, mtime_of(p, k));
        d += 32;
    }
}

static int write_dir(const struct dm_fat_plan *p, uint32_t i, struct out *o, uint64_t room)
{
    uint8_t *d = calloc(1, room);
    if (!d)
        return dm_error(DM_FAIL, "out of memory");
    build_dir(p, i, d);
    out_bytes(o, d, room);
    free(d);
    return 0;
}

/* ---- file data ---- */

static int write_file(const struct dm_fat_plan *p, const struct fat_node *k, struct out *o,
                      uint64_t room)
{
    struct dm_stream *s = NULL;
    int rc = dm_tree_open(p->tree, k->entry, &s);
    uint64_t got = 0;
    while (rc == 0 && !o->failed) {
        size_t space;
        uint8_t *dst = out_room(o, &space);
        ssize_t r = dm_stream_read(s, dst, space);
        if (r < 0)
            rc = DM_FAIL;
        if (r <= 0 || got + (uint64_t)r > k->entry->size)
            break;
        out_commit(o, (size_t)r);
        got += (uint64_t)r;
        o->file_bytes += (uint64_t)r;
        dm_progress_update(&o->progress, o->file_bytes);
    }
    if (rc == 0 && !o->failed && got != k->entry->size)
        rc = dm_error(DM_FAIL, "%s: the source changed while it was read (expected %llu bytes)",
                      k->entry->path, (unsigned long long)k->entry->size);
    int crc = s ? dm_stream_close(s) : 0;
    out_zeros(o, room - got);
    return rc ? rc : crc;
}

static int out_begin(struct out *o, const struct dm_fat_plan *p, int fd, uint64_t base,
                     uint64_t limit, const char *task)
{
    *o = (struct out){.fd = fd,
                      .base = base,
                      .limit = limit,
                      .name = p->opts.name ? p->opts.name : "the FAT volume"};
    if (posix_memalign((void **)&o->buf, 4096, BUF_SIZE) != 0)
        return dm_error(DM_FAIL, "out of memory");
    if (task)
        dm_progress_begin(&o->progress, task, p->data_bytes);
    o->task = task;
    return 0;
}

static int out_end(struct out *o, int rc)
{
    if (rc == 0)
        rc = out_flush(o);
    if (o->task)
        dm_progress_end(&o->progress);
    free(o->buf);
    return rc ? rc : (o->failed ? DM_FAIL : 0);
}

/* Every cluster of the tree, in allocation order, from the start of its run. */
static int write_clusters(const struct dm_fat_plan *p, struct out *o)
{
    uint32_t cbytes = geom_cluster_bytes(&p->geom);
    int rc = 0;
    for (uint32_t n = 0; rc == 0 && !o->failed && n < p->count; n++) {
        uint32_t i = p->order[n];
        const struct fat_node *k = &p->nodes[i];
        uint64_t room = (uint64_t)k->nclusters * cbytes;
        if (k->nclusters == 0)
            continue;
        rc = k->is_dir ? write_dir(p, i, o, room) : write_file(p, k, o, room);
    }
    return rc;
}

int dm_fat_plan_write(struct dm_fat_plan *p, int fd, uint64_t offset)
{
    struct out o;
    int rc =
        out_begin(&o, p, fd, offset, (uint64_t)p->geom.total * SECTOR, "writing the FAT volume");
    if (rc)
        return rc;
    write_reserved(p, &o);
    write_fat(p, &o, NULL);
    write_fat(p, &o, NULL);
    if (p->geom.type != DM_FAT32)
        rc = write_dir(p, 0, &o, (uint64_t)geom_root_sectors(&p->geom) * SECTOR);
    /* Nothing between the FATs (or the FAT12/16 root) and the run: a plan placed elsewhere is
     * for dm_fat_plan_write_data. */
    if (rc == 0 && p->first != 2)
        rc = dm_error(DM_FAIL, "internal error: a moved plan written whole");
    if (rc == 0)
        rc = write_clusters(p, &o);
    return out_end(&o, rc);
}

int dm_fat_plan_write_data(struct dm_fat_plan *p, int fd, uint64_t offset)
{
    struct out o;
    uint64_t data = (uint64_t)geom_data_start(&p->geom) * SECTOR;
    uint64_t at = data + (uint64_t)(p->first - 2) * geom_cluster_bytes(&p->geom);
    int rc = out_begin(&o, p, fd, offset + at, (uint64_t)p->geom.total * SECTOR - at,
                       "writing the FAT volume");
    if (rc)
        return rc;
    if (p->geom.type != DM_FAT32)
        rc = dm_error(DM_FAIL, "internal error: only FAT32 volumes are updated in place");
    if (rc == 0)
        rc = write_clusters(p, &o);
    return out_end(&o, rc);
}

int dm_fat_plan_write_fats(struct dm_fat_plan *p, int fd, uint64_t offset, const uint32_t *keep)
{
    struct out o;
    uint64_t fat = (uint64_t)p->geom.reserved * SECTOR;
    int rc = out_begin(&o, p, fd, offset + fat, 2ull * p->geom.fat_sectors * SECTOR, NULL);
    if (rc)
        return rc;
    write_fat(p, &o, keep);
    write_fat(p, &o, keep);
    rc = out_end(&o, 0);
    uint8_t info[SECTOR];
    fsinfo_sector(p, info);
    if (rc == 0 && !keep && p->geom.type == DM_FAT32)
        for (int at = 1; rc == 0 && at <= 7; at += 6)
            if (pwrite(fd, info, SECTOR, (off_t)(offset + (uint64_t)at * SECTOR)) != SECTOR)
                rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write at byte %llu",
                                    p->opts.name ? p->opts.name : "the FAT volume",
                                    (unsigned long long)(offset + (uint64_t)at * SECTOR));
    return rc;
}
