/* plan.c — checking a recipe before anything is written: numbers in range, names Windows
 * accepts, paths that exist, tools that hold a program, driver folders that hold an INF,
 * cabinets that expand. Turns the recipe's text into a dm_image_plan. */
#include "image/image.h"
#include "image/image_internal.h"
#include "image/cab.h"
#include "util/cleanup.h"
#include "util/parse.h"
#include "util/utf8.h"
#include "image/expiry.h"
#include "util/report.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

enum { DART_REMOTE_PORT = 3388, REMOTE_MESSAGE_MAX = 2048, TOOL_NAME_MAX = 64 };

static int number(const char *key, const char *v, long min, long max, const char *what, long *out)
{
    if (dm_parse_int(v, min, max, out) == 0)
        return 0;
    return dm_error(DM_USAGE, "--%s: '%s' is not %s (%ld to %ld)", key, v, what, min, max);
}

/* CON, NUL, COM1, LPT1.txt, ...: names of devices, not of folders, in Windows. */
static int reserved_name(const char *name)
{
    static const char *const devices[] = {"CON", "PRN", "AUX", "NUL"};
    size_t n = strcspn(name, ".");
    for (size_t i = 0; i < 4; i++)
        if (n == 3 && strncasecmp(name, devices[i], 3) == 0)
            return 1;
    return n == 4 && (strncasecmp(name, "COM", 3) == 0 || strncasecmp(name, "LPT", 3) == 0) &&
           name[3] >= '1' && name[3] <= '9';
}

/* wimlib stores names as UTF-16 made from UTF-8 (an invalid sequence fails the build late, when
 * boot.wim is written); a control character would break the lines of startnet.cmd; Windows
 * cannot open a file named like a device (CON, NUL.txt). */
const char *dm_image_name_fault(const char *name)
{
    if (reserved_name(name))
        return "is a name Windows reserves for a device";
    return dm_utf8_text_fault(name, NULL);
}

/* The names under a folder whose contents go into the image, checked now: wimlib would refuse
 * one only when boot.wim is written, without naming it. (nftw has no context argument.) */
static size_t walk_top;
static const char *walk_fault;
static char *walk_bad;

static int walk_name(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag;
    if (ftw->level == 0 || !(walk_fault = dm_image_name_fault(path + ftw->base)))
        return 0;
    walk_bad = strdup(path + walk_top);
    return 1;
}

int dm_image_check_names(const char *opt, const char *shown, const char *dir)
{
    walk_top = strlen(dir) + 1, walk_fault = NULL, walk_bad = NULL;
    int r = nftw(dir, walk_name, 16, FTW_PHYS);
    if (r == 0)
        return 0;
    if (!walk_fault)
        return dm_error_errno(DM_FAIL, errno, "%s %s: cannot read the folder", opt, shown);
    int rc = dm_error(DM_USAGE, "%s %s: the name '%s' %s", opt, shown, walk_bad ? walk_bad : "?",
                      walk_fault);
    free(walk_bad);
    return rc;
}

/* Windows' rules for a folder name, which a tool's name becomes. */
static int check_tool_name(const char *name, const char *spec)
{
    size_t n = strlen(name);
    const char *fault;
    if (n == 0 || n > TOOL_NAME_MAX)
        return dm_error(DM_USAGE, "--tool '%s': the name must be 1 to %d characters", spec,
                        TOOL_NAME_MAX);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return dm_error(DM_USAGE, "--tool '%s': the name holds a control character", spec);
        else if (strchr("\\/:*?\"<>|", *c))
            return dm_error(DM_USAGE, "--tool '%s': a tool's name cannot hold '%c'", spec, *c);
    if (reserved_name(name))
        return dm_error(DM_USAGE, "--tool '%s': Windows reserves the name '%s' for a device", spec,
                        name);
    if ((fault = dm_image_name_fault(name)) != NULL) /* not UTF-8: the rest is checked above */
        return dm_error(DM_USAGE, "--tool '%s': the name %s", spec, fault);
    if (name[0] == ' ' || name[n - 1] == ' ' || name[n - 1] == '.')
        return dm_error(DM_USAGE,
                        "--tool '%s': a tool's name cannot begin with a space or end "
                        "with a space or a dot",
                        spec);
    return 0;
}

