/* cmd_burn.c — `dartmk burn FILE.iso --drive DRIVE`: the ISO onto a CD/DVD/BD (or, through
 * libburn's stdio: pseudo drive, into a file), read back and compared. */
#include "target/burn.h"
#include "cli/cli.h"
#include "util/report.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char burn_intro[] =
    "usage: dartmk burn FILE.iso --drive DRIVE [--speed N|max] [--blank] [--yes] [--eject]\n"
    "                   [--no-verify] [--json]\n"
    "\n"
    "Burns an ISO image (made by 'dartmk iso') to a CD, DVD or BD with libburn, then reads the\n"
    "disc back and compares every byte with the image. libburn picks the write mode the disc\n"
    "needs (SAO or TAO) and closes the disc. The image's SHA-256 is printed (sha256sum format).\n"
    "\n"
    "DRIVE is a recorder (/dev/sr0; 'dartmk devices --optical' lists them and their discs), or\n"
    "stdio:PATH, libburn's pseudo drive, which writes the image to the file PATH (created if it\n"
    "does not exist; /dev/null and pipes work with --no-verify). Disks are not written here:\n"
    "'dartmk usb' writes them.\n"
    "\n"
    "Before burning: FILE must be an ISO 9660 image (a primary volume descriptor, whole 2048-byte\n"
    "sectors, not truncated); the drive must hold a disc with room for it. A disc or file that\n"
    "holds data is refused unless --blank is given; then dartmk asks before blanking it (a\n"
    "rewritable CD or DVD is erased, a file emptied; DVD+RW, DVD-RAM and BD-RE are overwritten).\n"
    "Without a terminal, --yes is the answer; without it nothing is blanked (exit 3).\n"
    "\n";

enum { OPT_DRIVE = DM_OPT_BASE, OPT_SPEED, OPT_BLANK, OPT_EJECT, OPT_NO_VERIFY };

static const struct dm_opt burn_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_VALUE(OPT_DRIVE, "drive", "DRIVE", "the recorder, or stdio:PATH (required)"),
    DM_OPT_VALUE(OPT_SPEED, "speed", "N|max",
                 "write speed in kB/s (1000 bytes; 1x CD = 176, 1x DVD = 1385, 1x BD = 4496); "
                 "default max"),
    DM_OPT_FLAG(OPT_BLANK, "blank", "blank a rewritable disc (or empty a file) that holds data"),
    DM_OPT_FLAG('y', "yes", "blank without asking"),
    DM_OPT_FLAG(OPT_EJECT, "eject", "eject the disc when it is burned and verified"),
    DM_OPT_FLAG(OPT_NO_VERIFY, "no-verify",
                "do not read the disc back (the image is still hashed)"),
    DM_OPT_JSON_HELP("print one JSON object: iso, drive, bytes, sha256, verified, blanked"),
    DM_OPT_END,
};

static const char burn_outro[] =
    "\n"
    "Examples:\n"
    "  dartmk burn dart.iso --drive /dev/sr0 --eject\n"
    "  dartmk burn dart.iso --drive /dev/sr0 --blank --speed 5540    # a DVD-RW, at 4x\n"
    "  dartmk burn dart.iso --drive stdio:/srv/images/dart-copy.iso --json\n"
    "\n" EXIT_CODES;

const struct dm_help dm_burn_help = {burn_intro, burn_options, burn_outro};

struct burn_cli {
    const struct dm_cmd *cmd;
    const char *iso, *drive;
    int speed, blank, yes, eject, verify, json;
};

static int burn_option(int opt, const char *arg, void *ctx)
{
    struct burn_cli *c = ctx;
    switch (opt) {
    case OPT_DRIVE:
        c->drive = arg;
        return 0;
    case OPT_SPEED:
        if (dm_burn_parse_speed(arg, &c->speed) != 0)
            return dm_usage_error(c->cmd,
                                  "--speed: '%s' is not a speed in kB/s (1-1000000) or "
                                  "'max'",
                                  arg);
        return 0;
    case OPT_BLANK:
        c->blank = 1;
        return 0;
    case 'y':
        c->yes = 1;
        return 0;
    case OPT_EJECT:
        c->eject = 1;
        return 0;
    case OPT_NO_VERIFY:
        c->verify = 0;
        return 0;
    default:
        return dm_usage_error(c->cmd, "unknown option");
    }
}

/* "a DVD+RW disc", "a file of 1.5 MiB": what the user is about to lose. */
static const char *describe(const struct dm_burn_media *m, char *buf, size_t n)
{
    char size[32];
    if (m->role == 2 && m->data_size)
        snprintf(buf, n, "a file of %s", dm_format_size(size, sizeof size, m->data_size));
    else
        snprintf(buf, n, "a %s disc", m->profile[0] ? m->profile : "written");
    return buf;
}

/* What makes burning impossible or unsafe, before anything is blanked or written. */
static int check_media(const struct burn_cli *c, const struct dm_burn_media *m)
{
    char what[128];
    if (m->state == DM_MEDIA_NONE)
        return dm_error(DM_FAIL, "%s: no disc in the drive", c->drive);
    if (m->state == DM_MEDIA_UNSUITABLE)
        return dm_error(DM_FAIL, "%s: the disc can be neither written nor read (%s)", c->drive,
                        m->profile[0] ? m->profile : "unknown kind");
    if (c->verify && !m->readable)
        return dm_error(DM_FAIL,
                        "%s: cannot be read back to verify it; --no-verify writes "
                        "without verifying",
                        c->drive);
    /* A write-once disc with data cannot become blank: --blank cannot help, so not a refusal. */
    if (m->role == 1 && m->state != DM_MEDIA_BLANK && !m->erasable)
        return dm_error(DM_FAIL,
                        "%s: the %s disc holds data and cannot be blanked (use a blank "
                        "or rewritable disc)",
                        c->drive, m->profile[0] ? m->profile : "written");
    if (m->holds_data && !c->blank)
        return dm_error(DM_REFUSED, "%s: holds data (%s); --blank erases it (asks first)", c->drive,
                        describe(m, what, sizeof what));
    return 0;
}

