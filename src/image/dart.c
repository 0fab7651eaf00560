/* dart.c — checking DaRT's own files before anything is written: --dart-tools (a tools cab, the
 * DaRT installer, or a folder holding them) expanded into the staging folder, DaRT 7's
 * top-level mount\ folder stripped, the architecture read from its programs' PE headers, its
 * start-up (winpeshl.ini) and System Recovery Options entries (WinREConfig.xml) read; and the
 * wizard-made DartConfig.dat copied, from a file or out of a DaRT image. */
#include "image/image_internal.h"
#include "image/cab.h"
#include "source/dart.h"
#include "util/report.h"
#include "util/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PE_HEAD = 4096, TEXT_MAX = 64 << 10, CONFIG_MAX = 16 << 20, PROGRAM_MAX = 64 << 20 };

int dm_dart_tools_cab_name(const char *name)
{
    return strlen(name) >= 9 && strncasecmp(name, "tools", 5) == 0 &&
           dm_name_ends_with(name, ".cab");
}

/* A host path under root matching the '/'-separated rel ignoring case (the cab was made on
 * Windows), or NULL. malloc'd. */
static char *find_ci(const char *root, const char *rel)
{
    char *path = strdup(root);
    while (path && *rel) {
        size_t n = strcspn(rel, "/");
        DIR *d = opendir(path);
        struct dirent *e;
        char *next = NULL;
        while (d && !next && (e = readdir(d)))
            if (strlen(e->d_name) == n && strncasecmp(e->d_name, rel, n) == 0 &&
                asprintf(&next, "%s/%s", path, e->d_name) < 0)
                next = NULL;
        if (d)
            closedir(d);
        free(path);
        path = next;
        rel += n + (rel[n] == '/');
    }
    return path;
}

/* Reads a whole file of at most max bytes; *n its size. malloc'd, or NULL (errno set). */
static unsigned char *slurp(const char *path, size_t max, size_t *n)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char *buf = NULL;
    if (fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_size <= max &&
        (buf = malloc((size_t)st.st_size + 1))) {
        ssize_t got = 0, r = 1;
        while ((size_t)got < (size_t)st.st_size &&
               (r = read(fd, buf + got, (size_t)st.st_size - (size_t)got)) > 0)
            got += r;
        if (r < 0) {
            free(buf);
            buf = NULL;
        } else {
            *n = (size_t)got;
            buf[got] = '\0';
        }
    } else if (fd >= 0 && !errno) {
        errno = EFBIG;
    }
    if (fd >= 0)
        close(fd);
    return buf;
}

static int hash_file(const char *path, char hex[DM_SHA256_HEX])
{
    struct dm_sha256 *h = dm_sha256_new();
    int fd = h ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    int rc = fd < 0 || dm_sha256_update_fd(h, fd) != 0
                 ? dm_error_errno(DM_FAIL, errno, "%s: cannot read", path)
                 : 0;
    if (h)
        dm_sha256_final(h, hex);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- a tools cab's contents ---- */

/* DaRT 7's cab keeps everything under a top-level mount\ folder: the root is then that folder. */
static char *cab_root(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int others = 0;
    char *mount = NULL;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!mount && strcasecmp(e->d_name, "mount") == 0 && e->d_type == DT_DIR)
            mount = strdup(e->d_name);
        else
            others++;
    }
    if (d)
        closedir(d);
    char *root = NULL;
    if (mount && !others ? asprintf(&root, "%s/%s", dir, mount) < 0 : !(root = strdup(dir)))
        root = NULL;
    free(mount);
    return root;
}

/* The architectures of every program (.exe, .dll, .sys) under a folder: bits of 1u << arch,
 * and the first program of each in `first` (nftw has no context argument). */
static unsigned walk_arches;
static char *walk_first[DM_ARCH_ARM64 + 1];
static size_t walk_top;

static int walk_program(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F || !S_ISREG(st->st_mode) ||
        !(dm_name_ends_with(path, ".exe") || dm_name_ends_with(path, ".dll") ||
          dm_name_ends_with(path, ".sys")))
        return 0;
    unsigned char head[PE_HEAD];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof head) : -1;
    if (fd >= 0)
        close(fd);
    uint16_t machine;
    if (n <= 0 || dm_pe_machine(head, (size_t)n, &machine) != 0)
        return 0;
    enum dm_arch a = dm_arch_from_pe_machine(machine);
    walk_arches |= 1u << a;
    if (!walk_first[a])
        walk_first[a] = strdup(path + walk_top);
    return 0;
}

