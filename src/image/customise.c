/* customise.c — what goes into boot.wim: the tools, drivers, debugging tools and files the
 * recipe names (added from where they are), and the generated files — the launcher
 * (startnet.cmd, winpeshl.ini), DaRT\DartConfig.ini, the remote message, the expiry checker and
 * the manifest — written to a private staging folder first. Image layout:
 *
 *   DaRT\Tools\<name>\...        a tool (folder, expanded cabinet, or its .exe)
 *   DaRT\Drivers\<nn>-<folder>\  a driver's whole folder
 *   DaRT\Debuggers\              --debugging-tools DIR
 *   DaRT\DartConfig.ini, DaRT\RemoteMessage.txt, DaRT\dartexpire.exe, DaRT\dartmk-manifest.json
 *   Windows\System32\startnet.cmd, Windows\System32\winpeshl.ini */
#include "image/image_internal.h"
#include "util/cleanup.h"
#include "image/expiry.h"
#include "image/launcher.h"
#include "util/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything one customisation allocates, freed together. */
struct image {
    struct dm_staging gen;   /* the staging folder */
    struct dm_wim_add *adds; /* what dm_wim_add gets */
    size_t nadds;
    char **owned; /* strings to free */
    size_t nowned;
    struct dm_launch_tool *tools;
    const char **drivers;
    size_t ndrivers;
    char expires[DM_EXPIRY_TEXT];
    const struct dm_dart_cab *dart; /* the tools cab for the image, with --dart-tools */
};

static char *own(struct image *im, char *s)
{
    char **v = s ? realloc(im->owned, (im->nowned + 1) * sizeof *v) : NULL;
    if (!v) {
        free(s);
        return NULL;
    }
    im->owned = v;
    return v[im->nowned++] = s;
}

static char *ownf(struct image *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *ownf(struct image *im, const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return own(im, n < 0 ? NULL : s);
}

/* An image path with Windows separators, for the launcher. */
static char *backslashed(struct image *im, const char *path)
{
    char *s = own(im, strdup(path));
    for (char *c = s; c && *c; c++)
        if (*c == '/')
            *c = '\\';
    return s;
}

static int add(struct image *im, const char *host, const char *target)
{
    struct dm_wim_add *v = realloc(im->adds, (im->nadds + 1) * sizeof *v);
    if (!v || !host || !target) {
        if (v)
            im->adds = v;
        return dm_error(DM_FAIL, "out of memory");
    }
    im->adds = v;
    v[im->nadds++] = (struct dm_wim_add){host, target};
    return 0;
}

/* Writes a generated file into the staging folder and adds it at `target`. */
static int add_text(struct image *im, const char *name, const char *text, const char *target)
{
    char *path = ownf(im, "%s/%s", im->gen.path, name);
    FILE *f = path && text ? fopen(path, "wb") : NULL;
    if (!path || !text)
        return dm_error(DM_FAIL,
                        "cannot generate %s: out of memory, or a name in it holds '\"' "
                        "or a control character",
                        target);
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    return add(im, path, target);
}

/* ---- the parts ---- */

/* Where tools go: DaRT\Tools, or with DaRT's own tools the folder Windows RE's System
 * Recovery Options offers them from (WinREConfig.xml's paths are relative to it). */
static const char *tools_folder(const struct dm_image_plan *p)
{
    return p->dart ? "Sources/Recovery/Tools" : "DaRT/Tools";
}

/* DaRT's tools cab expanded at the root, first (dartmk's own files after it win), and the
 * wizard's configuration where DaRT reads it. */
static int add_dart(struct image *im, const struct dm_media *m, const struct dm_image_plan *p)
{
    if (!p->dart)
        return 0;
    im->dart = dm_dart_pick(p->dart, m->arch);
    int rc = im->dart ? add(im, im->dart->root, "/")
                      : dm_error(DM_FAIL, "--dart-tools: no tools cab for the image");
    if (rc == 0 && p->dart->config)
        rc = add(im, p->dart->config, "Windows/System32/DartConfig.dat");
    return rc;
}

static int add_tools(struct image *im, const struct dm_image_plan *p)
{
    if (p->ntools && !(im->tools = calloc(p->ntools, sizeof *im->tools)))
        return dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; i < p->ntools; i++) {
        const struct dm_tool *t = &p->tools[i];
        char *folder = ownf(im, "%s/%s", tools_folder(p), t->name);
        int rc = t->kind == DM_TOOL_EXE ? add(im, t->path, ownf(im, "%s/%s", folder, t->program))
                                        : add(im, t->path, folder);
        if (rc)
            return rc;
        im->tools[i].name = t->name;
        im->tools[i].helpdesk = t->helpdesk;
        if (t->program)
            im->tools[i].program = backslashed(im, ownf(im, "%s/%s", folder, t->program));
    }
    return 0;
}

