/* verify.c — a recovery tree against its manifest (see verify.h). */
#include "recovery/verify.h"

#include "image/image.h"
#include "util/copy.h"
#include "util/progress.h"
#include "util/report.h"
#include "util/sha256.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The text as one JSON value and nothing after it but white space (json_tokener_parse stops
 * after the first value: text appended to a manifest must not go unnoticed). */
static json_object *parse_whole(const char *text, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *j = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    size_t end = tok ? json_tokener_get_parse_end(tok) : 0;
    if (j && (json_tokener_get_error(tok) != json_tokener_success ||
              text[end + strspn(text + end, " \t\r\n")] != '\0'))
        json_object_put(j), j = NULL;
    json_tokener_free(tok);
    return j;
}

static int read_manifest(struct dm_tree *t, json_object **out)
{
    const struct dm_entry *e = dm_tree_find(t, DM_MANIFEST_NAME);
    json_object *files;
    if (!e)
        return dm_error(DM_FAIL, "%s: no %s at its root (not a recovery tree dartmk wrote)",
                        t->origin, DM_MANIFEST_NAME);
    char *text = e->size < (64u << 20) ? malloc(e->size + 1) : NULL;
    if (!text)
        return dm_error(DM_FAIL, "%s: %s is too large", t->origin, DM_MANIFEST_NAME);
    ssize_t n = dm_tree_read_head(t, e, text, e->size);
    json_object *j = n == (ssize_t)e->size ? (text[n] = '\0', parse_whole(text, (size_t)n)) : NULL;
    free(text);
    if (n < 0)
        return DM_FAIL;
    if (!j)
        return dm_error(DM_FAIL, "%s: %s is not valid JSON", t->origin, DM_MANIFEST_NAME);
    if (!json_object_object_get_ex(j, "files", &files) ||
        !json_object_is_type(files, json_type_array)) {
        json_object_put(j);
        return dm_error(DM_FAIL, "%s: %s has no list of files", t->origin, DM_MANIFEST_NAME);
    }
    if (json_object_object_get_ex(j, "installed_after", &files) &&
        !json_object_is_type(files, json_type_array)) {
        json_object_put(j);
        return dm_error(DM_FAIL, "%s: %s: installed_after is not a list: the manifest is damaged",
                        t->origin, DM_MANIFEST_NAME);
    }
    *out = j;
    return 0;
}

static int hash_entry(struct dm_tree *t, const struct dm_entry *e, char hex[DM_SHA256_HEX],
                      struct dm_progress *progress, uint64_t base)
{
    struct dm_stream *s = NULL;
    struct dm_sha256 *h = dm_sha256_new();
    uint64_t got = 0;
    int rc = h ? dm_tree_open(t, e, &s) : dm_error(DM_FAIL, "out of memory");
    if (rc == 0)
        rc = dm_copy_stream(s, -1, e->path, h, progress, base, &got);
    int crc = s ? dm_stream_close(s) : 0;
    if (rc == 0 && crc == 0)
        dm_sha256_final(h, hex), h = NULL;
    dm_sha256_free(h);
    return rc ? rc : crc;
}

/* What is wrong with a path as the manifest gives it, or NULL: a relative path of the tree,
 * "a/b", with no empty, "." or ".." part and no NUL. */
static const char *path_fault(const char *p, size_t len)
{
    if (len == 0 || strlen(p) != len)
        return len ? "holds a NUL byte" : "is empty";
    for (const char *part = p; part; part = strchr(part, '/') ? strchr(part, '/') + 1 : NULL) {
        size_t n = strcspn(part, "/");
        if (n == 0 || (n == 1 && part[0] == '.') || (n == 2 && !strncmp(part, "..", 2)))
            return "is not a relative path inside the tree (an empty, '.' or '..' part)";
    }
    return NULL;
}

static int is_sha256(const char *h)
{
    size_t n = h ? strspn(h, "0123456789abcdef") : 0;
    return n == DM_SHA256_HEX - 1 && h[n] == '\0';
}

/* A file entry's fields, judged before the tree is looked at: a damaged or edited manifest is
 * named, never half-believed. */
static int entry_fields(const char *origin, json_object *f, size_t i, const char **path,
                        uint64_t *size, const char **sha)
{
    json_object *jp, *js, *jh;
    const char *fault = NULL;
    if (!json_object_object_get_ex(f, "path", &jp) || !json_object_object_get_ex(f, "size", &js) ||
        !json_object_object_get_ex(f, "sha256", &jh))
        fault = "has no path, size or sha256";
    else if (!json_object_is_type(jp, json_type_string))
        fault = "has a path that is not a string";
    else if (!json_object_is_type(js, json_type_int) || json_object_get_int64(js) < 0 ||
             json_object_get_int64(js) == INT64_MAX)
        fault = "has a size that is not a number of bytes";
    else if (!is_sha256(json_object_get_string(jh)))
        fault = "has a sha256 that is not 64 lower-case hex digits";
    else if ((fault = path_fault(json_object_get_string(jp), json_object_get_string_len(jp))))
        return dm_error(DM_FAIL, "%s: %s: file entry %zu: the path '%s' %s", origin,
                        DM_MANIFEST_NAME, i + 1, json_object_get_string(jp), fault);
    if (fault)
        return dm_error(DM_FAIL, "%s: %s: file entry %zu %s: the manifest is damaged", origin,
                        DM_MANIFEST_NAME, i + 1, fault);
    *path = json_object_get_string(jp);
    *size = (uint64_t)json_object_get_int64(js);
    *sha = json_object_get_string(jh);
    return 0;
}

