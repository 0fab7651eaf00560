/* drivers.c — `--driver FILE.inf|DIR`: as in DaRT, an INF's whole folder goes into the image
 * (the INF names the other files of the driver beside it), and every INF is loaded at start-up
 * with drvload. Also the folder helpers the build shares. */
#include "image/image_internal.h"
#include "util/report.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { INF_SCAN_MAX = 1 << 20 };

int dm_read_text_file(const char *path, size_t max, char **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot read", path);
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (!buf || err) {
        free(buf);
        return buf ? dm_error_errno(DM_FAIL, err, "%s: cannot read", path)
                   : dm_error(DM_FAIL, "%s: out of memory", path);
    }
    if (n > max) {
        free(buf);
        return dm_error(DM_FAIL, "%s: larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

/* ---- wireless drivers ---- */

/* The first INF_SCAN_MAX bytes of an INF as lower-case ASCII text (UTF-16LE INFs, common, keep
 * the low byte of each character). NULL when it cannot be read: the check is only advice. */
static char *inf_ascii(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = f ? malloc(INF_SCAN_MAX + 1) : NULL;
    size_t n = buf ? fread(buf, 1, INF_SCAN_MAX, f) : 0;
    if (f)
        fclose(f);
    if (!buf)
        return NULL;
    int utf16 = n >= 2 && buf[0] == 0xFF && buf[1] == 0xFE;
    size_t o = 0;
    for (size_t i = utf16 ? 2 : 0; i < n; i += utf16 ? 2 : 1) {
        unsigned char c = utf16 && i + 1 < n && buf[i + 1] ? '?' : buf[i];
        buf[o++] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c ? c : ' ');
    }
    buf[o] = '\0';
    return (char *)buf;
}

static int inf_is_wireless(const char *path)
{
    char *t = inf_ascii(path);
    if (!t)
        return 0;
    int net = strstr(t, "class=net") || strstr(t, "class = net");
    int wifi = strstr(t, "802.11") || strstr(t, "wireless") || strstr(t, "wlan") ||
               strstr(t, "wi-fi") || strstr(t, "wifi");
    free(t);
    return net && wifi;
}

/* ---- INF files in a folder ---- */

static struct dm_driver *collecting;
static size_t collect_base;
static int collect_failed;

static int collect_inf(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path);
    if (flag != FTW_F || !S_ISREG(st->st_mode) || n < 4 || strcasecmp(path + n - 4, ".inf"))
        return 0;
    char **v = realloc(collecting->infs, (collecting->ninfs + 1) * sizeof *v);
    if (!v || !(v[collecting->ninfs] = strdup(path + collect_base))) {
        if (v)
            collecting->infs = v;
        collect_failed = 1;
        return 1;
    }
    collecting->infs = v;
    collecting->ninfs++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int driver_folder(struct dm_driver *d, const char *spec)
{
    collecting = d, collect_base = strlen(d->dir) + 1, collect_failed = 0;
    if (nftw(d->dir, collect_inf, 16, FTW_PHYS) != 0 && !collect_failed)
        return dm_error_errno(DM_FAIL, errno, "--driver %s: cannot read the folder", spec);
    if (collect_failed)
        return dm_error(DM_FAIL, "out of memory");
    if (!d->ninfs)
        return dm_error(DM_FAIL, "--driver %s: the folder holds no .inf file", spec);
    qsort(d->infs, d->ninfs, sizeof *d->infs, by_name);
    return 0;
}

static int driver_file(struct dm_driver *d, const char *spec)
{
    const char *slash = strrchr(spec, '/');
    size_t n = strlen(spec);
    if (n < 4 || strcasecmp(spec + n - 4, ".inf"))
        return dm_error(DM_FAIL, "--driver %s: not an .inf file or a folder", spec);
    if (!slash)
        return dm_error(DM_FAIL, "--driver %s: give the INF's folder too", spec);
    d->dir = strndup(spec, (size_t)(slash - spec));
    d->infs = malloc(sizeof *d->infs);
    if (!d->dir || !d->infs || !(d->infs[0] = strdup(slash + 1)))
        return dm_error(DM_FAIL, "out of memory");
    d->ninfs = 1;
    return 0;
}

static int plan_driver(struct dm_driver *d, const char *spec)
{
    struct stat st;
    const char *slash = strrchr(spec, '/');
    if (stat(spec, &st) != 0) /* first: a missing /x.inf is missing, wherever it would be */
        return dm_error_errno(DM_FAIL, errno, "--driver %s", spec);
    if (slash == spec && strlen(spec) > 4 && !strcasecmp(spec + strlen(spec) - 4, ".inf"))
        return dm_error(DM_FAIL,
                        "--driver %s: the INF is not in a folder of its own (its whole "
                        "folder goes into the image)",
                        spec);
    if (!S_ISDIR(st.st_mode))
        return driver_file(d, spec);
    size_t n = strlen(spec);
    while (n > 1 && spec[n - 1] == '/')
        n--;
    if (!(d->dir = strndup(spec, n)))
        return dm_error(DM_FAIL, "out of memory");
    if (!strcmp(d->dir, "/"))
        return dm_error(DM_FAIL, "--driver /: give the driver's own folder");
    return driver_folder(d, spec);
}

/* The folder's name and every name in it go into the image (the INFs' into startnet.cmd too). */
static int driver_names(const struct dm_driver *d, const char *spec)
{
    const char *base = strrchr(d->dir, '/'), *fault;
    base = base ? base + 1 : d->dir;
    if ((fault = dm_image_name_fault(base)) != NULL)
        return dm_error(DM_USAGE, "--driver %s: the folder's name '%s' %s", spec, base, fault);
    return dm_image_check_names("--driver", spec, d->dir);
}

static void warn_wireless(const struct dm_driver *d)
{
    for (size_t i = 0; i < d->ninfs; i++) {
        char *path;
        if (asprintf(&path, "%s/%s", d->dir, d->infs[i]) < 0)
            return;
        if (inf_is_wireless(path))
            dm_warn("%s: looks like a wireless network driver; Windows PE has no wireless "
                    "networking, so it will not connect",
                    path);
        free(path);
    }
}

int dm_image_plan_drivers(struct dm_image_plan *p, const struct dm_strlist *l)
{
    if (l->n && !(p->drivers = calloc(l->n, sizeof *p->drivers)))
        return dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        struct dm_driver *d = &p->drivers[p->ndrivers++];
        int rc = plan_driver(d, l->v[i]);
        if (rc == 0)
            rc = driver_names(d, l->v[i]);
        if (rc)
            return rc;
        warn_wireless(d);
    }
    return 0;
}