/* The program a tool folder starts: NAME.exe, else its only .exe. helpdesk tools need none. */
static int find_program(struct dm_tool *t, const char *dir, const char *shown)
{
    DIR *d = opendir(dir);
    if (!d)
        return dm_error_errno(DM_FAIL, errno, "--tool %s: cannot read the folder", shown);
    char *only = NULL, *named = NULL, *want = NULL;
    int count = 0;
    struct dirent *e;
    if (asprintf(&want, "%s.exe", t->name) < 0)
        want = NULL;
    while ((e = readdir(d))) {
        if (!dm_name_ends_with(e->d_name, ".exe"))
            continue;
        count++;
        if (want && !named && strcasecmp(e->d_name, want) == 0)
            named = strdup(e->d_name);
        if (count == 1)
            only = strdup(e->d_name);
    }
    closedir(d);
    free(want);
    t->program = named ? named : count == 1 ? only : NULL;
    if (t->program != only)
        free(only);
    if (t->program || t->helpdesk)
        return 0;
    if (count == 0)
        return dm_error(DM_FAIL, "--tool %s: the folder holds no program (.exe) to start", shown);
    return dm_error(DM_FAIL,
                    "--tool %s: the folder holds %d programs; name the one to start '%s.exe' "
                    "(or mark the tool :helpdesk)",
                    shown, count, t->name);
}

/* A cabinet is expanded now, into the staging folder: a corrupt one is refused before the
 * output is touched. The tool's path becomes the expanded folder. */
static int expand_cab(struct dm_image_plan *p, struct dm_tool *t, size_t i)
{
    char *dest;
    int rc = dm_staging_make(&p->staging, "build");
    if (rc)
        return rc;
    if (asprintf(&dest, "%s/cab-%zu", p->staging.path, i) < 0)
        return dm_error(DM_FAIL, "out of memory");
    if (mkdir(dest, 0755) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot make a folder", dest);
    if (rc == 0)
        rc = dm_cab_expand(t->path, t->path, dest);
    free(t->path);
    t->path = dest;
    return rc;
}

static int tool_kind(struct dm_tool *t, const char *spec)
{
    struct stat st;
    if (stat(t->path, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "--tool %s", spec);
    if (S_ISDIR(st.st_mode))
        return t->kind = DM_TOOL_DIR, 0;
    int cab = dm_cab_is_cab(t->path);
    if (cab < 0)
        return DM_FAIL;
    if (cab || dm_name_ends_with(t->path, ".cab")) {
        t->kind = DM_TOOL_CAB;
        return 0;
    }
    if (S_ISREG(st.st_mode) && dm_name_ends_with(t->path, ".exe")) {
        const char *base = strrchr(t->path, '/');
        t->kind = DM_TOOL_EXE;
        t->program = strdup(base ? base + 1 : t->path);
        return t->program ? 0 : dm_error(DM_FAIL, "out of memory");
    }
    return dm_error(DM_FAIL, "--tool %s: not a folder, an .exe or a .cab", spec);
}

/* NAME=PATH[:helpdesk] */
static int plan_tool(struct dm_image_plan *p, const char *spec, size_t i)
{
    struct dm_tool *t = &p->tools[i];
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return dm_error(DM_USAGE, "--tool '%s': expected NAME=PATH[:helpdesk]", spec);
    t->name = strndup(spec, (size_t)(eq - spec));
    t->path = strdup(eq + 1);
    if (!t->name || !t->path)
        return dm_error(DM_FAIL, "out of memory");
    if (dm_name_ends_with(t->path, ":helpdesk") && strlen(t->path) > 9) {
        t->helpdesk = 1;
        t->path[strlen(t->path) - 9] = '\0';
    }
    int rc = check_tool_name(t->name, spec);
    for (size_t k = 0; rc == 0 && k < i; k++)
        if (strcasecmp(p->tools[k].name, t->name) == 0)
            rc = dm_error(DM_USAGE,
                          "--tool: '%s' and '%s' are the same name (folder names in "
                          "Windows ignore case)",
                          p->tools[k].name, t->name);
    if (rc == 0)
        rc = tool_kind(t, spec);
    if (rc == 0 && t->kind == DM_TOOL_CAB)
        rc = expand_cab(p, t, i);
    if (rc == 0 && t->kind != DM_TOOL_EXE)
        rc = find_program(t, t->path, spec);
    if (rc == 0 && t->kind != DM_TOOL_EXE)
        rc = dm_image_check_names("--tool", spec, t->path);
    const char *fault = rc == 0 && t->program ? dm_image_name_fault(t->program) : NULL;
    if (fault)
        rc = dm_error(DM_USAGE, "--tool %s: the program's name '%s' %s", spec, t->program, fault);
    return rc;
}

static int plan_tools(struct dm_image_plan *p, const struct dm_strlist *l)
{
    if (!l->n)
        return 0;
    if (!(p->tools = calloc(l->n, sizeof *p->tools)))
        return dm_error(DM_FAIL, "out of memory");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->n; i++, p->ntools++)
        rc = plan_tool(p, l->v[i], i);
    return rc;
}

/* ---- remote connection ---- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int bool_value(const char *key, const char *v, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return *out = 1, 0;
        if (!strcasecmp(v, no[i]))
            return *out = 0, 0;
    }
    return dm_error(DM_USAGE, "--%s: '%s' is not yes or no", key, v);
}

static int remote_message(struct dm_image_plan *p, const char *v)
{
    if (v[0] == '@' && v[1] == '\0')
        return dm_error(DM_USAGE, "--remote-message '@': no file named (@FILE)");
    if (v[0] == '@') {
        if (dm_read_text_file(v + 1, REMOTE_MESSAGE_MAX * 4 + 2, &p->remote_message) != 0)
            return DM_FAIL;
        size_t len = strlen(p->remote_message); /* the file's last line end is not text */
        if (len && p->remote_message[len - 1] == '\n')
            p->remote_message[--len] = '\0';
        if (len && p->remote_message[len - 1] == '\r')
            p->remote_message[--len] = '\0';
    } else if (!(p->remote_message = strdup(v))) {
        return dm_error(DM_FAIL, "out of memory");
    }
    size_t n = utf8_chars(p->remote_message);
    if (n > REMOTE_MESSAGE_MAX)
        return dm_error(DM_USAGE, "--remote-message: %zu characters; the limit is %d", n,
                        REMOTE_MESSAGE_MAX);
    return 0;
}

