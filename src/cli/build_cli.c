/* build_cli.c — parsing the build options into a recipe (paths made absolute) and merging it
 * with a recipe file. */
#include "cli/build_cli.h"
#include "image/image.h"
#include "util/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The recipe keys first (each option's long name is its key), then the recipe's own. */
enum {
    OPT_IMAGE_INDEX = DM_OPT_BUILD,
    OPT_WHOLE_MEDIA,
    OPT_TOOL,
    OPT_REMOTE,
    OPT_REMOTE_TOOL,
    OPT_REMOTE_PORT,
    OPT_REMOTE_MESSAGE,
    OPT_DEBUGGING_TOOLS,
    OPT_DRIVER,
    OPT_ADD_FILES,
    OPT_EXPIRE_DAYS,
    OPT_DART_TOOLS,
    OPT_DART_CONFIG,
    OPT_DART_CONFIG_FROM,
    OPT_RECIPE,
    OPT_PRINT_RECIPE,
    OPT_REQUIRE_SIGNED,
};

const struct dm_opt dm_build_options[] = {
    DM_OPT_GROUP("  Boot image:"),
    DM_OPT_VALUE(OPT_IMAGE_INDEX, "image-index", "N",
                 "the boot.wim image to use (default: the bootable one; on an install DVD that is "
                 "image 2, Windows Setup, which starts setup.exe; image 1 is plain Windows PE). "
                 "The recovery media's boot.wim holds that image alone, flagged bootable"),
    DM_OPT_GROUP("  Media:"),
    DM_OPT_FLAG(OPT_WHOLE_MEDIA, "whole-media",
                "keep every file of SOURCE (a stick that also installs Windows), not only the "
                "Windows PE files (boot managers, boot/, efi/, sources/boot.wim); on FAT32 "
                "a WIM of 4 GiB or more is split into .swm parts, staged in $TMPDIR"),
    DM_OPT_GROUP("  Tools:"),
    DM_OPT_LIST(OPT_TOOL, "tool", "NAME=PATH[:helpdesk]",
                "add a tool: a folder, an .exe or a .cab (expanded), into DaRT\\Tools\\NAME. The "
                "menu starts NAME.exe, or the folder's only .exe. ':helpdesk' puts it in the "
                "image without offering it in the menu (keep disk wipe and the like with the "
                "help desk)"),
    DM_OPT_GROUP("  Remote connection:"),
    DM_OPT_FLAG(OPT_REMOTE, "remote", "open a remote connection at start-up"),
    DM_OPT_VALUE(OPT_REMOTE_TOOL, "remote-tool", "NAME",
                 "the --tool that accepts it (started with -port PORT)"),
    DM_OPT_VALUE(OPT_REMOTE_PORT, "remote-port", "N",
                 "its TCP port, 1-65535 (default 3388); the firewall is opened"),
    DM_OPT_VALUE(OPT_REMOTE_MESSAGE, "remote-message", "TEXT|@FILE",
                 "shown at start-up (at most 2048 characters)"),
    DM_OPT_GROUP("  Debugging tools:"),
    DM_OPT_VALUE(OPT_DEBUGGING_TOOLS, "debugging-tools", "DIR|target",
                 "add crash-analysis tools at DaRT\\Debuggers, or record that the repaired "
                 "machine's own copy is to be used"),
    DM_OPT_GROUP("  Drivers:"),
    DM_OPT_LIST(OPT_DRIVER, "driver", "FILE.inf|DIR",
                "add a driver: the INF's whole folder goes in, and each INF is loaded with "
                "drvload at start-up (wireless is not supported)"),
    DM_OPT_GROUP("  Additional files:"),
    DM_OPT_LIST(OPT_ADD_FILES, "add-files", "DIR[=DEST]",
                "copy DIR's contents into the image at DEST (default: the root)"),
    DM_OPT_GROUP("  Time limit:"),
    DM_OPT_VALUE(OPT_EXPIRE_DAYS, "expire-days", "N",
                 "the image can be used for N days after the build (1-36500); then it shuts "
                 "down at start-up with a message"),
    DM_OPT_GROUP("  DaRT's own tools (from a DaRT installation):"),
    DM_OPT_VALUE(OPT_DART_TOOLS, "dart-tools", "FILE|DIR",
                 "DaRT's tools: Toolsx64.cab / Toolsx86.cab, the DaRT installer (.msi) holding "
                 "it, or a folder of them. Expanded into the image's root (DaRT 7's mount\\ "
                 "folder stripped); the image must be Windows RE or Setup (it has "
                 "sources\\recovery\\recenv.exe) of the tools' architecture. Start-up is "
                 "DaRT's; --tool's are offered in System Recovery Options"),
    DM_OPT_VALUE(OPT_DART_CONFIG, "dart-config", "FILE",
                 "the wizard-made DartConfig.dat (DaRT 8/10: DartConfig8.dat), copied as it is "
                 "to Windows\\System32\\DartConfig.dat"),
    DM_OPT_VALUE(OPT_DART_CONFIG_FROM, "dart-config-from", "ISO|WIM",
                 "take DartConfig.dat out of a DaRT image the wizard made"),
    DM_OPT_GROUP("  Recipe:"),
    DM_OPT_VALUE(OPT_RECIPE, "recipe", "FILE",
                 "read any of the above from an INI file (keys are the long option names; "
                 "repeat a key for lists; relative paths are from the file's folder). Options "
                 "given here win; a list given here replaces the recipe's list."),
    DM_OPT_FLAG(OPT_PRINT_RECIPE, "print-recipe",
                "print the effective recipe and stop (SOURCE and -o not needed)"),
    DM_OPT_GROUP("  Secure Boot:"),
    DM_OPT_FLAG(OPT_REQUIRE_SIGNED, "require-signed",
                "refuse (exit 1, nothing written) media whose UEFI loaders include one that is "
                "unsigned or whose signature does not verify; without it those are warnings "
                "(`dartmk inspect` shows every loader's signer)"),
    DM_OPT_END,
};