/* One manifest line against the tree; `listed` marks the entries named. */
static int check_file(struct dm_tree *t, json_object *f, size_t i, struct dm_verify *v,
                      char *listed, struct dm_progress *progress)
{
    const char *path = NULL, *sha = NULL;
    uint64_t size = 0;
    int rc = entry_fields(t->origin, f, i, &path, &size, &sha);
    if (rc)
        return rc;
    const struct dm_entry *e = dm_tree_find(t, path);
    char hex[DM_SHA256_HEX];
    v->files++;
    if (!e || e->kind != DM_ENTRY_FILE)
        return json_object_array_add(v->missing, json_object_new_string(path)), 0;
    if (listed[e - t->entries])
        return dm_error(DM_FAIL, "%s: %s: file entry %zu: '%s' is listed twice", t->origin,
                        DM_MANIFEST_NAME, i + 1, path);
    listed[e - t->entries] = 1;
    /* A file that cannot be read is as good as different (the source said why). */
    if (e->size != size || hash_entry(t, e, hex, progress, v->bytes) != 0 || strcmp(hex, sha) != 0)
        json_object_array_add(v->different, json_object_new_string(path));
    else
        v->verified++;
    v->bytes += e->size;
    return 0;
}

/* Files an installer wrote after the manifest: there, content unchecked. */
static void check_installed(struct dm_tree *t, json_object *later, struct dm_verify *v,
                            char *listed)
{
    for (size_t i = 0; later && i < json_object_array_length(later); i++) {
        const char *path = json_object_get_string(json_object_array_get_idx(later, i));
        const struct dm_entry *e = path ? dm_tree_find(t, path) : NULL;
        if (!e || e->kind != DM_ENTRY_FILE)
            json_object_array_add(v->missing, json_object_new_string(path ? path : "?"));
        else
            listed[e - t->entries] = 1;
    }
}

static void find_extra(struct dm_tree *t, struct dm_verify *v, const char *listed)
{
    for (size_t i = 0; i < t->count; i++) {
        const struct dm_entry *e = &t->entries[i];
        if (e->kind == DM_ENTRY_FILE && strcasecmp(e->path, DM_MANIFEST_NAME) != 0 && !listed[i])
            json_object_array_add(v->extra, json_object_new_string(e->path));
    }
}

static uint64_t listed_bytes(json_object *files)
{
    uint64_t n = 0;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        json_object *s;
        if (json_object_object_get_ex(json_object_array_get_idx(files, i), "size", &s))
            n += (uint64_t)json_object_get_int64(s);
    }
    return n;
}

int dm_verify_tree(struct dm_tree *t, struct dm_verify *v)
{
    json_object *j = NULL, *files = NULL, *later = NULL;
    struct dm_progress progress;
    *v = (struct dm_verify){
        json_object_new_array(), json_object_new_array(), json_object_new_array(), 0, 0, 0, NULL};
    char *listed = calloc(t->count + 1, 1);
    int rc = listed && v->missing && v->different && v->extra ? read_manifest(t, &j)
                                                              : dm_error(DM_FAIL, "out of memory");
    if (rc == 0) {
        json_object_object_get_ex(j, "files", &files);
        json_object_object_get_ex(j, "installed_after", &later);
        if (json_object_object_get_ex(j, "dart", &v->dart) &&
            json_object_is_type(v->dart, json_type_object))
            json_object_get(v->dart);
        else
            v->dart = NULL;
        /* The manifest was read too: with it, the total is the tree's, as the writer counted. */
        v->bytes = dm_tree_find(t, DM_MANIFEST_NAME)->size;
        dm_progress_begin(&progress, "verifying", v->bytes + listed_bytes(files));
        dm_progress_update(&progress, v->bytes);
    }
    for (size_t i = 0; rc == 0 && i < json_object_array_length(files); i++)
        rc = check_file(t, json_object_array_get_idx(files, i), i, v, listed, &progress);
    if (j)
        dm_progress_end(&progress);
    if (rc == 0) {
        check_installed(t, json_object_is_type(later, json_type_array) ? later : NULL, v, listed);
        find_extra(t, v, listed);
    }
    json_object_put(j);
    free(listed);
    return rc;
}

int dm_verify_ok(const struct dm_verify *v)
{
    return !json_object_array_length(v->missing) && !json_object_array_length(v->different) &&
           !json_object_array_length(v->extra);
}

void dm_verify_free(struct dm_verify *v)
{
    json_object_put(v->missing), json_object_put(v->different), json_object_put(v->extra);
    json_object_put(v->dart);
    *v = (struct dm_verify){0};
}
