/* Unit tests: the recovery tree (src/recovery/recovery.c) over media built in a temporary
 * folder — an install DVD tree, an ADK tree whose El Torito images are inside boot.wim, an ADK
 * tree with the EFI loader only (efisys.bin made by the FAT writer), and a bare boot.wim — with
 * real WIMs written by wimlib. Checks which entries the tree has and where their bytes come from,
 * the manifest (a late entry listing every file with the SHA-256 of what was read), a target's
 * extra files, and that freeing the tree removes the files it staged (TMPDIR points into the
 * test's folder, so every staging folder can be counted). An install medium's tree keeps only
 * the Windows PE files (the allow-list), its boot.wim the chosen image exported alone; with
 * --whole-media everything, a large WIM split into .swm parts on FAT32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fat/fat_read.h"
#include "image/image.h"
#include "recovery/job.h"
#include "recovery/recovery.h"
#include "source/media.h"
#include "util/report.h"
#include "util/sha256.h"

#include <dirent.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wimlib.h>

#define EPOCH     1700000000
#define MANIFEST  "dartmk-manifest.json"
#define EFI_BYTES 3000

static char root[64], staging_root[96];
static unsigned char efi_loader[EFI_BYTES]; /* the EFI loader's bytes (a pattern) */

/* ---- building media ---- */

