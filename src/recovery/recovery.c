/* recovery.c — the recovery tree as one dm_tree over several origins: an entry of the media, a
 * file staged in a private folder (the customised boot.wim, the manifest, a generated
 * efisys.bin, a target's own files), a boot file inside boot.wim, or the manifest of every
 * file, made from the checksums taken while the target read them. */
#include "recovery/recovery.h"
#include "recovery/job.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/copy.h"
#include "util/parse.h"
#include "fat/fat.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

enum item_kind { ITEM_MEDIA, ITEM_HOST, ITEM_ROLE, ITEM_MANIFEST };

struct item {
    enum item_kind kind;
    const struct dm_entry *media; /* ITEM_MEDIA */
    char *host;                   /* ITEM_HOST */
    enum dm_role role;            /* ITEM_ROLE: a boot file inside boot.wim */
    int hashed;                   /* sha holds the bytes the target read (DM_RECOVERY_MANIFEST) */
    char sha[DM_SHA256_HEX];
};

/* ---- hashing what the target reads, for the manifest ---- */

/* The checksums are taken in one second thread, for the whole tree, from a copy of what was read
 * (two large slots: one being hashed while the other fills; few hand-overs), so that they cost a
 * memcpy on the target's path, not SHA-256. Targets read one file at a time (the FAT writer
 * does). */
enum { SLOT = 1 << 20 };

/* SHA-256 of no bytes. */
static const char EMPTY_SHA256[DM_SHA256_HEX] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct dm_recovery_hasher {
    struct dm_sha256_bg *bg;
    uint8_t *slots; /* 2 × SLOT */
    size_t fill;    /* bytes in the slot being filled */
    int next, busy;
};

/* Hands the filled part of the current slot to the thread (which waits for the other one). */
/* Media entries a recovery tree leaves out: a source ISO's own El Torito catalog (a UDF tree
 * shows it as a file), and an earlier build's manifest when this build writes its own. */
static int dm_media_entry_skipped(const struct dm_entry *e, int new_manifest)
{
    if (e->kind == DM_ENTRY_FILE && strcasecmp(e->path, "boot.catalog") == 0)
        return 1;
    return new_manifest && strcasecmp(e->path, DM_MANIFEST_NAME) == 0;
}

static void hand_over(struct dm_recovery_hasher *h)
{
    if (!h->fill)
        return;
    dm_sha256_bg_feed(h->bg, h->slots + (size_t)h->next * SLOT, h->fill);
    h->next ^= 1, h->fill = 0;
}

struct hashing {
    struct dm_stream s;
    struct dm_stream *inner;
    struct dm_recovery_hasher *h;
    struct item *it;
    uint64_t got, size;
};

static ssize_t hashing_read(struct dm_stream *s, void *buf, size_t n)
{
    struct hashing *hs = (struct hashing *)s;
    struct dm_recovery_hasher *h = hs->h;
    ssize_t r = dm_stream_read(hs->inner, buf, n);
    for (size_t done = 0; r > 0 && done < (size_t)r;) {
        size_t k = (size_t)r - done < SLOT - h->fill ? (size_t)r - done : SLOT - h->fill;
        memcpy(h->slots + (size_t)h->next * SLOT + h->fill, (uint8_t *)buf + done, k);
        h->fill += k, done += k;
        if (h->fill == SLOT)
            hand_over(h);
    }
    if (r > 0)
        hs->got += (uint64_t)r;
    return r;
}

static int hashing_close(struct dm_stream *s)
{
    struct hashing *hs = (struct hashing *)s;
    int rc = dm_stream_close(hs->inner);
    int whole = rc == 0 && hs->got == hs->size;
    hand_over(hs->h);
    if (dm_sha256_bg_digest(hs->h->bg, whole ? hs->it->sha : NULL) != 0 && rc == 0)
        rc = dm_error(DM_FAIL, "out of memory"), whole = 0;
    hs->it->hashed = whole;
    hs->h->busy = 0;
    dm_stream_free(s);
    return rc;
}

static const struct dm_stream_ops hashing_ops = {.read = hashing_read, .close = hashing_close};

static int hashing_open(struct dm_recovery *rt, const struct dm_entry *e, struct item *it,
                        struct dm_stream **out)
{
    struct dm_recovery_hasher *h = rt->hasher;
    if (!h && (h = rt->hasher = calloc(1, sizeof *h)) != NULL) {
        h->bg = dm_sha256_bg_new();
        h->slots = malloc(2 * SLOT);
    }
    struct hashing *hs = h && h->bg && h->slots && !h->busy
                             ? dm_stream_alloc(sizeof *hs, &hashing_ops, e->path)
                             : NULL;
    if (!hs) {
        dm_stream_close(*out);
        return h && h->busy ? dm_error(DM_FAIL, "%s: read while another file is", e->path)
                            : dm_error(DM_FAIL, "out of memory");
    }
    *hs = (struct hashing){.s = hs->s, .inner = *out, .h = h, .it = it, .size = e->size};
    h->busy = 1;
    *out = &hs->s;
    return 0;
}

