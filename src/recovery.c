/* recovery.c — the recovery tree as one dm_tree over several origins: an entry of the media, a
 * file staged in a private folder (the customised boot.wim, the manifest, a generated
 * efisys.bin), or a boot file inside boot.wim. */
#include "recovery.h"
#include "build_internal.h"
#include "cleanup.h"
#include "copy.h"
#include "fat/fat.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum item_kind { ITEM_MEDIA, ITEM_HOST, ITEM_ROLE };

struct item {
    enum item_kind kind;
    const struct dm_entry *media; /* ITEM_MEDIA */
    char *host;                   /* ITEM_HOST */
    enum dm_role role;            /* ITEM_ROLE: a boot file inside boot.wim */
};

/* ---- the overlay tree (its priv is the media) ---- */

static int ov_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    struct dm_media *m = t->priv;
    const struct item *it = e->priv;
    if (!it)
        return dm_error(DM_FAIL, "%s: is a folder", e->path);
    if (it->kind == ITEM_MEDIA)
        return dm_tree_open(m->tree, it->media, out);
    if (it->kind == ITEM_HOST)
        return dm_host_stream_open(it->host, out);
    return dm_media_open_file(m, it->role, out);
}

static const char *ov_host_path(struct dm_tree *t, const struct dm_entry *e)
{
    struct dm_media *m = t->priv;
    const struct item *it = e->priv;
    if (!it || it->kind == ITEM_ROLE)
        return NULL;
    return it->kind == ITEM_HOST ? it->host : dm_tree_host_path(m->tree, it->media);
}

static void ov_free_priv(struct dm_tree *t, void *priv)
{
    (void)t;
    free(((struct item *)priv)->host);
    free(priv);
}

static const struct dm_tree_ops overlay_ops = {.name = "recovery tree",
                                               .open = ov_open,
                                               .host_path = ov_host_path,
                                               .free_priv = ov_free_priv};

/* Adds an entry; `it` is copied (NULL for a folder). */
static int add(struct dm_tree *t, const char *path, enum dm_entry_kind kind, uint64_t size,
               int64_t mtime, const struct item *it)
{
    struct item *copy = it ? malloc(sizeof *copy) : NULL;
    if (it && !copy)
        return dm_error(DM_FAIL, "out of memory");
    if (copy) {
        *copy = *it;
        if (it->host && !(copy->host = strdup(it->host))) {
            free(copy);
            return dm_error(DM_FAIL, "out of memory");
        }
    }
    if (dm_tree_add(t, path, kind, size, mtime, copy))
        return 0;
    if (copy)
        ov_free_priv(t, copy);
    return dm_error(DM_FAIL, "out of memory");
}

/* ---- staged files ---- */

static char *staged(const struct dm_recovery *rt, const char *name)
{
    char *p;
    return asprintf(&p, "%s/%s", rt->staging.path, name) < 0 ? NULL : p;
}

/* Copies the media's boot.wim into the staging folder (hashing it) and customises the copy. */
static int stage_wim(struct dm_recovery *rt, struct dm_media *m, const struct dm_build_plan *p,
                     const struct dm_recipe *r, const char *source, char sha[DM_SHA256_HEX])
{
    const struct dm_entry *e = dm_tree_find(m->tree, m->files[DM_ROLE_BOOT_WIM].path);
    char *path = staged(rt, "boot.wim");
    struct dm_sha256 *h = dm_sha256_new();
    struct dm_stream *s = NULL;
    struct dm_progress progress;
    uint64_t got = 0;
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
    int rc = !e || !h || !path ? dm_error(DM_FAIL, "out of memory")
             : fd < 0          ? dm_error_errno(DM_FAIL, errno, "%s: cannot write", path)
                               : dm_tree_open(m->tree, e, &s);
    dm_progress_begin(&progress, "copying boot.wim", e ? e->size : 0);
    if (rc == 0)
        rc = dm_copy_stream(s, fd, path, h, &progress, 0, &got);
    dm_progress_end(&progress);
    int crc = s ? dm_stream_close(s) : 0;
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    rc = rc ? rc : crc;
    if (rc == 0)
        dm_sha256_final(h, sha), h = NULL;
    if (rc == 0)
        rc = dm_build_image(m, p, r, source, sha, path, NULL);
    dm_sha256_free(h);
    free(path);
    return rc;
}

