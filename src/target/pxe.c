/* pxe.c — the network boot tree (see pxe.h). */
#include "target/pxe.h"
#include "device/disk.h"

#include "boot/syslinux.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/replace.h"
#include "util/copy.h"
#include "util/report.h"
#include "util/sha256.h"
#include "source/source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Debian's pxelinux (DARTMK_PXELINUX names another); the modules are syslinux's. */
static const char pxelinux_default[] = "/usr/lib/PXELINUX/pxelinux.0";

/* The loaders inside boot.wim, by dm_pxe_loader_kind. */
static const char *const loader_names[] = {"pxeboot.n12", "bootmgr.exe", "bootmgfw.efi"};
static const char *const loader_in_wim[] = {"Windows/Boot/PXE/pxeboot.n12",
                                            "Windows/Boot/PXE/bootmgr.exe",
                                            "Windows/Boot/EFI/bootmgfw.efi"};

int dm_pxe_loader_kind(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (int i = 0; i < 3; i++)
        if (strcasecmp(base, loader_names[i]) == 0)
            return i;
    return -1;
}

/* ---- the output folder ---- */

/* The manifest of a tree dartmk wrote there before, or NULL (quietly: it may not be one). */
static json_object *old_manifest(const char *dir)
{
    char *path;
    if (asprintf(&path, "%s/%s", dir, DM_MANIFEST_NAME) < 0)
        return NULL;
    json_object *j = json_object_from_file(path), *pxe;
    free(path);
    if (j && !json_object_object_get_ex(j, "pxe", &pxe))
        json_object_put(j), j = NULL;
    return j;
}

static int is_our_tree(const char *dir)
{
    json_object *j = old_manifest(dir);
    json_object_put(j);
    return j != NULL;
}

static int dir_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int empty = 1;
    while (d && (e = readdir(d)))
        empty &= !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return empty;
}

static int pxe_check_dir(const struct dm_pxe_opts *o, int force)
{
    struct stat st;
    if (lstat(o->dir, &st) != 0 && errno == ENOENT && dm_disk_new_in_dev(o->dir))
        return dm_error(DM_REFUSED, "%s: no such folder (no folder is made in /dev)", o->dir);
    if (lstat(o->dir, &st) != 0)
        return errno == ENOENT
                   ? (o->update ? dm_error(DM_FAIL, "%s: no such folder to update", o->dir) : 0)
                   : dm_error_errno(DM_FAIL, errno, "%s", o->dir);
    if (S_ISLNK(st.st_mode))
        return dm_error(DM_FAIL,
                        "%s: a symbolic link (a folder is written only at its own name, "
                        "not through a link)",
                        o->dir);
    if (!S_ISDIR(st.st_mode))
        return dm_error(DM_FAIL, "%s: exists and is not a folder", o->dir);
    if (o->update && !is_our_tree(o->dir))
        return dm_error(DM_REFUSED,
                        "%s: not a network boot tree dartmk wrote (no %s naming "
                        "one): --update refreshes only those",
                        o->dir, DM_MANIFEST_NAME);
    if (!o->update && !force && !dir_empty(o->dir))
        return dm_error(DM_REFUSED,
                        "%s: exists and is not empty (--update refreshes a tree "
                        "dartmk wrote; --force writes into it)",
                        o->dir);
    return 0;
}

/* ---- the files ---- */

enum from { FROM_ROLE, FROM_WIM, FROM_HOST, FROM_TEXT, FROM_TREE };

struct file {
    const char *dest;
    enum from from;
    enum dm_role role;        /* FROM_ROLE */
    const char *path;         /* FROM_WIM: inside boot.wim; FROM_HOST: a host file */
    char *text;               /* FROM_TEXT (malloc'd) */
    const struct dm_entry *e; /* FROM_TREE: boot.wim in the recovery tree */
};

enum { MAX_FILES = 24 };

struct tree {
    struct file f[MAX_FILES];
    int n;
    struct dm_media *m;
    struct dm_recovery *rt;
    const struct dm_pxe_opts *o;
    json_object *list; /* the manifest's files */
    char *abs_dir;
};

static struct file *add(struct tree *t, const char *dest, enum from from)
{
    struct file *f = &t->f[t->n++];
    *f = (struct file){.dest = dest, .from = from};
    return f;
}