static void hasher_free(struct dm_recovery_hasher *h)
{
    if (!h)
        return;
    dm_sha256_bg_finish(h->bg, NULL);
    free(h->slots);
    free(h);
}

static int manifest_open(struct dm_recovery *rt, const struct dm_entry *e, struct dm_stream **out);

/* ---- the overlay tree (its priv is the recovery tree) ---- */

static int ov_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    struct dm_recovery *rt = t->priv;
    struct item *it = e->priv;
    int rc;
    if (!it)
        return dm_error(DM_FAIL, "%s: is a folder", e->path);
    if (it->kind == ITEM_MANIFEST)
        return manifest_open(rt, e, out);
    if (it->kind == ITEM_MEDIA)
        rc = dm_tree_open(rt->media->tree, it->media, out);
    else if (it->kind == ITEM_HOST)
        rc = dm_host_stream_open(it->host, out);
    else
        rc = dm_media_open_file(rt->media, it->role, out);
    if (rc == 0 && rt->manifest)
        rc = hashing_open(rt, e, it, out);
    return rc;
}

static const char *ov_host_path(struct dm_tree *t, const struct dm_entry *e)
{
    struct dm_recovery *rt = t->priv;
    const struct item *it = e->priv;
    if (!it || it->kind == ITEM_ROLE || it->kind == ITEM_MANIFEST)
        return NULL;
    return it->kind == ITEM_HOST ? it->host : dm_tree_host_path(rt->media->tree, it->media);
}

static void ov_free_priv(struct dm_tree *t, void *priv)
{
    (void)t;
    free(((struct item *)priv)->host);
    free(priv);
}

static const struct dm_tree_ops overlay_ops = {
    .name = "recovery tree", .open = ov_open, .host_path = ov_host_path, .free_priv = ov_free_priv};

/* Adds an entry; `it` is copied (NULL for a folder). */
static struct dm_entry *add_entry(struct dm_tree *t, const char *path, enum dm_entry_kind kind,
                                  uint64_t size, int64_t mtime, const struct item *it)
{
    struct item *copy = it ? malloc(sizeof *copy) : NULL;
    if (it && !copy)
        return dm_error(DM_FAIL, "out of memory"), NULL;
    if (copy) {
        *copy = *it;
        if (it->host && !(copy->host = strdup(it->host))) {
            free(copy);
            return dm_error(DM_FAIL, "out of memory"), NULL;
        }
    }
    struct dm_entry *e = dm_tree_add(t, path, kind, size, mtime, copy);
    if (!e && copy)
        ov_free_priv(t, copy);
    if (!e)
        dm_error(DM_FAIL, "out of memory");
    return e;
}

static int add(struct dm_tree *t, const char *path, enum dm_entry_kind kind, uint64_t size,
               int64_t mtime, const struct item *it)
{
    return add_entry(t, path, kind, size, mtime, it) ? 0 : DM_FAIL;
}

/* ---- staged files ---- */

static char *staged(const struct dm_recovery *rt, const char *name)
{
    char *p;
    return asprintf(&p, "%s/%s", rt->staging.path, name) < 0 ? NULL : p;
}

/* Does the recovery tree's boot.wim differ from the media's? It holds the chosen image alone,
 * flagged bootable, customised or not: the media's serves as it is only when it is exactly that
 * already and nothing changes. */
static int boot_wim_exported(const struct dm_media *m, const struct dm_image_plan *p)
{
    return p->customise || dm_wim_image_count(m->wim) != 1 || dm_wim_boot_index(m->wim) != 1 ||
           m->image != 1;
}

/* Reads the media's boot.wim once for its checksum (the manifest names the source by it), writes
 * the chosen image alone into the staging folder (its resources copied as they are) and
 * customises it there. */
