/* cmd_iso.c — `dartmk iso SOURCE -o FILE.iso`: the wizard's main product, a bootable recovery
 * ISO (BIOS and UEFI El Torito), mastered with libisofs straight from the source. */
#include "cli/build_cli.h"
#include "image/build_internal.h"
#include "util/cleanup.h"
#include "util/copy.h"
#include "target/iso.h"
#include "recovery/recovery.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char iso_intro[] =
    "usage: dartmk iso SOURCE -o FILE.iso [--label LABEL] [--no-boot] [--force] [build options]\n"
    "\n"
    "Masters a bootable recovery ISO: ISO 9660 level 3 with Joliet (long names) and Rock\n"
    "Ridge, an El Torito entry for BIOS (etfsboot.com, no emulation, load segment 0x07C0, 8\n"
    "sectors) and one for UEFI (platform 0xEF, efisys.bin), the boot catalog hidden. The boot\n"
    "images come from the media or from inside boot.wim (ADK media); efisys.bin is made when\n"
    "only the EFI loader exists. With build options, boot.wim is customised first, as\n"
    "`dartmk build` does. Files are streamed from the source; nothing else is staged.\n"
    "\n"
    "The ISO is flushed to disk before success is reported; its SHA-256 is printed and written\n"
    "beside it (FILE.iso.sha256, the sha256sum format). On any failure nothing is left behind.\n"
    "\n";

enum { OPT_LABEL = DM_OPT_BASE, OPT_NO_BOOT, OPT_FORCE };

static const struct dm_opt iso_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_VALUE('o', "output", "FILE.iso",
                 "the ISO to write (default recovery.iso); the name must end in .iso, as most "
                 "burning programs need"),
    DM_OPT_VALUE(OPT_LABEL, "label", "LABEL",
                 "the volume label: letters, digits, '_' and '-', at most 32 (default "
                 "DART_RECOVERY; lower case is recorded upper case)"),
    DM_OPT_FLAG(OPT_NO_BOOT, "no-boot",
                "a data ISO: no El Torito entries (allowed without boot images)"),
    DM_OPT_FLAG(OPT_FORCE, "force", "replace an existing FILE, or take a name without .iso"),
    DM_OPT_JSON_HELP("print one JSON object: iso, bytes, sha256, label, bios, uefi, "
                     "efisys_generated"),
    DM_BUILD_OPTIONS_SUMMARY,
    DM_OPT_END,
};

static const char iso_outro[] =
    "\n"
    "SOURCE_DATE_EPOCH, when set, is every time in the image: two runs give the same bytes.\n"
    "\n"
    "Examples:\n"
    "  dartmk iso Win11_x64.iso -o dart.iso --tool 'Disk Commander=/opt/dart/diskcmd'\n"
    "  dartmk iso ~/WinPE_amd64/media -o winpe.iso --label WINPE_X64\n"
    "\n" EXIT_CODES;

const struct dm_help dm_iso_help = {iso_intro, iso_options, iso_outro};

struct iso_cli {
    const struct dm_cmd *cmd;
    struct dm_build_cli b;
    const char *output, *label;
    int no_boot, force, json;
};

static int iso_option(int opt, const char *arg, void *ctx)
{
    struct iso_cli *c = ctx;
    if (opt == 'o')
        c->output = arg;
    else if (opt == OPT_LABEL)
        c->label = arg;
    else if (opt == OPT_NO_BOOT)
        c->no_boot = 1;
    else if (opt == OPT_FORCE)
        c->force = 1;
    else if (!dm_build_cli_option(&c->b, opt, arg))
        return dm_usage_error(c->cmd, "unknown option");
    return 0;
}

/* Everything about the command line that needs no file. */
static int check_args(struct iso_cli *c, char label[DM_ISO_LABEL_MAX + 1])
{
    const char *why;
    size_t n = strlen(c->output);
    if (!c->force && (n < 4 || strcasecmp(c->output + n - 4, ".iso") != 0))
        return dm_usage_error(c->cmd,
                              "%s: the name must end in .iso (most burning programs "
                              "need it); --force takes it as it is",
                              c->output);
    if (dm_iso_label_check(c->label, label, &why) != 0)
        return dm_usage_error(c->cmd, "--label '%s': %s", c->label, why);
    return 0;
}