static int cab_arch(struct dm_dart_cab *c)
{
    walk_arches = 0, walk_top = strlen(c->root) + 1;
    memset(walk_first, 0, sizeof walk_first);
    nftw(c->root, walk_program, 16, FTW_PHYS);
    int rc = 0, n = __builtin_popcount(walk_arches & ~1u);
    enum dm_arch a = DM_ARCH_UNKNOWN;
    for (int i = 1; i <= DM_ARCH_ARM64; i++)
        if (walk_arches & (1u << i))
            a = (enum dm_arch)i;
    if (n == 0)
        rc = dm_error(DM_FAIL, "--dart-tools %s: no program in it says which architecture it is",
                      c->name);
    else if (n > 1)
        rc = dm_error(DM_FAIL,
                      "--dart-tools %s: its programs are for several architectures (%s "
                      "is %s, %s is %s)",
                      c->name, walk_first[DM_ARCH_X86] ? walk_first[DM_ARCH_X86] : "?", "x86",
                      walk_first[a] ? walk_first[a] : "?", dm_arch_name(a));
    for (int i = 0; i <= DM_ARCH_ARM64; i++)
        free(walk_first[i]);
    c->arch = a;
    return rc;
}

/* The tools window must be there (that is what makes it DaRT's); its version is shown. */
static int cab_window(struct dm_dart_cab *c)
{
    const char *rel = dm_dart_file_path(DM_DART_TOOLS_WINDOW);
    char *path = find_ci(c->root, rel);
    size_t n = 0;
    unsigned char *buf = path ? slurp(path, PROGRAM_MAX, &n) : NULL;
    enum dm_arch a;
    int rc = 0;
    if (!path)
        rc = dm_error(DM_FAIL, "--dart-tools %s: not DaRT's tools: it holds no %s", c->name,
                      dm_dart_file_winpath(DM_DART_TOOLS_WINDOW));
    else if (!buf)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot read", path);
    else if (dm_dart_program(buf, n, c->version, &a) != 0)
        rc = dm_error(DM_FAIL, "--dart-tools %s: %s is not a Windows program", c->name,
                      dm_dart_file_winpath(DM_DART_TOOLS_WINDOW));
    free(buf), free(path);
    return rc;
}

/* UTF-16LE text (a BOM first) as UTF-8, in place of `text`; BMP characters only. */
static char *utf16_to_utf8(const unsigned char *b, size_t n)
{
    char *out = malloc(n / 2 * 3 + 1), *o = out;
    for (size_t i = 2; out && i + 1 < n; i += 2) {
        unsigned c = b[i] | (unsigned)b[i + 1] << 8;
        if (c < 0x80)
            *o++ = (char)c;
        else if (c < 0x800)
            *o++ = (char)(0xC0 | c >> 6), *o++ = (char)(0x80 | (c & 0x3F));
        else
            *o++ = (char)(0xE0 | c >> 12), *o++ = (char)(0x80 | ((c >> 6) & 0x3F)),
            *o++ = (char)(0x80 | (c & 0x3F));
    }
    if (out)
        *o = '\0';
    return out;
}

/* A text file of the cab as UTF-8 lines (UTF-8 with or without BOM, or UTF-16LE with BOM).
 * NULL with *absent set when the cab has no such file. */
static char *cab_text(const struct dm_dart_cab *c, const char *rel, int *absent)
{
    char *path = find_ci(c->root, rel), *text = NULL;
    size_t n = 0;
    unsigned char *b = path ? slurp(path, TEXT_MAX, &n) : NULL;
    *absent = !path;
    if (path && !b)
        dm_error_errno(DM_FAIL, errno ? errno : EFBIG, "--dart-tools %s: %s: cannot read", c->name,
                       rel);
    else if (b && n >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        text = utf16_to_utf8(b, n);
    else if (b)
        text = strdup((const char *)b + (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3) ? 3 : 0));
    free(b), free(path);
    return text;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* DaRT's start-up: the entries of its winpeshl.ini ([LaunchApps] lines, or [LaunchApp]
 * AppPath=); without one, the default DaRT's documentation gives. */