static int stage_wim(struct dm_recovery *rt, const struct dm_job *j, char sha[DM_SHA256_HEX])
{
    struct dm_media *m = j->media;
    const struct dm_entry *e = dm_tree_find(m->tree, m->files[DM_ROLE_BOOT_WIM].path);
    char *path = staged(rt, "boot.wim");
    struct dm_sha256 *h = dm_sha256_new();
    struct dm_stream *s = NULL;
    struct dm_progress progress;
    uint64_t got = 0;
    int rc = !e || !h || !path ? dm_error(DM_FAIL, "out of memory") : dm_tree_open(m->tree, e, &s);
    dm_progress_begin(&progress, "reading boot.wim", e ? e->size : 0);
    if (rc == 0)
        rc = dm_copy_stream(s, -1, e->path, h, &progress, 0, &got);
    dm_progress_end(&progress);
    int crc = s ? dm_stream_close(s) : 0;
    rc = rc ? rc : crc;
    if (rc == 0)
        dm_sha256_final(h, sha), h = NULL;
    if (rc == 0)
        rc = dm_image_export(m->wim, m->image, path);
    if (rc == 0 && j->plan.customise)
        rc = dm_image_write(m, &j->plan, &j->recipe, j->source, sha, path, NULL);
    struct dm_wim *own = NULL;
    if (rc == 0 && (rc = dm_wim_open(path, dm_wim_display(m->wim), &own)) == 0)
        rc = dm_wim_check_start(own, &rt->check);
    dm_sha256_free(h);
    free(path);
    return rc;
}

/* The media's boot.wim streamed as it is: checked where it is, through a handle of its own. */
static int check_as_is(struct dm_recovery *rt)
{
    struct dm_wim *own = NULL;
    int rc = dm_wim_reopen(rt->media->wim, &own);
    return rc ? rc : dm_wim_check_start(own, &rt->check);
}

int dm_recovery_checked(struct dm_recovery *rt)
{
    if (!rt->checked) {
        rt->check_rc = dm_wim_check_wait(rt->check);
        rt->check = NULL, rt->checked = 1;
    }
    return rt->check_rc;
}

static int stage_manifest(struct dm_recovery *rt, const struct dm_job *job, const char *sha)
{
    json_object *j = dm_manifest_new(job->media, &job->plan, &job->recipe, job->source, sha);
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
    int rc = !it.host ? dm_error(DM_FAIL, "out of memory")
             : stat(it.host, &st) != 0
                 ? dm_error_errno(DM_FAIL, errno, "%s", it.host)
                 : add(t, path, DM_ENTRY_FILE, (uint64_t)st.st_size, mtime, &it);
    free(it.host);
    return rc;
}

/* A file of the media that the target's own files replace (a stick made from a stick). */
static int replaced(const struct dm_recovery *rt, const struct dm_entry *e)
{
    const struct dm_recovery_opts *o = rt->opts;
    for (size_t i = 0; e->kind == DM_ENTRY_FILE && i < o->nextra; i++)
        if (strcasecmp(e->path, o->extra[i].path) == 0)
            return 1;
    for (size_t i = 0; e->kind == DM_ENTRY_FILE && i < o->ninstalled; i++)
        if (strcasecmp(e->path, o->installed_after[i]) == 0)
            return 1;
    return 0;
}

/* ---- the allow-list ---- */

static int is_root(const char *path, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(path, name, len) == 0;
}

/* A root folder holding .mui files and nothing else (the boot managers' languages). */
static int mui_folder(const struct dm_tree *t, const char *dir, size_t len)
{
    size_t files = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct dm_entry *e = &t->entries[i];
        if (strncasecmp(e->path, dir, len) != 0 || e->path[len] != '/')
            continue;
        if (e->kind != DM_ENTRY_FILE || !dm_name_ends_with(e->path, ".mui"))
            return 0;
        files++;
    }
    return files > 0;
}

int dm_recovery_keeps(const struct dm_media *m, const struct dm_entry *e)
{
    const char *p = e->path, *slash = strchr(p, '/');
    const char *wim = m->files[DM_ROLE_BOOT_WIM].path;
    size_t root = slash ? (size_t)(slash - p) : strlen(p);
    if (!slash && e->kind == DM_ENTRY_FILE)
        return strcasecmp(p, "bootmgr") == 0 || strcasecmp(p, "bootmgr.efi") == 0;
    if (is_root(p, root, "boot") || is_root(p, root, "efi"))
        return 1;
    if (is_root(p, root, "sources"))
        return !slash || (wim && strcasecmp(p, wim) == 0);
    return mui_folder(m->tree, p, root);
}

/* ---- WIMs split for FAT32 ---- */

static const uint64_t FAT32_LIMIT = 4ull << 30; /* FAT32 holds files up to 4 GiB - 1 */

/* WIMs of this size or more are split, into parts of at most *part bytes (DARTMK_SPLIT_SIZE,
 * for tests, sets both). */
static uint64_t split_size(uint64_t *part)
{
    const char *env = getenv("DARTMK_SPLIT_SIZE");
    uint64_t v;
    if (env && *env && dm_parse_size(env, &v) == 0 && v > 0)
        return *part = v;
    *part = 4000ull << 20;
    return FAT32_LIMIT;
}