/* Which boot entries the media allows; none is an error unless --no-boot. */
static int boot_ways(const struct dm_media *m, const struct iso_cli *c, int *bios, int *uefi)
{
    *bios = !c->no_boot && dm_media_el_torito(m, 0);
    *uefi = !c->no_boot && dm_media_el_torito(m, 1);
    if (c->no_boot || (*bios && *uefi))
        return 0;
    if (!*bios && !*uefi)
        return dm_error(DM_FAIL,
                        "%s: no El Torito boot image (boot/etfsboot.com, efisys.bin or "
                        "an EFI loader); --no-boot makes a data ISO",
                        m->tree->origin);
    dm_warn("%s: the ISO will boot under %s only: the media has no %s", m->tree->origin,
            *bios ? "BIOS" : "UEFI", *bios ? "efisys.bin or EFI loader" : "etfsboot.com");
    return 0;
}

/* ---- the output: temporaries beside it, renamed into place when complete ---- */

struct out_file {
    char *final, *temp, *sha_temp;
    int fd, guard, sha_guard; /* cleanup registrations of the temporaries */
};

/* A temporary file ".BASE.dartmk-XXXXXX" in the folder of `path`, readable like a new file. */
static int temp_beside(const char *path, char **temp, int *guard)
{
    char *copy = strdup(path), *dir = copy ? dirname(copy) : NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int n = dir ? asprintf(temp, "%s/.%s.dartmk-XXXXXX", dir, base) : -1;
    free(copy);
    if (n < 0)
        return *temp = NULL, -1;
    int fd = mkstemp(*temp);
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0 && fchmod(fd, 0666 & ~mask) != 0) /* mkstemp's 0600 would hide it */
        close(fd), unlink(*temp), fd = -1;
    if (fd < 0)
        return free(*temp), *temp = NULL, -1;
    *guard = dm_cleanup_register(*temp, 0);
    return fd;
}

static int out_begin(struct out_file *o, const char *path, int force)
{
    struct stat st;
    *o = (struct out_file){.fd = -1, .guard = -1, .sha_guard = -1};
    char *sha_path = NULL;
    int exists = lstat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode))
        return dm_error(DM_REFUSED,
                        "%s: exists and is not a regular file; an ISO is written "
                        "only as a file (use dartmk burn for drives)",
                        path);
    if (asprintf(&sha_path, "%s.sha256", path) < 0)
        return dm_error(DM_FAIL, "out of memory");
    int bad_sha = lstat(sha_path, &st) == 0 && !S_ISREG(st.st_mode);
    if (bad_sha)
        dm_error(DM_REFUSED,
                 "%s: exists and is not a regular file (the ISO's checksum goes "
                 "there)",
                 sha_path);
    free(sha_path);
    if (bad_sha)
        return DM_REFUSED;
    if (exists && !force)
        return dm_error(DM_REFUSED, "%s: exists (--force replaces it)", path);
    if (!(o->final = strdup(path)))
        return dm_error(DM_FAIL, "out of memory");
    o->fd = temp_beside(path, &o->temp, &o->guard);
    return o->fd >= 0 ? 0 : dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
}