static int cab_launch(struct dm_dart_cab *c)
{
    static const char *const fallback[] = {"%windir%\\system32\\netstart.exe, -prompt",
                                           "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe"};
    int absent, apps = 0, app = 0, rc = 0;
    char *text = cab_text(c, "Windows/System32/winpeshl.ini", &absent), *save = NULL;
    if (!text && !absent)
        return DM_FAIL;
    for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l && rc == 0;
         l = strtok_r(NULL, "\n", &save)) {
        char *s = trim(l);
        if (*s == '[')
            apps = !strncasecmp(s, "[LaunchApps]", 12), app = !strncasecmp(s, "[LaunchApp]", 11);
        else if (!*s || *s == ';')
            continue;
        else if (apps || (app && !strncasecmp(s, "AppPath", 7) && strchr(s, '=')))
            rc = dm_strlist_add(&c->launch, apps ? s : trim(strchr(s, '=') + 1)) ? DM_FAIL : 0;
    }
    for (size_t i = 0; rc == 0 && c->launch.n == 0 && i < 2; i++)
        rc = dm_strlist_add(&c->launch, fallback[i]) ? DM_FAIL : 0;
    for (size_t i = 0; rc == 0 && i < c->launch.n; i++)
        if (dm_image_name_fault(c->launch.v[i]))
            rc = dm_error(DM_FAIL, "--dart-tools %s: its winpeshl.ini line '%s' %s", c->name,
                          c->launch.v[i], dm_image_name_fault(c->launch.v[i]));
    free(text);
    return rc == DM_FAIL && c->launch.n == 0 ? dm_error(DM_FAIL, "out of memory") : rc;
}

/* The tools System Recovery Options offers (WinREConfig.xml's <RelativeFilePath>s). */
static int cab_recovery(struct dm_dart_cab *c)
{
    int absent;
    char *text = cab_text(c, "sources/recovery/tools/WinREConfig.xml", &absent), *p = text;
    if (!text)
        return absent ? 0 : DM_FAIL;
    int rc = 0;
    while (rc == 0 && (p = strstr(p, "<RelativeFilePath>"))) {
        p += strlen("<RelativeFilePath>");
        char *end = strstr(p, "</RelativeFilePath>");
        if (!end)
            break;
        *end = '\0';
        const char *v = trim(p), *fault = dm_image_name_fault(v);
        if (fault || strpbrk(v, "<>&"))
            rc = dm_error(DM_FAIL, "--dart-tools %s: its WinREConfig.xml names '%s', which %s",
                          c->name, v, fault ? fault : "holds markup");
        else if (dm_strlist_add(&c->recovery, v))
            rc = dm_error(DM_FAIL, "out of memory");
        p = end + 1;
    }
    free(text);
    return rc;
}

/* Expands one tools cab and reads what it holds. */
static int plan_cab(struct dm_image_plan *p, struct dm_dart_cab *c, const char *cab, size_t i)
{
    char *dir;
    if (asprintf(&dir, "%s/dart-%zu", p->staging.path, i) < 0)
        return dm_error(DM_FAIL, "out of memory");
    int rc = mkdir(dir, 0700) ? dm_error_errno(DM_FAIL, errno, "%s: cannot make a folder", dir)
                              : hash_file(cab, c->sha256);
    if (rc == 0)
        rc = dm_cab_expand(cab, c->name, dir);
    if (rc == 0 && !(c->root = cab_root(dir)))
        rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = cab_window(c);
    if (rc == 0)
        rc = cab_arch(c);
    if (rc == 0)
        rc = cab_launch(c);
    if (rc == 0)
        rc = cab_recovery(c);
    if (rc == 0 && c->root != dir)
        rc = dm_image_check_names("--dart-tools", c->name, c->root);
    free(dir);
    return rc;
}

/* ---- where the cabs are: a cab, an MSI, a folder ---- */