static int split_wanted(const struct dm_recovery *rt, const struct dm_entry *e, const char *wim)
{
    uint64_t part;
    return (rt->opts->flags & DM_RECOVERY_FAT32) && e->kind == DM_ENTRY_FILE &&
           (dm_name_ends_with(e->path, ".wim") || dm_name_ends_with(e->path, ".esd")) &&
           e->size >= split_size(&part) && !(wim && strcasecmp(e->path, wim) == 0);
}

/* Is there `need` bytes of room in the staging folder? */
static int room(const struct dm_recovery *rt, const struct dm_entry *e, uint64_t need)
{
    struct statvfs v;
    char a[32], b[32];
    if (statvfs(rt->staging.path, &v) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s", rt->staging.path);
    uint64_t free_bytes = (uint64_t)v.f_bavail * v.f_frsize;
    if (free_bytes >= need)
        return 0;
    return dm_error(DM_FAIL,
                    "%s: splitting it into .swm parts for FAT32 needs %s in %s, which has %s "
                    "free (set TMPDIR to a folder with room)",
                    e->path, dm_format_size(a, sizeof a, need), rt->staging.path,
                    dm_format_size(b, sizeof b, free_bytes));
}

/* Splits the media's WIM into parts staged in a folder of their own and adds them to the tree
 * where the WIM was: install.wim → install.swm, install2.swm, ... (Windows Setup reads
 * install.swm and the parts beside it). */
static int add_split(struct dm_tree *t, struct dm_recovery *rt, const struct dm_entry *e)
{
    struct dm_recovery_split *v = realloc(rt->splits, (rt->nsplits + 1) * sizeof *v);
    if (!v)
        return dm_error(DM_FAIL, "out of memory");
    rt->splits = v;
    struct dm_recovery_split *sp = &v[rt->nsplits++];
    *sp = (struct dm_recovery_split){.path = strdup(e->path)};
    uint64_t part, data;
    split_size(&part);
    const char *slash = strrchr(e->path, '/'), *base = slash ? slash + 1 : e->path;
    size_t stem = strlen(base) - 4;
    char *dir = NULL, *swm = NULL, **hosts = NULL, sz[32];
    size_t n = 0;
    struct dm_wim *w = NULL;
    int host = dm_tree_host_path(rt->media->tree, e) != NULL;
    /* A WIM that is no host file is first copied (unlinked) into $TMPDIR too. */
    int rc = !sp->path ? dm_error(DM_FAIL, "out of memory") : host ? 0 : room(rt, e, e->size);
    if (rc == 0)
        rc = dm_wim_open_entry(rt->media->tree, e, &w);
    data = w ? dm_image_wim_data(w) : 0;
    if (rc == 0 && data == UINT64_MAX)
        rc = dm_error(DM_FAIL, "%s: cannot read its lookup table", e->path);
    /* The parts hold its resources; each also its own header, lookup table and XML. */
    uint64_t need = data + (data / part + 1) * (1u << 20);
    if (rc == 0)
        rc = room(rt, e, need);
    if (rc == 0 && (asprintf(&dir, "%s/split%zu", rt->staging.path, rt->nsplits) < 0 ||
                    asprintf(&swm, "%s/%.*s.swm", dir, (int)stem, base) < 0))
        dir = swm = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && mkdir(dir, 0700) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s", dir);
    if (rc == 0) { /* two lines that fit 80 columns (a staging folder's name is long) */
        dm_info("%s: %s, split into .swm parts of %s at most (FAT32)", e->path,
                dm_format_size(sz, sizeof sz, e->size), dm_format_size((char[32]){0}, 32, part));
        dm_info("  staged in %s (about %s)", rt->staging.path,
                dm_format_size((char[32]){0}, 32, need));
    }
    if (rc == 0)
        rc = dm_image_split(w, swm, part, &hosts, &n);
    dm_wim_close(w);
    if (rc == 0 && !(sp->parts = calloc(n, sizeof *sp->parts)))
        rc = dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct stat st;
        const char *name = strrchr(hosts[i], '/') ? strrchr(hosts[i], '/') + 1 : hosts[i];
        struct item it = {.kind = ITEM_HOST, .host = hosts[i]};
        if (asprintf(&sp->parts[i], "%.*s%s", (int)(base - e->path), e->path, name) < 0)
            sp->parts[i] = NULL, rc = dm_error(DM_FAIL, "out of memory");
        else
            sp->nparts++;
        if (rc == 0)
            rc = stat(hosts[i], &st) != 0
                     ? dm_error_errno(DM_FAIL, errno, "%s", hosts[i])
                     : add(t, sp->parts[i], DM_ENTRY_FILE, (uint64_t)st.st_size, e->mtime, &it);
    }
    for (size_t i = 0; i < n; i++)
        free(hosts[i]);
    free(hosts), free(dir), free(swm);
    return rc;
}