static void add_host(struct tree *t, const char *dest, char *path_owned)
{
    add(t, dest, FROM_HOST)->path = path_owned;
}

/* A loader: the --pxe-loader that names it, else boot.wim's. Refused when neither has it. */
static int add_loader(struct tree *t, int kind, const char *dest)
{
    const struct dm_pxe_opts *o = t->o;
    for (int i = 0; i < o->nloaders; i++)
        if (dm_pxe_loader_kind(o->loaders[i]) == kind)
            return add_host(t, dest, strdup(o->loaders[i])), 0;
    int found = 0, is_dir = 0;
    uint64_t size;
    int rc = dm_wim_stat(t->m->wim, t->m->image, loader_in_wim[kind], &found, &size, &is_dir);
    if (rc)
        return rc;
    if (!found || is_dir)
        return dm_error(DM_FAIL,
                        "%s: image %d of boot.wim has no %s (Windows' PXE loader "
                        "%s); --pxe-loader FILE supplies one",
                        t->m->tree->origin, t->m->image, loader_in_wim[kind], loader_names[kind]);
    add(t, dest, FROM_WIM)->path = loader_in_wim[kind];
    return 0;
}

static char *text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *text(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

/* pxelinux hands over to pxeboot.n12 as a PXE bootstrap program: the PXE stack stays. */
static char *pxelinux_config(int menu)
{
    static const char entry[] = "LABEL dart\n  MENU LABEL DaRT Recovery\n  PXE pxeboot.n12\n";
    if (!menu)
        return text("# dartmk: start DaRT Recovery from the network (Windows' PXE loader)\n"
                    "DEFAULT dart\nPROMPT 0\nTIMEOUT 0\n%s",
                    entry);
    return text("# dartmk: DaRT Recovery, or the local disk after 10 seconds\n"
                "UI menu.c32\nMENU TITLE Network boot\nPROMPT 0\nTIMEOUT 100\nDEFAULT dart\n%s"
                "LABEL local\n  MENU LABEL Start from the local disk\n  LOCALBOOT 0\n",
                entry);
}

static int add_bios(struct tree *t)
{
    static const char *const menu_mods[] = {"menu.c32", "libutil.c32", "libcom32.c32"};
    const char *root = dm_syslinux_root();
    add_host(t, "pxelinux.0",
             strdup(getenv("DARTMK_PXELINUX") ? getenv("DARTMK_PXELINUX") : pxelinux_default));
    add_host(t, "ldlinux.c32", text("%s/modules/bios/ldlinux.c32", root));
    for (int i = 0; t->o->menu && i < 3; i++)
        add_host(t, menu_mods[i], text("%s/modules/bios/%s", root, menu_mods[i]));
    add(t, "pxelinux.cfg/default", FROM_TEXT)->text = pxelinux_config(t->o->menu);
    int rc = add_loader(t, 0, "pxeboot.n12");
    return rc ? rc : add_loader(t, 1, "bootmgr.exe");
}

/* ---- the server configuration beside the tree ---- */

/* Client architectures (DHCP option 93) of the UEFI loader: x64 is 7 (and 9), IA32 is 6. */
static int ia32(const char *efi) { return strcmp(efi, "bootia32.efi") == 0; }

static char *remap(void)
{
    static const char *const files[][2] = {
        {"boot/bcd", "Boot/BCD"},
        {"boot/boot\\.sdi", "Boot/boot.sdi"},
        {"sources/boot\\.wim", "sources/boot.wim"},
        {"bootmgr\\.exe", "bootmgr.exe"},
        {"pxeboot\\.n12", "pxeboot.n12"},
        {"bootx64\\.efi", "bootx64.efi"},
        {"bootia32\\.efi", "bootia32.efi"},
    };
    char *s = text("# dartmk: tftpd-hpa remap file (in.tftpd -m THIS): Windows' loaders ask for\n"
                   "# \\Boot\\BCD with backslashes and in any case.\nrg \\\\ /\n");
    for (size_t i = 0; s && i < sizeof files / sizeof *files; i++) {
        char *more = text("%sri ^(/?)%s$ \\1%s\n", s, files[i][0], files[i][1]);
        free(s);
        s = more;
    }
    return s;
}

static char *dnsmasq(const char *root, const char *efi)
{
    return text("# dartmk: network boot of DaRT Recovery. Include it (conf-file=THIS) in the\n"
                "# dnsmasq that answers DHCP on the network, or copy these lines.\n"
                "enable-tftp\ntftp-root=%s\n"
                "dhcp-match=set:efi-x64,option:client-arch,7\n"
                "dhcp-match=set:efi-x64,option:client-arch,9\n"
                "dhcp-match=set:efi-ia32,option:client-arch,6\n"
                "dhcp-boot=tag:%s,%s\n"
                "dhcp-boot=tag:!efi-x64,tag:!efi-ia32,pxelinux.0\n",
                root, ia32(efi) ? "efi-ia32" : "efi-x64", efi);
}

static char *readme(const char *root, const char *efi)
{
    const char *isc =
        ia32(efi) ? "option arch = 00:06" : "option arch = 00:07 or option arch = 00:09";
    const char *kea = ia32(efi) ? "option[93].hex == 0x0006"
                                : "option[93].hex == 0x0007 or option[93].hex == 0x0009";
    return text(
        "DaRT Recovery network boot tree, written by dartmk.\n\n"
        "BIOS clients: DHCP boot file pxelinux.0. UEFI clients: %s.\n"
        "The TFTP server serves %s.\n\n"
        "dnsmasq (DHCP and TFTP in one): conf-file=%s/dnsmasq.conf\n\n"
        "tftpd-hpa, /etc/default/tftpd-hpa:\n"
        "  TFTP_DIRECTORY=\"%s\"\n  TFTP_OPTIONS=\"--secure --map-file %s/tftpd-hpa.remap\"\n\n"
        "ISC dhcpd, in the subnet:\n"
        "  option arch code 93 = unsigned integer 16;\n"
        "  if %s { filename \"%s\"; }\n"
        "  else { filename \"pxelinux.0\"; }\n  next-server TFTP-SERVER-ADDRESS;\n\n"
        "Kea DHCPv4, in the subnet's \"client-classes\":\n"
        "  { \"name\": \"uefi\", \"test\": \"%s\", \"boot-file-name\": \"%s\" },\n"
        "  { \"name\": \"bios\", \"test\": \"option[93].hex == 0x0000\", \"boot-file-name\": "
        "\"pxelinux.0\" }\n  and \"next-server\": \"TFTP-SERVER-ADDRESS\".\n\n"
        "Update the tree in place with: dartmk pxe SOURCE -o %s --update [build options]\n",
        efi, root, root, root, root, isc, efi, kea, efi, root);
}

static int add_config(struct tree *t, const char *efi)
{
    const char *root = t->o->tftp_root ? t->o->tftp_root : t->abs_dir;
    add(t, "tftpd-hpa.remap", FROM_TEXT)->text = remap();
    add(t, "dnsmasq.conf", FROM_TEXT)->text = dnsmasq(root, efi);
    add(t, "README.txt", FROM_TEXT)->text = readme(root, efi);
    for (int i = 0; i < t->n; i++)
        if ((t->f[i].from == FROM_TEXT && !t->f[i].text) ||
            (t->f[i].from == FROM_HOST && !t->f[i].path))
            return dm_error(DM_FAIL, "out of memory");
    return 0;
}

/* ---- the media's BCD ---- */

/* Windows PE media's BCD starts boot.wim from \sources\boot.wim on the boot device, which on
 * the network is the TFTP root: the tree is laid out so. A BCD naming another path will not. */
static int bcd_fits(struct dm_media *m)
{
    struct dm_stream *s = NULL;
    uint64_t size = m->files[DM_ROLE_BCD].size;
    char *raw = size && size < (16u << 20) ? malloc(size) : NULL,
         *flat = raw ? malloc(size / 2 + 1) : NULL;
    int fits = 0;
    if (flat && dm_media_open_file(m, DM_ROLE_BCD, &s) == 0 &&
        dm_stream_read_full(s, raw, size) == (ssize_t)size) {
        size_t n = 0; /* UTF-16LE text as lower-case ASCII (other characters as '?') */
        for (uint64_t i = 0; i + 1 < size; i += 2)
            flat[n++] = raw[i + 1] || raw[i] < 0x20 ? '?' : (char)tolower((unsigned char)raw[i]);
        flat[n] = '\0';
        fits = strstr(flat, "\\sources\\boot.wim") != NULL;
    }
    if (s)
        dm_stream_close(s);
    free(raw), free(flat);
    return fits;
}

/* ---- the tree ---- */

static const char *efi_name(enum dm_arch a)
{
    return a == DM_ARCH_X86 ? "bootia32.efi" : a == DM_ARCH_ARM64 ? "bootaa64.efi" : "bootx64.efi";
}

static int plan_tree(struct tree *t, struct dm_pxe_result *res)
{
    struct dm_media *m = t->m;
    int rc = 0;
    res->bios = m->arch == DM_ARCH_X86 || m->arch == DM_ARCH_AMD64 || m->arch == DM_ARCH_UNKNOWN;
    res->uefi = 1;
    res->efi_name = efi_name(m->arch);
    if (m->files[DM_ROLE_BCD].where == DM_ABSENT || m->files[DM_ROLE_BOOT_SDI].where == DM_ABSENT)
        return dm_error(DM_FAIL, "%s: no %s: the boot manager has nothing to read", m->tree->origin,
                        m->files[DM_ROLE_BCD].where == DM_ABSENT ? "boot/bcd" : "boot/boot.sdi");
    if (res->bios)
        rc = add_bios(t);
    if (rc == 0)
        rc = add_loader(t, 2, res->efi_name);
    if (rc)
        return rc;
    add(t, "Boot/BCD", FROM_ROLE)->role = DM_ROLE_BCD;
    add(t, "Boot/boot.sdi", FROM_ROLE)->role = DM_ROLE_BOOT_SDI;
    const struct dm_entry *wim = dm_tree_find(t->rt->tree, m->files[DM_ROLE_BOOT_WIM].path);
    if (!wim)
        return dm_error(DM_FAIL, "%s: no boot.wim in the recovery tree", m->tree->origin);
    add(t, "sources/boot.wim", FROM_TREE)->e = wim;
    res->bcd_ok = bcd_fits(m);
    if (!res->bcd_ok)
        dm_warn("%s: its BCD does not name \\sources\\boot.wim: the tree may not boot",
                m->tree->origin);
    return add_config(t, res->efi_name);
}

/* ---- writing, each file beside its place ---- */

static int not_a_folder(const char *p, const char *dir)
{
    return dm_error(DM_REFUSED, "%s: not a folder (a symbolic link?): dartmk writes only inside %s",
                    p, dir);
}

/* Before anything is written: no folder on the way to a file of the tree that is there and is
 * not a folder (a symbolic link would lead out of DIR). */
static int check_dirs(const struct tree *t)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < t->n; i++) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", t->o->dir, t->f[i].dest) < 0)
            return dm_error(DM_FAIL, "out of memory");
        struct stat st;
        for (char *s = p + strlen(t->o->dir) + 1; rc == 0 && (s = strchr(s, '/')); *s++ = '/') {
            *s = '\0';
            if (lstat(p, &st) != 0)
                break; /* made when the file is written */
            if (!S_ISDIR(st.st_mode))
                rc = not_a_folder(p, t->o->dir);
        }
        free(p);
    }
    return rc;
}