static void mkdirs(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

/* ROOT/DIR/REL, or ROOT/DIR when rel is NULL (eight at a time). */
static char *at(const char *dir, const char *rel)
{
    static char path[8][512];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s%s%s", root, dir, rel ? "/" : "", rel ? rel : "");
    return p;
}

/* ROOT/DIR/REL holds n bytes of data (folders made as needed). */
static void put_bytes(const char *dir, const char *rel, const void *data, size_t n)
{
    char *path = at(dir, rel), *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void put(const char *dir, const char *rel, const char *text)
{
    put_bytes(dir, rel, text, strlen(text));
}

/* A one-image WIM of folder ROOT/DIR at ROOT/WIM (arch: the XML's WINDOWS/ARCH, or none). */
static void make_wim(const char *dir, const char *wim, const char *arch)
{
    WIMStruct *w = NULL;
    char *where = at(wim, NULL), *slash = strrchr(where, '/');
    *slash = '\0';
    mkdirs(where);
    *slash = '/';
    assert_int_equal(wimlib_create_new_wim(WIMLIB_COMPRESSION_TYPE_NONE, &w), 0);
    assert_int_equal(wimlib_add_image(w, at(dir, NULL), "Microsoft Windows PE", NULL, 0), 0);
    if (arch)
        assert_int_equal(wimlib_set_image_property(w, 1, "WINDOWS/ARCH", arch), 0);
    struct wimlib_wim_info info = {.boot_index = 1};
    assert_int_equal(wimlib_set_wim_info(w, &info, WIMLIB_CHANGE_BOOT_INDEX), 0);
    assert_int_equal(wimlib_write(w, where, WIMLIB_ALL_IMAGES, 0, 1), 0);
    wimlib_free(w);
}

/* Adds folder ROOT/DIR as a new image named `name` of the WIM at ROOT/WIM; `boot` its boot
 * index. */
static void add_image(const char *dir, const char *wim, const char *name, int boot)
{
    WIMStruct *w = NULL;
    assert_int_equal(wimlib_open_wim(at(wim, NULL), WIMLIB_OPEN_FLAG_WRITE_ACCESS, &w), 0);
    assert_int_equal(wimlib_add_image(w, at(dir, NULL), name, NULL, 0), 0);
    struct wimlib_wim_info info = {.boot_index = (uint32_t)boot};
    assert_int_equal(wimlib_set_wim_info(w, &info, WIMLIB_CHANGE_BOOT_INDEX), 0);
    assert_int_equal(wimlib_overwrite(w, 0, 1), 0);
    wimlib_free(w);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/test_recovery.XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(staging_root, sizeof staging_root, "%s/tmp", root);
    mkdirs(staging_root);
    setenv("TMPDIR", staging_root, 1);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    for (size_t i = 0; i < EFI_BYTES; i++)
        efi_loader[i] = (unsigned char)(i * 7 + i / 251);
    /* Windows PE images: with every boot file, and with none. */
    put("pe-full", "Windows/Boot/PCAT/bootmgr", "wim bootmgr\n");
    put("pe-full", "Windows/Boot/DVD/PCAT/BCD", "wim bcd\n");
    put("pe-full", "Windows/Boot/DVD/PCAT/boot.sdi", "wim boot.sdi\n");
    put("pe-full", "Windows/Boot/DVD/PCAT/etfsboot.com", "wim etfsboot\n");
    put("pe-full", "Windows/Boot/EFI/bootmgfw.efi", "wim bootmgfw\n");
    put("pe-full", "Windows/Boot/DVD/EFI/BCD", "wim efi bcd\n");
    put("pe-full", "Windows/Boot/DVD/EFI/en-US/efisys.bin", "wim efisys\n");
    put("pe-full", "Windows/System32/winpeshl.ini", "[LaunchApps]\n");
    put("pe-plain", "Windows/System32/winpeshl.ini", "[LaunchApps]\n");
    make_wim("pe-full", "full.wim", "9");
    /* An install DVD: lower-case names, El Torito images on the media, a catalog (never copied)
     * and the manifest of an earlier build. */
    put("dvd", "bootmgr", "dvd bootmgr\n");
    put("dvd", "boot/bcd", "dvd bcd\n");
    put("dvd", "boot/boot.sdi", "dvd boot.sdi\n");
    put("dvd", "boot/etfsboot.com", "dvd etfsboot\n");
    put_bytes("dvd", "efi/boot/bootx64.efi", efi_loader, EFI_BYTES);
    put("dvd", "efi/microsoft/boot/bcd", "dvd efi bcd\n");
    put("dvd", "efi/microsoft/boot/efisys.bin", "dvd efisys\n");
    put("dvd", "setup.exe", "MZ setup\n");
    put("dvd", "boot.catalog", "catalog\n");
    put("dvd", MANIFEST, "{\"generator\": \"an earlier dartmk\"}\n");
    make_wim("pe-plain", "dvd/sources/boot.wim", "9");
    /* ADK media: capitalised names, the El Torito images inside boot.wim. */
    put("adk", "bootmgr", "adk bootmgr\n");
    put("adk", "Boot/BCD", "adk bcd\n");
    put("adk", "Boot/boot.sdi", "adk boot.sdi\n");
    put_bytes("adk", "EFI/Boot/bootx64.efi", efi_loader, EFI_BYTES);
    put("adk", "EFI/Microsoft/Boot/BCD", "adk efi bcd\n");
    make_wim("pe-full", "adk/sources/boot.wim", "9");
    /* ADK media with no efisys.bin anywhere: made from the EFI loader. */
    put("noefisys", "bootmgr", "adk bootmgr\n");
    put("noefisys", "Boot/BCD", "adk bcd\n");
    put("noefisys", "Boot/boot.sdi", "adk boot.sdi\n");
    put_bytes("noefisys", "EFI/Boot/bootx64.efi", efi_loader, EFI_BYTES);
    put("noefisys", "EFI/Microsoft/Boot/BCD", "adk efi bcd\n");
    make_wim("pe-plain", "noefisys/sources/boot.wim", "9");
    /* An install medium: Setup's files, a real install.wim, a language folder of the boot
     * manager, a root folder that is not one (not only .mui files), boot.wim with two images
     * (Windows PE; Setup, bootable). */
    put("inst", "bootmgr", "inst bootmgr\n");
    put("inst", "bootmgr.efi", "inst bootmgr.efi\n");
    put("inst", "en-us/bootmgr.efi.mui", "mui\n");
    put("inst", "mixed/a.mui", "mui\n");
    put("inst", "mixed/b.txt", "text\n");
    put("inst", "autorun.inf", "[autorun]\n");
    put("inst", "setup.exe", "MZ setup\n");
    put("inst", "support/readme.txt", "readme\n");
    put("inst", "boot/bcd", "inst bcd\n");
    put("inst", "boot/boot.sdi", "inst boot.sdi\n");
    put("inst", "boot/fonts/a_boot.ttf", "font\n");
    put_bytes("inst", "efi/boot/bootx64.efi", efi_loader, EFI_BYTES);
    put("inst", "efi/microsoft/boot/bcd", "inst efi bcd\n");
    put("inst", "sources/setup.exe", "MZ setup\n");
    put("inst", "sources/en-us/setup.exe.mui", "mui\n");
    make_wim("pe-full", "inst/sources/boot.wim", "9");
    add_image("pe-plain", "inst/sources/boot.wim", "Microsoft Windows Setup", 2);
    for (int i = 0; i < 4; i++) { /* incompressible, so that the parts are as large */
        unsigned char rnd[40000];
        for (size_t k = 0; k < sizeof rnd; k++)
            rnd[k] = (unsigned char)(rand() >> 7);
        char name[32];
        snprintf(name, sizeof name, "f%d.bin", i);
        put_bytes("install-data", name, rnd, sizeof rnd);
    }
    make_wim("install-data", "inst/sources/install.wim", "9");
    /* Host files a target adds. */
    put("host", "ldlinux.c32", "ldlinux module\n");
    put("host", "bootmgr", "a replacement bootmgr\n");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    unsetenv("TMPDIR");
    return 0;
}

/* ---- per test: the media, the plan, the tree ---- */

struct fixture {
    struct dm_media *m;
    struct dm_recipe r;
    struct dm_image_plan p;
    struct dm_recovery_opts o;
    struct dm_recovery *rt;
    struct dm_job job; /* the run the tree belongs to: borrows the fields above, owns nothing */
};

/* dm_recovery_open through a job made of the fixture's media, recipe, plan and options. */
static int recovery_open(struct fixture *f, const char *source, struct dm_recovery **out)
{
    f->job = (struct dm_job){
        .source = source, .recipe = f->r, .plan = f->p, .media = f->m, .ropts = f->o};
    return dm_recovery_open(&f->job, out);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(dm_image_plan(&f->r, &f->p), 0);
    assert_int_equal(f->p.customise, 0);
    assert_int_equal(f->p.built, EPOCH);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dm_recovery_free(f->rt);
    dm_media_close(f->m);
    dm_image_plan_free(&f->p);
    dm_recipe_free(&f->r);
    free(f);
    return 0;
}

/* Staging folders that exist now under TMPDIR. */
static int staging_folders(void)
{
    DIR *d = opendir(staging_root);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strncmp(e->d_name, "dartmk-", 7) == 0;
    closedir(d);
    return n;
}

static void open_tree(struct fixture *f, const char *media, int flags)
{
    const char *path = at(media, NULL);
    assert_int_equal(dm_media_open(path, 0, &f->m), 0);
    f->o.flags = flags;
    assert_int_equal(recovery_open(f, path, &f->rt), 0);
    assert_non_null(f->rt->tree);
    assert_ptr_equal(f->rt->media, f->m);
}

static const struct dm_entry *entry(const struct fixture *f, const char *path)
{
    const struct dm_entry *e = dm_tree_find(f->rt->tree, path);
    if (!e)
        fail_msg("%s: not in the recovery tree", path);
    return e;
}

/* The whole content of an entry (NUL-terminated); *n its length. */
static char *content(struct dm_tree *t, const struct dm_entry *e, size_t *n)
{
    struct dm_stream *s = NULL;
    assert_int_equal(dm_tree_open(t, e, &s), 0);
    char *buf = malloc(e->size + 1);
    assert_non_null(buf);
    ssize_t got = dm_stream_read_full(s, buf, e->size + 1);
    assert_int_equal(dm_stream_close(s), 0);
    assert_int_equal(got, e->size);
    buf[got] = '\0';
    if (n)
        *n = (size_t)got;
    return buf;
}

static void has_text(const struct fixture *f, const char *path, const char *text)
{
    const struct dm_entry *e = entry(f, path);
    assert_int_equal(e->kind, DM_ENTRY_FILE);
    assert_int_equal(e->size, strlen(text));
    char *got = content(f->rt->tree, e, NULL);
    assert_string_equal(got, text);
    free(got);
}

static size_t late_entries(const struct fixture *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->rt->tree->count; i++)
        n += (f->rt->tree->entries[i].flags & DM_ENTRY_LATE) != 0;
    return n;
}

/* ---- the media's files ---- */

/* Without flags: the media's Windows PE files as they are (its boot.wim holds one bootable
 * image: the fast path), less the El Torito catalog and setup.exe; nothing staged once freed. */
static void test_dvd_as_is(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "dvd", 0);
    assert_int_equal(f->m->layout, DM_MEDIA_INSTALL_DVD);
    struct dm_tree *t = f->rt->tree;
    /* The media's entries, all but boot.catalog and setup.exe, in the same order. */
    assert_int_equal(t->count, f->m->tree->count - 2);
    assert_int_equal(f->rt->exported, 0);
    for (size_t i = 0, k = 0; i < f->m->tree->count; i++) {
        if (strcmp(f->m->tree->entries[i].path, "boot.catalog") == 0 ||
            strcmp(f->m->tree->entries[i].path, "setup.exe") == 0)
            continue;
        assert_string_equal(t->entries[k].path, f->m->tree->entries[i].path);
        assert_int_equal(t->entries[k].size, f->m->tree->entries[i].size);
        assert_int_equal(t->entries[k].kind, f->m->tree->entries[i].kind);
        k++;
    }
    assert_null(dm_tree_find(t, "boot.catalog"));
    assert_null(dm_tree_find(t, "setup.exe"));
    has_text(f, "bootmgr", "dvd bootmgr\n");
    has_text(f, "boot/bcd", "dvd bcd\n");
    has_text(f, "efi/microsoft/boot/efisys.bin", "dvd efisys\n");
    /* The old manifest stays when no new one is made. */
    has_text(f, MANIFEST, "{\"generator\": \"an earlier dartmk\"}\n");
    assert_int_equal(late_entries(f), 0);
    assert_null(f->rt->etfsboot);
    assert_null(f->rt->efisys);
    assert_null(f->rt->manifest);
    /* Media files are read where they are. */
    assert_string_equal(dm_tree_host_path(t, entry(f, "boot/boot.sdi")),
                        at("dvd", "boot/boot.sdi"));
    assert_string_equal(dm_tree_host_path(t, entry(f, "sources/boot.wim")),
                        at("dvd", "sources/boot.wim"));
    assert_int_equal(entry(f, "sources")->kind, DM_ENTRY_DIR);
    assert_int_equal(staging_folders(), 1);
    dm_recovery_free(f->rt), f->rt = NULL;
    assert_int_equal(staging_folders(), 0);
}

