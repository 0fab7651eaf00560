/* mkfat — test tool: writes a FAT volume from a source with the FAT writer (src/fat/), so that
 * tests and the benchmark can judge the writer by itself, without the rest of dartmk.
 *
 *   mkfat SOURCE IMAGE --size SIZE [--offset BYTES] [--type 12|16|32] [--cluster BYTES]
 *         [--label LABEL] [--reserve BYTES] [--hidden SECTORS]
 *   mkfat SOURCE [IMAGE] --min-size [--type 12|16|32] [--reserve BYTES]
 *   mkfat SOURCE [IMAGE] --dry-run --size SIZE [options]   (plans and reports, writes nothing)
 *
 * SOURCE may also be synth:MANIFEST, a synthetic tree (tests/tools/synthtree.h) for names and
 * sizes no host directory can hold.
 *
 * The volume is planned before IMAGE is touched, so a refused tree leaves no file behind and an
 * existing image unchanged. Exit codes as dartmk's: 0 done, 1 failed, 2 usage. */
#include "cli/view.h"
#include "fat/fat.h"
#include "util/report.h"
#include "source/source.h"
#include "synthtree.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: mkfat SOURCE IMAGE --size SIZE [--offset BYTES] [--type 12|16|32]\n"
    "             [--cluster BYTES] [--label LABEL] [--reserve BYTES] [--hidden SECTORS]\n"
    "       mkfat SOURCE [IMAGE] --min-size [--type 12|16|32] [--reserve BYTES]\n"
    "       mkfat SOURCE [IMAGE] --dry-run --size SIZE [options]\n"
    "\n"
    "Writes a FAT volume holding SOURCE (a directory, ISO, UDF ISO or WIM) at --offset of IMAGE\n"
    "(a file, created and extended as needed, or a block device), and prints what was written.\n"
    "SOURCE synth:MANIFEST is a synthetic tree: lines PATH<TAB>SIZE, PATH/ for a directory.\n"
    "Sizes take K, M, G or T suffixes (powers of 1024). --min-size prints the smallest volume of\n"
    "the type (default 32) that holds SOURCE, in bytes, and writes nothing; --dry-run plans the\n"
    "volume and prints what would be written, without writing.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mkfat: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (mkfat --help for usage)\n", stderr);
    va_end(ap);
    return DM_USAGE;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mkfat: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return DM_FAIL;
}