static int plan_remote(struct dm_image_plan *p, const struct dm_recipe *r)
{
    long port = DART_REMOTE_PORT;
    int rc = r->remote ? bool_value("remote", r->remote, &p->remote) : 0;
    const char *needs = r->remote_port      ? "--remote-port"
                        : r->remote_message ? "--remote-message"
                        : r->remote_tool    ? "--remote-tool"
                                            : NULL;
    p->remote_tool = -1;
    if (p->dart) /* DaRT's Remote Connection: its settings are in DartConfig.dat */
        return rc;
    if (rc || !p->remote)
        return rc ? rc : needs ? dm_error(DM_USAGE, "%s needs --remote", needs) : 0;
    if (r->remote_port &&
        (rc = number("remote-port", r->remote_port, 1, 65535, "a TCP port", &port)) != 0)
        return rc;
    if (port < 1024)
        dm_warn("--remote-port %ld: ports below 1024 are often taken or blocked", port);
    p->remote_port = (int)port;
    if (r->remote_message && (rc = remote_message(p, r->remote_message)) != 0)
        return rc;
    if (!r->remote_tool)
        return dm_error(DM_USAGE, "--remote needs --remote-tool NAME: the --tool that accepts "
                                  "the connection");
    for (size_t i = 0; i < p->ntools; i++)
        if (strcasecmp(p->tools[i].name, r->remote_tool) == 0)
            p->remote_tool = (int)i;
    if (p->remote_tool < 0 || !p->tools[p->remote_tool].program)
        return dm_error(DM_USAGE, "--remote-tool '%s': no --tool of that name with a program",
                        r->remote_tool);
    return 0;
}

/* ---- files, debugging tools, numbers ---- */

static int existing_dir(const char *opt, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s %s", opt, path);
    if (!S_ISDIR(st.st_mode))
        return dm_error(DM_FAIL, "%s %s: not a folder", opt, path);
    return 0;
}

/* An image folder: '/' or '\' separated, relative, no "." or ".." parts. */
static char *image_folder(const char *dest)
{
    char *out = malloc(strlen(dest) + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *s = dest; *s;) {
        while (*s == '/' || *s == '\\')
            s++;
        size_t n = strcspn(s, "/\\");
        if (!n)
            break;
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
            free(out);
            return NULL;
        }
        if (o != out)
            *o++ = '/';
        memcpy(o, s, n), o += n, s += n;
    }
    *o = '\0';
    return out;
}