/* El Torito images that are on the media are named where they are. */
static void test_dvd_el_torito(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "dvd", DM_RECOVERY_EL_TORITO);
    assert_string_equal(f->rt->etfsboot, "boot/etfsboot.com");
    assert_string_equal(f->rt->efisys, "efi/microsoft/boot/efisys.bin");
    assert_int_equal(f->rt->efisys_made, 0);
    assert_int_equal(f->rt->tree->count, f->m->tree->count - 2); /* nothing added */
    has_text(f, f->rt->etfsboot, "dvd etfsboot\n");
}

/* ADK media: the El Torito images come out of boot.wim into folders spelled as the media
 * spells them. */
static void test_adk_el_torito_from_wim(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "adk", 0);
    assert_int_equal(f->m->layout, DM_MEDIA_ADK);
    assert_null(dm_tree_find(f->rt->tree, "boot/etfsboot.com"));
    size_t plain = f->rt->tree->count;
    dm_recovery_free(f->rt), f->rt = NULL;
    assert_int_equal(recovery_open(f, "adk", &f->rt), 0);
    assert_int_equal(f->rt->tree->count, plain); /* the same again */
    dm_recovery_free(f->rt), f->rt = NULL;
    f->o.flags = DM_RECOVERY_EL_TORITO;
    assert_int_equal(recovery_open(f, "adk", &f->rt), 0);
    assert_int_equal(f->rt->tree->count, plain + 2);
    assert_string_equal(f->rt->etfsboot, "Boot/etfsboot.com");
    assert_string_equal(f->rt->efisys, "EFI/Microsoft/Boot/efisys.bin");
    assert_int_equal(f->rt->efisys_made, 0);
    assert_string_equal(entry(f, "boot/etfsboot.com")->path, "Boot/etfsboot.com");
    has_text(f, "Boot/etfsboot.com", "wim etfsboot\n");
    has_text(f, "EFI/Microsoft/Boot/efisys.bin", "wim efisys\n");
    assert_null(dm_tree_host_path(f->rt->tree, entry(f, "Boot/etfsboot.com")));
    assert_int_equal(entry(f, "Boot/etfsboot.com")->mtime, EPOCH);
    /* One folder per name whatever the case: no second "boot". */
    size_t boots = 0;
    for (size_t i = 0; i < f->rt->tree->count; i++)
        boots += strcasecmp(f->rt->tree->entries[i].path, "boot") == 0;
    assert_int_equal(boots, 1);
}

