/* wizard_pages.c — the wizard's pages, in the DaRT Recovery Image Wizard's order: source media,
 * the Windows PE image, tools, remote connection, debugging tools, drivers, additional files,
 * time limit, where it goes (and the disc, stick, disk or folder), the partition plan, the
 * summary. Every page's answers are checked by dartmk's own commands before the next page:
 * `inspect --json` for the source, `build SOURCE ... --print-recipe` for the build options
 * (the recipe checked into the image plan and the media against it, as every writing command
 * does), the writing command's own parsing for the destination and `partition --dry-run` for
 * the plan. */
#include "cli/wizard.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *jstr(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static int64_t jint(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static struct json_object *jget(struct json_object *o, const char *path)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save, *k = strtok_r(buf, ".", &save); o && k; k = strtok_r(NULL, ".", &save))
        if (!json_object_object_get_ex(o, k, &o))
            return NULL;
    return o;
}

static void set(char **field, const char *value)
{
    free(*field);
    *field = value ? strdup(value) : NULL;
}

static void show_error(struct wz *w, const char *line) { set(&w->error, line); }

/* ---- Checks: dartmk's own commands ---- */

int wz_check(struct wz *w, const struct wz_list *args)
{
    char *out, *err;
    int rc = wz_capture(args, &out, &err);
    if (rc) {
        free(w->error);
        w->error = wz_last_line(err);
    }
    free(out);
    free(err);
    return rc;
}

static void add_opt(struct wz_list *a, const char *name, const char *value)
{
    if (value && *value)
        wz_list_add(a, name), wz_list_add(a, value);
}

static void add_list(struct wz_list *a, const char *name, const struct wz_list *l)
{
    for (int i = 0; i < l->n; i++)
        add_opt(a, name, l->v[i]);
}

static int64_t chosen_image(const struct wz *w)
{
    struct json_object *images = jget(w->facts, "wim.images");
    if (!images || w->image < 0 || (size_t)w->image >= json_object_array_length(images))
        return 0;
    int64_t index = jint(json_object_array_get_idx(images, w->image), "index");
    return index == jint(jget(w->facts, "wim"), "boot_index") ? 0 : index;
}

void wz_build_args(const struct wz *w, struct wz_list *a)
{
    int64_t index = chosen_image(w);
    if (index)
        wz_list_add(a, "--image-index"), wz_list_addf(a, "%lld", (long long)index);
    add_list(a, "--tool", &w->tools);
    if (w->remote)
        wz_list_add(a, "--remote");
    add_opt(a, "--remote-tool", w->remote_tool);
    add_opt(a, "--remote-port", w->remote_port);
    add_opt(a, "--remote-message", w->remote_message);
    add_opt(a, "--debugging-tools", w->debugging);
    add_list(a, "--driver", &w->drivers);
    add_list(a, "--add-files", &w->files);
    add_opt(a, "--expire-days", w->expire);
    add_opt(a, "--dart-tools", w->dart_tools);
    add_opt(a, "--dart-config", w->dart_config);
}

/* A name typed as an operand (SOURCE, TARGET, FILE.iso): one that starts with '-' would be read
 * as an option (a target typed as "--yes" would skip the command's question), so it is given as
 * the shell would need it, "./-name". */
static void add_operand(struct wz_list *a, const char *name)
{
    if (name && name[0] == '-')
        wz_list_addf(a, "./%s", name);
    else
        wz_list_add(a, name ? name : "");
}

void wz_command(const struct wz *w, struct wz_list *a, struct wz_list *second)
{
    static const char *const names[] = {"iso", "iso", "usb", "partition", "pxe"};
    wz_list_add(a, names[w->dest]);
    add_operand(a, w->source);
    if (w->dest == WZ_ISO || w->dest == WZ_DISC)
        add_opt(a, "-o", w->iso);
    else if (w->dest == WZ_PXE)
        add_opt(a, "-o", w->pxe_dir);
    else
        add_operand(a, w->target);
    if (w->dest == WZ_USB && w->target == w->stick)
        add_opt(a, "--size", w->stick_size);
    wz_build_args(w, a);
    for (int i = 0; i < w->common.n; i++)
        wz_list_add(a, w->common.v[i]);
    if (w->dest == WZ_DISC) {
        wz_list_add(second, "burn");
        add_operand(second, w->iso);
        add_opt(second, "--drive", w->drive);
    }
}