static int plan_files(struct dm_image_plan *p, const struct dm_strlist *l)
{
    if (l->n && !(p->files = calloc(l->n, sizeof *p->files)))
        return dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        struct dm_added *a = &p->files[p->nfiles++];
        const char *eq = strchr(l->v[i], '=');
        a->host = eq ? strndup(l->v[i], (size_t)(eq - l->v[i])) : strdup(l->v[i]);
        a->dest = image_folder(eq ? eq + 1 : "");
        if (!a->host)
            return dm_error(DM_FAIL, "out of memory");
        if (!a->dest)
            return dm_error(DM_USAGE,
                            "--add-files '%s': the destination must be a folder "
                            "inside the image, without '.' or '..'",
                            l->v[i]);
        const char *fault = dm_image_name_fault(a->dest);
        if (fault)
            return dm_error(DM_USAGE, "--add-files '%s': the destination %s", l->v[i], fault);
        int rc = existing_dir("--add-files", a->host);
        if (rc == 0)
            rc = dm_image_check_names("--add-files", a->host, a->host);
        if (rc)
            return rc;
    }
    return 0;
}

static int plan_numbers(struct dm_image_plan *p, const struct dm_recipe *r)
{
    long v;
    int rc;
    if (r->image_index &&
        (rc = number("image-index", r->image_index, 1, 1000000, "an image number", &v)) != 0)
        return rc;
    p->image_index = r->image_index ? (int)v : 0;
    if (r->expire_days && (rc = number("expire-days", r->expire_days, 1, DM_EXPIRY_MAX_DAYS,
                                       "a number of days", &v)) != 0)
        return rc;
    p->expire_days = r->expire_days ? (int)v : 0;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    p->built = (int64_t)time(NULL);
    if (sde && *sde) {
        char *end;
        long long t = strtoll(sde, &end, 10);
        if (*end || t < 0 || t > 253402300799LL)
            return dm_error(DM_USAGE, "SOURCE_DATE_EPOCH: '%s' is not a time in seconds", sde);
        p->built = t;
    }
    return 0;
}

static int plan_debuggers(struct dm_image_plan *p, const char *v)
{
    if (!v)
        return 0;
    int rc = strcasecmp(v, "target") ? existing_dir("--debugging-tools", v) : 0;
    if (rc == 0 && strcasecmp(v, "target"))
        rc = dm_image_check_names("--debugging-tools", v, v);
    if (rc == 0 && !(p->debuggers = strdup(strcasecmp(v, "target") ? v : "target")))
        rc = dm_error(DM_FAIL, "out of memory");
    return rc;
}

int dm_image_plan(const struct dm_recipe *r, struct dm_image_plan *p)
{
    memset(p, 0, sizeof *p);
    p->remote_tool = -1;
    int rc = plan_numbers(p, r);
    if (rc == 0)
        rc = plan_tools(p, &r->tools);
    if (rc == 0)
        rc = dm_image_plan_dart(p, r);
    if (rc == 0)
        rc = plan_remote(p, r);
    if (rc == 0)
        rc = plan_debuggers(p, r->debugging_tools);
    if (rc == 0)
        rc = dm_image_plan_drivers(p, &r->drivers);
    if (rc == 0)
        rc = plan_files(p, &r->add_files);
    if (rc == 0 && r->whole_media)
        rc = bool_value("whole-media", r->whole_media, &p->whole_media);
    p->customise = p->dart || p->ntools || p->remote || p->debuggers || p->ndrivers || p->nfiles ||
                   p->expire_days;
    return rc;
}

void dm_image_plan_free(struct dm_image_plan *p)
{
    for (size_t i = 0; i < p->ntools; i++)
        free(p->tools[i].name), free(p->tools[i].path), free(p->tools[i].program);
    for (size_t i = 0; i < p->ndrivers; i++) {
        for (size_t k = 0; k < p->drivers[i].ninfs; k++)
            free(p->drivers[i].infs[k]);
        free(p->drivers[i].infs), free(p->drivers[i].dir);
    }
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i].host), free(p->files[i].dest);
    dm_image_dart_free(p->dart);
    dm_staging_remove(&p->staging);
    free(p->tools), free(p->drivers), free(p->files);
    free(p->remote_message), free(p->debuggers);
    memset(p, 0, sizeof *p);
}
