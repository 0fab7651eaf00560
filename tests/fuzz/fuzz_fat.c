/* fuzz_fat.c — libFuzzer target for the FAT writer's names and directories (src/fat/).
 *
 * The input is used twice:
 *   1. as raw names: the whole input, and each of its lines, go through dm_fat_label,
 *      dm_fat_utf16, dm_fat_namecmp, dm_fat_short_basis, dm_fat_short_tail and
 *      dm_fat_lfn_checksum, with the promises of fat.h checked;
 *   2. as a tree: byte 0 chooses the volume (below), the rest is a manifest
 *      (tests/tools/synthtree.h: "PATH<TAB>SIZE" lines, "PATH/" for a directory) built into an
 *      in-memory tree whose files produce deterministic bytes. The tree is planned for the
 *      smallest volume dm_fat_min_size gives (which must then plan), and for a volume of the
 *      chosen shape; a plan that succeeds is written into a memfd, between guard bytes that
 *      must survive, and the boot sector checked.
 *
 * Byte 0: bits 0-1 type (AUTO, 12, 16, 32), bits 2-4 cluster size (0 = default, else
 * 256 << n), bit 5 a label (the first line when it starts with "L:"), bits 6-7 extra room.
 * Failures the library reports (bad names, collisions, no room) print a line on stderr: fine.
 * Violated promises abort(), which libFuzzer reports as a crash. */
#include "fat/fat.h"
#include "util/progress.h"
#include "util/report.h"
#include "util/tree.h"

#include "../tools/synthtree.h"
#include "fuzz.h" /* CHECK */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_ENTRIES 300
#define MAX_FILE    (256u * 1024)  /* larger sizes in the manifest are clamped... */
#define HUGE_FILE   0x100000000ull /* ...except 4 GiB and more, which must be refused */
#define GUARD       4096           /* bytes before the volume that must stay as they are */
#define MAX_VOLUME  (128ull << 20) /* do not write volumes larger than this */

static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* A writer that runs past its region dies of SIGXFSZ (a crash) instead of filling memory. */
    struct rlimit fsize = {GUARD + MAX_VOLUME + (1 << 20), GUARD + MAX_VOLUME + (1 << 20)};
    if (setrlimit(RLIMIT_FSIZE, &fsize) != 0) {
        perror("setrlimit");
        abort();
    }
    memfd = memfd_create("fuzz_fat", MFD_CLOEXEC);
    if (memfd < 0) {
        perror("memfd_create");
        abort();
    }
    return 0;
}

