/* cmd_build.c — `dartmk build SOURCE -o DIR`: the DaRT Recovery Image Wizard — the media's
 * boot.wim customised by a recipe (options and/or a recipe file), written as a recovery tree. */
#include "cli/build_cli.h"
#include "image/image.h"
#include "cli/cli.h"
#include "target/dir.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char build_intro[] =
    "usage: dartmk build SOURCE -o DIR [options]\n"
    "\n"
    "Makes a DaRT recovery image, as the DaRT Recovery Image Wizard does: the media's boot.wim\n"
    "gets the tools, drivers and files you name, a start-up launcher (networking, drivers,\n"
    "remote connection, a menu of the tools), an optional time limit and a manifest. DIR\n"
    "receives the recovery tree, a Windows PE media layout: the boot managers (and their\n"
    "language folders), boot/, efi/, sources/boot.wim and dartmk-manifest.json (each file\n"
    "with its size and SHA-256); Setup, install.wim and the rest of an install medium stay\n"
    "behind unless --whole-media. sources/boot.wim holds one image, the one that boots: the\n"
    "chosen image (--image-index) exported alone, flagged bootable, customised or not; the\n"
    "media's boot.wim is copied as it is only when it is exactly that already. The source is\n"
    "never changed, and its compressed data is copied as it is (nothing is recompressed).\n"
    "\n";

enum { OPT_FORCE = DM_OPT_BASE };

static const struct dm_opt build_cmd_options[] = {
    DM_OPT_GROUP("Options (the wizard's steps):"),
    DM_OPT_VALUE('o', "output", "DIR",
                 "where the recovery tree goes (must not exist, or be empty)"),
    DM_OPT_FLAG(OPT_FORCE, "force", "write into a DIR that is not empty"),
    DM_OPT_TABLE(dm_build_options),
    DM_OPT_JSON_HELP("print the result as one JSON object"),
    DM_OPT_END,
};

static const char build_outro[] =
    "\n"
    "SOURCE_DATE_EPOCH, when set, is the build time (manifests, the time limit).\n"
    "\n"
    "Examples:\n"
    "  dartmk build Win11_x64.iso -o dart/ --tool 'Disk Commander=/opt/dart/diskcmd'\n"
    "  dartmk build media/ -o dart/ --tool 'Wipe=wipe.cab:helpdesk' --driver drivers/nvme\n"
    "      --remote --remote-tool Remote --tool Remote=remote.exe --expire-days 30\n"
    "  dartmk build media/ -o dart/ --recipe fleet.ini --print-recipe > effective.ini\n"
    "\n" EXIT_CODES;

const struct dm_help dm_build_help = {build_intro, build_cmd_options, build_outro};

struct build_cli {
    const struct dm_cmd *cmd;
    struct dm_build_cli b;
    const char *output;
    int force;
};

static int build_option(int opt, const char *arg, void *ctx)
{
    struct build_cli *c = ctx;
    if (opt == 'o')
        c->output = arg;
    else if (opt == OPT_FORCE)
        c->force = 1;
    else if (!dm_build_cli_option(&c->b, opt, arg))
        return dm_usage_error(c->cmd, "unknown option");
    return 0;
}

static void print_text(const struct dm_job *j, const char *out)
{
    const struct dm_media *m = j->media;
    json_object *expires = NULL;
    json_object_object_get_ex(j->result, "expires", &expires);
    dm_info("wrote the recovery tree to %s (image %d, %s; boot.wim %s)", out, m->image,
            dm_arch_name(m->arch) ? dm_arch_name(m->arch) : "unknown architecture",
            j->plan.customise ? "customised"
            : j->rt->exported ? "holding it alone"
                              : "copied as it is");
    if (expires) /* a line of its own: the first one stays within 80 columns */
        dm_info("  usable until %s", json_object_get_string(expires));
}

static int build(struct build_cli *c, struct dm_job *j)
{
    struct dm_target_dir d = {.path = c->output};
    j->force = c->force;
    int rc = dm_build_cli_run(j, &dm_target_dir_ops, &d);
    if (rc == 0 && !j->print_recipe && !j->json)
        print_text(j, c->output);
    return rc;
}

int dm_cmd_build(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct build_cli c = {.cmd = cmd};
    struct dm_common common = {0};
    struct dm_recipe r = {0};
    const char *source;
    int rc = dm_build_cli_parse(cmd, argc, argv, build_option, &c, &c.b, &common, &r, &source);
    if (rc == 0 && !c.b.print && !c.output)
        rc = dm_usage_error(cmd, "no output folder given (-o DIR)");
    struct dm_job job = {0};
    dm_build_cli_job(&c.b, &r, source, &common, &job);
    if (rc == 0)
        rc = build(&c, &job);
    dm_job_free(&job);
    dm_recipe_free(&r);
    dm_build_cli_free(&c.b);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