/* `build SOURCE OPTIONS --print-recipe`: the recipe checked into the image plan, SOURCE opened
 * and checked against it (what every writing command's prepare step does), nothing written. */
static int check_build(struct wz *w)
{
    struct wz_list a = {0};
    wz_list_add(&a, "build");
    add_operand(&a, w->source);
    wz_build_args(w, &a);
    wz_list_add(&a, "--print-recipe");
    int rc = wz_check(w, &a);
    wz_list_free(&a);
    return rc;
}

/* Runs a page until its answers pass check (NULL: none) or the user goes back or leaves. */
static enum wz_action run_checked(struct wz *w, struct wz_page *p, int (*check)(struct wz *))
{
    for (;;) {
        p->error = w->error;
        enum wz_action act = wz_page_run(p);
        show_error(w, NULL);
        if (act != WZ_NEXT || !check || check(w) == 0)
            return act;
    }
}

/* ---- Source media ---- */

static int check_source(struct wz *w)
{
    if (!w->source)
        return show_error(w, "dartmk wizard: no source media given"), 1;
    struct wz_list a = {0};
    char *out, *err;
    wz_list_add(&a, "inspect");
    wz_list_add(&a, "--json");
    add_operand(&a, w->source);
    int rc = wz_capture(&a, &out, &err);
    wz_list_free(&a);
    struct json_object *facts = rc ? NULL : json_tokener_parse(out);
    if (rc || !facts) {
        free(w->error);
        w->error = rc ? wz_last_line(err) : strdup("dartmk wizard: inspect gave no JSON");
    } else {
        json_object_put(w->facts);
        w->facts = facts;
        w->image = -1;
    }
    free(out);
    free(err);
    return facts ? 0 : 1;
}

static enum wz_action page_source(struct wz *w, int forward)
{
    (void)forward;
    struct wz_field f[] = {{"Source media:", &w->source, NULL}};
    struct wz_page p = {
        .title = "Source media",
        .text = "The Windows media the recovery image is made from: an install ISO or DVD "
                "(/dev/sr0), a Windows PE (ADK) media folder, or a boot.wim. dartmk inspects it "
                "on the next page.",
        .fields = f,
        .nfields = 1,
    };
    return run_checked(w, &p, check_source);
}

/* ---- The Windows PE image, with what inspect found ---- */

static void facts_text(FILE *f, struct json_object *j)
{
    struct json_object *rec = jget(j, "recovery"), *left = jget(j, "recovery.left_out");
    fprintf(f, "%s: %s, %s layout, %s.\n", jstr(j, "source"), jstr(j, "kind"),
            jstr(j, "layout") ? jstr(j, "layout") : "unknown", jstr(j, "arch"));
    int bios = json_object_get_boolean(jget(j, "bios")),
        uefi = json_object_get_boolean(jget(j, "uefi"));
    fprintf(f, "Boots: %s. Expires: %s.\n",
            bios && uefi ? "BIOS and UEFI"
            : bios       ? "BIOS only"
            : uefi       ? "UEFI only"
                         : "not at all (boot files missing)",
            jstr(j, "expires") ? jstr(j, "expires") : "never");
    if (rec)
        fprintf(f, "The recovery image will hold %lld files, %.1f MiB (boot.wim image %lld)",
                (long long)jint(rec, "files"), jint(rec, "bytes") / 1048576.0,
                (long long)jint(jget(rec, "boot_wim"), "image"));
    if (left && jint(left, "files"))
        fprintf(f, "; %lld files of the media stay behind (the largest: %s)",
                (long long)jint(left, "files"), jstr(left, "largest"));
    fprintf(f, ".\n");
    if (json_object_get_boolean(jget(j, "dart.windows_re")))
        fprintf(f, "The image is Windows RE or Setup: DaRT's own tools can be added.\n");
}