/* "1440K", "64M", "4096": a byte count with an optional binary suffix. Returns 0 or -1. */
static int parse_bytes(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    static const char units[] = "KMGT"; /* powers of 1024 */
    unsigned shift = 0;
    if (*end) {
        const char *u = strchr(units, *end & ~0x20);
        if (!u || end[1] != '\0')
            return -1;
        shift = 10 * (unsigned)(u - units + 1);
    }
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

struct args {
    const char *source, *image;
    uint64_t size, offset;
    int have_size, min_size, dry_run;
    struct dm_fat_opts fat;
};

enum {
    OPT_SIZE = 0x100,
    OPT_OFFSET,
    OPT_TYPE,
    OPT_CLUSTER,
    OPT_LABEL,
    OPT_RESERVE,
    OPT_HIDDEN,
    OPT_MIN_SIZE,
    OPT_DRY_RUN
};

static const struct option longopts[] = {
    {"size", required_argument, NULL, OPT_SIZE},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"type", required_argument, NULL, OPT_TYPE},
    {"cluster", required_argument, NULL, OPT_CLUSTER},
    {"label", required_argument, NULL, OPT_LABEL},
    {"reserve", required_argument, NULL, OPT_RESERVE},
    {"hidden", required_argument, NULL, OPT_HIDDEN},
    {"min-size", no_argument, NULL, OPT_MIN_SIZE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option's value; returns 0 or DM_USAGE after printing. */
static int take_option(struct args *a, int opt, const char *arg)
{
    uint64_t v;
    switch (opt) {
    case OPT_SIZE:
        if (parse_bytes(arg, &a->size) != 0 || a->size == 0)
            return usage_error("--size: '%s' is not a size (e.g. 64M)", arg);
        a->have_size = 1;
        return 0;
    case OPT_OFFSET:
        if (parse_bytes(arg, &a->offset) != 0 || a->offset > INT64_MAX / 2)
            return usage_error("--offset: '%s' is not a byte offset", arg);
        return 0;
    case OPT_TYPE:
        if (strcmp(arg, "12") == 0)
            a->fat.type = DM_FAT12;
        else if (strcmp(arg, "16") == 0)
            a->fat.type = DM_FAT16;
        else if (strcmp(arg, "32") == 0)
            a->fat.type = DM_FAT32;
        else
            return usage_error("--type: '%s' is not 12, 16 or 32", arg);
        return 0;
    case OPT_CLUSTER:
        if (parse_bytes(arg, &v) != 0 || v < 512 || v > 65536 || (v & (v - 1)) != 0)
            return usage_error("--cluster: '%s' is not a power of two from 512 to 64K", arg);
        a->fat.cluster_size = (uint32_t)v;
        return 0;
    case OPT_LABEL:
        a->fat.label = arg;
        return 0;
    case OPT_RESERVE:
        if (parse_bytes(arg, &a->fat.reserve) != 0)
            return usage_error("--reserve: '%s' is not a size", arg);
        return 0;
    case OPT_HIDDEN: {
        char *end;
        errno = 0;
        unsigned long long h = strtoull(arg, &end, 10);
        if (*arg < '0' || *arg > '9' || *end || errno || h > UINT32_MAX)
            return usage_error("--hidden: '%s' is not a sector count", arg);
        a->fat.hidden_sectors = (uint32_t)h;
        return 0;
    }
    case OPT_MIN_SIZE:
        a->min_size = 1;
        return 0;
    case OPT_DRY_RUN:
        a->dry_run = 1;
        return 0;
    default:
        return usage_error("unknown option");
    }
}

/* Returns 0, -1 after printing the help, or DM_USAGE after printing the error. */
static int parse_args(int argc, char **argv, struct args *a)
{
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return -1;
        }
        if (opt == '?') {
            const char *bad = argv[optind - 1];
            if (optopt >= OPT_SIZE)
                return usage_error("option '%s' needs a value", bad);
            if (optopt)
                return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", bad);
        }
        int rc = take_option(a, opt, optarg);
        if (rc)
            return rc;
    }
    for (; optind < argc; optind++) {
        if (!a->source)
            a->source = argv[optind];
        else if (!a->image)
            a->image = argv[optind];
        else
            return usage_error("unexpected operand '%s'", argv[optind]);
    }
    if (!a->source)
        return usage_error("SOURCE is missing");
    if (a->min_size)
        return 0;
    if (!a->image && !a->dry_run)
        return usage_error("IMAGE is missing");
    if (!a->have_size)
        return usage_error("--size is missing");
    if (a->offset > INT64_MAX / 2 - a->size)
        return usage_error("--offset plus --size is too large");
    return 0;
}

/* The image as found before anything is written. */
struct image {
    int fd;
    int created;         /* mkfat made the file: remove it on failure */
    int is_file;         /* a regular file (else a block device) */
    uint64_t old_length; /* of an existing regular file, to restore after a failed write */
};

/* Checks an existing image (a regular file or a block device the region fits in) and opens it,
 * without changing it. A missing one is left to create_image. Returns 0 or DM_FAIL. */