static int stage_manifest(struct dm_recovery *rt, const struct dm_media *m,
                          const struct dm_build_plan *p, const struct dm_recipe *r,
                          const char *source, const char *sha)
{
    json_object *j = dm_build_manifest(m, p, r, source, sha);
    char *path = staged(rt, DM_MANIFEST_NAME);
    FILE *f = j && path ? fopen(path, "w") : NULL;
    int rc = 0;
    if (!j || !path)
        rc = dm_error(DM_FAIL, "out of memory");
    else if (!f || fprintf(f, "%s\n", dm_manifest_text(j)) < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    if (f && fclose(f) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    json_object_put(j);
    free(path);
    return rc;
}

/* Adds staged file `name` to the tree at `path`. */
static int add_staged(struct dm_tree *t, const struct dm_recovery *rt, const char *name,
                      const char *path, int64_t mtime)
{
    struct stat st;
    struct item it = {.kind = ITEM_HOST, .host = staged(rt, name)};
    int rc = !it.host                  ? dm_error(DM_FAIL, "out of memory")
             : stat(it.host, &st) != 0 ? dm_error_errno(DM_FAIL, errno, "%s", it.host)
                                       : add(t, path, DM_ENTRY_FILE, (uint64_t)st.st_size, mtime,
                                             &it);
    free(it.host);
    return rc;
}

/* ---- the media's files, boot.wim replaced when customised ---- */

static int add_media(struct dm_tree *t, struct dm_recovery *rt, struct dm_media *m,
                     const struct dm_build_plan *p)
{
    const char *wim = m->files[DM_ROLE_BOOT_WIM].path;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m->tree->count; i++) {
        const struct dm_entry *e = &m->tree->entries[i];
        struct item it = {.kind = ITEM_MEDIA, .media = e};
        if (dm_media_entry_skipped(e, p->customise))
            continue;
        if (e->kind == DM_ENTRY_DIR) {
            rc = add(t, e->path, DM_ENTRY_DIR, 0, e->mtime, NULL);
            continue;
        }
        if (!p->customise || strcasecmp(e->path, wim) != 0) {
            rc = add(t, e->path, DM_ENTRY_FILE, e->size, e->mtime, &it);
            continue;
        }
        rc = add_staged(t, rt, "boot.wim", e->path, p->built);
    }
    return rc;
}

/* ---- El Torito images ---- */

/* The media's spelling of folder `dir` ("efi/microsoft/boot"), adding the missing folders to t;
 * `added` remembers what this function added (at most 8 folders). malloc'd, or NULL. */
static char *folder(struct dm_tree *t, const struct dm_media *m, const char *dir, char **added,
                    int64_t mtime)
{
    char *out = strdup(dir);
    for (char *s = out; out && s;) {
        s = strchr(s, '/');
        if (s)
            *s = '\0';
        const struct dm_entry *e = dm_tree_find(m->tree, out);
        if (e)
            memcpy(out, e->path, strlen(out)); /* same length: only the case differs */
        int known = e != NULL;
        for (int i = 0; !known && i < 8 && added[i]; i++)
            if (strcasecmp(added[i], out) == 0) /* one folder, whatever the case asked */
                memcpy(out, added[i], strlen(out)), known = 1;
        for (int i = 0; !known && i < 8; i++)
            if (!added[i]) {
                added[i] = strdup(out);
                known = 1;
                if (add(t, out, DM_ENTRY_DIR, 0, mtime, NULL) != 0)
                    return free(out), NULL;
            }
        if (s)
            *s++ = '/';
    }
    return out;
}

/* Puts a boot file that lives inside boot.wim at `dir`/`name` in the tree. */
static int role_file(struct dm_tree *t, const struct dm_media *m, enum dm_role role,
                     const char *dir, const char *name, char **added, int64_t mtime, char **path)
{
    char *d = dir ? folder(t, m, dir, added, mtime) : strdup("");
    struct item it = {.kind = ITEM_ROLE, .role = role};
    if (!d || asprintf(path, "%s%s%s", d, dir ? "/" : "", name) < 0) {
        free(d);
        *path = NULL;
        return dm_error(DM_FAIL, "out of memory");
    }
    free(d);
    return add(t, *path, DM_ENTRY_FILE, m->files[role].size, mtime, &it);
}

/* A tree of one file, the media's EFI loader as EFI/BOOT/BOOT<arch>.EFI, for the FAT writer. */
static int loader_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    (void)e;
    return dm_media_open_file(t->priv, DM_ROLE_EFI_LOADER, out);
}

