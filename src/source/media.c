/* media.c — boot-file roles, layouts, architecture. */
#include "source/media.h"

#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where each role lives: on the media (install DVD and ADK names, looked up case-insensitively)
 * and inside a Windows PE image (where the ADK media keep the El Torito images, and where a bare
 * boot.wim keeps everything). */
static const struct role_def {
    const char *key;
    const char *media[3];
    const char *wim;
} roles[DM_ROLE_COUNT] = {
    [DM_ROLE_BOOTMGR] = {"bootmgr", {"bootmgr"}, "Windows/Boot/PCAT/bootmgr"},
    [DM_ROLE_BCD] = {"bcd", {"boot/bcd"}, "Windows/Boot/DVD/PCAT/BCD"},
    [DM_ROLE_BOOT_SDI] = {"boot_sdi", {"boot/boot.sdi"}, "Windows/Boot/DVD/PCAT/boot.sdi"},
    [DM_ROLE_ETFSBOOT] = {"etfsboot", {"boot/etfsboot.com"}, "Windows/Boot/DVD/PCAT/etfsboot.com"},
    [DM_ROLE_EFI_LOADER] = {"efi_loader",
                            {"efi/boot/bootx64.efi", "efi/boot/bootia32.efi",
                             "efi/boot/bootaa64.efi"},
                            "Windows/Boot/EFI/bootmgfw.efi"},
    [DM_ROLE_EFI_BCD] = {"efi_bcd", {"efi/microsoft/boot/bcd"}, "Windows/Boot/DVD/EFI/BCD"},
    [DM_ROLE_EFISYS] = {"efisys",
                        {"efi/microsoft/boot/efisys.bin"},
                        "Windows/Boot/DVD/EFI/en-US/efisys.bin"},
    [DM_ROLE_BOOT_WIM] = {"boot_wim", {"sources/boot.wim"}, NULL},
};

static const enum dm_role bios_chain[] = {DM_ROLE_BOOTMGR, DM_ROLE_BCD, DM_ROLE_BOOT_SDI,
                                          DM_ROLE_BOOT_WIM};
static const enum dm_role uefi_chain[] = {DM_ROLE_EFI_LOADER, DM_ROLE_EFI_BCD, DM_ROLE_BOOT_SDI,
                                          DM_ROLE_BOOT_WIM};

const char *dm_role_key(enum dm_role r) { return roles[r].key; }
const char *dm_role_media_path(enum dm_role r) { return roles[r].media[0]; }

const char *dm_media_layout_name(enum dm_media_layout l)
{
    static const char *const names[] = {"install-dvd", "adk", "wim"};
    return names[l];
}

void dm_media_close(struct dm_media *m)
{
    if (!m)
        return;
    for (int r = 0; r < DM_ROLE_COUNT; r++)
        free(m->files[r].path);
    dm_wim_close(m->wim);
    dm_tree_free(m->tree);
    free(m);
}

static int set_file(struct dm_bootfile *f, enum dm_where where, const char *path, uint64_t size)
{
    f->where = where;
    f->size = size;
    f->path = strdup(path);
    return f->path ? 0 : dm_error(DM_FAIL, "%s: out of memory", path);
}

/* Finds one role: on the media first, then inside the chosen image. */
static int resolve(struct dm_media *m, enum dm_role r)
{
    const struct role_def *d = &roles[r];
    int media_first = m->layout != DM_MEDIA_WIM || r == DM_ROLE_BOOT_WIM;
    for (int i = 0; media_first && i < 3 && d->media[i]; i++) {
        const struct dm_entry *e = dm_tree_find(m->tree, d->media[i]);
        if (e && e->kind == DM_ENTRY_FILE)
            return set_file(&m->files[r], DM_ON_MEDIA, e->path, e->size);
    }
    if (!d->wim)
        return 0;
    int found = 0, is_dir = 0;
    uint64_t size = 0;
    int rc = dm_wim_stat(m->wim, m->image, d->wim, &found, &size, &is_dir);
    if (rc || !found || is_dir)
        return rc;
    return set_file(&m->files[r], DM_IN_WIM, d->wim, size);
}