static enum wz_action page_image(struct wz *w, int forward)
{
    (void)forward;
    struct json_object *images = jget(w->facts, "wim.images");
    int n = images ? (int)json_object_array_length(images) : 0;
    char *info = NULL, **names = calloc(n + 1, sizeof *names);
    size_t len;
    FILE *f = open_memstream(&info, &len);
    facts_text(f, w->facts);
    fprintf(f, "\nThe Windows PE image to start (boot.wim's images):");
    fclose(f);
    for (int i = 0; i < n; i++) {
        struct json_object *im = json_object_array_get_idx(images, i);
        if (asprintf(&names[i], "%lld  %s%s", (long long)jint(im, "index"), jstr(im, "name"),
                     json_object_get_boolean(jget(im, "bootable")) ? "  (bootable)" : "") < 0)
            abort();
        if (w->image < 0 && jint(im, "index") == jint(jget(w->facts, "wim"), "boot_index"))
            w->image = i;
    }
    struct wz_page p = {.title = "Windows PE image",
                        .info = info,
                        .choices = (const char *const *)names,
                        .nchoices = n,
                        .choice = &w->image};
    enum wz_action act = run_checked(w, &p, check_build);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(info);
    return act;
}

/* ---- Tools, remote connection, debugging tools, drivers, files, time limit ---- */

static enum wz_action page_tools(struct wz *w, int forward)
{
    (void)forward;
    struct wz_field f[] = {{"DaRT tools (cab/msi):", &w->dart_tools, NULL},
                           {"DaRT config (.dat):", &w->dart_config, NULL}};
    struct wz_page p = {
        .title = "Tools",
        .text =
            "Tools to add, each NAME=PATH (a folder, an .exe or a .cab) into DaRT\\Tools\\NAME; "
            "add :helpdesk to keep it out of the menu. From a DaRT installation: its "
            "Toolsx64.cab or installer, and the DartConfig.dat its wizard made.",
        .fields = f,
        .nfields = 2,
        .items = &w->tools,
        .item_label = "Tool NAME=PATH:",
    };
    return run_checked(w, &p, check_build);
}

static enum wz_action page_remote(struct wz *w, int forward)
{
    (void)forward;
    struct wz_field f[] = {{"Open a remote connection at start-up", NULL, &w->remote},
                           {"Tool that accepts it:", &w->remote_tool, NULL},
                           {"TCP port (3388):", &w->remote_port, NULL},
                           {"Message (TEXT|@FILE):", &w->remote_message, NULL}};
    struct wz_page p = {.title = "Remote connection",
                        .text = "A help desk can connect to the recovery image: the tool (one "
                                "of the Tools page's) is started with -port PORT and the "
                                "firewall opened.",
                        .fields = f,
                        .nfields = 4};
    return run_checked(w, &p, check_build);
}

static enum wz_action page_debugging(struct wz *w, int forward)
{
    (void)forward;
    struct wz_field f[] = {{"Debugging tools:", &w->debugging, NULL}};
    struct wz_page p = {.title = "Debugging tools",
                        .text = "Crash-analysis tools: a folder copied to DaRT\\Debuggers, or "
                                "'target' to use the repaired machine's own copy. Empty: none.",
                        .fields = f,
                        .nfields = 1};
    return run_checked(w, &p, check_build);
}

static enum wz_action page_drivers(struct wz *w, int forward)
{
    (void)forward;
    struct wz_page p = {.title = "Drivers",
                        .text = "Drivers the recovery image loads at start-up (storage, "
                                "network): an .inf file or a folder of them.",
                        .items = &w->drivers,
                        .item_label = "Driver (.inf|DIR):"};
    return run_checked(w, &p, check_build);
}

static enum wz_action page_files(struct wz *w, int forward)
{
    (void)forward;
    struct wz_page p = {.title = "Additional files",
                        .text = "Folders whose contents are copied into the image: DIR, or "
                                "DIR=DEST for a place other than the root.",
                        .items = &w->files,
                        .item_label = "Folder (DIR[=DEST]):"};
    return run_checked(w, &p, check_build);
}

static enum wz_action page_expire(struct wz *w, int forward)
{
    (void)forward;
    struct wz_field f[] = {{"Days (1-36500):", &w->expire, NULL}};
    struct wz_page p = {.title = "Time limit",
                        .text = "The image can be used for this many days after it is made; "
                                "then it shuts down at start-up with a message. Empty: no limit.",
                        .fields = f,
                        .nfields = 1};
    return run_checked(w, &p, check_build);
}