static void splits_free(struct dm_recovery *rt)
{
    for (size_t i = 0; i < rt->nsplits; i++) {
        for (size_t k = 0; k < rt->splits[i].nparts; k++)
            free(rt->splits[i].parts[k]);
        free(rt->splits[i].parts), free(rt->splits[i].path);
    }
    free(rt->splits);
}

/* ---- the media's files ---- */

/* The Windows PE files of the media (every file with --whole-media), boot.wim replaced by the
 * exported one. */
static int add_media(struct dm_tree *t, struct dm_recovery *rt, struct dm_media *m,
                     const struct dm_image_plan *p)
{
    const char *wim = m->files[DM_ROLE_BOOT_WIM].path;
    int new_manifest = p->customise || (rt->opts->flags & DM_RECOVERY_MANIFEST);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m->tree->count; i++) {
        const struct dm_entry *e = &m->tree->entries[i];
        struct item it = {.kind = ITEM_MEDIA, .media = e};
        if (dm_media_entry_skipped(e, new_manifest) || replaced(rt, e))
            continue;
        /* A manifest on the media follows the rules above. */
        if (!p->whole_media && !dm_recovery_keeps(m, e) &&
            !(e->kind == DM_ENTRY_FILE && strcasecmp(e->path, DM_MANIFEST_NAME) == 0))
            continue;
        if (e->kind == DM_ENTRY_DIR) {
            rc = add(t, e->path, DM_ENTRY_DIR, 0, e->mtime, NULL);
            continue;
        }
        if (split_wanted(rt, e, wim)) {
            rc = add_split(t, rt, e);
            continue;
        }
        if (!rt->exported || strcasecmp(e->path, wim) != 0) {
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
    struct dm_fat_opts o = {
        .type = loader < (8u << 20) ? DM_FAT12 : DM_FAT16, .label = "EFISYS", .now = now};
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
             (rc = role_file(t, m, DM_ROLE_EFISYS, "efi/microsoft/boot", "efisys.bin", added, now,
                             &path)) == 0)
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

/* ---- the target's own files ---- */

static int add_extra(struct dm_tree *t, struct dm_recovery *rt, const struct dm_recovery_file *f,
                     char **added, int64_t now)
{
    const char *slash = strrchr(f->path, '/');
    char *dir = slash ? strndup(f->path, (size_t)(slash - f->path)) : NULL, *path = NULL;
    char *spelled = dir ? folder(t, rt->media, dir, added, now) : NULL;
    int rc = slash && !spelled ? dm_error(DM_FAIL, "out of memory") : 0;
    if (rc == 0 && asprintf(&path, "%s%s%s", spelled ? spelled : "", slash ? "/" : "",
                            slash ? slash + 1 : f->path) < 0)
        path = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && f->text) {
        char *host = staged(rt, slash ? slash + 1 : f->path);
        FILE *out = host ? fopen(host, "wx") : NULL;
        if (!out || fputs(f->text, out) < 0)
            rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", host ? host : f->path);
        if (out && fclose(out) != 0 && rc == 0)
            rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", host);
        if (rc == 0)
            rc = add_staged(t, rt, slash ? slash + 1 : f->path, path, now);
        free(host);
    } else if (rc == 0) {
        struct stat st;
        struct item it = {.kind = ITEM_HOST, .host = (char *)f->host};
        rc = stat(f->host, &st) != 0 ? dm_error_errno(DM_FAIL, errno, "%s", f->host)
                                     : add(t, path, DM_ENTRY_FILE, (uint64_t)st.st_size, now, &it);
    }
    free(path), free(spelled), free(dir);
    return rc;
}

/* ---- the manifest of every file (DM_RECOVERY_MANIFEST) ---- */

/* What the manifest says besides the files: the media's own when it is a recovery tree dartmk
 * wrote and nothing changes (its tools, recipe and time limit still hold), else a new one. */