static int make_dirs(const char *dir, const char *dest)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, dest) < 0)
        return dm_error(DM_FAIL, "out of memory");
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            struct stat st;
            *s = '\0';
            int rc = 0;
            if (mkdir(p, 0755) == 0)
                chmod(p, 0755); /* whatever the umask: the server reads it */
            else if (errno != EEXIST)
                rc = dm_error_errno(DM_FAIL, errno, "%s", p);
            else if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode)) /* a link would lead out */
                rc = not_a_folder(p, dir);
            if (rc) {
                free(p);
                return rc;
            }
            *s = '/';
        }
    free(p);
    return 0;
}

static int fill(struct tree *t, const struct file *f, int fd, const char *path, char *sha,
                uint64_t *size)
{
    struct dm_sha256 *h = dm_sha256_new();
    struct dm_stream *s = NULL;
    int rc = h ? 0 : dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && f->from == FROM_TEXT) {
        *size = strlen(f->text);
        dm_sha256_update(h, f->text, *size);
        rc = dm_write_all(fd, f->text, *size, path);
    } else if (rc == 0) {
        rc = f->from == FROM_ROLE   ? dm_media_open_file(t->m, f->role, &s)
             : f->from == FROM_WIM  ? dm_wim_open_file(t->m->wim, t->m->image, f->path, &s)
             : f->from == FROM_HOST ? dm_host_stream_open(f->path, &s)
                                    : dm_tree_open(t->rt->tree, f->e, &s);
        if (rc == 0)
            rc = dm_copy_stream(s, fd, path, h, NULL, 0, size);
        int crc = s ? dm_stream_close(s) : 0;
        rc = rc ? rc : crc;
    }
    if (rc == 0)
        dm_sha256_final(h, sha), h = NULL;
    dm_sha256_free(h);
    return rc;
}