static int add_drivers(struct image *im, const struct dm_image_plan *p)
{
    size_t total = 0;
    for (size_t i = 0; i < p->ndrivers; i++)
        total += p->drivers[i].ninfs;
    if (total && !(im->drivers = calloc(total, sizeof *im->drivers)))
        return dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; i < p->ndrivers; i++) {
        const struct dm_driver *d = &p->drivers[i];
        const char *base = strrchr(d->dir, '/');
        char *folder = ownf(im, "DaRT/Drivers/%02zu-%s", i + 1, base ? base + 1 : d->dir);
        int rc = add(im, d->dir, folder);
        if (rc)
            return rc;
        for (size_t k = 0; k < d->ninfs; k++)
            im->drivers[im->ndrivers++] = backslashed(im, ownf(im, "%s/%s", folder, d->infs[k]));
    }
    return 0;
}

static int add_files(struct image *im, const struct dm_image_plan *p)
{
    int rc = 0;
    if (p->debuggers && strcmp(p->debuggers, "target") != 0)
        rc = add(im, p->debuggers, "DaRT/Debuggers");
    for (size_t i = 0; rc == 0 && i < p->nfiles; i++)
        rc = add(im, p->files[i].host, p->files[i].dest[0] ? p->files[i].dest : "/");
    return rc;
}

static const char *checker_name(enum dm_arch a)
{
    return a == DM_ARCH_AMD64 ? "dartexpire-amd64.exe"
           : a == DM_ARCH_X86 ? "dartexpire-x86.exe"
                              : NULL;
}

int dm_image_check_media(const struct dm_media *m, const struct dm_image_plan *p)
{
    int rc = dm_image_check_dart(m, p);
    if (rc || !p->expire_days)
        return rc;
    const char *name = checker_name(m->arch);
    if (!name)
        return dm_error(DM_FAIL,
                        "--expire-days: the time limit needs the expiry checker for "
                        "%s images; dartmk has it for x86 and amd64",
                        dm_arch_name(m->arch) ? dm_arch_name(m->arch) : "unknown-architecture");
    char *path = dm_libdir_find(name);
    if (!path)
        return dm_error(DM_FAIL,
                        "--expire-days: %s is missing (set DARTMK_LIBDIR to the folder "
                        "holding it, or reinstall dartmk)",
                        name);
    free(path);
    return 0;
}

/* The remote message as Windows text (CRLF line ends). */
static char *crlf(struct image *im, const char *text)
{
    size_t lines = 1;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    char *out = own(im, malloc(strlen(text) + lines + 3)), *o = out;
    for (const char *c = text; o && *c; c++) {
        if (*c == '\n' && (c == text || c[-1] != '\r'))
            *o++ = '\r';
        *o++ = *c;
    }
    if (o && (o == out || o[-1] != '\n'))
        *o++ = '\r', *o++ = '\n';
    if (o)
        *o = '\0';
    return out;
}

/* dartmk's own start-up: startnet.cmd (checker, drivers, remote, menu) run by winpeshl.ini. */
static int add_start(struct image *im, const struct dm_launcher *l)
{
    int rc = add_text(im, "startnet.cmd", own(im, dm_launcher_startnet(l)),
                      "Windows/System32/startnet.cmd");
    if (rc == 0)
        rc = add_text(im, "winpeshl.ini", own(im, dm_launcher_winpeshl(l)),
                      "Windows/System32/winpeshl.ini");
    return rc;
}