static int open_existing(const struct args *a, struct image *img)
{
    struct stat st;
    img->fd = -1;
    if (stat(a->image, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return fail("%s: %s", a->image, strerror(errno));
    }
    if (S_ISREG(st.st_mode)) {
        img->is_file = 1;
        img->old_length = (uint64_t)st.st_size;
        img->fd = open(a->image, O_RDWR | O_CLOEXEC);
    } else if (S_ISBLK(st.st_mode)) {
        img->fd = open(a->image, O_RDWR | O_CLOEXEC | O_EXCL);
    } else {
        return fail("%s: not a regular file or a block device", a->image);
    }
    if (img->fd < 0)
        return fail("%s: %s", a->image, strerror(errno));
    if (!img->is_file) {
        uint64_t dev = 0;
        if (ioctl(img->fd, BLKGETSIZE64, &dev) != 0) {
            int e = errno;
            close(img->fd);
            return fail("%s: cannot read the device size: %s", a->image, strerror(e));
        }
        if (a->offset + a->size > dev) {
            close(img->fd);
            return fail("%s: the region ends at byte %" PRIu64 " but the device has %" PRIu64
                        " bytes",
                        a->image, a->offset + a->size, dev);
        }
    }
    return 0;
}

/* Creates a missing image file, and extends a file to the end of the region. */
static int prepare_image(const struct args *a, struct image *img)
{
    if (img->fd < 0) {
        img->fd = open(a->image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (img->fd < 0)
            return fail("%s: %s", a->image, strerror(errno));
        img->created = img->is_file = 1;
    }
    uint64_t end = a->offset + a->size;
    if (img->is_file && end > img->old_length && ftruncate(img->fd, (off_t)end) != 0)
        return fail("%s: cannot extend to %" PRIu64 " bytes: %s", a->image, end, strerror(errno));
    return 0;
}

/* Undoes what mkfat did to the image after a failure (the bytes of an existing file inside the
 * region may already be overwritten; its length is restored). */
static void undo_image(const struct args *a, struct image *img)
{
    if (img->created) {
        unlink(a->image);
    } else if (img->is_file && img->fd >= 0) {
        if (ftruncate(img->fd, (off_t)img->old_length) != 0)
            fprintf(stderr, "mkfat: %s: cannot restore the length: %s\n", a->image,
                    strerror(errno));
    }
}

static void print_info(const struct dm_fat_plan *plan)
{
    struct dm_fat_info in;
    dm_fat_plan_info(plan, &in);
    char label[12];
    memcpy(label, in.label, sizeof label);
    label[11] = '\0';
    for (int i = (int)strlen(label) - 1; i >= 0 && label[i] == ' '; i--)
        label[i] = '\0';
    printf("FAT%d cluster_size=%" PRIu32 " clusters=%" PRIu32 " used_clusters=%" PRIu32
           " data_offset=%" PRIu64 " label=\"%s\" serial=%04X-%04X\n",
           (int)in.type, in.cluster_size, in.clusters, in.used_clusters, in.data_offset, label,
           (unsigned)(in.serial >> 16), (unsigned)(in.serial & 0xffff));
}

static int print_min_size(struct dm_tree *t, const struct args *a)
{
    enum dm_fat_type type = a->fat.type == DM_FAT_AUTO ? DM_FAT32 : a->fat.type;
    uint64_t min = dm_fat_min_size(t, type, a->fat.reserve);
    if (min == 0)
        return DM_FAIL;
    printf("%" PRIu64 "\n", min);
    return DM_OK;
}

static int dry_run(struct dm_tree *t, const struct args *a)
{
    struct dm_fat_plan *plan = NULL;
    int rc = dm_fat_plan_new(t, a->size, &a->fat, &plan);
    if (rc == 0)
        print_info(plan);
    dm_fat_plan_free(plan);
    return rc;
}

static int write_volume(struct dm_tree *t, const struct args *a)
{
    struct image img = {.fd = -1};
    int rc = open_existing(a, &img);
    if (rc)
        return rc;
    struct dm_fat_plan *plan = NULL;
    rc = dm_fat_plan_new(t, a->size, &a->fat, &plan);
    if (rc == 0)
        rc = prepare_image(a, &img);
    if (rc == 0)
        rc = dm_fat_plan_write(plan, img.fd, a->offset);
    if (rc == 0 && fsync(img.fd) != 0)
        rc = fail("%s: %s", a->image, strerror(errno));
    if (rc && plan)
        undo_image(a, &img);
    if (img.fd >= 0 && close(img.fd) != 0 && rc == 0) {
        rc = fail("%s: %s", a->image, strerror(errno));
        undo_image(a, &img);
    }
    if (rc == 0)
        print_info(plan);
    dm_fat_plan_free(plan);
    return rc;
}

/* synth:MANIFEST — reads the manifest and builds its tree. */
static int open_synth(const char *manifest, struct dm_tree **out)
{
    FILE *f = fopen(manifest, "rb");
    if (!f)
        return fail("%s: %s", manifest, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap && !(text = realloc(text, cap = cap ? cap * 2 : 65536)))
            break;
        size_t r = fread(text + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f) || !text;
    fclose(f);
    if (!bad)
        *out = synth_tree(text, len, SIZE_MAX, UINT64_MAX);
    free(text);
    if (bad || !*out)
        return fail("%s: cannot read the manifest", manifest);
    return 0;
}

int main(int argc, char **argv)
{
    static struct dm_view view; /* lines and progress as dartmk shows them */
    dm_view_start(&view, DM_NORMAL, DM_PROGRESS_AUTO, NULL);
    struct args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? DM_OK : rc;
    struct dm_tree *t = NULL;
    enum dm_source_kind kind;
    if (strncmp(a.source, "synth:", 6) == 0)
        rc = open_synth(a.source + 6, &t);
    else
        rc = dm_source_open(a.source, &t, &kind);
    if (rc)
        return rc;
    rc = a.min_size ? print_min_size(t, &a) : a.dry_run ? dry_run(t, &a) : write_volume(t, &a);
    dm_tree_free(t);
    return rc;
}
