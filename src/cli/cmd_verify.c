/* cmd_verify.c — `dartmk verify TARGET`: every file of a recovery tree against the manifest
 * dartmk wrote at its root (size and SHA-256), read through the same sources `inspect` uses,
 * without mounting. The field check for media that "stopped booting". */
#include "cli/cli.h"
#include "util/report.h"
#include "source/source.h"
#include "recovery/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char verify_intro[] =
    "usage: dartmk verify TARGET [--partition N] [--json]\n"
    "\n"
    "Checks a recovery tree dartmk wrote against the manifest at its root\n"
    "(dartmk-manifest.json): every file listed must be there with its size and SHA-256, the\n"
    "files a boot-loader installer wrote afterwards (syslinux/ldlinux.*) must be there, and\n"
    "nothing else may be there. TARGET is a folder (what `dartmk build` wrote), an ISO, an\n"
    "optical drive, or a USB stick, disk image or partition holding FAT (the FAT volume is read\n"
    "directly: the first partition of a FAT or Windows type, or the whole disk when it has no\n"
    "partition table). Nothing is mounted and nothing is written. Exit 1 on any difference.\n"
    "\n";

enum { OPT_PARTITION = DM_OPT_BASE };

static const struct dm_opt verify_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_VALUE(OPT_PARTITION, "partition", "N",
                 "read partition N of a stick or disk image (1, 2, ...)"),
    DM_OPT_JSON_HELP("print one JSON object: target, files, verified, missing, different, extra, "
                     "ok"),
    DM_OPT_END,
};

static const char verify_outro[] = "\n"
                                   "Examples:\n"
                                   "  dartmk verify dart/\n"
                                   "  dartmk verify /dev/sdb\n"
                                   "  dartmk verify disk.img --partition 2\n"
                                   "\n" EXIT_CODES;

const struct dm_help dm_verify_help = {verify_intro, verify_options, verify_outro};

struct verify_opts {
    const struct dm_cmd *cmd;
    int partition; /* 0: the source decides */
};

static int verify_option(int opt, const char *arg, void *ctx)
{
    struct verify_opts *o = ctx;
    long v;
    if (opt != OPT_PARTITION)
        return dm_usage_error(o->cmd, "unknown option");
    if (dm_parse_int(arg, 1, 100000, &v) != 0)
        return dm_usage_error(o->cmd, "--partition: '%s' is not a partition number (1, 2, ...)",
                              arg);
    o->partition = (int)v;
    return 0;
}

static void print_list(const char *what, json_object *a)
{
    for (size_t i = 0; i < json_object_array_length(a); i++)
        printf("%-10s %s\n", what, json_object_get_string(json_object_array_get_idx(a, i)));
}

/* One of DaRT's files as the manifest records it: "Toolsx64.cab  sha256 ab12...". */
static void print_dart_file(const char *what, json_object *f, const char *name_key)
{
    json_object *name = NULL, *sha = NULL;
    if (!json_object_object_get_ex(f, name_key, &name) ||
        !json_object_object_get_ex(f, "sha256", &sha))
        return;
    printf("%-10s ", what);
    char *e = dm_escape_line(json_object_get_string(name));
    fputs(e ? e : "?", stdout);
    free(e);
    printf("\n           sha256 %s\n", json_object_get_string(sha));
}

static void print_dart(json_object *dart)
{
    json_object *tools = NULL, *config = NULL;
    if (!dart)
        return;
    if (json_object_object_get_ex(dart, "tools", &tools))
        print_dart_file("dart-tools", tools, "cab");
    if (json_object_object_get_ex(dart, "config", &config) && config)
        print_dart_file("dart-conf", config,
                        json_object_object_get_ex(config, "from", NULL) ? "from" : "file");
}

static int report(const char *target, const struct dm_verify *v, int json)
{
    int ok = dm_verify_ok(v);
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "target", json_object_new_string(target));
        json_object_object_add(o, "files", json_object_new_int(v->files));
        json_object_object_add(o, "verified", json_object_new_int(v->verified));
        json_object_object_add(o, "missing", json_object_get(v->missing));
        json_object_object_add(o, "different", json_object_get(v->different));
        json_object_object_add(o, "extra", json_object_get(v->extra));
        json_object_object_add(o, "ok", json_object_new_boolean(ok));
        if (v->dart)
            json_object_object_add(o, "dart", json_object_get(v->dart));
        dm_print_json(o);
    } else {
        print_list("missing", v->missing);
        print_list("different", v->different);
        print_list("extra", v->extra);
        print_dart(v->dart);
        printf("%s: %d of %d files verified%s\n", target, v->verified, v->files,
               ok ? ", nothing extra" : "");
    }
    if (ok)
        return DM_OK;
    return dm_error(DM_FAIL, "%s: not as its manifest says: %zu missing, %zu different, %zu extra",
                    target, json_object_array_length(v->missing),
                    json_object_array_length(v->different), json_object_array_length(v->extra));
}

int dm_cmd_verify(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct dm_common common = {0};
    struct verify_opts o = {.cmd = cmd};
    struct dm_verify v = {0};
    struct dm_tree *t = NULL;
    enum dm_source_kind kind;
    int first;
    int rc = dm_parse_options(cmd, argc, argv, verify_option, &o, &common, &first);
    if (rc == 0 && argc - first != 1)
        rc = dm_usage_error(cmd, argc == first ? "no TARGET given" : "one TARGET at a time");
    if (rc == 0)
        rc = dm_source_open_partition(argv[first], o.partition, &t, &kind);
    if (rc == 0)
        rc = dm_verify_tree(t, &v);
    if (rc == 0)
        rc = report(argv[first], &v, common.json);
    dm_verify_free(&v);
    dm_tree_free(t);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