/* DaRT's start-up after dartmk's steps, and dartmk's tools offered in System Recovery Options. */
static int add_dart_start(struct image *im, struct dm_launcher *l, const struct dm_image_plan *p)
{
    l->dart_apps = (const char *const *)im->dart->launch.v;
    l->ndart_apps = im->dart->launch.n;
    int rc = add_text(im, "winpeshl.ini", own(im, dm_launcher_winpeshl_dart(l)),
                      "Windows/System32/winpeshl.ini");
    size_t offered = 0;
    for (size_t i = 0; i < p->ntools; i++)
        offered += !p->tools[i].helpdesk;
    if (rc == 0 && offered)
        rc = add_text(
            im, "WinREConfig.xml",
            own(im, dm_launcher_winre_config(l, (const char *const *)im->dart->recovery.v,
                                             im->dart->recovery.n, "Sources\\Recovery\\Tools")),
            "Sources/Recovery/Tools/WinREConfig.xml");
    return rc;
}

static int add_generated(struct image *im, const struct dm_media *m, const struct dm_image_plan *p,
                         json_object *manifest)
{
    struct dm_launcher l = {.version = DARTMK_VERSION,
                            .drivers = im->drivers,
                            .ndrivers = im->ndrivers,
                            .tools = im->tools,
                            .ntools = p->ntools,
                            .remote = p->remote && !p->dart,
                            .remote_port = p->remote_port,
                            .dart_remote = p->remote && p->dart};
    int rc = 0;
    if (p->expire_days) {
        l.expiry_program = "DaRT\\dartexpire.exe", l.expires = im->expires;
        rc = add(im, own(im, dm_libdir_find(checker_name(m->arch))), "DaRT/dartexpire.exe");
    }
    if (p->remote && !p->dart) {
        l.remote_program = im->tools[p->remote_tool].program;
        if (p->remote_message && rc == 0) {
            l.remote_message = "DaRT\\RemoteMessage.txt";
            rc = add_text(im, "RemoteMessage.txt", crlf(im, p->remote_message),
                          "DaRT/RemoteMessage.txt");
        }
    }
    if (p->debuggers)
        l.debuggers = strcmp(p->debuggers, "target") ? "DaRT\\Debuggers" : "target";
    if (rc == 0)
        rc = im->dart ? add_dart_start(im, &l, p) : add_start(im, &l);
    if (rc == 0)
        rc = add_text(im, "DartConfig.ini", own(im, dm_launcher_config(&l)), "DaRT/DartConfig.ini");
    if (rc == 0)
        rc = add_text(im, DM_MANIFEST_NAME, dm_manifest_text(manifest), "DaRT/" DM_MANIFEST_NAME);
    return rc;
}

static void image_free(struct image *im)
{
    dm_staging_remove(&im->gen);
    for (size_t i = 0; i < im->nowned; i++)
        free(im->owned[i]);
    free(im->owned), free(im->adds), free(im->tools), free(im->drivers);
}

int dm_image_write(const struct dm_media *m, const struct dm_image_plan *p,
                   const struct dm_recipe *r, const char *source, const char *source_sha,
                   const char *wim_path, struct dm_wim_status *status)
{
    struct image im = {0};
    json_object *manifest = dm_manifest_new(m, p, r, source, source_sha);
    if (p->expire_days)
        dm_expiry_format(dm_expiry_add_days(p->built, p->expire_days), im.expires);
    int rc = manifest ? dm_staging_make(&im.gen, "image") : dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = add_dart(&im, m, p);
    if (rc == 0)
        rc = add_tools(&im, p);
    if (rc == 0)
        rc = add_drivers(&im, p);
    if (rc == 0)
        rc = add_files(&im, p);
    if (rc == 0)
        rc = add_generated(&im, m, p, manifest);
    if (rc == 0)
        rc = dm_wim_add(wim_path, m->files[DM_ROLE_BOOT_WIM].path, 1, im.adds, im.nadds, status);
    json_object_put(manifest);
    image_free(&im);
    return rc;
}