static int is_msi(const char *path)
{
    unsigned char magic[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, magic, sizeof magic) : -1;
    if (fd >= 0)
        close(fd);
    return n == 8 && memcmp(magic, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0;
}

static int add_source(struct dm_strlist *cabs, struct dm_strlist *names, const char *cab,
                      const char *name)
{
    return dm_strlist_add(cabs, cab) || dm_strlist_add(names, name)
               ? dm_error(DM_FAIL, "out of memory")
               : 0;
}

static int msi_sources(struct dm_image_plan *p, const char *msi, struct dm_strlist *cabs,
                       struct dm_strlist *names)
{
    struct dm_strlist found = {0}, fnames = {0};
    int rc = dm_msi_tools_cabs(msi, msi, p->staging.path, &found, &fnames);
    for (size_t i = 0; rc == 0 && i < found.n; i++) {
        char *name;
        if (asprintf(&name, "%s: %s", msi, fnames.v[i]) < 0)
            return dm_error(DM_FAIL, "out of memory");
        rc = add_source(cabs, names, found.v[i], name);
        free(name);
    }
    dm_strlist_free(&found), dm_strlist_free(&fnames);
    return rc;
}

/* A folder: its tools cabs (Toolsx64.cab, Toolsx86.cab, Tools.cab), else its one installer. */
static int dir_sources(struct dm_image_plan *p, const char *dir, struct dm_strlist *cabs,
                       struct dm_strlist *names)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *msi = NULL, *path;
    int rc = d ? 0 : dm_error_errno(DM_FAIL, errno, "--dart-tools %s", dir), msis = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (!dm_dart_tools_cab_name(e->d_name) && !dm_name_ends_with(e->d_name, ".msi"))
            continue;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
            rc = dm_error(DM_FAIL, "out of memory");
        else if (dm_dart_tools_cab_name(e->d_name))
            rc = add_source(cabs, names, path, path);
        else if (!msis++)
            msi = strdup(path);
        free(rc ? NULL : path);
    }
    if (d)
        closedir(d);
    if (rc == 0 && cabs->n == 0 && msis == 1)
        rc = msi_sources(p, msi, cabs, names);
    else if (rc == 0 && cabs->n == 0)
        rc = dm_error(DM_FAIL,
                      "--dart-tools %s: the folder holds no Toolsx64.cab, Toolsx86.cab or "
                      "Tools.cab%s",
                      dir,
                      msis ? ", and more than one installer (.msi): name one"
                           : " and no DaRT installer (.msi)");
    free(msi);
    return rc;
}