/* No efisys.bin on the media or in boot.wim: one is made, a FAT12 volume holding the EFI
 * loader as EFI/BOOT/BOOTX64.EFI, staged and removed with the tree. */
static void test_efisys_made(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "noefisys", DM_RECOVERY_EL_TORITO);
    assert_null(f->rt->etfsboot); /* not in this boot.wim either */
    assert_int_equal(f->rt->efisys_made, 1);
    assert_string_equal(f->rt->efisys, "EFI/Microsoft/Boot/efisys.bin");
    const struct dm_entry *e = entry(f, f->rt->efisys);
    const char *host = dm_tree_host_path(f->rt->tree, e);
    assert_non_null(host);
    assert_memory_equal(host, f->rt->staging.path, strlen(f->rt->staging.path));
    char *copy = strdup(host);
    size_t n;
    unsigned char *img = (unsigned char *)content(f->rt->tree, e, &n);
    assert_true(n >= 512 && n % 512 == 0);
    assert_int_equal(img[510], 0x55);
    assert_int_equal(img[511], 0xAA);
    assert_memory_equal(img + 43, "EFISYS     FAT12   ", 19);
    free(img);
    struct dm_tree *fat = NULL;
    assert_int_equal(dm_fatread_open(copy, 0, 0, &fat), 0);
    const struct dm_entry *loader = dm_tree_find(fat, "EFI/BOOT/BOOTX64.EFI");
    assert_non_null(loader);
    assert_int_equal(loader->size, EFI_BYTES);
    char *bytes = content(fat, loader, NULL);
    assert_memory_equal(bytes, efi_loader, EFI_BYTES);
    free(bytes);
    dm_tree_free(fat);
    dm_recovery_free(f->rt), f->rt = NULL;
    assert_int_equal(access(copy, F_OK), -1);
    assert_int_equal(staging_folders(), 0);
    free(copy);
}