static int manifest_base(struct dm_recovery *rt, const struct dm_job *job, const char *sha)
{
    const struct dm_image_plan *p = &job->plan;
    const struct dm_entry *e =
        rt->exported ? NULL : dm_tree_find(rt->media->tree, DM_MANIFEST_NAME);
    char *text = e && e->size < (1u << 20) ? malloc(e->size + 1) : NULL;
    ssize_t n = text ? dm_tree_read_head(rt->media->tree, e, text, e->size) : -1;
    json_object *j = n >= 0 ? (text[n] = '\0', json_tokener_parse(text)) : NULL;
    free(text);
    if (j && !json_object_is_type(j, json_type_object))
        json_object_put(j), j = NULL;
    if (j) {
        json_object_object_del(j, "files");
        json_object_object_del(j, "installed_after");
    } else {
        j = dm_manifest_new(rt->media, p, &job->recipe, job->source, *sha ? sha : NULL);
        rt->new_manifest = 1;
    }
    rt->manifest = j;
    return j ? 0 : dm_error(DM_FAIL, "out of memory");
}

static json_object *file_json(const struct dm_entry *e, const char *sha)
{
    json_object *f = json_object_new_object();
    json_object_object_add(f, "path", json_object_new_string(e->path));
    json_object_object_add(f, "size", json_object_new_int64((int64_t)e->size));
    json_object_object_add(f, "sha256", json_object_new_string(sha));
    return f;
}

/* A new manifest of a tree whose boot.wim is the source's, as it is: the source's checksum is
 * the one taken as the target read it (placeholder `zeros` while sizing). */
static void source_wim_sha(const struct dm_recovery *rt, json_object *j, const char *zeros)
{
    json_object *src;
    if (!rt->source_wim || !json_object_object_get_ex(j, "source", &src))
        return;
    const struct item *it = rt->source_wim->priv;
    json_object_object_add(src, "boot_wim_sha256", json_object_new_string(zeros ? zeros : it->sha));
}

/* The source boot.wim's checksum: taken before the tree was made (exported, or asked for by
 * dm_recovery_fingerprint), or as the target read the media's boot.wim as it is. */
static const char *source_sha(const struct dm_recovery *rt)
{
    const char *path = rt->media->files[DM_ROLE_BOOT_WIM].path;
    const struct dm_entry *wim = path && !*rt->source_sha ? dm_tree_find(rt->tree, path) : NULL;
    const struct item *it = wim ? wim->priv : NULL;
    return *rt->source_sha ? rt->source_sha : it && it->kind == ITEM_MEDIA ? it->sha : NULL;
}

/* The inputs' fingerprint in the manifest (placeholder `zeros` while sizing). */
static void fingerprint(const struct dm_recovery *rt, json_object *j, const char *zeros)
{
    char hex[DM_SHA256_HEX];
    const char *sha = zeros ? NULL : source_sha(rt);
    if (!rt->inputs)
        return;
    if (sha)
        dm_fingerprint(rt->inputs, sha, hex);
    json_object_object_add(j, "fingerprint", json_object_new_string(sha ? hex : zeros));
}

int dm_recovery_fingerprint(struct dm_recovery *rt, char hex[DM_SHA256_HEX])
{
    struct dm_media *m = rt->media;
    const struct dm_entry *e = dm_tree_find(m->tree, m->files[DM_ROLE_BOOT_WIM].path);
    if (!rt->inputs || !e)
        return dm_error(DM_FAIL, "the recovery tree has no fingerprint");
    if (!*rt->source_sha) {
        struct dm_sha256 *h = dm_sha256_new();
        struct dm_stream *s = NULL;
        struct dm_progress progress;
        uint64_t got = 0;
        int rc = h ? dm_tree_open(m->tree, e, &s) : dm_error(DM_FAIL, "out of memory");
        dm_progress_begin(&progress, "reading boot.wim", e->size);
        if (rc == 0)
            rc = dm_copy_stream(s, -1, e->path, h, &progress, 0, &got);
        dm_progress_end(&progress);
        int crc = s ? dm_stream_close(s) : 0;
        if ((rc = rc ? rc : crc) == 0)
            dm_sha256_final(h, rt->source_sha), h = NULL;
        dm_sha256_free(h);
        if (rc)
            return rc;
    }
    dm_fingerprint(rt->inputs, rt->source_sha, hex);
    return 0;
}

/* The manifest's text; with `final` 0, placeholder checksums of the same length (its size). */
static char *manifest_text(const struct dm_recovery *rt, int final)
{
    static const char zeros[DM_SHA256_HEX] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    json_object *j = NULL, *files = json_object_new_array(), *later = json_object_new_array();
    char *text = NULL;
    if (files && later && json_object_deep_copy(rt->manifest, &j, NULL) == 0) {
        for (size_t i = 0; i < rt->tree->count; i++) {
            const struct dm_entry *e = &rt->tree->entries[i];
            const struct item *it = e->priv;
            if (e->kind == DM_ENTRY_FILE && !(e->flags & DM_ENTRY_LATE))
                json_object_array_add(files, file_json(e, final ? it->sha : zeros));
        }
        for (size_t i = 0; i < rt->opts->ninstalled; i++)
            json_object_array_add(later, json_object_new_string(rt->opts->installed_after[i]));
        source_wim_sha(rt, j, final ? NULL : zeros);
        fingerprint(rt, j, final ? NULL : zeros);
        json_object_object_add(j, "files", files), files = NULL;
        json_object_object_add(j, "installed_after", later), later = NULL;
        if (asprintf(&text, "%s\n", dm_manifest_text(j)) < 0)
            text = NULL;
    }
    json_object_put(j), json_object_put(files), json_object_put(later);
    return text;
}