static const struct dm_tree_ops loader_ops = {.name = "EFI loader", .open = loader_open};

static const char *loader_name(enum dm_arch a)
{
    return a == DM_ARCH_X86     ? "EFI/BOOT/BOOTIA32.EFI"
           : a == DM_ARCH_ARM64 ? "EFI/BOOT/BOOTAA64.EFI"
           : a == DM_ARCH_ARM   ? "EFI/BOOT/BOOTARM.EFI"
                                : "EFI/BOOT/BOOTX64.EFI";
}

/* efisys.bin made with the FAT writer: FAT12 like Windows' own (FAT16 for a large loader). */
static int make_efisys(struct dm_recovery *rt, struct dm_media *m, int64_t now)
{
    struct dm_tree *t = dm_tree_new(&loader_ops, m, "EFI loader");
    struct dm_fat_plan *plan = NULL;
    uint64_t loader = m->files[DM_ROLE_EFI_LOADER].size;
    struct dm_fat_opts o = {.type = loader < (8u << 20) ? DM_FAT12 : DM_FAT16,
                            .label = "EFISYS",
                            .now = now};
    if (!t || !dm_tree_add(t, "EFI", DM_ENTRY_DIR, 0, now, NULL) ||
        !dm_tree_add(t, "EFI/BOOT", DM_ENTRY_DIR, 0, now, NULL) ||
        !dm_tree_add(t, loader_name(m->arch), DM_ENTRY_FILE, loader, now, NULL)) {
        dm_tree_free(t);
        return dm_error(DM_FAIL, "out of memory");
    }
    dm_tree_seal(t);
    uint64_t size = dm_fat_min_size(t, o.type, 0);
    char *path = staged(rt, "efisys.bin");
    int fd = path && size ? open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
    int rc = !size ? DM_FAIL : fd < 0 ? dm_error_errno(DM_FAIL, errno, "%s", path) : 0;
    if (rc == 0 && ftruncate(fd, (off_t)size) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot size it", path);
    if (rc == 0)
        rc = dm_fat_plan_new(t, size, &o, &plan);
    if (rc == 0)
        rc = dm_fat_plan_write(plan, fd, 0);
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    dm_fat_plan_free(plan);
    dm_tree_free(t);
    free(path);
    return rc;
}

/* A bare boot.wim: the boot files the media would hold come out of it, to where an install
 * DVD has them. */
static int add_wim_boot_files(struct dm_tree *t, struct dm_media *m, char **added, int64_t now)
{
    static const enum dm_role roles[] = {DM_ROLE_BOOTMGR, DM_ROLE_BCD, DM_ROLE_BOOT_SDI,
                                         DM_ROLE_EFI_LOADER, DM_ROLE_EFI_BCD};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof roles / sizeof *roles; i++) {
        if (m->files[roles[i]].where != DM_IN_WIM)
            continue;
        const char *where = roles[i] != DM_ROLE_EFI_LOADER ? dm_role_media_path(roles[i])
                            : m->arch == DM_ARCH_X86       ? "efi/boot/bootia32.efi"
                            : m->arch == DM_ARCH_ARM64     ? "efi/boot/bootaa64.efi"
                                                           : "efi/boot/bootx64.efi";
        char *dir = strdup(where), *slash = dir ? strrchr(dir, '/') : NULL, *path = NULL;
        if (slash)
            *slash = '\0';
        rc = dir ? role_file(t, m, roles[i], slash ? dir : NULL, slash ? slash + 1 : dir, added,
                             now, &path)
                 : dm_error(DM_FAIL, "out of memory");
        free(path), free(dir);
    }
    return rc;
}

