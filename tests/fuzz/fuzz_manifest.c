/* fuzz_manifest.c — libFuzzer target for the manifest reader: the input is the
 * dartmk-manifest.json at the root of a recovery tree, as `dartmk verify` reads it
 * (dm_verify_tree, src/recovery/verify.c), and its "expires" as dm_media_expiry takes it
 * (dm_expiry_parse, src/image/expiry.c).
 *
 * The tree is in memory: the manifest and a few files whose checksums the seeds and the
 * dictionary know (fuzz_manifest.dict), so that a listed file can match, differ or be missing.
 * A manifest that cannot be read must have said its one line; one that reads gives findings
 * that add up: a file checked is verified or different, never both, and what is missing or
 * extra is a path of the manifest or of the tree. */
#include "image/expiry.h"
#include "recovery/verify.h"
#include "util/tree.h"

#include "fuzz.h"

#include <json-c/json.h>

static const uint8_t *manifest;
static size_t manifest_size;

/* The files beside the manifest: path and content (sha256 in fuzz_manifest.dict). */
static const struct {
    const char *path, *text;
} files[] = {
    {"bootmgr", "bootmgr\n"},
    {"Boot/BCD", "BCD\n"},
    {"sources/boot.wim", "MSWIM\n"},
    {"EFI/Boot/bootx64.efi", ""},
};

struct mem_stream {
    struct dm_stream base;
    const uint8_t *p;
    size_t left;
};

static ssize_t mem_read(struct dm_stream *s, void *buf, size_t n)
{
    struct mem_stream *m = (struct mem_stream *)s;
    n = n < m->left ? n : m->left;
    memcpy(buf, m->p, n);
    m->p += n, m->left -= n;
    return (ssize_t)n;
}

static int mem_close(struct dm_stream *s)
{
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops mem_stream_ops = {.read = mem_read, .close = mem_close};

static int mem_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    (void)t;
    struct mem_stream *m = dm_stream_alloc(sizeof *m, &mem_stream_ops, e->path);
    CHECK(m != NULL);
    intptr_t i = (intptr_t)e->priv;
    m->p = i < 0 ? manifest : (const uint8_t *)files[i].text;
    m->left = i < 0 ? manifest_size : strlen(files[i].text);
    *out = &m->base;
    return 0;
}

static void mem_destroy(struct dm_tree *t) { (void)t; }

static const struct dm_tree_ops mem_ops = {
    .name = "memory", .open = mem_open, .destroy = mem_destroy};

static struct dm_tree *make_tree(void)
{
    struct dm_tree *t = dm_tree_new(&mem_ops, NULL, "fuzz");
    CHECK(t != NULL);
    CHECK(dm_tree_add(t, "dartmk-manifest.json", DM_ENTRY_FILE, manifest_size, 0, (void *)-1));
    CHECK(dm_tree_add(t, "Boot", DM_ENTRY_DIR, 0, 0, NULL));
    CHECK(dm_tree_add(t, "EFI", DM_ENTRY_DIR, 0, 0, NULL));
    CHECK(dm_tree_add(t, "EFI/Boot", DM_ENTRY_DIR, 0, 0, NULL));
    CHECK(dm_tree_add(t, "sources", DM_ENTRY_DIR, 0, 0, NULL));
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        CHECK(dm_tree_add(t, files[i].path, DM_ENTRY_FILE, strlen(files[i].text), 0,
                          (void *)(intptr_t)i));
    dm_tree_seal(t);
    return t;
}

static int in_tree_file(const struct dm_tree *t, const char *path)
{
    const struct dm_entry *e = dm_tree_find(t, path);
    return e && e->kind == DM_ENTRY_FILE;
}

static void check_findings(const struct dm_tree *t, const struct dm_verify *v)
{
    size_t different = json_object_array_length(v->different);
    CHECK(v->verified >= 0 && (size_t)v->verified + different <= (size_t)v->files);
    for (size_t i = 0; i < json_object_array_length(v->extra); i++)
        CHECK(in_tree_file(t, json_object_get_string(json_object_array_get_idx(v->extra, i))));
    for (size_t i = 0; i < different; i++)
        CHECK(in_tree_file(t, json_object_get_string(json_object_array_get_idx(v->different, i))));
    CHECK(dm_verify_ok(v) == (!json_object_array_length(v->missing) && !different &&
                              !json_object_array_length(v->extra)));
}

static void check_expires(void)
{
    char *text = malloc(manifest_size + 1);
    CHECK(text != NULL);
    memcpy(text, manifest, manifest_size);
    text[manifest_size] = '\0';
    json_object *j = json_tokener_parse(text), *e;
    free(text);
    if (j && json_object_object_get_ex(j, "expires", &e) &&
        json_object_is_type(e, json_type_string)) {
        int64_t t = 0;
        const char *s = json_object_get_string(e);
        if (dm_expiry_parse(s, &t) == 0) {
            char back[DM_EXPIRY_TEXT];
            dm_expiry_format(t, back);
            CHECK(strcmp(back, s) == 0); /* exactly the one form, so it prints back the same */
        }
    }
    json_object_put(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    manifest = data, manifest_size = size;
    struct dm_tree *t = make_tree();
    struct dm_events ev;
    struct fuzz_said said;
    struct dm_verify v;
    fuzz_listen(&ev, &said);
    int rc = dm_verify_tree(t, &v);
    CHECK_SAID(rc, said);
    if (rc == 0)
        check_findings(t, &v);
    dm_verify_free(&v);
    dm_events_bind(NULL);
    dm_tree_free(t);
    check_expires();
    return 0;
}