/* Writes `dest` of the tree beside its place, world-readable, then renames it into place: a
 * client of the server never sees half a file. */
static int put(struct tree *t, const struct file *f, uint64_t *bytes)
{
    struct dm_replace r = {0};
    char *final = NULL, sha[DM_SHA256_HEX];
    uint64_t size = 0;
    int rc = make_dirs(t->o->dir, f->dest);
    if (rc == 0 && asprintf(&final, "%s/%s", t->o->dir, f->dest) < 0)
        final = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = dm_replace_begin(&r, final, 0644); /* whatever the umask: the server reads it */
    if (rc == 0)
        rc = fill(t, f, r.fd, final, sha, &size);
    if (rc == 0)
        rc = dm_replace_close(&r);
    if (rc == 0)
        rc = dm_replace_rename(&r);
    else
        dm_replace_abort(&r);
    if (rc == 0) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(f->dest));
        json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
        json_object_object_add(o, "sha256", json_object_new_string(sha));
        json_object_array_add(t->list, o);
        *bytes += size;
    }
    free(final);
    return rc;
}

static int put_manifest(struct tree *t, const struct dm_job *job, struct dm_pxe_result *res)
{
    json_object *j = dm_manifest_new(job->media, &job->plan, &job->recipe, job->source, NULL);
    json_object *x = json_object_new_object();
    json_object_object_add(x, "bios", json_object_new_boolean(res->bios));
    json_object_object_add(x, "uefi", json_object_new_boolean(res->uefi));
    json_object_object_add(x, "menu", json_object_new_boolean(t->o->menu));
    json_object_object_add(j, "pxe", x);
    json_object_object_add(j, "files", json_object_get(t->list));
    struct file f = {.dest = DM_MANIFEST_NAME, .from = FROM_TEXT};
    int rc =
        asprintf(&f.text, "%s\n", dm_manifest_text(j)) < 0 ? dm_error(DM_FAIL, "out of memory") : 0;
    json_object_put(j);
    if (rc == 0) {
        json_object *keep = t->list; /* the manifest does not list itself */
        t->list = json_object_new_array();
        rc = put(t, &f, &res->bytes);
        json_object_put(t->list);
        t->list = keep;
    }
    free(f.text);
    return rc;
}

