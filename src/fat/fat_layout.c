/* fat_layout.c — volume geometry: cluster size, reserved sectors, FAT size, cluster count. */
#include "fat/fat_internal.h"

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

/* Windows `format` defaults: the largest volume (bytes) each cluster size is used up to. */
static const struct {
    uint64_t up_to;
    uint32_t cluster;
} fat16_table[] = {{32 * MIB, 512},   {64 * MIB, 1024}, {128 * MIB, 2048}, {256 * MIB, 4096},
                   {512 * MIB, 8192}, {1 * GIB, 16384}, {2 * GIB, 32768},  {~0ull, 65536}},
  fat32_table[] = {{64 * MIB, 512},  {128 * MIB, 1024}, {256 * MIB, 2048}, {8 * GIB, 4096},
                   {16 * GIB, 8192}, {32 * GIB, 16384}, {~0ull, 32768}};

uint32_t fat_default_cluster(enum dm_fat_type type, uint64_t size)
{
    if (type == DM_FAT12) { /* the smallest that keeps FAT12 legal */
        uint32_t c = 512;
        while (c < 65536 && size / c > FAT16_MIN_CLUSTERS - 1)
            c *= 2;
        return c;
    }
    size_t i = 0;
    if (type == DM_FAT16) {
        while (size > fat16_table[i].up_to)
            i++;
        return fat16_table[i].cluster;
    }
    while (size > fat32_table[i].up_to)
        i++;
    return fat32_table[i].cluster;
}

static uint32_t fat_bytes(enum dm_fat_type type, uint64_t entries)
{
    uint64_t b = type == DM_FAT12 ? (entries * 3 + 1) / 2 : entries * (type == DM_FAT16 ? 2 : 4);
    return (uint32_t)((b + SECTOR - 1) / SECTOR);
}

/* Finds the FAT size and reserved sectors that fit together, with the data area aligned to
 * the cluster size (counted from the volume start). */
static void settle(struct fat_geom *g)
{
    uint32_t base_reserved = g->type == DM_FAT32 ? 32 : 1;
    g->fat_sectors = 1;
    for (int round = 0; round < 16; round++) {
        g->reserved = base_reserved;
        uint32_t meta = g->reserved + 2 * g->fat_sectors + geom_root_sectors(g);
        g->reserved += (g->spc - meta % g->spc) % g->spc;
        uint32_t start = geom_data_start(g);
        g->clusters = g->total > start ? (g->total - start) / g->spc : 0;
        uint32_t need = fat_bytes(g->type, (uint64_t)g->clusters + 2);
        if (need <= g->fat_sectors)
            return;
        g->fat_sectors = need;
    }
}

enum geom_status fat_geometry(uint64_t size, enum dm_fat_type type, uint32_t cluster_size,
                              struct fat_geom *g)
{
    if (cluster_size == 0)
        cluster_size = fat_default_cluster(type, size);
    if (cluster_size < SECTOR || cluster_size > 65536 || (cluster_size & (cluster_size - 1)))
        return GEOM_BAD_CLUSTER;
    if (size / SECTOR > 0xFFFFFFFFull)
        return GEOM_TOO_LARGE;
    *g = (struct fat_geom){
        .type = type, .spc = cluster_size / SECTOR, .total = (uint32_t)(size / SECTOR)};
    g->root_entries = type == DM_FAT32 ? 0 : (type == DM_FAT12 && g->total <= 2880 ? 224 : 512);
    settle(g);
    uint32_t min = type == DM_FAT32   ? FAT32_MIN_CLUSTERS
                   : type == DM_FAT16 ? FAT16_MIN_CLUSTERS
                                      : 1;
    uint32_t max = type == DM_FAT32   ? FAT32_MAX_CLUSTERS
                   : type == DM_FAT16 ? FAT32_MIN_CLUSTERS - 1
                                      : FAT16_MIN_CLUSTERS - 1;
    if (g->clusters < min)
        return GEOM_TOO_SMALL;
    if (g->clusters > max)
        return GEOM_TOO_LARGE;
    return GEOM_OK;
}