/* "4.3 GiB", or the bytes when two sizes would read the same. */
static void two_sizes(uint64_t a, uint64_t b, char *sa, char *sb, size_t n)
{
    dm_format_size(sa, n, a);
    dm_format_size(sb, n, b);
    if (strcmp(sa, sb) == 0) {
        snprintf(sa, n, "%llu bytes", (unsigned long long)a);
        snprintf(sb, n, "%llu bytes", (unsigned long long)b);
    }
}

static int check_room(const struct burn_cli *c, const struct dm_burn_media *m, uint64_t bytes)
{
    char need[32], have[32];
    if (dm_burn_fits(bytes, m->capacity))
        return 0;
    two_sizes(bytes, m->capacity, need, have, sizeof need);
    return dm_error(DM_FAIL, "%s: no room for %s (it needs %s, the %s has %s free)", c->drive,
                    c->iso, need, m->role == 1 ? "disc" : "file system", have);
}

/* Blanking destroys data: a person says yes on the terminal, a script with --yes. */
static int confirm(const struct burn_cli *c, const struct dm_burn_media *m)
{
    char what[128], line[16];
    if (c->yes)
        return 0;
    describe(m, what, sizeof what);
    if (!isatty(STDIN_FILENO))
        return dm_error(DM_REFUSED,
                        "%s: holds data (%s); not blanked without confirmation "
                        "(--yes confirms when there is no terminal)",
                        c->drive, what);
    fprintf(stderr, "%s holds data (%s). Blank it and burn %s? [y/N] ", c->drive, what, c->iso);
    fflush(stderr);
    if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y'))
        return dm_error(DM_REFUSED, "%s: not blanked (not confirmed)", c->drive);
    return 0;
}

/* Blanks the medium if it holds data (after asking); then it must be blank and big enough. */
static int prepare(const struct burn_cli *c, struct dm_burner *b, struct dm_burn_media *m,
                   uint64_t bytes, int *blanked)
{
    int rc = check_media(c, m);
    /* A disc that must be erased says how much room it has only once it is blank. */
    if (rc == 0 && m->state == DM_MEDIA_BLANK)
        rc = check_room(c, m, bytes);
    if (rc || !m->holds_data)
        return rc;
    rc = confirm(c, m);
    if (rc == 0)
        rc = dm_burn_blank(b, m);
    if (rc == 0)
        rc = dm_burn_media(b, m);
    if (rc == 0 && m->state != DM_MEDIA_BLANK)
        rc = dm_error(DM_FAIL, "%s: the disc is %s after blanking, not blank", c->drive,
                      dm_burn_state_name(m->state));
    if (rc == 0)
        rc = check_room(c, m, bytes);
    *blanked = rc == 0;
    return rc;
}

static void print_result(const struct burn_cli *c, uint64_t bytes, const char *sha, int blanked)
{
    char size[32];
    if (!c->json) {
        printf("%s  %s\n", sha, c->iso);
        dm_info("burned %s to %s (%s%s, %s)", c->iso, c->drive,
                dm_format_size(size, sizeof size, bytes), blanked ? ", after blanking" : "",
                c->verify ? "read back and verified" : "not verified");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "iso", json_object_new_string(c->iso));
    json_object_object_add(o, "drive", json_object_new_string(c->drive));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
    json_object_object_add(o, "sha256", json_object_new_string(sha));
    json_object_object_add(o, "verified", json_object_new_boolean(c->verify));
    json_object_object_add(o, "blanked", json_object_new_boolean(blanked));
    dm_print_json(o);
}

static int burn(const struct burn_cli *c)
{
    uint64_t bytes;
    char sha[DM_SHA256_HEX];
    struct dm_burner *b = NULL;
    struct dm_burn_media m;
    int blanked = 0;
    int rc = dm_burn_check_iso(c->iso, &bytes);
    if (rc == 0)
        rc = dm_burn_check_target(c->drive, c->iso);
    if (rc == 0)
        rc = dm_burn_open(c->drive, &b);
    if (rc == 0)
        rc = dm_burn_media(b, &m);
    if (rc == 0)
        rc = prepare(c, b, &m, bytes, &blanked);
    if (rc == 0)
        rc = dm_burn_write(b, c->iso, bytes, c->speed);
    if (rc == 0)
        rc = dm_burn_verify(b, c->iso, bytes, c->verify, sha);
    dm_burn_close(b, rc != 0, rc == 0 && c->eject);
    if (rc == 0)
        print_result(c, bytes, sha, blanked);
    return rc;
}

int dm_cmd_burn(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct burn_cli c = {.cmd = cmd, .verify = 1};
    struct dm_common common;
    int first;
    int rc = dm_parse_options(cmd, argc, argv, burn_option, &c, &common, &first);
    if (rc)
        return rc == DM_PARSE_HELP ? DM_OK : rc;
    if (argc - first != 1)
        return dm_usage_error(cmd, argc == first ? "no FILE.iso given" : "one FILE.iso at a time");
    if (!c.drive)
        return dm_usage_error(cmd, "no drive given (--drive /dev/sr0, or --drive stdio:PATH)");
    c.iso = argv[first];
    c.json = common.json;
    return burn(&c);
}