static int dart_sources(struct dm_image_plan *p, const char *given, struct dm_strlist *cabs,
                        struct dm_strlist *names)
{
    struct stat st;
    if (stat(given, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "--dart-tools %s", given);
    if (S_ISDIR(st.st_mode))
        return dir_sources(p, given, cabs, names);
    int cab = S_ISREG(st.st_mode) ? dm_cab_is_cab(given) : 0;
    if (cab < 0)
        return DM_FAIL;
    if (cab)
        return add_source(cabs, names, given, given);
    if (S_ISREG(st.st_mode) && is_msi(given))
        return msi_sources(p, given, cabs, names);
    return dm_error(DM_FAIL, "--dart-tools %s: not a cabinet, a DaRT installer (.msi) or a folder",
                    given);
}

/* ---- DartConfig.dat ---- */

/* Copies src (read whole: it is small) into the staging folder, hashing it. */
static int stage_config(struct dm_image_plan *p, struct dm_dart *d, const unsigned char *b,
                        size_t n)
{
    struct dm_sha256 *h = dm_sha256_new();
    if (!h || asprintf(&d->config, "%s/DartConfig.dat", p->staging.path) < 0)
        return dm_sha256_free(h), d->config = NULL, dm_error(DM_FAIL, "out of memory");
    dm_sha256_update(h, b, n);
    dm_sha256_final(h, d->config_sha256);
    d->config_size = n;
    FILE *f = fopen(d->config, "wbx");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot write", d->config);
    return 0;
}

static int config_file(struct dm_image_plan *p, struct dm_dart *d, const char *path)
{
    struct stat st;
    size_t n = 0;
    if (stat(path, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "--dart-config %s", path);
    if (!S_ISREG(st.st_mode))
        return dm_error(DM_FAIL, "--dart-config %s: not a file", path);
    if (st.st_size == 0)
        return dm_error(DM_FAIL,
                        "--dart-config %s: the file is empty (the wizard's "
                        "DartConfig.dat never is)",
                        path);
    errno = 0;
    unsigned char *b = slurp(path, CONFIG_MAX, &n);
    if (!b)
        return errno == EFBIG ? dm_error(DM_FAIL,
                                         "--dart-config %s: larger than %d MiB: not the "
                                         "wizard's DartConfig.dat",
                                         path, CONFIG_MAX >> 20)
                              : dm_error_errno(DM_FAIL, errno, "--dart-config %s", path);
    int rc = stage_config(p, d, b, n);
    free(b);
    return rc;
}

/* Windows\System32\DartConfig.dat (or DartConfig8.dat) out of a DaRT image's boot.wim. */
static int config_from(struct dm_image_plan *p, struct dm_dart *d, const char *source)
{
    static const char *const names[] = {"Windows/System32/DartConfig.dat",
                                        "Windows/System32/DartConfig8.dat"};
    struct dm_media *m = NULL;
    int rc = dm_media_open(source, 0, &m), found = 0, dir = 0;
    uint64_t size = 0;
    size_t k = 0;
    for (; rc == 0 && !found && k < 2; k++)
        rc = dm_wim_stat(m->wim, m->image, names[k], &found, &size, &dir);
    if (rc == 0 && (!found || dir))
        rc = dm_error(DM_FAIL,
                      "--dart-config-from %s: its image %d holds no "
                      "Windows\\System32\\DartConfig.dat: not a DaRT image the "
                      "wizard made",
                      source, m->image);
    else if (rc == 0 && (size == 0 || size > CONFIG_MAX))
        rc = dm_error(DM_FAIL,
                      "--dart-config-from %s: its DartConfig.dat is %llu bytes: not the "
                      "wizard's",
                      source, (unsigned long long)size);
    unsigned char *b = rc == 0 ? malloc(size) : NULL;
    struct dm_stream *s = NULL;
    if (rc == 0 && !b)
        rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && (rc = dm_wim_open_file(m->wim, m->image, names[k - 1], &s)) == 0) {
        ssize_t got = dm_stream_read_full(s, b, size);
        int crc = dm_stream_close(s);
        rc = got < 0                 ? DM_FAIL
             : crc                   ? crc
             : (uint64_t)got != size ? dm_error(DM_FAIL, "%s: DartConfig.dat ended early", source)
                                     : 0;
    }
    if (rc == 0)
        rc = stage_config(p, d, b, size);
    free(b);
    dm_media_close(m);
    return rc;
}

/* ---- the plan ---- */

/* What --dart-tools changes about the other options: DaRT's Remote Connection keeps its port
 * and message in DartConfig.dat, which only the wizard writes. */
static int dart_conflicts(const struct dm_recipe *r)
{
    const char *conf = r->dart_config ? "--dart-config" : "--dart-config-from";
    if (!r->dart_tools && (r->dart_config || r->dart_config_from))
        return dm_error(DM_USAGE, "%s needs --dart-tools (DaRT's tools it configures)", conf);
    if (r->dart_config && r->dart_config_from)
        return dm_error(DM_USAGE, "--dart-config and --dart-config-from: give one of them");
    if (!r->dart_tools)
        return 0;
    const char *opt = r->remote_port      ? "--remote-port"
                      : r->remote_message ? "--remote-message"
                                          : NULL;
    if (opt)
        return dm_error(DM_USAGE,
                        "%s: with --dart-tools, DaRT keeps the remote connection's settings in "
                        "DartConfig.dat, which only DaRT's Recovery Image Wizard writes",
                        opt);
    if (r->remote_tool)
        return dm_error(DM_USAGE, "--remote-tool: with --dart-tools, DaRT's own Remote "
                                  "Connection (RemoteRecovery.exe) accepts the connection");
    return 0;
}

/* A --tool goes to sources\recovery\tools\NAME: not over one of DaRT's files there. */
static int tools_clash(const struct dm_image_plan *p, const struct dm_dart_cab *c)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->ntools; i++) {
        char *rel = NULL, *there = NULL;
        if (asprintf(&rel, "sources/recovery/tools/%s", p->tools[i].name) < 0)
            return dm_error(DM_FAIL, "out of memory");
        if ((there = find_ci(c->root, rel)))
            rc = dm_error(DM_USAGE,
                          "--tool %s: with --dart-tools a tool goes to "
                          "sources\\recovery\\tools\\%s, where DaRT's %s already has a file",
                          p->tools[i].name, p->tools[i].name, c->name);
        free(rel), free(there);
    }
    return rc;
}

