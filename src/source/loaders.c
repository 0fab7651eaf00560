/* loaders.c — the UEFI loaders of Windows PE media and what signs them (see authenticode.h):
 * the media's EFI loader and the other .efi files of efi/boot/ and of the root (bootmgr.efi; a
 * PXE tree's bootx64.efi), the loaders inside efisys.bin (read with the FAT reader), and the
 * chosen boot.wim image's Windows/Boot/EFI/bootmgfw.efi (what a PXE tree serves). */
#include "source/authenticode.h"
#include "fat/fat_read.h"
#include "source/media.h"
#include "util/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

static const char wim_loader[] = "Windows/Boot/EFI/bootmgfw.efi";

struct list {
    struct dm_loader *l;
    int n;
};

static int known(const struct list *L, const char *where)
{
    for (int i = 0; i < L->n; i++)
        if (strcmp(L->l[i].where, where) == 0)
            return 1;
    return 0;
}

/* Judges a stream's bytes as the loader at `where` (the stream is closed). */
static int add(struct list *L, const char *where, struct dm_stream *s)
{
    unsigned char *b = NULL;
    size_t n = 0;
    int rc = dm_sig_slurp(s, where, &b, &n), crc = dm_stream_close(s);
    rc = rc ? rc : crc;
    struct dm_loader *nl = rc ? NULL : realloc(L->l, (size_t)(L->n + 1) * sizeof *nl);
    if (!rc && !nl)
        rc = dm_error(DM_FAIL, "%s: out of memory", where);
    if (nl) {
        L->l = nl;
        struct dm_loader *d = &L->l[L->n];
        memset(d, 0, sizeof *d);
        d->where = strdup(where);
        if (!d->where || dm_sig_check(b, n, &d->sig) != 0) {
            free(d->where);
            rc = dm_error(DM_FAIL, "%s: out of memory", where);
        } else {
            d->size = n;
            L->n++;
        }
    }
    free(b);
    return rc;
}

static int ends_efi(const char *p)
{
    size_t n = strlen(p);
    return n > 4 && strcasecmp(p + n - 4, ".efi") == 0;
}

/* A file directly in folder `dir` ("" for the root) of a path, case-insensitively. */
static int directly_in(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n && (strncasecmp(path, dir, n) != 0 || path[n] != '/'))
        return 0;
    return strchr(path + (n ? n + 1 : 0), '/') == NULL;
}

static int from_tree(struct list *L, struct dm_tree *t, const char *prefix)
{
    char where[1024];
    for (size_t i = 0; i < t->count; i++) {
        const struct dm_entry *e = &t->entries[i];
        if (e->kind != DM_ENTRY_FILE || !ends_efi(e->path) ||
            !(directly_in(e->path, "efi/boot") || directly_in(e->path, "")))
            continue;
        snprintf(where, sizeof where, "%s%s", prefix, e->path);
        struct dm_stream *s;
        int rc = known(L, where) ? 0 : dm_tree_open(t, e, &s);
        if (rc == 0 && !known(L, where))
            rc = add(L, where, s);
        if (rc)
            return rc;
    }
    return 0;
}

/* efisys.bin's bytes into an anonymous memory file the FAT reader opens by its /proc path
 * (nothing is written to a disk, not even in $TMPDIR). Returns the fd, or -1 after one line. */
static int efisys_copy(struct dm_stream *s, const char *name)
{
    int fd = memfd_create("dartmk-efisys", MFD_CLOEXEC), rc = 0;
    if (fd < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: a memory file to read it from", name);
    unsigned char buf[65536];
    ssize_t got = 0;
    while (rc == 0 && (got = dm_stream_read(s, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)got) != got)
            rc = dm_error_errno(DM_FAIL, errno, "%s: reading it into memory", name);
    if (rc == 0 && got < 0)
        rc = DM_FAIL;
    if (dm_stream_close(s) && rc == 0)
        rc = DM_FAIL;
    if (rc && fd >= 0)
        close(fd);
    return rc ? -1 : fd;
}

static int from_efisys(struct list *L, struct dm_media *m)
{
    char name[1024], path[64], prefix[1100];
    if (!dm_media_describe(m, DM_ROLE_EFISYS, name, sizeof name))
        return 0;
    struct dm_stream *s;
    int rc = dm_media_open_file(m, DM_ROLE_EFISYS, &s);
    int fd = rc ? -1 : efisys_copy(s, name);
    struct dm_tree *t = NULL;
    if (rc == 0 && fd < 0)
        rc = DM_FAIL;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (rc == 0)
        rc = dm_fatread_open(path, 0, 0, &t);
    snprintf(prefix, sizeof prefix, "%s:", name);
    if (rc == 0)
        rc = from_tree(L, t, prefix);
    dm_tree_free(t);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int from_wim(struct list *L, struct dm_media *m)
{
    int found = 0;
    uint64_t size;
    char where[1024];
    if (!m->wim)
        return 0;
    int rc = dm_wim_stat(m->wim, m->image, wim_loader, &found, &size, NULL);
    snprintf(where, sizeof where, "%s:%s", dm_wim_display(m->wim), wim_loader);
    if (rc || !found || known(L, where))
        return rc;
    struct dm_stream *s;
    rc = dm_wim_open_file(m->wim, m->image, wim_loader, &s);
    return rc ? rc : add(L, where, s);
}

int dm_media_loaders(struct dm_media *m, struct dm_loader **out, int *n)
{
    struct list L = {0};
    char where[1024];
    int rc = 0;
    struct dm_stream *s;
    if (m->wim)
        rc = dm_wim_check_blobs(m->wim);
    if (rc == 0 && dm_media_describe(m, DM_ROLE_EFI_LOADER, where, sizeof where) &&
        (rc = dm_media_open_file(m, DM_ROLE_EFI_LOADER, &s)) == 0)
        rc = add(&L, where, s);
    if (rc == 0)
        rc = from_tree(&L, m->tree, "");
    if (rc == 0)
        rc = from_efisys(&L, m);
    if (rc == 0)
        rc = from_wim(&L, m);
    if (rc) {
        dm_media_loaders_free(L.l, L.n);
        return rc;
    }
    *out = L.l, *n = L.n;
    return 0;
}

void dm_media_loaders_free(struct dm_loader *l, int n)
{
    for (int i = 0; i < n; i++) {
        free(l[i].where);
        dm_sig_report_free(&l[i].sig);
    }
    free(l);
}