/* A bare boot.wim: the boot files come out of it to where an install DVD has them. */
static void test_bare_wim(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "full.wim", DM_RECOVERY_EL_TORITO);
    assert_int_equal(f->m->layout, DM_MEDIA_WIM);
    has_text(f, "bootmgr", "wim bootmgr\n");
    has_text(f, "boot/bcd", "wim bcd\n");
    has_text(f, "boot/boot.sdi", "wim boot.sdi\n");
    has_text(f, "efi/boot/bootx64.efi", "wim bootmgfw\n"); /* amd64 from the XML */
    has_text(f, "efi/microsoft/boot/bcd", "wim efi bcd\n");
    has_text(f, "boot/etfsboot.com", "wim etfsboot\n");
    has_text(f, "efi/microsoft/boot/efisys.bin", "wim efisys\n");
    assert_string_equal(f->rt->etfsboot, "boot/etfsboot.com");
    assert_string_equal(f->rt->efisys, "efi/microsoft/boot/efisys.bin");
    for (const char *const *d = (const char *const[]){"boot", "efi", "efi/boot", "efi/microsoft",
                                                      "efi/microsoft/boot", "sources", NULL};
         *d; d++)
        assert_int_equal(entry(f, *d)->kind, DM_ENTRY_DIR);
    const struct dm_entry *wim = entry(f, "sources/boot.wim");
    struct stat st;
    assert_int_equal(stat(at("full.wim", NULL), &st), 0);
    assert_int_equal(wim->size, (uint64_t)st.st_size);
    /* Tree order: every folder before what it holds. */
    for (size_t i = 1; i < f->rt->tree->count; i++)
        assert_true(
            dm_path_casecmp(f->rt->tree->entries[i - 1].path, f->rt->tree->entries[i].path) < 0);
}

/* ---- the manifest ---- */

static const char *const installed[] = {"ldlinux.sys", "syslinux/ldlinux.c32"};

/* Reads every file but the late ones, in tree order; returns how many. */
static size_t read_all(struct fixture *f, json_object *sums)
{
    size_t n = 0;
    for (size_t i = 0; i < f->rt->tree->count; i++) {
        const struct dm_entry *e = &f->rt->tree->entries[i];
        if (e->kind != DM_ENTRY_FILE || (e->flags & DM_ENTRY_LATE))
            continue;
        size_t len;
        char *bytes = content(f->rt->tree, e, &len), hex[DM_SHA256_HEX];
        struct dm_sha256 *h = dm_sha256_new();
        dm_sha256_update(h, bytes, len);
        dm_sha256_final(h, hex); /* frees h */
        json_object_object_add(sums, e->path, json_object_new_string(hex));
        free(bytes);
        n++;
    }
    return n;
}

/* Reads the manifest after every other file; checks its size, its SHA-256 and that its "files"
 * list every other file with the size and checksum of what was read. Returns it parsed. */
static json_object *read_manifest(struct fixture *f)
{
    struct dm_tree *t = f->rt->tree;
    const struct dm_entry *me = entry(f, MANIFEST);
    json_object *sums = json_object_new_object();
    size_t files = read_all(f, sums), n;
    char *text = content(t, me, &n), hex[DM_SHA256_HEX];
    assert_int_equal(n, me->size);
    struct dm_sha256 *h = dm_sha256_new();
    dm_sha256_update(h, text, n);
    dm_sha256_final(h, hex);
    assert_string_equal(dm_recovery_manifest_sha(f->rt), hex);
    json_object *j = json_tokener_parse(text), *list;
    free(text);
    assert_non_null(j);
    assert_true(json_object_object_get_ex(j, "files", &list));
    assert_int_equal(json_object_array_length(list), files);
    for (size_t i = 0; i < files; i++) {
        json_object *x = json_object_array_get_idx(list, i), *p, *sz, *sha, *want;
        assert_true(json_object_object_get_ex(x, "path", &p));
        assert_true(json_object_object_get_ex(x, "size", &sz));
        assert_true(json_object_object_get_ex(x, "sha256", &sha));
        const struct dm_entry *e = entry(f, json_object_get_string(p));
        assert_int_equal(json_object_get_int64(sz), e->size);
        assert_true(json_object_object_get_ex(sums, e->path, &want));
        assert_string_equal(json_object_get_string(sha), json_object_get_string(want));
        assert_string_not_equal(e->path, MANIFEST);
    }
    json_object_put(sums);
    return j;
}