/* --update: the files the old manifest listed that the new tree does not have. */
static void drop_stale(const struct tree *t, json_object *old)
{
    json_object *files;
    if (!old || !json_object_object_get_ex(old, "files", &files))
        return;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        json_object *f = json_object_array_get_idx(files, i), *jp;
        const char *path =
            json_object_object_get_ex(f, "path", &jp) ? json_object_get_string(jp) : NULL;
        int kept = !path || path[0] == '/' || strstr(path, "..") != NULL;
        for (int k = 0; !kept && k < t->n; k++)
            kept = strcmp(t->f[k].dest, path) == 0;
        char *full;
        if (!kept && asprintf(&full, "%s/%s", t->o->dir, path) >= 0)
            unlink(full), dm_replace_sweep(full), free(full);
    }
}

/* --update: the temporaries a run killed before its renames left (beside the files of the tree
 * and its manifest) go, so that the tree holds its files and nothing else again. */
static void sweep_temporaries(const struct tree *t)
{
    for (int i = 0; i <= t->n; i++) {
        char *full;
        if (asprintf(&full, "%s/%s", t->o->dir, i < t->n ? t->f[i].dest : DM_MANIFEST_NAME) >= 0)
            dm_replace_sweep(full), free(full);
    }
}

static int write_tree(const struct dm_job *j, const struct dm_pxe_opts *o,
                      struct dm_pxe_result *res)
{
    struct tree t = {.m = j->media, .rt = j->rt, .o = o, .list = json_object_new_array()};
    struct stat st;
    /* A new tree (DIR made now, or empty) that fails or is stopped by a signal is taken away
     * again, the folder too when this run made it; an update keeps what was replaced. */
    int created = !o->update && lstat(o->dir, &st) != 0;
    int fresh = !o->update && (created || dir_empty(o->dir));
    int rc = mkdir(o->dir, 0755) == 0 || errno == EEXIST
                 ? 0
                 : dm_error_errno(DM_FAIL, errno, "%s: cannot make the folder", o->dir);
    int guard = rc == 0 && fresh ? dm_cleanup_register(o->dir, created ? 1 : 2) : -1;
    if (rc == 0 && created)
        chmod(o->dir, 0755);
    if (rc == 0 && !(t.abs_dir = realpath(o->dir, NULL)))
        rc = dm_error_errno(DM_FAIL, errno, "%s", o->dir);
    if (rc == 0)
        rc = plan_tree(&t, res);
    if (rc == 0)
        rc = check_dirs(&t);
    if (rc == 0 && o->update)
        sweep_temporaries(&t);
    for (int i = 0; rc == 0 && i < t.n; i++)
        rc = put(&t, &t.f[i], &res->bytes);
    json_object *old = o->update ? old_manifest(o->dir) : NULL;
    if (rc == 0)
        rc = put_manifest(&t, j, res);
    if (rc == 0)
        drop_stale(&t, old);
    json_object_put(old);
    res->files = t.n + 1;
    if (rc)
        dm_cleanup_remove(guard);
    dm_cleanup_forget(guard);
    for (int i = 0; i < t.n; i++) {
        free(t.f[i].text);
        if (t.f[i].from == FROM_HOST)
            free((char *)t.f[i].path);
    }
    json_object_put(t.list);
    free(t.abs_dir);
    return rc;
}

