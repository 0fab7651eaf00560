/* cmd_devices.c — `dartmk devices`: what can be written to. Only the optical recorders
 * (--optical, through libburn) are built so far; removable disks come with `dartmk usb`. */
#include "burn.h"
#include "cli.h"
#include "report.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

const char dm_devices_help[] =
    "usage: dartmk devices --optical [--json]\n"
    "\n"
    "Lists the optical recorders libburn finds, and the disc in each: its kind (CD-RW,\n"
    "DVD+R, ...), its state (blank, appendable, full, or none when the drive is empty), the\n"
    "room left on it and whether it can be blanked. A drive another program holds shows as\n"
    "unsuitable. The address is what 'dartmk burn --drive' takes.\n"
    "\n"
    "Listing removable disks (without --optical) is not built yet in this version of dartmk.\n"
    "\n"
    "Options:\n"
    "      --optical            list optical recorders\n"
    "      --json               print a JSON array, one object per recorder: kind (\"optical\"),\n"
    "                           address, vendor, product, media, profile, capacity,\n"
    "                           erasable\n" COMMON_OPTIONS "\n"
    "Example:\n"
    "  dartmk devices --optical\n"
    "\n" EXIT_CODES;

enum { OPT_OPTICAL = DM_OPT_BASE };

struct devices_cli {
    const struct dm_cmd *cmd;
    int optical;
};

static int devices_option(int opt, const char *arg, void *ctx)
{
    struct devices_cli *c = ctx;
    (void)arg;
    if (opt != OPT_OPTICAL)
        return dm_usage_error(c->cmd, "unknown option");
    c->optical = 1;
    return 0;
}

static json_object *drive_json(const struct dm_burn_drive *d)
{
    const struct dm_burn_media *m = &d->media;
    int disc = m->state != DM_MEDIA_NONE;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("optical"));
    json_object_object_add(o, "address", json_object_new_string(d->address));
    json_object_object_add(o, "vendor", json_object_new_string(m->vendor));
    json_object_object_add(o, "product", json_object_new_string(m->product));
    json_object_object_add(o, "media", json_object_new_string(dm_burn_state_name(m->state)));
    json_object_object_add(o, "profile",
                           disc && m->profile[0] ? json_object_new_string(m->profile) : NULL);
    json_object_object_add(o, "capacity",
                           disc ? json_object_new_int64((int64_t)m->capacity) : NULL);
    json_object_object_add(o, "erasable", json_object_new_boolean(disc && m->erasable));
    return o;
}

static void print_json(const struct dm_burn_drive *list, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, drive_json(&list[i]));
    dm_print_json(a);
}

static void print_text(const struct dm_burn_drive *list, size_t n)
{
    char size[32];
    if (n == 0)
        puts("no optical recorders found");
    for (size_t i = 0; i < n; i++) {
        const struct dm_burn_media *m = &list[i].media;
        printf("%-12s %s %s: ", list[i].address, m->vendor, m->product);
        if (m->state == DM_MEDIA_NONE)
            puts("no disc");
        else
            printf("%s, %s, %s free%s\n", m->profile[0] ? m->profile : "unknown disc",
                   dm_burn_state_name(m->state), dm_format_size(size, sizeof size, m->capacity),
                   m->erasable ? ", can be blanked" : "");
    }
}

int dm_cmd_devices(const struct dm_cmd *cmd, int argc, char **argv)
{
    static const struct option longopts[] = {{"optical", no_argument, NULL, OPT_OPTICAL},
                                             {NULL, 0, NULL, 0}};
    struct devices_cli c = {.cmd = cmd};
    struct dm_common common;
    struct dm_burn_drive *list;
    size_t n;
    int first;
    int rc = dm_parse_options(cmd, argc, argv, "", longopts, devices_option, &c, &common, &first);
    if (rc)
        return rc == DM_PARSE_HELP ? DM_OK : rc;
    if (first < argc)
        return dm_usage_error(cmd, "'%s': devices takes no operands", argv[first]);
    if (!c.optical)
        return dm_error(DM_UNBUILT, "devices without --optical is not built yet (removable "
                                    "disks come with dartmk usb)");
    rc = dm_burn_scan(&list, &n);
    if (rc == 0 && common.json)
        print_json(list, n);
    else if (rc == 0)
        print_text(list, n);
    free(list);
    return rc;
}
