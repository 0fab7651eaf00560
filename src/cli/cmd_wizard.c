/* cmd_wizard.c — `dartmk wizard`: the DaRT Recovery Image Wizard's pages in a terminal, over
 * the commands' own code (wizard.h says how), then the equivalent command run here. */
#include "cli/cli.h"
#include "cli/wizard.h"
#include "util/report.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char wizard_intro[] =
    "usage: dartmk wizard\n"
    "\n"
    "The DaRT Recovery Image Wizard in a terminal (80x24 or larger; locally or over SSH),\n"
    "keyboard only. Its pages: source media (what `dartmk inspect` finds: layout, boot ways,\n"
    "images, what the recovery image will hold), the Windows PE image, tools (and DaRT's own\n"
    "tools), remote connection, debugging tools, drivers, additional files, time limit, then\n"
    "where it goes: an ISO file, a disc (recorders from `dartmk devices --optical`), a USB\n"
    "stick (from `dartmk devices`; the system disk is never offered) or stick image, a\n"
    "recovery partition on a disk or disk image (the `--dry-run` plan shown first), or a PXE\n"
    "tree. The summary shows the equivalent command line and saves the recipe; Run starts\n"
    "that command here, with its progress and its own question before a disk is erased.\n"
    "\n"
    "Every page is checked by the commands themselves (dartmk runs itself: `inspect --json`,\n"
    "`devices --json`, `build ... --print-recipe`, `partition ... --dry-run`); a check that\n"
    "fails shows its one line on the page.\n"
    "\n"
    "Keys: Tab and Shift-Tab move between fields, Enter goes on (in a list entry: Add), F2\n"
    "goes back, F12 goes on, Esc leaves with nothing written (exit 3, as a question answered\n"
    "no). A resize redraws the page; below 80x24 the wizard refuses to start (exit 1).\n"
    "-q, -v and --progress are passed on to the command Run starts.\n"
    "\n";

static const struct dm_opt wizard_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_JSON_HELP("refused (usage error): the wizard is for a person at a terminal; the "
                     "commands it runs take --json"),
    DM_OPT_END,
};

static const char wizard_outro[] = "\n"
                                   "Exit codes: the command's that Run started; 1 failed (no "
                                   "terminal, or one smaller\nthan 80x24), 2 usage error, 3 "
                                   "left with Esc or Cancel (nothing written).\n";

const struct dm_help dm_wizard_help = {wizard_intro, wizard_options, wizard_outro};

static void wz_free(struct wz *w)
{
    char **s[] = {&w->source,      &w->dart_tools,     &w->dart_config, &w->remote_tool,
                  &w->remote_port, &w->remote_message, &w->debugging,   &w->expire,
                  &w->iso,         &w->stick,          &w->stick_size,  &w->disk_image,
                  &w->pxe_dir,     &w->drive,          &w->plan,        &w->recipe,
                  &w->error};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        free(*s[i]);
    wz_list_free(&w->tools);
    wz_list_free(&w->drivers);
    wz_list_free(&w->files);
    wz_list_free(&w->disks);
    wz_list_free(&w->recorders);
    wz_list_free(&w->common);
    json_object_put(w->facts);
}

/* The pages, forward and back; returns WZ_NEXT when Run was chosen on the summary. */
static enum wz_action walk(struct wz *w)
{
    int i = 0, forward = 1;
    while (i >= 0 && i < wz_page_count) {
        enum wz_action act = wz_pages[i](w, forward);
        if (act == WZ_CANCEL)
            return WZ_CANCEL;
        forward = act == WZ_NEXT;
        i += forward ? 1 : i > 0 ? -1 : 0;
    }
    return WZ_NEXT;
}

/* Leaves the screen, shows the command line and runs it: its progress, its questions. */
static int run(struct wz *w)
{
    struct wz_list a = {0}, b = {0};
    wz_command(w, &a, &b);
    char *line = wz_shell_line(&a);
    printf("%s\n", line);
    fflush(stdout);
    int rc = wz_attached(&a);
    free(line);
    if (rc == 0 && b.n) {
        line = wz_shell_line(&b);
        printf("%s\n", line);
        fflush(stdout);
        rc = wz_attached(&b);
        free(line);
    }
    if (rc == 0 && w->recipe)
        printf("recipe saved: %s\n", w->recipe);
    wz_list_free(&a);
    wz_list_free(&b);
    return rc;
}

int dm_cmd_wizard(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct dm_common common = {0};
    int first = argc;
    int rc = dm_parse_options(cmd, argc, argv, NULL, NULL, &common, &first);
    if (rc)
        return rc == DM_PARSE_HELP ? DM_OK : rc;
    if (first < argc)
        return dm_usage_error(cmd, "takes no operands (its pages ask)");
    if (common.json)
        return dm_usage_error(cmd, "--json: the wizard is for a person at a terminal; the "
                                   "commands it runs take --json");
    if (wz_exec_init() != 0) {
        dm_print_line(stderr, "dartmk wizard: cannot find its own executable (/proc/self/exe)");
        return DM_FAIL;
    }
    if (wz_ui_start() != 0)
        return DM_FAIL;
    struct wz w = {.iso = strdup("recovery.iso"),
                   .pxe_dir = strdup("pxe"),
                   .stick_size = strdup("1G"),
                   .recipe = strdup("dartmk-recipe.ini"),
                   .image = -1,
                   .disk_choice = -1};
    for (int i = 1; i < argc; i++) /* only common options are left: -q, -v, --progress */
        wz_list_add(&w.common, argv[i]);
    enum wz_action act = walk(&w);
    wz_ui_end();
    if (act == WZ_CANCEL)
        dm_print_line(stderr, "dartmk wizard: cancelled; nothing was written");
    rc = act == WZ_CANCEL ? DM_REFUSED : run(&w);
    wz_free(&w);
    return rc;
}