static int add_el_torito(struct dm_tree *t, struct dm_recovery *rt, struct dm_media *m,
                         char **added, int64_t now)
{
    char *path = NULL;
    int rc = 0;
    const struct dm_bootfile *etfs = &m->files[DM_ROLE_ETFSBOOT], *efi = &m->files[DM_ROLE_EFISYS];
    if (etfs->where == DM_ON_MEDIA)
        rt->etfsboot = strdup(etfs->path);
    else if (etfs->where == DM_IN_WIM && (rc = role_file(t, m, DM_ROLE_ETFSBOOT, "boot",
                                                         "etfsboot.com", added, now, &path)) == 0)
        rt->etfsboot = path, path = NULL;
    if (rc == 0 && efi->where == DM_ON_MEDIA)
        rt->efisys = strdup(efi->path);
    else if (rc == 0 && efi->where == DM_IN_WIM &&
             (rc = role_file(t, m, DM_ROLE_EFISYS, "efi/microsoft/boot", "efisys.bin", added,
                             now, &path)) == 0)
        rt->efisys = path, path = NULL;
    else if (rc == 0 && efi->where == DM_ABSENT &&
             m->files[DM_ROLE_EFI_LOADER].where != DM_ABSENT) {
        char *d = folder(t, m, "efi/microsoft/boot", added, now);
        rc = d ? make_efisys(rt, m, now) : dm_error(DM_FAIL, "out of memory");
        if (rc == 0 && asprintf(&path, "%s/efisys.bin", d) < 0)
            path = NULL, rc = dm_error(DM_FAIL, "out of memory");
        if (rc == 0)
            rc = add_staged(t, rt, "efisys.bin", path, now);
        rt->efisys = path, path = NULL, rt->efisys_made = 1;
        free(d);
    }
    return rc;
}

int dm_recovery_open(struct dm_media *m, const struct dm_build_plan *p, const struct dm_recipe *r,
                     const char *source, int flags, struct dm_recovery **out)
{
    struct dm_recovery *rt = calloc(1, sizeof *rt);
    struct dm_tree *t = dm_tree_new(&overlay_ops, m, m->tree->origin);
    char sha[DM_SHA256_HEX];
    int rc = rt && t ? dm_staging_make(&rt->staging, "recovery")
                     : dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && p->customise)
        rc = stage_wim(rt, m, p, r, source, sha);
    if (rc == 0 && p->customise)
        rc = stage_manifest(rt, m, p, r, source, sha);
    if (rc == 0)
        rc = add_media(t, rt, m, p);
    if (rc == 0 && p->customise)
        rc = add_staged(t, rt, DM_MANIFEST_NAME, DM_MANIFEST_NAME, p->built);
    char *added[8] = {0};
    if (rc == 0 && m->layout == DM_LAYOUT_WIM)
        rc = add_wim_boot_files(t, m, added, p->built);
    if (rc == 0 && (flags & DM_RECOVERY_EL_TORITO))
        rc = add_el_torito(t, rt, m, added, p->built);
    for (int i = 0; i < 8; i++)
        free(added[i]);
    if (rt)
        rt->tree = t;
    if (rc == 0) {
        dm_tree_seal(t);
        *out = rt;
        return 0;
    }
    dm_recovery_free(rt);
    if (!rt)
        dm_tree_free(t);
    return rc;
}

void dm_recovery_free(struct dm_recovery *rt)
{
    if (!rt)
        return;
    dm_tree_free(rt->tree);
    dm_staging_remove(&rt->staging);
    free(rt->etfsboot);
    free(rt->efisys);
    free(rt);
}