/* The .sha256 beside the ISO, written to its temporary and flushed. */
static int write_sha_temp(struct out_file *o, const char *sha)
{
    char *path;
    const char *base = strrchr(o->final, '/') ? strrchr(o->final, '/') + 1 : o->final;
    if (asprintf(&path, "%s.sha256", o->final) < 0)
        return dm_error(DM_FAIL, "out of memory");
    int fd = temp_beside(path, &o->sha_temp, &o->sha_guard), rc = 0;
    char line[DM_SHA256_HEX + 4096];
    int n = snprintf(line, sizeof line, "%s  %s\n", sha, base);
    if (fd < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    else if ((rc = dm_write_all(fd, line, (size_t)n, path)) == 0 && fsync(fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush to disk", path);
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    free(path);
    return rc;
}

static void sync_folder(const char *path)
{
    char *copy = strdup(path);
    int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0)
        fsync(fd), close(fd);
    free(copy);
}

/* Flushes both files, then renames them into place; on failure removes the temporaries (a
 * file that was at FILE before stays as it was). */
static int out_end(struct out_file *o, int rc, const char *sha)
{
    char *sha_final = NULL;
    if (rc == 0 && fsync(o->fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush to disk", o->final);
    if (o->fd >= 0 && close(o->fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", o->final);
    if (rc == 0)
        rc = write_sha_temp(o, sha);
    if (rc == 0 && asprintf(&sha_final, "%s.sha256", o->final) < 0)
        sha_final = NULL, rc = dm_error(DM_FAIL, "out of memory");
    if (rc == 0 && rename(o->temp, o->final) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot put it in place", o->final);
    else if (rc == 0 && rename(o->sha_temp, sha_final) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot put it in place", sha_final);
    if (rc == 0)
        sync_folder(o->final);
    if (rc && o->temp)
        unlink(o->temp);
    if (rc && o->sha_temp)
        unlink(o->sha_temp);
    dm_cleanup_forget(o->guard), dm_cleanup_forget(o->sha_guard);
    free(o->temp), free(o->sha_temp), free(o->final), free(sha_final);
    return rc;
}

static void print_result(const struct iso_cli *c, const char *label, uint64_t bytes,
                         const char *sha, int bios, int uefi, const struct dm_recovery *rt)
{
    if (!c->json) {
        printf("%s  %s\n", sha, c->output);
        dm_info("wrote %s (%.1f MiB, label %s, boots under %s)", c->output, dm_mib(bytes), label,
                bios && uefi ? "BIOS and UEFI"
                : bios       ? "BIOS"
                : uefi       ? "UEFI"
                             : "nothing");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "iso", json_object_new_string(c->output));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
    json_object_object_add(o, "sha256", json_object_new_string(sha));
    json_object_object_add(o, "label", json_object_new_string(label));
    json_object_object_add(o, "bios", json_object_new_boolean(bios));
    json_object_object_add(o, "uefi", json_object_new_boolean(uefi));
    json_object_object_add(o, "efisys_generated", json_object_new_boolean(rt->efisys_made));
    dm_print_json(o);
}

static int master(struct iso_cli *c, struct dm_media *m, const struct dm_build_plan *p,
                  const struct dm_recipe *r, const char *source, const char *label)
{
    struct dm_recovery *rt = NULL;
    struct out_file out = {0};
    char sha[DM_SHA256_HEX] = "";
    uint64_t bytes = 0;
    int bios, uefi;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    struct dm_recovery_opts ro = {.flags = DM_RECOVERY_MANIFEST |
                                           (c->no_boot ? 0 : DM_RECOVERY_EL_TORITO)};
    int rc = boot_ways(m, c, &bios, &uefi);
    if (rc == 0)
        rc = dm_recovery_open(m, p, r, source, &ro, &rt);
    if (rc == 0)
        rc = out_begin(&out, c->output, c->force);
    if (rc == 0) {
        struct dm_iso_opts o = {.name = c->output,
                                .label = label,
                                .etfsboot = bios ? rt->etfsboot : NULL,
                                .efisys = uefi ? rt->efisys : NULL,
                                .time = sde && *sde ? p->built : -1};
        rc = dm_iso_write(rt->tree, &o, out.fd, &bytes, sha);
    }
    if (out.final || out.temp)
        rc = out_end(&out, rc, sha);
    if (rc == 0)
        print_result(c, label, bytes, sha, bios, uefi, rt);
    dm_recovery_free(rt);
    return rc;
}

static int run(struct iso_cli *c, const struct dm_recipe *r, const char *source)
{
    char label[DM_ISO_LABEL_MAX + 1];
    struct dm_build_plan p;
    struct dm_media *m = NULL;
    int rc = check_args(c, label);
    if (rc)
        return rc;
    rc = dm_build_cli_prepare(&c->b, r, source, &p, &m);
    if (rc == 0 && m)
        rc = master(c, m, &p, r, source, label);
    dm_media_close(m);
    dm_build_plan_free(&p);
    return rc;
}

int dm_cmd_iso(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct iso_cli c = {.cmd = cmd, .output = "recovery.iso", .label = "DART_RECOVERY"};
    struct dm_common common = {0};
    struct dm_recipe r = {0};
    const char *source;
    int rc = dm_build_cli_parse(cmd, argc, argv, iso_option, &c, &c.b, &common, &r, &source);
    c.json = common.json;
    if (rc == 0)
        rc = run(&c, &r, source);
    dm_recipe_free(&r);
    dm_build_cli_free(&c.b);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