/* ---- the `pxe` target ---- */

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* The TFTP root goes into dnsmasq.conf as one line (tftp-root=...): a line break in it would
 * add lines of its own to the server's configuration. */
static int check_root(const struct dm_pxe_opts *o)
{
    if (o->tftp_root && o->tftp_root[0] != '/')
        return dm_error(DM_USAGE,
                        "--tftp-root '%s': not an absolute path (the folder as the TFTP "
                        "server sees it)",
                        o->tftp_root);
    if (o->tftp_root && has_control(o->tftp_root))
        return dm_error(DM_USAGE,
                        "--tftp-root '%s': holds a control character (it is a line of "
                        "dnsmasq.conf)",
                        o->tftp_root);
    if (!o->tftp_root && has_control(o->dir))
        return dm_error(DM_USAGE,
                        "%s: the folder's name holds a control character, and it is the TFTP "
                        "root in dnsmasq.conf (--tftp-root PATH names it for the server)",
                        o->dir);
    return 0;
}

static int pxe_check(struct dm_job *j, void *t)
{
    const struct dm_pxe_opts *o = &((struct dm_target_pxe *)t)->o;
    int rc = check_root(o);
    if (rc == 0)
        rc = dm_target_not_source(o->dir, j->source, "the network boot tree");
    return rc ? rc : pxe_check_dir(o, j->force);
}

static int pxe_write(struct dm_job *j, void *t)
{
    struct dm_target_pxe *x = t;
    /* Each file is renamed into place as it is written: boot.wim's integrity check first. */
    int rc = dm_job_checked(j);
    return rc ? rc : write_tree(j, &x->o, &x->res);
}

static json_object *pxe_result(struct dm_job *j, void *t)
{
    const struct dm_target_pxe *x = t;
    json_object *o = json_object_new_object();
    (void)j;
    json_object_object_add(o, "dir", json_object_new_string(x->o.dir));
    json_object_object_add(o, "files", json_object_new_int(x->res.files));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)x->res.bytes));
    json_object_object_add(o, "bios", json_object_new_boolean(x->res.bios));
    json_object_object_add(o, "uefi", json_object_new_boolean(x->res.uefi));
    json_object_object_add(o, "menu", json_object_new_boolean(x->o.menu));
    json_object_object_add(o, "updated", json_object_new_boolean(x->o.update));
    json_object_object_add(o, "bcd_ok", json_object_new_boolean(x->res.bcd_ok));
    return o;
}

/* The tree needs nothing of the recovery tree but its boot.wim: no options (j->ropts zeroed). */
const struct dm_target_ops dm_target_pxe_ops = {
    .name = "pxe",
    .check = pxe_check,
    .write = pxe_write,
    .result = pxe_result,
};