static int plan_cabs(struct dm_image_plan *p, struct dm_dart *d)
{
    struct dm_strlist cabs = {0}, names = {0};
    int rc = dart_sources(p, d->given, &cabs, &names);
    if (rc == 0 && !(d->cabs = calloc(cabs.n, sizeof *d->cabs)))
        rc = dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; rc == 0 && i < cabs.n; i++, d->ncabs++) {
        if (!(d->cabs[i].name = strdup(names.v[i])))
            rc = dm_error(DM_FAIL, "out of memory");
        else
            rc = plan_cab(p, &d->cabs[i], cabs.v[i], i);
    }
    for (size_t i = 0; rc == 0 && i < d->ncabs; i++)
        rc = tools_clash(p, &d->cabs[i]);
    for (size_t i = 0; rc == 0 && i < d->ncabs; i++)
        for (size_t k = 0; k < i; k++)
            if (d->cabs[k].arch == d->cabs[i].arch)
                rc = dm_error(DM_FAIL, "--dart-tools %s: %s and %s are both %s: keep one", d->given,
                              d->cabs[k].name, d->cabs[i].name, dm_arch_name(d->cabs[i].arch));
    dm_strlist_free(&cabs), dm_strlist_free(&names);
    return rc;
}

int dm_image_plan_dart(struct dm_image_plan *p, const struct dm_recipe *r)
{
    int rc = dart_conflicts(r);
    if (rc || !r->dart_tools)
        return rc;
    struct dm_dart *d = p->dart = calloc(1, sizeof *d);
    if (!d || !(d->given = strdup(r->dart_tools)))
        return dm_error(DM_FAIL, "out of memory");
    rc = dm_staging_make(&p->staging, "build");
    if (rc == 0)
        rc = plan_cabs(p, d);
    const char *conf = r->dart_config ? r->dart_config : r->dart_config_from;
    if (rc == 0 && conf && !(d->config_given = strdup(conf)))
        rc = dm_error(DM_FAIL, "out of memory");
    d->config_from = r->dart_config_from != NULL;
    if (rc == 0 && conf)
        rc = r->dart_config ? config_file(p, d, conf) : config_from(p, d, conf);
    if (rc == 0 && !conf)
        dm_warn("--dart-tools without --dart-config: DaRT's tools start without the wizard's "
                "DartConfig.dat");
    return rc;
}

const struct dm_dart_cab *dm_dart_pick(const struct dm_dart *d, enum dm_arch a)
{
    for (size_t i = 0; d && i < d->ncabs; i++)
        if (d->cabs[i].arch == a)
            return &d->cabs[i];
    return NULL;
}

/* ---- the media ---- */

/* The image must be Windows RE or Setup (DaRT's tools run in its recenv.exe), of the tools'
 * architecture. */
int dm_image_check_dart(const struct dm_media *m, const struct dm_image_plan *p)
{
    const struct dm_dart *d = p->dart;
    if (!d)
        return 0;
    int found = 0, dir = 0;
    int rc = m->wim ? dm_wim_stat(m->wim, m->image, dm_dart_file_path(DM_DART_RECENV), &found, NULL,
                                  &dir)
                    : 0;
    if (rc)
        return rc;
    if (!found || dir)
        return dm_error(DM_FAIL,
                        "--dart-tools: boot.wim image %d is not a Windows RE or Setup image: it "
                        "has no %s, which DaRT's tools start from (on an install DVD, image 2, "
                        "Windows Setup, has it)",
                        m->image, dm_dart_file_winpath(DM_DART_RECENV));
    if (dm_dart_pick(d, m->arch))
        return 0;
    const char *image = dm_arch_name(m->arch) ? dm_arch_name(m->arch) : "of unknown architecture";
    if (d->ncabs == 1)
        return dm_error(DM_FAIL,
                        "--dart-tools %s: its programs are %s, the image is %s: DaRT's "
                        "tools must match the image",
                        d->cabs[0].name, dm_arch_name(d->cabs[0].arch), image);
    return dm_error(DM_FAIL,
                    "--dart-tools %s: none of its tools cabs is for the image, which is %s",
                    d->given, image);
}

void dm_image_dart_free(struct dm_dart *d)
{
    for (size_t i = 0; d && i < d->ncabs; i++) {
        free(d->cabs[i].name), free(d->cabs[i].root);
        dm_strlist_free(&d->cabs[i].launch), dm_strlist_free(&d->cabs[i].recovery);
    }
    if (d)
        free(d->cabs), free(d->given), free(d->config), free(d->config_given);
    free(d);
}