/* ---- Where it goes ---- */

static enum wz_action page_dest(struct wz *w, int forward)
{
    (void)forward;
    static const char *const kinds[] = {
        "ISO file       a bootable recovery ISO (BIOS and UEFI)",
        "Disc           an ISO burned to a CD/DVD (an optical recorder)",
        "USB stick      a USB flash drive (or a stick image file)",
        "Recovery partition   a hidden partition on a machine's disk (or disk image)",
        "PXE tree       a network boot tree for TFTP/HTTP servers",
    };
    struct wz_page p = {.title = "Where it goes",
                        .text = "Choose what to make of the recovery image.",
                        .choices = kinds,
                        .nchoices = 5,
                        .choice = &w->dest};
    return run_checked(w, &p, NULL);
}

/* What `devices --json` (or --optical) offers: the paths into `paths`, one line each into
 * `lines`. A disk that holds the system, is mounted, used as swap, held or read-only is not
 * offered (devices marks them; the command would refuse them). */
/* One disk as the page lists it: path, model (or the file behind a loop device), size, bus,
 * and what is on it (the table, each partition's file system and label). */
static void disk_line(struct json_object *d, struct wz_list *lines)
{
    struct json_object *parts = jget(d, "partitions");
    const char *model = jstr(d, "model") ? jstr(d, "model") : jstr(d, "backing_file");
    const char *bus = jstr(d, "transport"), *table = jstr(d, "table");
    char *on = NULL;
    size_t len;
    FILE *f = open_memstream(&on, &len);
    fprintf(f, "%s", table ? table : jstr(d, "fstype") ? jstr(d, "fstype") : "empty");
    for (size_t i = 0; parts && i < json_object_array_length(parts); i++) {
        struct json_object *p = json_object_array_get_idx(parts, i);
        const char *fs = jstr(p, "fstype"), *label = jstr(p, "label");
        fprintf(f, "%s%s%s%s", i ? ", " : ": ", fs ? fs : "-", label ? " " : "",
                label ? label : "");
    }
    fclose(f);
    wz_list_addf(lines, "%-11s %-18.18s %7.1f GiB %-6s %s", jstr(d, "path"), model ? model : "",
                 jint(d, "size") / 1073741824.0, bus ? bus : "", on);
    free(on);
}

static int disk_offered(struct json_object *d)
{
    struct json_object *m = jget(d, "mounted"), *h = jget(d, "holders");
    return !json_object_get_boolean(jget(d, "system")) &&
           !json_object_get_boolean(jget(d, "swap")) &&
           !json_object_get_boolean(jget(d, "readonly")) &&
           !(m && json_object_is_type(m, json_type_array) && json_object_array_length(m)) &&
           !(h && json_object_is_type(h, json_type_array) && json_object_array_length(h));
}

static void list_devices(struct wz *w, const char *flag, struct wz_list *lines)
{
    struct wz_list a = {0};
    char *out, *err;
    wz_list_free(&w->disks);
    w->target = NULL; /* it may have been one of them: chosen again on this page */
    wz_list_add(&a, "devices");
    wz_list_add(&a, "--json");
    if (flag)
        wz_list_add(&a, flag);
    int rc = wz_capture(&a, &out, &err);
    struct json_object *j = rc ? NULL : json_tokener_parse(out), *disks = j;
    if (j && json_object_is_type(j, json_type_object))
        disks = jget(j, "disks");
    for (size_t i = 0; disks && i < json_object_array_length(disks); i++) {
        struct json_object *d = json_object_array_get_idx(disks, i);
        if (jstr(d, "address")) { /* a recorder */
            const char *media = jstr(d, "media");
            wz_list_add(&w->disks, jstr(d, "address"));
            wz_list_addf(lines, "%-12s %s %s  %s", jstr(d, "address"), jstr(d, "vendor"),
                         jstr(d, "product"), media ? media : "no disc");
        } else if (disk_offered(d)) {
            wz_list_add(&w->disks, jstr(d, "path"));
            disk_line(d, lines);
        }
    }
    if (rc) {
        free(w->error);
        w->error = wz_last_line(err);
    }
    json_object_put(j);
    wz_list_free(&a);
    free(out);
    free(err);
}

