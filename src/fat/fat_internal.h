/* fat_internal.h — what the FAT writer's files share among themselves (not for other folders). */
#ifndef DARTMK_FAT_INTERNAL_H
#define DARTMK_FAT_INTERNAL_H

#include "fat/fat.h"

#define SECTOR             512u
#define FAT32_MIN_CLUSTERS 65525u
#define FAT16_MIN_CLUSTERS 4085u
#define FAT32_MAX_CLUSTERS 0x0FFFFFF5u
#define MAX_FILE           0xFFFFFFFFull
#define MAX_PATH_UNITS     256 /* Windows' MAX_PATH less "X:\" and the terminating NUL */
#define MAX_DIR_ENTRIES    65536u

/* The volume's shape. */
struct fat_geom {
    enum dm_fat_type type;
    uint32_t spc;          /* sectors per cluster */
    uint32_t reserved;     /* reserved sectors (boot sector, FSInfo, backup on FAT32) */
    uint32_t fat_sectors;  /* sectors per FAT */
    uint32_t root_entries; /* FAT12/16 fixed root directory; 0 on FAT32 */
    uint32_t total;        /* sectors in the volume */
    uint32_t clusters;     /* data clusters */
};

static inline uint32_t geom_root_sectors(const struct fat_geom *g)
{
    return g->root_entries * 32 / SECTOR;
}
static inline uint32_t geom_data_start(const struct fat_geom *g)
{
    return g->reserved + 2 * g->fat_sectors + geom_root_sectors(g);
}
static inline uint32_t geom_cluster_bytes(const struct fat_geom *g) { return g->spc * SECTOR; }

enum geom_status { GEOM_OK, GEOM_TOO_SMALL, GEOM_TOO_LARGE, GEOM_BAD_CLUSTER };

/* The default cluster size for a volume of `size` bytes of `type` (Windows `format`'s choice). */
uint32_t fat_default_cluster(enum dm_fat_type type, uint64_t size);
/* Lays out a volume of `size` bytes; cluster_size 0 = the default. */
enum geom_status fat_geometry(uint64_t size, enum dm_fat_type type, uint32_t cluster_size,
                              struct fat_geom *g);

/* One file or directory of the volume (node 0 is the root directory). */
struct fat_node {
    const struct dm_entry *entry; /* NULL for the root */
    uint32_t parent;
    uint32_t first_child, next_sibling; /* 0 = none */
    uint16_t name[256];                 /* the long name, UTF-16 */
    uint16_t name_len;
    uint16_t path_len; /* UTF-16 units of the whole path, with separators */
    uint8_t short_name[11];
    uint8_t nt_case;     /* NT case flags, used when there are no long-name entries */
    uint8_t lfn_entries; /* long-name entries before the short entry */
    uint8_t is_dir;
    uint32_t dir_entries; /* for directories: 32-byte entries it holds */
    uint32_t first_cluster, nclusters;
};

struct dm_fat_plan {
    struct dm_tree *tree;
    struct fat_node *nodes;
    uint32_t count;
    struct fat_geom geom;
    struct dm_fat_opts opts;
    char label[11];
    int has_label;
    uint32_t serial;
    int64_t now;
    uint32_t used_clusters;
    uint32_t first;      /* the first cluster of the tree's run (2 unless placed elsewhere) */
    uint32_t *order;     /* node indices in data-area order: tree order, late entries last */
    uint64_t data_bytes; /* file bytes, for progress */
};

/* Clusters the tree needs with clusters of `bytes` (root included on FAT32). */
uint64_t fat_clusters_needed(const struct dm_fat_plan *p, uint32_t bytes, enum dm_fat_type type);
/* Gives every node its run of clusters from cluster p->first, in data order (p->order). */
void fat_allocate(struct dm_fat_plan *p);

#endif
