/* cmd_devices.c — `dartmk devices`: what can be written to. Removable disks (and with --all
 * fixed ones) from sysfs and libblkid (disk.c), or with --optical the optical recorders
 * libburn finds. Listing only reads: nothing is opened for writing. */
#include "target/burn.h"
#include "cli/cli.h"
#include "device/disk.h"
#include "util/report.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char devices_intro[] =
    "usage: dartmk devices [--all] [--json]\n"
    "       dartmk devices --optical [--json]\n"
    "\n"
    "Lists the disks dartmk can write a recovery stick to: removable disks (USB sticks and\n"
    "disks, SD cards), with their model, size, bus, serial number, current partition table and\n"
    "each partition's file system, label and mountpoint. Read it before `dartmk usb` to be sure\n"
    "which /dev name is the stick: pull the stick out, list, plug it in, list again.\n"
    "\n"
    "A disk that holds the running system is marked (system disk); one that is mounted, used as\n"
    "swap or in use by LVM, RAID or encryption is marked too. dartmk will not write to any of\n"
    "them, even with --force; fixed disks it writes only with --force. Partition tables and\n"
    "file systems are read with libblkid when the disk can be opened read-only; what the\n"
    "kernel says about use (sysfs, /proc/self/mountinfo, /proc/swaps) needs no access to the\n"
    "disk at all.\n"
    "\n"
    "With --optical it lists the optical recorders libburn finds instead, and the disc in each:\n"
    "its kind (CD-RW, DVD+R, ...), its state (blank, appendable, full, or none when the drive is\n"
    "empty), the room left on it and whether it can be blanked. A drive another program holds\n"
    "shows as unsuitable. The address is what 'dartmk burn --drive' takes.\n"
    "\n";

enum { OPT_OPTICAL = DM_OPT_BASE, OPT_ALL };

static const struct dm_opt devices_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_FLAG(OPT_ALL, "all",
                "list fixed disks too (internal SATA, NVMe, virtio, and loop devices with a file "
                "attached), marked fixed"),
    DM_OPT_FLAG(OPT_OPTICAL, "optical", "list optical recorders instead of disks"),
    DM_OPT_JSON_HELP(
        "print one JSON object {\"disks\": [...]}, each disk with path, name, vendor, model, "
        "serial, size (bytes), transport, removable, readonly, system, mounted (mountpoints), "
        "swap, holders, backing_file, table, fstype, label, partitions (name, path, number, "
        "start, size, fstype, label, mountpoint, swap); with --optical, a JSON array, one object "
        "per recorder: kind (\"optical\"), address, vendor, product, media, profile, capacity, "
        "erasable"),
    DM_OPT_END,
};

static const char devices_outro[] =
    "\n"
    "Examples:\n"
    "  dartmk devices                  # the USB sticks and SD cards plugged in\n"
    "  dartmk devices --all            # every disk, the system disk marked\n"
    "  dartmk devices --json | jq -r '.disks[] | select(.transport == \"usb\") | .path'\n"
    "  dartmk devices --optical        # CD/DVD/BD recorders, for dartmk burn\n"
    "\n" EXIT_CODES;

const struct dm_help dm_devices_help = {devices_intro, devices_options, devices_outro};

struct devices_cli {
    const struct dm_cmd *cmd;
    int optical, all;
};

static int devices_option(int opt, const char *arg, void *ctx)
{
    struct devices_cli *c = ctx;
    (void)arg;
    if (opt == OPT_OPTICAL)
        c->optical = 1;
    else if (opt == OPT_ALL)
        c->all = 1;
    else
        return dm_usage_error(c->cmd, "unknown option");
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

static void print_drives_json(const struct dm_burn_drive *list, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, drive_json(&list[i]));
    dm_print_json(a);
}

static void print_drives_text(const struct dm_burn_drive *list, size_t n)
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

static int list_optical(int json)
{
    struct dm_burn_drive *list;
    size_t n;
    int rc = dm_burn_scan(&list, &n);
    if (rc == 0 && json)
        print_drives_json(list, n);
    else if (rc == 0)
        print_drives_text(list, n);
    free(list);
    return rc;
}