/* Whether the manifest lists `path` among its files. */
static int lists(json_object *j, const char *path)
{
    json_object *list, *p;
    assert_true(json_object_object_get_ex(j, "files", &list));
    for (size_t i = 0; i < json_object_array_length(list); i++)
        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "path", &p) &&
            strcmp(json_object_get_string(p), path) == 0)
            return 1;
    return 0;
}

static const char *string_at(json_object *j, const char *key, const char *key2)
{
    json_object *v;
    assert_true(json_object_object_get_ex(j, key, &v));
    if (key2)
        assert_true(json_object_object_get_ex(v, key2, &v));
    return json_object_get_string(v);
}

/* A new manifest (the media has none): what dartmk built from what. */
static void test_manifest(void **state)
{
    struct fixture *f = *state;
    f->o.installed_after = installed, f->o.ninstalled = 2;
    open_tree(f, "adk", DM_RECOVERY_MANIFEST | DM_RECOVERY_EL_TORITO);
    struct dm_tree *t = f->rt->tree;
    const struct dm_entry *me = entry(f, MANIFEST);
    assert_true(me->flags & DM_ENTRY_LATE);
    assert_int_equal(late_entries(f), 1);
    assert_int_equal(t->count, f->m->tree->count + 3); /* + 2 El Torito images + manifest */
    assert_true(me->size > 0);
    assert_int_equal(me->mtime, EPOCH);
    assert_null(dm_tree_host_path(t, me));
    assert_string_equal(dm_recovery_manifest_sha(f->rt), "");
    /* It cannot be read before the files it lists. */
    struct dm_stream *s = NULL;
    assert_int_equal(dm_tree_open(t, me, &s), DM_FAIL);
    assert_null(s);
    json_object *j = read_manifest(f), *later;
    assert_memory_equal(string_at(j, "generator", NULL), "dartmk ", 7);
    assert_string_equal(string_at(j, "source", "kind"), "directory");
    assert_string_equal(string_at(j, "source", "layout"), "adk");
    assert_string_equal(string_at(j, "source", "path"), at("adk", NULL));
    assert_string_equal(string_at(j, "arch", NULL), "amd64");
    assert_string_equal(string_at(j, "built", NULL), "2023-11-14T22:13:20Z");
    assert_true(lists(j, "Boot/etfsboot.com"));
    assert_true(lists(j, "EFI/Microsoft/Boot/efisys.bin"));
    assert_true(lists(j, "sources/boot.wim"));
    assert_false(lists(j, MANIFEST));
    assert_true(json_object_object_get_ex(j, "installed_after", &later));
    assert_int_equal(json_object_array_length(later), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(later, 1)),
                        "syslinux/ldlinux.c32");
    json_object_put(j);
}

/* Media a dartmk build wrote: its manifest's own fields are kept, the file list is new; the old
 * manifest file is not copied (one entry of that name, the late one). */
static void test_manifest_of_a_build(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "dvd", DM_RECOVERY_MANIFEST);
    /* - catalog - setup.exe - old + new */
    assert_int_equal(f->rt->tree->count, f->m->tree->count - 2);
    assert_int_equal(late_entries(f), 1);
    assert_true(entry(f, MANIFEST)->flags & DM_ENTRY_LATE);
    json_object *j = read_manifest(f), *v;
    assert_string_equal(string_at(j, "generator", NULL), "an earlier dartmk");
    assert_false(json_object_object_get_ex(j, "source", &v));
    assert_false(lists(j, "setup.exe")); /* not Windows PE */
    assert_false(lists(j, "boot.catalog"));
    assert_true(json_object_object_get_ex(j, "installed_after", &v));
    assert_int_equal(json_object_array_length(v), 0);
    json_object_put(j);
}

/* A file read only in part is not hashed: the manifest still refuses. */
static void test_manifest_needs_whole_files(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "adk", DM_RECOVERY_MANIFEST);
    json_object *sums = json_object_new_object();
    read_all(f, sums);
    json_object_put(sums);
    /* Read bootmgr again, only 3 bytes of it. */
    struct dm_stream *s = NULL;
    char buf[3];
    assert_int_equal(dm_tree_open(f->rt->tree, entry(f, "bootmgr"), &s), 0);
    assert_int_equal(dm_stream_read_full(s, buf, 3), 3);
    assert_int_equal(dm_stream_close(s), 0);
    s = NULL;
    assert_int_equal(dm_tree_open(f->rt->tree, entry(f, MANIFEST), &s), DM_FAIL);
    assert_null(s);
}

/* ---- a target's own files ---- */