/* A page that picks a disk (or recorder) from `devices`, or takes one typed below. */
static enum wz_action pick_page(struct wz *w, struct wz_page *p, const char *flag,
                                const char *other, int (*check)(struct wz *))
{
    struct wz_list lines = {0};
    list_devices(w, flag, &lines);
    wz_list_add(&lines, other);
    if (w->disk_choice < 0 || w->disk_choice >= lines.n)
        w->disk_choice = lines.n - 1;
    p->choices = (const char *const *)lines.v;
    p->nchoices = lines.n;
    p->choice = &w->disk_choice;
    enum wz_action act = run_checked(w, p, check);
    wz_list_free(&lines);
    return act;
}

/* The destination's own command, checked as far as it checks without writing. */
static int check_command(struct wz *w, const char *extra)
{
    struct wz_list a = {0}, b = {0};
    wz_command(w, &a, &b);
    wz_list_add(&a, extra);
    int rc = wz_check(w, &a);
    wz_list_free(&a);
    wz_list_free(&b);
    return rc;
}

static int check_iso(struct wz *w)
{
    if (w->dest == WZ_DISC) {
        if (!w->drive && w->disk_choice < w->disks.n)
            set(&w->drive, w->disks.v[w->disk_choice]);
        if (!w->drive)
            return show_error(w, "dartmk wizard: no recorder chosen or drive given"), 1;
    }
    return check_command(w, "--print-recipe");
}

static int chosen_target(struct wz *w, char *typed, const char *what)
{
    /* A path typed wins over the list, whose own choice starts on "(below)". */
    w->target = typed ? typed : w->disk_choice < w->disks.n ? w->disks.v[w->disk_choice] : NULL;
    if (!w->target) {
        char line[80];
        snprintf(line, sizeof line, "dartmk wizard: no %s chosen or given", what);
        return show_error(w, line), 1;
    }
    return 0;
}

static int check_usb(struct wz *w)
{
    return chosen_target(w, w->stick, "stick") || check_command(w, "--print-recipe");
}

static int check_partition(struct wz *w)
{
    if (chosen_target(w, w->disk_image, "disk"))
        return 1;
    struct wz_list a = {0}, b = {0};
    char *err;
    wz_command(w, &a, &b);
    wz_list_add(&a, "--dry-run");
    free(w->plan);
    int rc = wz_capture(&a, &w->plan, &err);
    if (rc) {
        free(w->error);
        w->error = wz_last_line(err);
    }
    wz_list_free(&a);
    wz_list_free(&b);
    free(err);
    return rc;
}

static enum wz_action page_target(struct wz *w, int forward)
{
    if (forward) /* a list of other disks than last time: nothing chosen in it yet */
        w->disk_choice = -1;
    struct wz_field iso[] = {{"ISO file:", &w->iso, NULL}},
                    usb[] = {{"Image file:", &w->stick, NULL},
                             {"Size of a new file:", &w->stick_size, NULL}},
                    disk[] = {{"Disk image:", &w->disk_image, NULL}},
                    pxe[] = {{"Folder:", &w->pxe_dir, NULL}},
                    disc[] = {{"Drive (or stdio:PATH):", &w->drive, NULL},
                              {"ISO file to burn:", &w->iso, NULL}};
    struct wz_page p = {.title = "ISO file", .fields = iso, .nfields = 1};
    switch (w->dest) {
    case WZ_DISC:
        p = (struct wz_page){.title = "Disc",
                             .fields = disc,
                             .nfields = 2,
                             .text = "Optical recorders (dartmk devices --optical). The ISO is "
                                     "made first, then burned and read back. A drive typed "
                                     "below wins over the list; stdio:PATH is libburn's pseudo "
                                     "drive (writes the disc to a file)."};
        return pick_page(w, &p, "--optical", "Another drive (below)", check_iso);
    case WZ_USB:
        p = (struct wz_page){.title = "USB stick",
                             .fields = usb,
                             .nfields = 2,
                             .text = "Removable disks (dartmk devices); the system disk and "
                                     "disks in use are not offered; a path typed below wins over "
                                     "the list. Everything on the stick is erased: the run asks "
                                     "you to type its name first."};
        return pick_page(w, &p, NULL, "An image file (below)", check_usb);
    case WZ_PARTITION:
        p = (struct wz_page){.title = "Recovery partition",
                             .fields = disk,
                             .nfields = 1,
                             .text = "The disk that gets a hidden recovery partition (dartmk "
                                     "devices --all); the system disk and disks in use are not "
                                     "offered; a path typed below wins over the list. The next "
                                     "page shows the plan."};
        return pick_page(w, &p, "--all", "A disk image (below)", check_partition);
    case WZ_PXE:
        p = (struct wz_page){.title = "PXE tree",
                             .fields = pxe,
                             .nfields = 1,
                             .text = "A new or empty folder for the network boot tree."};
        return run_checked(w, &p, check_iso);
    default:
        p.text = "The ISO file to write (its name ends in .iso).";
        return run_checked(w, &p, check_iso);
    }
}

