/* fuzz_fatread.c — libFuzzer target for the FAT reader on hostile volumes (src/fat/fat_read.c,
 * fat_tree.c, fat_disk.c): the input is a volume image, or a disk image with a partition table,
 * as `dartmk inspect`, `verify` and `partition` meet them.
 *
 *   1. dm_fatread_open on the whole input (a volume at byte 0): when it opens, every file is read
 *      through its stream to the end (the chains followed) and must give exactly its size, and
 *      the offsets of its first and last bytes must lie inside the image; the FAT read with
 *      dm_fatread_fat must agree with the geometry;
 *   2. dm_fatread_disk_open on the input (libblkid finds partitions or a superfloppy), its
 *      files read the same way, and dm_fatread_recognise.
 * Seeds stay small: the image is the input followed by zeros (a sparse memfd) up to the size its
 * own structures claim, up to 256 MiB — the volume's at byte 0 (its boot sector's total
 * sectors), the end of the furthest MBR partition, the GPT's last usable sector — so that a
 * FAT32 volume (65525 clusters at least) is a few kilobytes of input.
 * Every failure must have said its one line (fuzz.h). */
#include "fat/fat_read.h"
#include "util/tree.h"

#include "fuzz.h"

static void read_all(struct dm_tree *t, uint64_t image)
{
    for (size_t i = 0; i < t->count; i++) {
        const struct dm_entry *e = &t->entries[i];
        CHECK(fuzz_path_ok(e->path));
        CHECK(dm_tree_find(t, e->path) != NULL);
        if (e->kind != DM_ENTRY_FILE)
            continue;
        fuzz_read_file(t, e);
        uint64_t at;
        if (e->size && dm_fatread_file_offset(t, e, 0, &at) == 0)
            CHECK(at < image);
        if (e->size && dm_fatread_file_offset(t, e, e->size - 1, &at) == 0)
            CHECK(at < image);
    }
}

static void fuzz_volume(const char *path, uint64_t size)
{
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    struct dm_tree *t = NULL;
    int rc = dm_fatread_open(path, 0, 0, &t);
    CHECK_SAID(rc, said);
    if (rc == 0) {
        read_all(t, size);
        dm_tree_free(t);
    }

    struct dm_fatread_geom g;
    uint32_t *fat = NULL;
    fuzz_listen(&ev, &said);
    rc = dm_fatread_fat(path, 0, 0, &g, &fat);
    CHECK_SAID(rc, said);
    if (rc == 0) {
        CHECK(g.type == 12 || g.type == 16 || g.type == 32);
        CHECK(g.volume_bytes <= size);
        CHECK(g.data_offset + (uint64_t)g.clusters * g.cluster_size <= g.volume_bytes);
        free(fat);
    }
    dm_events_bind(NULL);
}

static void fuzz_disk(const char *path, uint64_t size)
{
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    (void)dm_fatread_recognise(path);
    struct dm_tree *t = NULL;
    int rc = dm_fatread_disk_open(path, 0, &t);
    CHECK_SAID(rc, said);
    if (rc == 0) {
        read_all(t, size);
        dm_tree_free(t);
    }
    dm_events_bind(NULL);
}

enum { PAD_MAX = 256 << 20 };

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t x = 0;
    while (n--)
        x = x << 8 | p[n];
    return x;
}

/* The largest of the sizes claimed that is at most PAD_MAX (sectors counted, so no overflow). */
static void take(uint64_t *end, uint64_t sectors)
{
    if (sectors <= PAD_MAX / 512 && sectors * 512 > *end)
        *end = sectors * 512;
}

static uint64_t claimed(const uint8_t *d, size_t size)
{
    uint64_t end = 0;
    struct dm_fatread_geom g;
    char why[DM_FATREAD_WHY];
    if (size < 512)
        return 0;
    if (dm_fatread_geometry(d, &g, why) == 0 && g.volume_bytes <= PAD_MAX)
        end = g.volume_bytes;
    for (int i = 0; i < 4; i++) /* MBR partitions: start + sectors */
        take(&end, le(d + 446 + 16 * i + 8, 4) + le(d + 446 + 16 * i + 12, 4));
    if (size >= 1024 && memcmp(d + 512, "EFI PART", 8) == 0 && le(d + 560, 8) < PAD_MAX)
        take(&end, le(d + 560, 8) + 34); /* the last usable sector, the backup entries, header */
    return end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4u << 20)
        return 0;
    const char *path = fuzz_file(data, size);
    uint64_t end = claimed(data, size);
    if (end > size) {
        CHECK(ftruncate(fuzz_fd(0), (off_t)end) == 0);
        size = end;
    }
    fuzz_volume(path, size);
    fuzz_disk(path, size);
    return 0;
}