struct text_stream {
    struct dm_stream s;
    char *text;
    size_t len, pos;
};

static ssize_t text_read(struct dm_stream *s, void *buf, size_t n)
{
    struct text_stream *ts = (struct text_stream *)s;
    n = n < ts->len - ts->pos ? n : ts->len - ts->pos;
    memcpy(buf, ts->text + ts->pos, n);
    ts->pos += n;
    return (ssize_t)n;
}

static int text_close(struct dm_stream *s)
{
    free(((struct text_stream *)s)->text);
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops text_ops = {.read = text_read, .close = text_close};

static int manifest_open(struct dm_recovery *rt, const struct dm_entry *e, struct dm_stream **out)
{
    for (size_t i = 0; i < rt->tree->count; i++) {
        const struct dm_entry *f = &rt->tree->entries[i];
        struct item *it = f->priv;
        if (f->kind != DM_ENTRY_FILE || (f->flags & DM_ENTRY_LATE) || it->hashed)
            continue;
        if (f->size != 0)
            return dm_error(DM_FAIL, "%s: cannot be written before %s has been read", e->path,
                            f->path);
        /* An empty file has nothing to read (a FAT volume gives it no cluster): its checksum is
         * the empty one. */
        memcpy(it->sha, EMPTY_SHA256, sizeof it->sha);
        it->hashed = 1;
    }
    char *text = manifest_text(rt, 1);
    struct text_stream *ts = text ? dm_stream_alloc(sizeof *ts, &text_ops, e->path) : NULL;
    if (!ts) {
        free(text);
        return dm_error(DM_FAIL, "out of memory");
    }
    ts->text = text, ts->len = strlen(text);
    if (ts->len != e->size) { /* cannot happen: only fixed-width checksums changed */
        text_close(&ts->s);
        return dm_error(DM_FAIL, "%s: its size changed", e->path);
    }
    struct dm_sha256 *h = dm_sha256_new();
    if (h)
        dm_sha256_update(h, text, ts->len), dm_sha256_final(h, rt->manifest_sha);
    *out = &ts->s;
    return 0;
}

static int add_manifest(struct dm_tree *t, int64_t now)
{
    struct item it = {.kind = ITEM_MANIFEST};
    struct dm_entry *e = add_entry(t, DM_MANIFEST_NAME, DM_ENTRY_FILE, 0, now, &it);
    if (e)
        e->flags |= DM_ENTRY_LATE;
    return e ? 0 : DM_FAIL;
}

/* Once the tree is sealed, the manifest's size is known. */
static int size_manifest(struct dm_recovery *rt, const struct dm_image_plan *p)
{
    const char *path = rt->media->files[DM_ROLE_BOOT_WIM].path;
    const struct dm_entry *wim = path ? dm_tree_find(rt->tree, path) : NULL;
    const struct item *it = wim ? wim->priv : NULL;
    (void)p;
    if (rt->new_manifest && !rt->exported && it && it->kind == ITEM_MEDIA)
        rt->source_wim = wim;
    struct dm_entry *e = (struct dm_entry *)dm_tree_find(rt->tree, DM_MANIFEST_NAME);
    char *text = manifest_text(rt, 0);
    if (!text)
        return dm_error(DM_FAIL, "out of memory");
    e->size = strlen(text);
    free(text);
    return 0;
}

const char *dm_recovery_manifest_sha(const struct dm_recovery *rt) { return rt->manifest_sha; }

/* ---- the whole tree ---- */

static int add_all(struct dm_recovery *rt, const struct dm_job *j)
{
    const struct dm_image_plan *p = &j->plan;
    struct dm_tree *t = rt->tree;
    struct dm_media *m = rt->media;
    const struct dm_recovery_opts *o = rt->opts;
    int manifest = o->flags & DM_RECOVERY_MANIFEST;
    char sha[DM_SHA256_HEX] = "", *added[8] = {0};
    int rc = 0;
    if ((rt->exported = boot_wim_exported(m, p)))
        rc = stage_wim(rt, j, sha);
    else /* streamed as it is: it is the one image */
        rc = check_as_is(rt);
    if (rc == 0 && p->customise && !manifest)
        rc = stage_manifest(rt, j, sha);
    if (rc == 0)
        rc = add_media(t, rt, m, p);
    if (rc == 0 && p->customise && !manifest)
        rc = add_staged(t, rt, DM_MANIFEST_NAME, DM_MANIFEST_NAME, p->built);
    if (rc == 0 && manifest && (rc = manifest_base(rt, j, sha)) == 0)
        rc = add_manifest(t, p->built);
    if (rc == 0 && manifest)
        rc = dm_fingerprint_inputs(m, p, &j->recipe, o->target_inputs, &rt->inputs);
    memcpy(rt->source_sha, sha, sizeof rt->source_sha);
    if (rc == 0 && m->layout == DM_MEDIA_WIM)
        rc = add_wim_boot_files(t, m, added, p->built);
    if (rc == 0 && (o->flags & DM_RECOVERY_EL_TORITO))
        rc = add_el_torito(t, rt, m, added, p->built);
    for (size_t i = 0; rc == 0 && i < o->nextra; i++)
        rc = add_extra(t, rt, &o->extra[i], added, p->built);
    for (int i = 0; i < 8; i++)
        free(added[i]);
    return rc;
}

int dm_recovery_open(const struct dm_job *j, struct dm_recovery **out)
{
    struct dm_media *m = j->media;
    struct dm_recovery *rt = calloc(1, sizeof *rt);
    int rc = rt ? 0 : dm_error(DM_FAIL, "out of memory");
    if (rc == 0) {
        rt->media = m, rt->opts = &j->ropts;
        rt->tree = dm_tree_new(&overlay_ops, rt, m->tree->origin);
        rc = rt->tree ? dm_staging_make(&rt->staging, "recovery")
                      : dm_error(DM_FAIL, "out of memory");
    }
    if (rc == 0)
        rc = add_all(rt, j);
    if (rc == 0)
        dm_tree_seal(rt->tree);
    if (rc == 0 && rt->manifest)
        rc = size_manifest(rt, &j->plan);
    if (rc == 0) {
        *out = rt;
        return 0;
    }
    dm_recovery_free(rt);
    return rc;
}

void dm_recovery_release_staged(struct dm_recovery *rt)
{
    if (rt && atomic_exchange(&rt->released, 1) == 0)
        dm_staging_remove(&rt->staging);
}

void dm_recovery_free(struct dm_recovery *rt)
{
    if (!rt)
        return;
    dm_wim_check_cancel(rt->check); /* before the staged boot.wim it reads goes */
    dm_tree_free(rt->tree);
    dm_staging_remove(&rt->staging);
    json_object_put(rt->manifest);
    json_object_put(rt->inputs);
    hasher_free(rt->hasher);
    free(rt->etfsboot);
    free(rt->efisys);
    splits_free(rt);
    free(rt);
}

/* ---- what a recovery tree of the media holds, for inspect ---- */

int dm_recovery_measure(struct dm_media *m, struct dm_recovery_size *out)
{
    static const enum dm_role in_wim[] = {DM_ROLE_BOOTMGR, DM_ROLE_BCD, DM_ROLE_BOOT_SDI,
                                          DM_ROLE_EFI_LOADER, DM_ROLE_EFI_BCD};
    const char *wim = m->files[DM_ROLE_BOOT_WIM].path;
    const struct dm_entry *we = wim ? dm_tree_find(m->tree, wim) : NULL;
    struct dm_image_plan none = {0};
    *out = (struct dm_recovery_size){.exported = boot_wim_exported(m, &none)};
    int rc = !out->exported ? 0 : dm_image_export_size(m->wim, m->image, &out->wim_bytes);
    if (rc)
        return rc;
    if (!out->exported)
        out->wim_bytes = we ? we->size : 0;
    for (size_t i = 0; i < m->tree->count; i++) {
        const struct dm_entry *e = &m->tree->entries[i];
        if (e->kind != DM_ENTRY_FILE || dm_media_entry_skipped(e, 1))
            continue;
        if (dm_recovery_keeps(m, e)) {
            out->files++;
            out->bytes += e == we ? out->wim_bytes : e->size;
            continue;
        }
        out->left_files++;
        out->left_bytes += e->size;
        if (!out->largest || e->size > out->largest_size)
            out->largest = e->path, out->largest_size = e->size;
    }
    /* A bare boot.wim: the boot files come out of it. */
    for (size_t i = 0; m->layout == DM_MEDIA_WIM && i < sizeof in_wim / sizeof *in_wim; i++)
        if (m->files[in_wim[i]].where == DM_IN_WIM)
            out->files++, out->bytes += m->files[in_wim[i]].size;
    return 0;
}