static void test_extra_files(void **state)
{
    struct fixture *f = *state;
    char *ldlinux = strdup(at("host", "ldlinux.c32")), *bootmgr = strdup(at("host", "bootmgr"));
    const struct dm_recovery_file extra[] = {
        {.path = "syslinux.cfg", .text = "DEFAULT dart\n"},
        {.path = "boot/syslinux/ldlinux.c32", .host = ldlinux},
        {.path = "boot/syslinux/menu.cfg", .text = "INCLUDE /syslinux.cfg\n"},
        {.path = "BOOTMGR", .host = bootmgr}, /* replaces the media's */
    };
    f->o.extra = extra, f->o.nextra = 4;
    open_tree(f, "adk", DM_RECOVERY_MANIFEST);
    struct dm_tree *t = f->rt->tree;
    has_text(f, "syslinux.cfg", "DEFAULT dart\n");
    has_text(f, "Boot/syslinux/ldlinux.c32", "ldlinux module\n");
    has_text(f, "Boot/syslinux/menu.cfg", "INCLUDE /syslinux.cfg\n");
    /* The media's spelling of its folders; the new one as given. */
    assert_string_equal(entry(f, "boot/syslinux/ldlinux.c32")->path, "Boot/syslinux/ldlinux.c32");
    assert_int_equal(entry(f, "Boot/syslinux")->kind, DM_ENTRY_DIR);
    assert_int_equal(entry(f, "Boot/syslinux/ldlinux.c32")->mtime, EPOCH);
    /* One bootmgr, the target's. */
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        n += strcasecmp(t->entries[i].path, "bootmgr") == 0;
    assert_int_equal(n, 1);
    has_text(f, "bootmgr", "a replacement bootmgr\n");
    /* Host files are read where they are; text is staged. */
    assert_string_equal(dm_tree_host_path(t, entry(f, "Boot/syslinux/ldlinux.c32")), ldlinux);
    const char *staged = dm_tree_host_path(t, entry(f, "syslinux.cfg"));
    assert_non_null(staged);
    assert_memory_equal(staged, f->rt->staging.path, strlen(f->rt->staging.path));
    char *copy = strdup(staged);
    assert_int_equal(access(copy, R_OK), 0);
    /* The extra files are in the manifest. */
    json_object *j = read_manifest(f);
    assert_true(lists(j, "Boot/syslinux/ldlinux.c32"));
    assert_true(lists(j, "syslinux.cfg"));
    assert_true(lists(j, "BOOTMGR")); /* as the target named it */
    json_object_put(j);
    dm_recovery_free(f->rt), f->rt = NULL;
    assert_int_equal(access(copy, F_OK), -1);
    assert_int_equal(access(ldlinux, F_OK), 0); /* the host's own file stays */
    assert_int_equal(staging_folders(), 0);
    free(copy), free(ldlinux), free(bootmgr);
}

/* An extra file that is not there: refused, nothing left staged. */
static void test_extra_missing(void **state)
{
    struct fixture *f = *state;
    char *missing = strdup(at("host", "no-such-file"));
    const struct dm_recovery_file extra[] = {
        {.path = "a.cfg", .text = "staged first\n"},
        {.path = "b.c32", .host = missing},
    };
    const char *path = at("adk", NULL);
    assert_int_equal(dm_media_open(path, 0, &f->m), 0);
    f->o.extra = extra, f->o.nextra = 2;
    struct dm_recovery untouched, *rt = &untouched; /* left alone on failure */
    assert_int_equal(recovery_open(f, path, &rt), DM_FAIL);
    assert_ptr_equal(rt, &untouched);
    assert_int_equal(staging_folders(), 0);
    free(missing);
}

/* ---- install media: the allow-list, the exported image, --whole-media ---- */

/* The tree's paths, one a line. */
static char *paths(const struct dm_tree *t)
{
    size_t n = 1;
    for (size_t i = 0; i < t->count; i++)
        n += strlen(t->entries[i].path) + 1;
    char *s = calloc(1, n);
    assert_non_null(s);
    for (size_t i = 0; i < t->count; i++)
        strcat(strcat(s, t->entries[i].path), "\n");
    return s;
}