/* The checksum long-name entries carry, from its definition (rotate right, add). */
static uint8_t ref_checksum(const uint8_t name[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

static int sign(int x) { return (x > 0) - (x < 0); }

/* Bytes FAT never allows in a short name. */
static int short_forbidden(uint8_t c)
{
    return c < 0x20 || (c >= 'a' && c <= 'z') || strchr("\"*+,./:;<=>?[\\]|", c) != NULL;
}

static void check_short(const uint16_t *u, int len)
{
    uint8_t basis[11];
    int flags = dm_fat_short_basis(u, len, basis);
    for (int i = 0; i < 11; i++)
        CHECK(!short_forbidden(basis[i]) || (i == 0 && basis[i] == 0x05));
    CHECK(dm_fat_lfn_checksum(basis) == ref_checksum(basis));
    if (flags & DM_FAT_FITS)
        CHECK(basis[0] != ' ');
    static const unsigned tails[] = {1, 2, 9, 10, 99, 100, 12345, 999999};
    for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
        uint8_t name[11];
        memcpy(name, basis, 11);
        dm_fat_short_tail(name, tails[t]);
        char want[16];
        int n = snprintf(want, sizeof want, "~%u", tails[t]);
        /* The tail sits in the base part (its last '~'), followed only by padding. */
        const uint8_t *at = NULL;
        for (int i = 0; i < 8; i++)
            if (name[i] == '~')
                at = name + i;
        CHECK(at != NULL);
        CHECK(at + n <= name + 8 && memcmp(at, want, (size_t)n) == 0);
        for (const uint8_t *p = at + n; p < name + 8; p++)
            CHECK(*p == ' ');
        CHECK(memcmp(name + 8, basis + 8, 3) == 0); /* the extension stays */
        for (int i = 0; i < 11; i++)
            CHECK(!short_forbidden(name[i]) || name[i] == ' ' || (i == 0 && name[i] == 0x05));
    }
}

/* One string through every name function. */
static void fuzz_name(const char *s, uint16_t prev[256], int *prev_len)
{
    char label[11];
    const char *why = NULL;
    if (dm_fat_label(s, label, &why) == 0) {
        for (int i = 0; i < 11; i++)
            CHECK(!((uint8_t)label[i] >= 'a' && (uint8_t)label[i] <= 'z'));
    } else {
        CHECK(why != NULL && *why);
    }

    uint16_t u[256];
    why = NULL;
    int len = dm_fat_utf16(s, u, &why);
    if (len < 0) {
        CHECK(why != NULL && *why);
        return;
    }
    CHECK(len >= 1 && len <= 255);
    CHECK(dm_fat_namecmp(u, len, u, len) == 0);
    if (*prev_len > 0)
        CHECK(sign(dm_fat_namecmp(u, len, prev, *prev_len)) ==
              -sign(dm_fat_namecmp(prev, *prev_len, u, len)));
    check_short(u, len);
    memcpy(prev, u, sizeof u);
    *prev_len = len;
}

static void fuzz_names(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    uint16_t prev[256];
    int prev_len = 0;
    fuzz_name(s, prev, &prev_len);
    for (char *line = s, *end; line; line = end ? end + 1 : NULL) {
        end = strchr(line, '\n');
        if (end)
            *end = '\0';
        fuzz_name(line, prev, &prev_len);
        char *tab = strchr(line, '\t');
        if (tab) { /* the manifest's path alone, and its last component */
            *tab = '\0';
            fuzz_name(line, prev, &prev_len);
            char *slash = strrchr(line, '/');
            if (slash)
                fuzz_name(slash + 1, prev, &prev_len);
        }
    }
    free(s);
}

/* Writes a plan into the memfd after GUARD bytes of 0xA5; checks the guard, the end and the
 * boot sector. */
static void write_and_check(struct dm_fat_plan *p, uint64_t vol)
{
    CHECK(ftruncate(memfd, 0) == 0);
    uint8_t guard[GUARD];
    memset(guard, 0xA5, sizeof guard);
    CHECK(pwrite(memfd, guard, sizeof guard, 0) == GUARD);
    if (dm_fat_plan_write(p, memfd, GUARD) != 0)
        return; /* an error the library reported (a stream failing): not a broken promise */
    uint8_t back[GUARD];
    CHECK(pread(memfd, back, sizeof back, 0) == GUARD);
    CHECK(memcmp(back, guard, GUARD) == 0);
    off_t end = lseek(memfd, 0, SEEK_END);
    CHECK(end >= 0 && (uint64_t)end <= GUARD + vol);
    uint8_t bs[512];
    CHECK(pread(memfd, bs, sizeof bs, GUARD) == 512);
    CHECK(bs[510] == 0x55 && bs[511] == 0xAA);
    CHECK(bs[11] == 0x00 && bs[12] == 0x02); /* 512-byte sectors */
    struct dm_fat_info in;
    dm_fat_plan_info(p, &in);
    CHECK(in.used_clusters <= in.clusters);
    CHECK(in.cluster_size == (uint32_t)bs[13] * 512);
}

static void fuzz_tree(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    uint8_t cfg = data[0];
    static const enum dm_fat_type types[] = {DM_FAT_AUTO, DM_FAT12, DM_FAT16, DM_FAT32};
    struct dm_fat_opts o = {.type = types[cfg & 3], .now = 1700000000};
    unsigned c = (cfg >> 2) & 7;
    o.cluster_size = c ? 256u << c : 0;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    char label[64] = "";
    if ((cfg & 0x20) && n > 2 && memcmp(text, "L:", 2) == 0) {
        const char *nl = memchr(text, '\n', n);
        size_t len = nl ? (size_t)(nl - text) : n;
        snprintf(label, sizeof label, "%.*s", (int)(len - 2 < 63 ? len - 2 : 63), text + 2);
        o.label = label;
        text += len, n -= len;
    }

    /* Sizes over MAX_FILE are clamped, but a 4 GiB one stays so that its refusal is tried. */
    struct dm_tree *t = synth_tree(text, n, MAX_ENTRIES, HUGE_FILE);
    if (!t)
        return;
    int huge = 0;
    for (size_t i = 0; i < t->count; i++) {
        if (t->entries[i].size >= HUGE_FILE)
            huge = 1;
        else if (t->entries[i].size > MAX_FILE)
            t->entries[i].size %= MAX_FILE;
    }

    enum dm_fat_type mtype = o.type == DM_FAT_AUTO ? DM_FAT12 : o.type;
    uint64_t min = dm_fat_min_size(t, mtype, 0);
    if (huge)
        CHECK(min == 0); /* no FAT volume holds a file of 4 GiB */
    struct dm_fat_plan *p = NULL;
    if (min) {
        /* The smallest volume, with the default cluster size, must take the tree. */
        struct dm_fat_opts mo = {.type = mtype, .now = o.now};
        CHECK(dm_fat_plan_new(t, min, &mo, &p) == 0);
        if (min <= MAX_VOLUME)
            write_and_check(p, min);
        dm_fat_plan_free(p);
        p = NULL;
    }

    /* The chosen shape: the minimum (or 2 MiB) and some room. */
    uint64_t vol = (min ? min : 2u << 20) + (uint64_t)(cfg >> 6) * (3u << 20);
    if (dm_fat_plan_new(t, vol, &o, &p) == 0) {
        CHECK(!huge);
        if (vol <= MAX_VOLUME)
            write_and_check(p, vol);
        dm_fat_plan_free(p);
    }
    dm_tree_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    fuzz_names(data, size);
    fuzz_tree(data, size);
    return 0;
}