/* "(system disk)", "(mounted: /media/x)", ... after a disk or partition. */
static void print_markers(int system, const char *mountpoint, int swap)
{
    if (system)
        fputs("  (system disk)", stdout);
    if (mountpoint)
        printf("  (mounted: %s)", mountpoint);
    if (swap)
        fputs("  (swap)", stdout);
}

/* Prints one item of a details line: indented when first, after ", " otherwise. */
static void item(int *first, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item(int *first, const char *fmt, ...)
{
    va_list ap;
    fputs(*first ? "    " : ", ", stdout);
    *first = 0;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* The second line: serial, loop file, what is on the disk. */
static void print_details(const struct dm_disk *d)
{
    int first = 1;
    if (d->serial)
        item(&first, "serial %s", d->serial);
    if (d->backing_file)
        item(&first, "loop device of %s", d->backing_file);
    if (d->holders)
        item(&first, "in use by %s", d->holder);
    if (!d->blkid)
        item(&first, "contents not readable");
    else if (d->table)
        item(&first, "%s partition table", d->table);
    else if (d->fstype && d->label)
        item(&first, "%s \"%s\" on the whole disk", d->fstype, d->label);
    else if (d->fstype)
        item(&first, "%s on the whole disk", d->fstype);
    else
        item(&first, "no partition table");
    putchar('\n');
}

static void print_part(const struct dm_disk_part *p)
{
    char size[32];
    printf("    %-12s %10s", p->name, dm_format_size(size, sizeof size, p->size));
    if (p->fstype || p->label)
        printf("  %s", p->fstype ? p->fstype : "-");
    if (p->label)
        printf("  \"%s\"", p->label);
    print_markers(0, p->mountpoint, p->swap);
    putchar('\n');
}

/* One block per disk: the disk, its details, its partitions. */
static void print_disk(const struct dm_disk *d)
{
    char size[32];
    printf("%s  ", d->path);
    if (d->vendor || d->model)
        printf("%s%s%s  ", d->vendor ? d->vendor : "", d->vendor && d->model ? " " : "",
               d->model ? d->model : "");
    printf("%s  %s%s%s", dm_format_size(size, sizeof size, d->size),
           d->transport ? d->transport : "", d->transport ? ", " : "",
           dm_disk_removable(d) ? "removable" : "fixed");
    if (d->readonly)
        fputs(", read-only", stdout);
    print_markers(d->is_system, d->mountpoint, d->swap);
    putchar('\n');
    print_details(d);
    for (size_t i = 0; i < d->nparts; i++)
        print_part(&d->parts[i]);
}

static int list_disks(int all, int json)
{
    struct dm_disk *disks;
    size_t n;
    int rc = dm_disk_list("", all, &disks, &n);
    if (rc)
        return rc;
    if (json) {
        json_object *o = json_object_new_object(), *a = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(a, dm_disk_json(&disks[i]));
        json_object_object_add(o, "disks", a);
        dm_print_json(o);
    } else if (n == 0) {
        puts(all ? "No disks found." : "No removable disks found (--all lists fixed disks too).");
    }
    for (size_t i = 0; i < n; i++) {
        if (!json)
            print_disk(&disks[i]);
        dm_disk_free(&disks[i]);
    }
    free(disks);
    return 0;
}

int dm_cmd_devices(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct devices_cli c = {.cmd = cmd};
    struct dm_common common;
    int first;
    int rc = dm_parse_options(cmd, argc, argv, devices_option, &c, &common, &first);
    if (rc)
        return rc == DM_PARSE_HELP ? DM_OK : rc;
    if (first < argc)
        return dm_usage_error(cmd, "'%s': devices takes no operands", argv[first]);
    if (c.optical && c.all)
        return dm_usage_error(cmd, "--all lists fixed disks; it does not go with --optical");
    return c.optical ? list_optical(common.json) : list_disks(c.all, common.json);
}
