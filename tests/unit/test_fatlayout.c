/* Unit tests: FAT cluster-size choice, geometry at the FAT12/16/32 boundaries, and planning
 * limits (collisions, 4 GiB files, a tree too big, the minimum size). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fat/fat_internal.h"
#include "util/report.h"

#include <stdio.h>
#include <string.h>

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

static void test_default_cluster_sizes(void **state)
{
    (void)state;
    assert_int_equal(fat_default_cluster(DM_FAT32, 64 * MIB), 512);
    assert_int_equal(fat_default_cluster(DM_FAT32, 64 * MIB + 512), 1024);
    assert_int_equal(fat_default_cluster(DM_FAT32, 200 * MIB), 2048);
    assert_int_equal(fat_default_cluster(DM_FAT32, 300 * MIB), 4096);
    assert_int_equal(fat_default_cluster(DM_FAT32, 8 * GIB), 4096);
    assert_int_equal(fat_default_cluster(DM_FAT32, 16 * GIB), 8192);
    assert_int_equal(fat_default_cluster(DM_FAT32, 32 * GIB), 16384);
    assert_int_equal(fat_default_cluster(DM_FAT32, 64 * GIB), 32768);
    assert_int_equal(fat_default_cluster(DM_FAT16, 16 * MIB), 512);
    assert_int_equal(fat_default_cluster(DM_FAT16, 100 * MIB), 2048);
    assert_int_equal(fat_default_cluster(DM_FAT16, 1536 * MIB), 32768);
    assert_int_equal(fat_default_cluster(DM_FAT12, 1474560), 512);
    assert_int_equal(fat_default_cluster(DM_FAT12, 4 * MIB), 2048);
}

/* The smallest size (in sectors) at which `type` with `cluster` bytes stops being too small. */
static uint64_t boundary(enum dm_fat_type type, uint32_t cluster)
{
    uint64_t lo = 1, hi = 1ull << 32;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        struct fat_geom g;
        if (fat_geometry(mid * SECTOR, type, cluster, &g) == GEOM_TOO_SMALL)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void check_shape(const struct fat_geom *g)
{
    unsigned bits = g->type == DM_FAT12 ? 12 : g->type == DM_FAT16 ? 16 : 32;
    assert_true((uint64_t)g->fat_sectors * SECTOR * 8 / bits >= (uint64_t)g->clusters + 2);
    assert_int_equal(geom_data_start(g) % g->spc, 0); /* data area aligned to clusters */
    assert_true(geom_data_start(g) + (uint64_t)g->clusters * g->spc <= g->total);
    assert_true(g->total - geom_data_start(g) - (uint64_t)g->clusters * g->spc < g->spc);
    if (g->type == DM_FAT32)
        assert_true(g->reserved >= 32);
}

static void test_fat32_lower_boundary(void **state)
{
    (void)state;
    struct fat_geom g;
    uint64_t s = boundary(DM_FAT32, 512);
    assert_int_equal(fat_geometry(s * SECTOR, DM_FAT32, 512, &g), GEOM_OK);
    assert_int_equal(g.clusters, FAT32_MIN_CLUSTERS);
    check_shape(&g);
    assert_int_equal(fat_geometry((s - 1) * SECTOR, DM_FAT32, 512, &g), GEOM_TOO_SMALL);
    assert_int_equal(g.clusters, FAT32_MIN_CLUSTERS - 1);
}

static void test_fat16_boundaries(void **state)
{
    (void)state;
    struct fat_geom g;
    uint64_t s = boundary(DM_FAT16, 512);
    assert_int_equal(fat_geometry(s * SECTOR, DM_FAT16, 512, &g), GEOM_OK);
    assert_int_equal(g.clusters, FAT16_MIN_CLUSTERS);
    check_shape(&g);
    /* The largest FAT16 with 512-byte clusters holds 65524 clusters; one more is FAT32. */
    uint64_t top = s;
    while (fat_geometry((top + 1) * SECTOR, DM_FAT16, 512, &g) == GEOM_OK)
        top += 1 + (65524 - g.clusters > 2 ? (65524 - g.clusters) / 2 : 0);
    assert_int_equal(fat_geometry(top * SECTOR, DM_FAT16, 512, &g), GEOM_OK);
    assert_true(g.clusters <= 65524);
    assert_int_equal(fat_geometry((top + 1) * SECTOR, DM_FAT16, 512, &g), GEOM_TOO_LARGE);
    assert_int_equal(g.clusters, 65525);
}

static void test_fat12_boundaries(void **state)
{
    (void)state;
    struct fat_geom g;
    assert_int_equal(fat_geometry(1474560, DM_FAT12, 0, &g), GEOM_OK); /* a 1.44 MB image */
    assert_int_equal(g.root_entries, 224);
    check_shape(&g);
    assert_int_equal(fat_geometry(8 * MIB, DM_FAT12, 512, &g), GEOM_TOO_LARGE);
    assert_true(g.clusters > 4084);
    assert_int_equal(fat_geometry(2 * MIB, DM_FAT12, 512, &g), GEOM_OK);
    assert_true(g.clusters <= 4084);
    check_shape(&g);
}

static void test_many_sizes_have_sound_shapes(void **state)
{
    (void)state;
    static const enum dm_fat_type types[] = {DM_FAT12, DM_FAT16, DM_FAT32};
    for (int t = 0; t < 3; t++)
        for (uint64_t size = 256 * 1024; size <= 64 * GIB; size = size * 3 / 2 + 4096) {
            struct fat_geom g;
            if (fat_geometry(size, types[t], 0, &g) == GEOM_OK)
                check_shape(&g);
        }
}

static void test_bad_cluster_sizes(void **state)
{
    (void)state;
    struct fat_geom g;
    assert_int_equal(fat_geometry(64 * MIB, DM_FAT32, 1000, &g), GEOM_BAD_CLUSTER);
    assert_int_equal(fat_geometry(64 * MIB, DM_FAT32, 256, &g), GEOM_BAD_CLUSTER);
    assert_int_equal(fat_geometry(64 * MIB, DM_FAT32, 131072, &g), GEOM_BAD_CLUSTER);
}

/* ---- planning, on an in-memory tree that is never read ---- */

static const struct dm_tree_ops mem_ops = {.name = "test"};

static struct dm_tree *tree_of(const char *const *paths, const uint64_t *sizes)
{
    struct dm_tree *t = dm_tree_new(&mem_ops, NULL, "test");
    for (int i = 0; paths[i]; i++) {
        size_t n = strlen(paths[i]);
        int dir = paths[i][n - 1] == '/';
        char p[512];
        snprintf(p, sizeof p, "%.*s", (int)(dir ? n - 1 : n), paths[i]);
        dm_tree_add(t, p, dir ? DM_ENTRY_DIR : DM_ENTRY_FILE, dir ? 0 : sizes[i], 0, NULL);
    }
    dm_tree_seal(t);
    return t;
}

static int plan(struct dm_tree *t, uint64_t size, enum dm_fat_type type)
{
    struct dm_fat_opts o = {.type = type, .now = 1700000000};
    struct dm_fat_plan *p = NULL;
    int rc = dm_fat_plan_new(t, size, &o, &p);
    dm_fat_plan_free(p);
    return rc;
}

static void test_plan_refuses(void **state)
{
    (void)state;
    const char *collide[] = {"docs/", "docs/README.txt", "docs/readme.TXT", NULL};
    uint64_t sizes[] = {0, 1, 1};
    struct dm_tree *t = tree_of(collide, sizes);
    assert_int_equal(plan(t, 64 * MIB, DM_FAT32), DM_FAIL);
    dm_tree_free(t);

    const char *huge[] = {"sources/", "sources/install.wim", NULL};
    uint64_t hsizes[] = {0, 4 * GIB};
    t = tree_of(huge, hsizes);
    assert_int_equal(plan(t, 64 * GIB, DM_FAT32), DM_FAIL);
    hsizes[1] = 4 * GIB - 1; /* the largest file FAT32 holds */
    dm_tree_free(t);
    t = tree_of(huge, hsizes);
    assert_int_equal(plan(t, 8 * GIB, DM_FAT32), 0);
    dm_tree_free(t);

    const char *forbidden[] = {"what?", NULL};
    uint64_t fsizes[] = {1};
    t = tree_of(forbidden, fsizes);
    assert_int_equal(plan(t, 64 * MIB, DM_FAT32), DM_FAIL);
    dm_tree_free(t);
}

static void test_min_size_is_tight(void **state)
{
    (void)state;
    const char *paths[] = {"a/", "a/big.bin", "b.bin", NULL};
    uint64_t sizes[] = {0, 100 * MIB, 3 * MIB};
    struct dm_tree *t = tree_of(paths, sizes);
    uint64_t min = dm_fat_min_size(t, DM_FAT32, 0);
    assert_true(min > 103 * MIB && min < 110 * MIB);
    assert_int_equal(plan(t, min, DM_FAT32), 0);
    assert_int_equal(plan(t, min - SECTOR, DM_FAT32), DM_FAIL);
    assert_int_equal(plan(t, 50 * MIB, DM_FAT32), DM_FAIL); /* "needs at least ..." */
    assert_int_equal(plan(t, 1 * MIB, DM_FAT32), DM_FAIL);  /* too small for FAT32 */
    assert_int_equal(plan(t, 8 * GIB, DM_FAT16), DM_FAIL);  /* too large for FAT16 */
    dm_tree_free(t);
}

static void test_auto_type(void **state)
{
    (void)state;
    const char *paths[] = {"EFI/", "EFI/BOOT/", "EFI/BOOT/BOOTX64.EFI", NULL};
    uint64_t sizes[] = {0, 0, 50000};
    struct dm_tree *t = tree_of(paths, sizes);
    struct dm_fat_opts o = {.now = 1};
    struct dm_fat_plan *p;
    struct dm_fat_info info;
    assert_int_equal(dm_fat_plan_new(t, 1474560, &o, &p), 0);
    dm_fat_plan_info(p, &info);
    assert_int_equal(info.type, DM_FAT12);
    dm_fat_plan_free(p);
    assert_int_equal(dm_fat_plan_new(t, 8 * MIB, &o, &p), 0);
    dm_fat_plan_info(p, &info);
    assert_int_equal(info.type, DM_FAT16);
    dm_fat_plan_free(p);
    assert_int_equal(dm_fat_plan_new(t, 100 * MIB, &o, &p), 0);
    dm_fat_plan_info(p, &info);
    assert_int_equal(info.type, DM_FAT32);
    assert_int_equal(info.cluster_size, 1024);
    dm_fat_plan_free(p);
    dm_tree_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_cluster_sizes),
        cmocka_unit_test(test_fat32_lower_boundary),
        cmocka_unit_test(test_fat16_boundaries),
        cmocka_unit_test(test_fat12_boundaries),
        cmocka_unit_test(test_many_sizes_have_sound_shapes),
        cmocka_unit_test(test_bad_cluster_sizes),
        cmocka_unit_test(test_plan_refuses),
        cmocka_unit_test(test_min_size_is_tight),
        cmocka_unit_test(test_auto_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
