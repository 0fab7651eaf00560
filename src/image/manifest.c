/* manifest.c — the manifest of a build (dartmk-manifest.json, at the root of the recovery
 * tree and in the image's DaRT folder): which dartmk, when, from which source (its boot.wim's
 * SHA-256), with which recipe, what went in, and until when the image may be used. Also where
 * dartmk's own files (the expiry checkers) are found. */
#include "image/image_internal.h"
#include "image/expiry.h"
#include "util/report.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static json_object *str_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

static json_object *source_json(const struct dm_media *m, const char *source, const char *sha)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "path", json_object_new_string(source));
    json_object_object_add(s, "kind", json_object_new_string(dm_source_kind_name(m->kind)));
    json_object_object_add(s, "layout", json_object_new_string(dm_media_layout_name(m->layout)));
    json_object_object_add(s, "boot_wim_sha256", str_or_null(sha));
    /* The image of the source's boot.wim that the recovery tree's boot.wim holds (alone). */
    json_object_object_add(s, "image_index", json_object_new_int(m->image));
    json_object_object_add(s, "image_name",
                           json_object_new_string(dm_wim_image(m->wim, m->image)->name));
    return s;
}

static json_object *tools_json(const struct dm_image_plan *p)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < p->ntools; i++) {
        json_object *t = json_object_new_object();
        json_object_object_add(t, "name", json_object_new_string(p->tools[i].name));
        json_object_object_add(t, "program", str_or_null(p->tools[i].program));
        json_object_object_add(t, "offered", json_object_new_boolean(!p->tools[i].helpdesk));
        json_object_array_add(a, t);
    }
    return a;
}

static json_object *remote_json(const struct dm_image_plan *p)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "enabled", json_object_new_boolean(p->remote));
    if (p->remote && p->dart) /* DaRT's own: its port is in DartConfig.dat */
        json_object_object_add(r, "tool", json_object_new_string("DaRT Remote Connection"));
    else if (p->remote) {
        json_object_object_add(r, "port", json_object_new_int(p->remote_port));
        json_object_object_add(r, "tool", json_object_new_string(p->tools[p->remote_tool].name));
    }
    return r;
}

/* DaRT's own files: the tools cab used and the wizard's configuration, with their SHA-256s. */
static json_object *dart_json(const struct dm_media *m, const struct dm_image_plan *p)
{
    const struct dm_dart_cab *c = p->dart ? dm_dart_pick(p->dart, m->arch) : NULL;
    if (!c)
        return NULL;
    json_object *d = json_object_new_object(), *t = json_object_new_object(), *cf = NULL;
    json_object_object_add(t, "given", json_object_new_string(p->dart->given));
    json_object_object_add(t, "cab", json_object_new_string(c->name));
    json_object_object_add(t, "sha256", json_object_new_string(c->sha256));
    json_object_object_add(t, "arch", str_or_null(dm_arch_name(c->arch)));
    json_object_object_add(t, "version", str_or_null(c->version[0] ? c->version : NULL));
    json_object_object_add(d, "tools", t);
    if (p->dart->config) {
        cf = json_object_new_object();
        json_object_object_add(cf, p->dart->config_from ? "from" : "file",
                               json_object_new_string(p->dart->config_given));
        json_object_object_add(cf, "sha256", json_object_new_string(p->dart->config_sha256));
        json_object_object_add(cf, "size", json_object_new_int64((int64_t)p->dart->config_size));
    }
    json_object_object_add(d, "config", cf);
    return d;
}

json_object *dm_manifest_new(const struct dm_media *m, const struct dm_image_plan *p,
                             const struct dm_recipe *r, const char *source, const char *source_sha)
{
    char built[DM_EXPIRY_TEXT], expires[DM_EXPIRY_TEXT];
    json_object *j = json_object_new_object();
    if (!j)
        return NULL;
    dm_expiry_format(p->built, built);
    if (p->expire_days)
        dm_expiry_format(dm_expiry_add_days(p->built, p->expire_days), expires);
    json_object_object_add(j, "generator", json_object_new_string("dartmk " DARTMK_VERSION));
    json_object_object_add(j, "built", json_object_new_string(built));
    json_object_object_add(j, "expires", str_or_null(p->expire_days ? expires : NULL));
    json_object_object_add(j, "source", source_json(m, source, source_sha));
    json_object_object_add(j, "image_index", json_object_new_int(m->image));
    json_object_object_add(j, "arch", str_or_null(dm_arch_name(m->arch)));
    json_object_object_add(j, "customised", json_object_new_boolean(p->customise));
    json_object_object_add(j, "recipe", dm_recipe_json(r));
    json_object_object_add(j, "tools", tools_json(p));
    json_object_object_add(j, "remote", remote_json(p));
    json_object_object_add(j, "debugging_tools", str_or_null(p->debuggers));
    if (p->dart)
        json_object_object_add(j, "dart", dart_json(m, p));
    return j;
}

/* ---- dartmk's own files ---- */

static char *existing(char *path)
{
    if (path && access(path, R_OK) == 0)
        return path;
    free(path);
    return NULL;
}

char *dm_libdir_find(const char *name)
{
    char *path = NULL, exe[PATH_MAX];
    const char *env = getenv("DARTMK_LIBDIR");
    if (env && *env)
        return asprintf(&path, "%s/%s", env, name) < 0 ? NULL : existing(path);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    static const char *const beside[] = {"build/winpe", "winpe", "../lib/dartmk"};
    for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
        if (asprintf(&path, "%s/%s/%s", exe, beside[i], name) < 0)
            return NULL;
        if ((path = existing(path)))
            return path;
    }
    return NULL;
}

const char *dm_manifest_text(json_object *j)
{
    return json_object_to_json_string_ext(j,
                                          JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- reading it back ---- */

enum { MANIFEST_MAX = 1 << 20 };

static int read_stream(struct dm_stream *s, char **out)
{
    char *buf = malloc(MANIFEST_MAX + 1);
    ssize_t n = buf ? dm_stream_read_full(s, buf, MANIFEST_MAX) : -1;
    int rc = dm_stream_close(s);
    if (n < 0 || rc) {
        free(buf);
        return rc ? rc : DM_FAIL;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

int dm_media_expiry(struct dm_media *m, int64_t *expires)
{
    int found = 0, is_dir = 0;
    uint64_t size;
    struct dm_stream *s;
    char *text = NULL;
    const char *path = "DaRT/" DM_MANIFEST_NAME;
    int rc = dm_wim_stat(m->wim, m->image, path, &found, &size, &is_dir);
    if (rc || !found || is_dir)
        return rc ? rc : 1;
    if ((rc = dm_wim_open_file(m->wim, m->image, path, &s)) != 0 || (rc = read_stream(s, &text)))
        return rc;
    json_object *j = json_tokener_parse(text), *e = NULL;
    free(text);
    rc = 1;
    if (!j)
        rc = dm_error(DM_FAIL, "%s:%s: not valid JSON", dm_wim_display(m->wim), path);
    else if (json_object_object_get_ex(j, "expires", &e) &&
             json_object_is_type(e, json_type_string))
        rc = dm_expiry_parse(json_object_get_string(e), expires) == 0
                 ? 0
                 : dm_error(DM_FAIL, "%s:%s: 'expires' is not an ISO 8601 UTC time",
                            dm_wim_display(m->wim), path);
    json_object_put(j);
    return rc;
}