static enum wz_action page_plan(struct wz *w, int forward)
{
    if (w->dest != WZ_PARTITION)
        return forward ? WZ_NEXT : WZ_BACK;
    struct wz_page p = {.title = "Recovery partition: the plan",
                        .text = "`dartmk partition --dry-run` says what would change (nothing "
                                "is written yet; Shift-Tab and the arrows scroll it). The run "
                                "asks you to type the disk's name before it writes.",
                        .info = w->plan && *w->plan ? w->plan : "(no plan)"};
    return run_checked(w, &p, NULL);
}

/* ---- Summary: the equivalent command line, the recipe saved ---- */

static int save_recipe(struct wz *w)
{
    if (!w->recipe)
        return 0;
    struct wz_list a = {0};
    char *out, *err, *tmp;
    wz_list_add(&a, "build");
    add_operand(&a, w->source);
    wz_build_args(w, &a);
    wz_list_add(&a, "--print-recipe");
    int rc = wz_capture(&a, &out, &err);
    wz_list_free(&a);
    if (rc)
        w->error = wz_last_line(err);
    else if (asprintf(&tmp, "%s.dartmk-new", w->recipe) >= 0) {
        FILE *f = fopen(tmp, "w");
        if (!f || fputs(out, f) < 0 || fclose(f) != 0 || rename(tmp, w->recipe) != 0) {
            char line[300];
            snprintf(line, sizeof line, "dartmk wizard: %s: %m", w->recipe);
            show_error(w, line);
            unlink(tmp);
            rc = 1;
        }
        free(tmp);
    }
    free(out);
    free(err);
    return rc;
}

static enum wz_action page_summary(struct wz *w, int forward)
{
    (void)forward;
    struct wz_list a = {0}, b = {0};
    wz_command(w, &a, &b);
    char *one = wz_shell_line(&a), *two = b.n ? wz_shell_line(&b) : NULL, *info;
    if (asprintf(&info,
                 "The equivalent command line:\n\n%s%s%s\n\nRun starts it here, with its "
                 "progress%s. The recipe (the build options) is saved first; `dartmk "
                 "build --recipe FILE` takes it.",
                 one, two ? " &&\n" : "", two ? two : "",
                 w->dest == WZ_USB || w->dest == WZ_PARTITION
                     ? "; it asks you to type the disk's name before it writes"
                     : "") < 0)
        abort();
    struct wz_field f[] = {{"Save the recipe to:", &w->recipe, NULL}};
    struct wz_page p = {.title = "Summary", .info = info, .fields = f, .nfields = 1, .next = "Run"};
    enum wz_action act = run_checked(w, &p, save_recipe);
    free(info);
    free(one);
    free(two);
    wz_list_free(&a);
    wz_list_free(&b);
    return act;
}

const wz_page_fn wz_pages[] = {page_source,    page_image,   page_tools, page_remote,
                               page_debugging, page_drivers, page_files, page_expire,
                               page_dest,      page_target,  page_plan,  page_summary};
const int wz_page_count = sizeof wz_pages / sizeof wz_pages[0];
