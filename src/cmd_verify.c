/* cmd_verify.c — `dartmk verify TARGET`: every file of a recovery tree against the manifest
 * dartmk wrote at its root (size and SHA-256), read through the same sources `inspect` uses,
 * without mounting. The field check for media that "stopped booting". */
#include "build_internal.h"
#include "cli.h"
#include "copy.h"
#include "report.h"
#include "sha256.h"
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char dm_verify_help[] =
    "usage: dartmk verify TARGET [--json]\n"
    "\n"
    "Checks a recovery tree dartmk wrote against the manifest at its root\n"
    "(dartmk-manifest.json): every file listed must be there with its size and SHA-256, and\n"
    "nothing else may be there. TARGET is a folder (what `dartmk build` wrote), an ISO or an\n"
    "optical drive; nothing is mounted and nothing is written. Exit 1 on any difference.\n"
    "\n"
    "Options:\n"
    "      --json               print one JSON object: target, files, verified, missing,\n"
    "                           different, extra, ok\n" COMMON_OPTIONS "\n"
    "Example:\n"
    "  dartmk verify dart/\n"
    "\n" EXIT_CODES;

struct findings {
    json_object *missing, *different, *extra;
    int files, verified;
    char *listed; /* per tree entry: named by the manifest */
};

static int verify_option(int opt, const char *arg, void *ctx)
{
    (void)arg;
    (void)opt;
    return dm_usage_error(ctx, "unknown option");
}

static int read_manifest(struct dm_tree *t, json_object **files)
{
    const struct dm_entry *e = dm_tree_find(t, DM_MANIFEST_NAME);
    struct dm_stream *s = NULL;
    if (!e)
        return dm_error(DM_FAIL, "%s: no %s at its root (not a recovery tree dartmk wrote)",
                        t->origin, DM_MANIFEST_NAME);
    char *text = e->size < (64u << 20) ? malloc(e->size + 1) : NULL;
    int rc = text ? dm_tree_open(t, e, &s) : dm_error(DM_FAIL, "%s: too large", e->path);
    ssize_t n = rc == 0 ? dm_stream_read_full(s, text, e->size) : -1;
    int crc = s ? dm_stream_close(s) : 0;
    json_object *j = rc == 0 && crc == 0 && n == (ssize_t)e->size
                         ? (text[n] = '\0', json_tokener_parse(text))
                         : NULL;
    free(text);
    if (rc || crc)
        return rc ? rc : crc;
    if (!json_object_object_get_ex(j, "files", files) ||
        !json_object_is_type(*files, json_type_array)) {
        json_object_put(j);
        return dm_error(DM_FAIL, "%s: %s has no list of files", t->origin, DM_MANIFEST_NAME);
    }
    json_object_get(*files);
    json_object_put(j);
    return 0;
}

static int hash_entry(struct dm_tree *t, const struct dm_entry *e, char hex[DM_SHA256_HEX])
{
    struct dm_stream *s = NULL;
    uint64_t size;
    int rc = dm_tree_open(t, e, &s);
    if (rc == 0)
        rc = dm_hash_stream(s, &size, hex);
    int crc = s ? dm_stream_close(s) : 0;
    return rc ? rc : crc;
}

/* One manifest line against the tree. */
static int check_file(struct dm_tree *t, json_object *f, struct findings *out)
{
    json_object *jp, *js, *jh;
    if (!json_object_object_get_ex(f, "path", &jp) || !json_object_object_get_ex(f, "size", &js) ||
        !json_object_object_get_ex(f, "sha256", &jh))
        return dm_error(DM_FAIL, "%s: %s: a file entry without path, size or sha256", t->origin,
                        DM_MANIFEST_NAME);
    const char *path = json_object_get_string(jp);
    const struct dm_entry *e = dm_tree_find(t, path);
    char hex[DM_SHA256_HEX];
    out->files++;
    if (!e || e->kind != DM_ENTRY_FILE) {
        json_object_array_add(out->missing, json_object_new_string(path));
        return 0;
    }
    out->listed[e - t->entries] = 1;
    /* A file that cannot be read is as good as different (the source said why). */
    if (e->size != (uint64_t)json_object_get_int64(js) || hash_entry(t, e, hex) != 0 ||
        strcmp(hex, json_object_get_string(jh)) != 0)
        json_object_array_add(out->different, json_object_new_string(path));
    else
        out->verified++;
    return 0;
}

static void find_extra(struct dm_tree *t, struct findings *out)
{
    for (size_t i = 0; i < t->count; i++) {
        const struct dm_entry *e = &t->entries[i];
        if (e->kind == DM_ENTRY_FILE && strcasecmp(e->path, DM_MANIFEST_NAME) != 0 &&
            !out->listed[i])
            json_object_array_add(out->extra, json_object_new_string(e->path));
    }
}

static void print_list(const char *what, json_object *a)
{
    for (size_t i = 0; i < json_object_array_length(a); i++)
        printf("%-10s %s\n", what, json_object_get_string(json_object_array_get_idx(a, i)));
}

static int report(const char *target, struct findings *f, int json)
{
    int ok = !json_object_array_length(f->missing) && !json_object_array_length(f->different) &&
             !json_object_array_length(f->extra);
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "target", json_object_new_string(target));
        json_object_object_add(o, "files", json_object_new_int(f->files));
        json_object_object_add(o, "verified", json_object_new_int(f->verified));
        json_object_object_add(o, "missing", json_object_get(f->missing));
        json_object_object_add(o, "different", json_object_get(f->different));
        json_object_object_add(o, "extra", json_object_get(f->extra));
        json_object_object_add(o, "ok", json_object_new_boolean(ok));
        dm_print_json(o);
    } else {
        print_list("missing", f->missing);
        print_list("different", f->different);
        print_list("extra", f->extra);
        printf("%s: %d of %d files verified%s\n", target, f->verified, f->files,
               ok ? ", nothing extra" : "");
    }
    return ok ? DM_OK : DM_FAIL;
}

int dm_cmd_verify(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct dm_common common = {0};
    static const struct option longopts[] = {{NULL, 0, NULL, 0}};
    struct findings f = {json_object_new_array(), json_object_new_array(),
                         json_object_new_array(), 0, 0, NULL};
    struct dm_tree *t = NULL;
    json_object *files = NULL;
    enum dm_source_kind kind;
    int first;
    int rc = dm_parse_options(cmd, argc, argv, "", longopts, verify_option, (void *)cmd, &common,
                              &first);
    if (rc == 0 && argc - first != 1)
        rc = dm_usage_error(cmd, argc == first ? "no TARGET given" : "one TARGET at a time");
    if (rc == 0)
        rc = dm_source_open(argv[first], &t, &kind);
    if (rc == 0 && !(f.listed = calloc(t->count + 1, 1)))
        rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = read_manifest(t, &files);
    for (size_t i = 0; rc == 0 && i < json_object_array_length(files); i++)
        rc = check_file(t, json_object_array_get_idx(files, i), &f);
    if (rc == 0) {
        find_extra(t, &f);
        rc = report(argv[first], &f, common.json);
    }
    json_object_put(files);
    free(f.listed);
    json_object_put(f.missing), json_object_put(f.different), json_object_put(f.extra);
    dm_tree_free(t);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
