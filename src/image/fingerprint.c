/* fingerprint.c — the fingerprint of a build's inputs: what would make a recovery image differ.
 * A customised boot.wim is not byte-reproducible (wimlib writes times and GUIDs), so `partition`
 * decides whether a disk already holds "this" image by the inputs, not by the bytes: the source
 * boot.wim's SHA-256 and the image chosen, the options as the recipe records them, the SHA-256s
 * of every host file that goes in (tools, drivers, added folders, debugging tools, DaRT's cab and
 * configuration), the target's own options that shape the contents, and dartmk's version. The
 * inputs are one JSON object whose keys come in a fixed order, printed without spaces; the
 * fingerprint is the SHA-256 of that text with the boot.wim's checksum put in front. */
#include "image/image_internal.h"
#include "util/report.h"
#include "util/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int skip_dot(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* A host file's bytes, or a folder's: each name under it (sorted, relative), its kind, and a
 * file's bytes, into h. */
static int hash_path(const char *path, const char *rel, struct dm_sha256 *h)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s", path);
    dm_sha256_update(h, rel, strlen(rel) + 1);
    if (!S_ISDIR(st.st_mode)) {
        int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
        dm_sha256_update(h, "f", 1);
        if (fd < 0 || dm_sha256_update_fd(h, fd) != 0)
            rc = dm_error_errno(DM_FAIL, errno, "%s: cannot read", path);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    struct dirent **names = NULL;
    int n = scandir(path, &names, skip_dot, alphasort), rc = 0;
    dm_sha256_update(h, "d", 1);
    if (n < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot read", path);
    for (int i = 0; i < n; i++) {
        char *sub = NULL, *subrel = NULL;
        if (rc == 0 && (asprintf(&sub, "%s/%s", path, names[i]->d_name) < 0 ||
                        asprintf(&subrel, "%s/%s", rel, names[i]->d_name) < 0))
            rc = dm_error(DM_FAIL, "out of memory"), sub = subrel = NULL;
        if (rc == 0)
            rc = hash_path(sub, subrel, h);
        free(sub), free(subrel), free(names[i]);
    }
    free(names);
    return rc;
}

int dm_fingerprint_path(const char *path, char hex[DM_SHA256_HEX])
{
    struct dm_sha256 *h = dm_sha256_new();
    int rc = h ? hash_path(path, ".", h) : dm_error(DM_FAIL, "out of memory");
    if (h && rc == 0)
        dm_sha256_final(h, hex), h = NULL;
    dm_sha256_free(h);
    return rc;
}

/* Adds {"name": NAME?, "sha256": the path's} to array a. */
static int add_hashed(json_object *a, const char *name, const char *path)
{
    char hex[DM_SHA256_HEX];
    int rc = dm_fingerprint_path(path, hex);
    json_object *o = json_object_new_object();
    if (name)
        json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "sha256", json_object_new_string(rc == 0 ? hex : ""));
    json_object_array_add(a, o);
    return rc;
}

static int host_files(json_object *j, const struct dm_image_plan *p)
{
    json_object *tools = json_object_new_array(), *drivers = json_object_new_array(),
                *files = json_object_new_array();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->ntools; i++)
        rc = add_hashed(tools, p->tools[i].name, p->tools[i].path);
    for (size_t i = 0; rc == 0 && i < p->ndrivers; i++)
        rc = add_hashed(drivers, NULL, p->drivers[i].dir);
    for (size_t i = 0; rc == 0 && i < p->nfiles; i++)
        rc = add_hashed(files, p->files[i].dest, p->files[i].host);
    json_object_object_add(j, "tools", tools);
    json_object_object_add(j, "drivers", drivers);
    json_object_object_add(j, "files", files);
    json_object *dbg = json_object_new_array();
    if (rc == 0 && p->debuggers && strcmp(p->debuggers, "target") != 0)
        rc = add_hashed(dbg, NULL, p->debuggers);
    json_object_object_add(j, "debugging_tools", dbg);
    return rc;
}

static json_object *dart_inputs(const struct dm_media *m, const struct dm_image_plan *p)
{
    const struct dm_dart_cab *c = p->dart ? dm_dart_pick(p->dart, m->arch) : NULL;
    json_object *d = json_object_new_object();
    json_object_object_add(d, "tools", c ? json_object_new_string(c->sha256) : NULL);
    json_object_object_add(
        d, "config",
        p->dart && p->dart->config ? json_object_new_string(p->dart->config_sha256) : NULL);
    return d;
}

int dm_fingerprint_inputs(const struct dm_media *m, const struct dm_image_plan *p,
                          const struct dm_recipe *r, const char *target, json_object **out)
{
    json_object *j = json_object_new_object(), *recipe = dm_recipe_json(r);
    json_object_object_add(j, "version", json_object_new_string(DARTMK_VERSION));
    json_object_object_add(j, "image_index", json_object_new_int(m->image));
    /* The recipe's image index is the one chosen above; its time limit counts from the build. */
    json_object_object_del(recipe, "image-index");
    json_object_object_add(j, "recipe", recipe);
    int rc = host_files(j, p);
    json_object_object_add(j, "dart", dart_inputs(m, p));
    json_object *t = target ? json_tokener_parse(target) : NULL;
    json_object_object_add(j, "target", t);
    if (rc) {
        json_object_put(j);
        return rc;
    }
    *out = j;
    return 0;
}

void dm_fingerprint(json_object *inputs, const char *boot_wim_sha, char hex[DM_SHA256_HEX])
{
    struct dm_sha256 *h = dm_sha256_new();
    const char *text = json_object_to_json_string_ext(inputs, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
    static const char head[] = "{\"boot_wim_sha256\":\"";
    dm_sha256_update(h, head, sizeof head - 1);
    dm_sha256_update(h, boot_wim_sha, strlen(boot_wim_sha));
    dm_sha256_update(h, "\",\"inputs\":", 11);
    dm_sha256_update(h, text, strlen(text));
    dm_sha256_update(h, "}", 1);
    dm_sha256_final(h, hex);
}