/* The architecture: the image's XML says it; otherwise the EFI loader's PE header does. */
static void find_arch(struct dm_media *m)
{
    m->arch = dm_wim_image(m->wim, m->image)->arch;
    if (m->arch != DM_ARCH_UNKNOWN) {
        m->arch_source = "wim-xml";
        return;
    }
    if (m->files[DM_ROLE_EFI_LOADER].where == DM_ABSENT)
        return;
    unsigned char head[4096];
    struct dm_stream *s;
    if (dm_media_open_file(m, DM_ROLE_EFI_LOADER, &s) != 0)
        return;
    ssize_t n = dm_stream_read_full(s, head, sizeof head);
    dm_stream_close(s);
    uint16_t machine;
    if (n > 0 && dm_pe_machine(head, (size_t)n, &machine) == 0) {
        m->arch = dm_arch_from_pe_machine(machine);
        m->arch_source = m->arch != DM_ARCH_UNKNOWN ? "pe-header" : NULL;
    }
}

static enum dm_media_layout layout_of(const struct dm_tree *t, enum dm_source_kind kind)
{
    if (kind == DM_SOURCE_WIM)
        return DM_MEDIA_WIM;
    if (dm_tree_find(t, "setup.exe") || dm_tree_find(t, "sources/setup.exe"))
        return DM_MEDIA_INSTALL_DVD;
    return DM_MEDIA_ADK;
}

static int recognise(struct dm_media *m, const char *source, int image_index)
{
    const struct dm_entry *wim = dm_tree_find(m->tree, "sources/boot.wim");
    if (!wim || wim->kind != DM_ENTRY_FILE)
        return dm_error(DM_FAIL, "%s: not Windows PE media (no sources/boot.wim)", source);
    m->layout = layout_of(m->tree, m->kind);
    int rc = m->kind == DM_SOURCE_WIM ? dm_wim_open(source, source, &m->wim)
                                      : dm_wim_open_entry(m->tree, wim, &m->wim);
    if (rc == 0)
        rc = dm_wim_select(m->wim, image_index, &m->image);
    for (int r = 0; rc == 0 && r < DM_ROLE_COUNT; r++)
        rc = resolve(m, (enum dm_role)r);
    if (rc == 0)
        find_arch(m);
    return rc;
}

int dm_media_open(const char *source, int image_index, struct dm_media **out)
{
    struct dm_media *m = calloc(1, sizeof *m);
    if (!m)
        return dm_error(DM_FAIL, "%s: out of memory", source);
    int rc = dm_source_open(source, &m->tree, &m->kind);
    if (rc == 0)
        rc = recognise(m, source, image_index);
    if (rc) {
        dm_media_close(m);
        return rc;
    }
    *out = m;
    return 0;
}

size_t dm_media_missing(const struct dm_media *m, int uefi, enum dm_role *missing, size_t max)
{
    const enum dm_role *chain = uefi ? uefi_chain : bios_chain;
    size_t n = 0;
    for (size_t i = 0; i < 4; i++)
        if (m->files[chain[i]].where == DM_ABSENT && n < max)
            missing[n++] = chain[i];
    return n;
}

int dm_media_el_torito(const struct dm_media *m, int uefi)
{
    if (!uefi)
        return m->files[DM_ROLE_ETFSBOOT].where != DM_ABSENT;
    return m->files[DM_ROLE_EFISYS].where != DM_ABSENT ||
           m->files[DM_ROLE_EFI_LOADER].where != DM_ABSENT;
}

const char *dm_media_describe(const struct dm_media *m, enum dm_role r, char *buf, size_t n)
{
    const struct dm_bootfile *f = &m->files[r];
    if (f->where == DM_ABSENT)
        return NULL;
    if (m->layout == DM_MEDIA_WIM && r == DM_ROLE_BOOT_WIM)
        snprintf(buf, n, "%s", m->tree->origin); /* the bare WIM is itself */
    else if (f->where == DM_ON_MEDIA)
        snprintf(buf, n, "%s", f->path);
    else
        snprintf(buf, n, "%s:%s", dm_wim_display(m->wim), f->path);
    return buf;
}

int dm_media_open_file(struct dm_media *m, enum dm_role r, struct dm_stream **out)
{
    const struct dm_bootfile *f = &m->files[r];
    if (f->where == DM_IN_WIM)
        return dm_wim_open_file(m->wim, m->image, f->path, out);
    const struct dm_entry *e = f->where == DM_ON_MEDIA ? dm_tree_find(m->tree, f->path) : NULL;
    if (!e)
        return dm_error(DM_FAIL, "%s: %s not found", m->tree->origin, roles[r].key);
    return dm_tree_open(m->tree, e, out);
}