/* The Windows PE files and nothing else; boot.wim staged: image 2 exported alone, bootable. */
static void test_install_allow_list(void **state)
{
    struct fixture *f = *state;
    open_tree(f, "inst", 0);
    char *got = paths(f->rt->tree);
    assert_string_equal(got, "boot\nboot/bcd\nboot/boot.sdi\nboot/fonts\nboot/fonts/a_boot.ttf\n"
                             "bootmgr\nbootmgr.efi\nefi\nefi/boot\nefi/boot/bootx64.efi\n"
                             "efi/microsoft\nefi/microsoft/boot\nefi/microsoft/boot/bcd\n"
                             "en-us\nen-us/bootmgr.efi.mui\nsources\nsources/boot.wim\n");
    free(got);
    assert_int_equal(f->m->image, 2);
    assert_int_equal(f->rt->exported, 1);
    const char *host = dm_tree_host_path(f->rt->tree, entry(f, "sources/boot.wim"));
    assert_non_null(host);
    assert_memory_equal(host, staging_root, strlen(staging_root));
    WIMStruct *w = NULL;
    struct wimlib_wim_info info;
    assert_int_equal(wimlib_open_wim(host, 0, &w), 0);
    assert_int_equal(wimlib_get_wim_info(w, &info), 0);
    assert_int_equal(info.image_count, 1);
    assert_int_equal(info.boot_index, 1);
    assert_string_equal(wimlib_get_image_name(w, 1), "Microsoft Windows Setup");
    wimlib_free(w);
    /* inspect's numbers agree. */
    struct dm_recovery_size rs;
    assert_int_equal(dm_recovery_measure(f->m, &rs), 0);
    assert_int_equal(rs.files, 9);
    assert_int_equal(rs.exported, 1);
    assert_int_equal(rs.left_files, 8);
    assert_string_equal(rs.largest, "sources/install.wim");
    dm_recovery_free(f->rt), f->rt = NULL;
    assert_int_equal(staging_folders(), 0);
}

/* --image-index 1: image 1 exported, flagged bootable. */
static void test_install_image_1(void **state)
{
    struct fixture *f = *state;
    const char *path = at("inst", NULL);
    assert_int_equal(dm_media_open(path, 1, &f->m), 0);
    assert_int_equal(recovery_open(f, path, &f->rt), 0);
    WIMStruct *w = NULL;
    struct wimlib_wim_info info;
    assert_int_equal(
        wimlib_open_wim(dm_tree_host_path(f->rt->tree, entry(f, "sources/boot.wim")), 0, &w), 0);
    assert_int_equal(wimlib_get_wim_info(w, &info), 0);
    assert_int_equal(info.image_count, 1);
    assert_int_equal(info.boot_index, 1);
    assert_string_equal(wimlib_get_image_name(w, 1), "Microsoft Windows PE");
    wimlib_free(w);
}

/* --whole-media: every file; on FAT32 a WIM of the split size or more becomes .swm parts staged
 * beside the tree (DARTMK_SPLIT_SIZE lowers the size for tests); elsewhere it stays whole. */
static void test_install_whole_media(void **state)
{
    struct fixture *f = *state;
    f->p.whole_media = 1;
    open_tree(f, "inst", 0);
    assert_non_null(dm_tree_find(f->rt->tree, "support/readme.txt"));
    assert_non_null(dm_tree_find(f->rt->tree, "mixed/b.txt"));
    assert_non_null(dm_tree_find(f->rt->tree, "sources/install.wim"));
    assert_int_equal(f->rt->tree->count, f->m->tree->count);
    dm_recovery_free(f->rt), f->rt = NULL;
    setenv("DARTMK_SPLIT_SIZE", "50000", 1);
    f->o.flags = DM_RECOVERY_FAT32;
    assert_int_equal(recovery_open(f, "inst", &f->rt), 0);
    unsetenv("DARTMK_SPLIT_SIZE");
    assert_null(dm_tree_find(f->rt->tree, "sources/install.wim"));
    assert_int_equal(f->rt->nsplits, 1);
    assert_string_equal(f->rt->splits[0].path, "sources/install.wim");
    assert_true(f->rt->splits[0].nparts >= 3);
    assert_string_equal(f->rt->splits[0].parts[0], "sources/install.swm");
    assert_string_equal(f->rt->splits[0].parts[1], "sources/install2.swm");
    for (size_t i = 0; i < f->rt->splits[0].nparts; i++) {
        const struct dm_entry *e = entry(f, f->rt->splits[0].parts[i]);
        assert_true(e->size < 50000 + 4096);
        assert_non_null(dm_tree_host_path(f->rt->tree, e));
    }
    /* boot.wim is never split. */
    assert_non_null(dm_tree_find(f->rt->tree, "sources/boot.wim"));
    dm_recovery_free(f->rt), f->rt = NULL;
    assert_int_equal(staging_folders(), 0);
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_dvd_as_is),
        T(test_dvd_el_torito),
        T(test_adk_el_torito_from_wim),
        T(test_efisys_made),
        T(test_bare_wim),
        T(test_manifest),
        T(test_manifest_of_a_build),
        T(test_manifest_needs_whole_files),
        T(test_extra_files),
        T(test_extra_missing),
        T(test_install_allow_list),
        T(test_install_image_1),
        T(test_install_whole_media),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