int dm_build_cli_option(struct dm_build_cli *c, int opt, const char *arg)
{
    if (opt == OPT_RECIPE) /* given once: the option parser refuses a second */
        return c->recipe_file = arg, 1;
    if (opt == OPT_PRINT_RECIPE)
        return c->print = 1, 1;
    if (opt == OPT_REQUIRE_SIGNED)
        return c->require_signed = 1, 1;
    if (opt < OPT_IMAGE_INDEX || opt > OPT_DART_CONFIG_FROM)
        return 0;
    /* Paths become absolute: the recipe that --print-recipe writes and the manifest records
     * must mean the same from any folder. */
    char *cwd = getcwd(NULL, 0);
    const char *key = dm_opt_find(dm_build_options, opt)->name;
    if (!cwd || dm_recipe_set_in(&c->recipe, key, arg ? arg : "yes", cwd) < 0)
        c->oom = 1;
    free(cwd);
    return 1;
}

static int build_cli_recipe(struct dm_build_cli *c, struct dm_recipe *r)
{
    memset(r, 0, sizeof *r);
    if (c->oom)
        return dm_error(DM_FAIL, "out of memory");
    int rc = c->recipe_file ? dm_recipe_read(r, c->recipe_file) : 0;
    if (rc == 0)
        dm_recipe_merge(r, &c->recipe);
    return rc;
}

void dm_build_cli_free(struct dm_build_cli *c) { dm_recipe_free(&c->recipe); }

int dm_build_cli_parse(const struct dm_cmd *cmd, int argc, char **argv, dm_option_fn fn, void *ctx,
                       struct dm_build_cli *b, struct dm_common *common, struct dm_recipe *r,
                       const char **source)
{
    int first = argc;
    int rc = dm_parse_options(cmd, argc, argv, fn, ctx, common, &first);
    int want = b->want_target ? 2 : 1, got = argc - first;
    const char *target = b->target_name ? b->target_name : "TARGET";
    const char *src = b->source_name ? b->source_name : "SOURCE";
    if (rc == 0 && !b->print && got == 0)
        rc = dm_usage_error(cmd, "no %s given", src);
    else if (rc == 0 && !b->print && got < want)
        rc = dm_usage_error(cmd, "no %s given", target);
    else if (rc == 0 && !b->print && got > want && !b->many_targets)
        rc = want == 1 ? dm_usage_error(cmd, "one %s at a time", src)
                       : dm_usage_error(cmd, "one %s and one %s at a time", src, target);
    *source = first < argc ? argv[first] : NULL;
    b->target = b->want_target && first + 1 < argc ? argv[first + 1] : NULL;
    b->targets = b->target ? argv + first + 1 : NULL;
    b->ntargets = b->target ? argc - first - 1 : 0;
    return rc ? rc : build_cli_recipe(b, r);
}

void dm_build_cli_job(const struct dm_build_cli *b, struct dm_recipe *r, const char *source,
                      const struct dm_common *common, struct dm_job *j)
{
    j->events = &dm_view()->events;
    j->source = source;
    j->recipe = *r;
    memset(r, 0, sizeof *r);
    j->print_recipe = b->print;
    j->require_signed = b->require_signed;
    j->json = common->json;
}

int dm_build_cli_run(struct dm_job *j, const struct dm_target_ops *ops, void *t)
{
    int rc = j->print_recipe ? dm_job_prepare(j) : dm_target_run(j, ops, t);
    if (rc == 0 && j->print_recipe)
        dm_recipe_print(&j->recipe, stdout);
    else if (rc == 0 && j->json && j->result)
        dm_print_json(json_object_get(j->result));
    return rc;
}
