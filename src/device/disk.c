/* disk.c — disks from sysfs, their use from mountinfo and swaps, their contents from libblkid.
 *
 * The safety decision (dm_disk_check_writable) reads only what dm_disk_probe learnt from sysfs
 * and /proc; libblkid's findings (table, file systems, labels) are shown to the human and never
 * decide anything, because the disk may not be readable. Every path is ROOT + the real path so
 * that tests can build the kernel's view in a folder. */
#include "device/disk.h"
#include "util/progress.h"
#include "util/report.h"

#include <blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Stacked devices nest a few levels at most (dm-crypt on LVM on md); a fake tree might loop. */
enum { MAX_DEPTH = 8 };

/* --- strings and sysfs files ------------------------------------------------------------------ */

/* asprintf that never returns NULL: a safety decision must not be made on a picture with
 * holes, so running out of memory here ends the program. */
static char *dfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dfmt(const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        dm_error(DM_FAIL, "out of memory");
        exit(DM_FAIL);
    }
    return s;
}

static char *dstrdup(const char *s) { return s ? dfmt("%s", s) : NULL; }

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A sysfs attribute, trimmed (SCSI pads vendor and model with spaces); NULL when missing or
 * empty. */
static char *read_attr(const char *file)
{
    char buf[4096], *s = buf, *e;
    FILE *f = fopen(file, "re");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return *s ? dstrdup(s) : NULL;
}

/* ROOT/sys/class/block/NAME/ATTR ("" for the folder itself). */
static char *block_path(const char *root, const char *name, const char *attr)
{
    return dfmt("%s/sys/class/block/%s%s%s", root, name, *attr ? "/" : "", attr);
}

static char *block_attr(const char *root, const char *name, const char *attr)
{
    char *file = block_path(root, name, attr);
    char *v = read_attr(file);
    free(file);
    return v;
}

static int block_has(const char *root, const char *name, const char *attr)
{
    char *file = block_path(root, name, attr);
    int r = exists(file);
    free(file);
    return r;
}

/* A number attribute; 0 when missing or not a number. */
static uint64_t block_u64(const char *root, const char *name, const char *attr)
{
    char *v = block_attr(root, name, attr), *end;
    uint64_t n = 0;
    if (v) {
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno || *end)
            n = 0;
    }
    free(v);
    return n;
}

/* realpath(ROOT/REL) without the ROOT prefix, so that a test folder's own name ("/tmp/usb…")
 * never looks like part of the device's path. NULL when it does not resolve. */
static char *real_below(const char *root, const char *rel)
{
    char *full = dfmt("%s%s", root, rel), *r = realpath(full, NULL), *rroot, *out = r;
    free(full);
    if (r && *root && (rroot = realpath(root, NULL))) {
        size_t n = strlen(rroot);
        if (strncmp(r, rroot, n) == 0 && (r[n] == '/' || r[n] == '\0'))
            out = dstrdup(r + n);
        if (out != r)
            free(r);
        free(rroot);
    }
    return out;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The names in a folder (NULL-terminated; NULL when it cannot be read), sorted. */
static char **folder_names(const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return NULL;
    char **names = calloc((size_t)n + 1, sizeof *names);
    if (!names) {
        dm_error(DM_FAIL, "out of memory");
        exit(DM_FAIL);
    }
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, ".."))
            names[k++] = dstrdup(ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* The sysfs name of device MAJ:MIN ("8:17" → "sdb1"), or NULL. */
static char *name_of_devno(const char *root, unsigned maj, unsigned min)
{
    char *link = dfmt("%s/sys/dev/block/%u:%u", root, maj, min), target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);
    free(link);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    return dstrdup(base_name(target));
}

/* The sysfs name of the device a path names: by device number when the node exists; by the
 * path's last name when it does not (fake trees, or a node that is gone: a false match can
 * only refuse more). NULL for a file that is not a block device. */
static char *name_of_node(const char *root, const char *path)
{
    char *full = dfmt("%s%s", root, path);
    struct stat st;
    int r = stat(full, &st);
    free(full);
    if (r != 0)
        return dstrdup(base_name(path));
    return S_ISBLK(st.st_mode) ? name_of_devno(root, major(st.st_rdev), minor(st.st_rdev)) : NULL;
}

/* --- what the disk is ------------------------------------------------------------------------- */

/* The bus, from the device's place in the sysfs tree: a USB stick's path runs through
 * /usb1/..., an SD card's through /mmc_host/mmc0/... The first match wins (a USB-SATA bridge is
 * USB). */
static char *transport_of(const char *root, const char *name)
{
    static const struct {
        const char *part, *transport;
    } buses[] = {{"/usb", "usb"},       {"/mmc", "mmc"},  {"/nvme", "nvme"},
                 {"/virtio", "virtio"}, {"/ata", "sata"}, {"/target", "scsi"}};
    if (block_has(root, name, "loop"))
        return dstrdup("loop");
    char *rel = dfmt("/sys/class/block/%s", name), *real = real_below(root, rel);
    const char *t = NULL;
    for (size_t i = 0; real && !t && i < sizeof buses / sizeof buses[0]; i++)
        if (strstr(real, buses[i].part))
            t = buses[i].transport;
    free(rel);
    free(real);
    return dstrdup(t);
}

/* The serial of the USB device a disk sits on: the nearest parent folder of `dir` (a path
 * below root) with an idVendor file. NULL when there is none, or it has no serial. */
static char *usb_serial(const char *root, char *dir)
{
    for (int up = 0; up < 12; up++) {
        char *slash = strrchr(dir, '/'), *id = dfmt("%s%s/idVendor", root, dir);
        int found = exists(id);
        free(id);
        if (found) {
            char *file = dfmt("%s%s/serial", root, dir), *s = read_attr(file);
            free(file);
            return s;
        }
        if (!slash || slash == dir)
            break;
        *slash = '\0';
    }
    return NULL;
}

/* The serial number: virtio has it beside the disk, NVMe and MMC in the device, a USB stick in
 * its USB device. */
static char *serial_of(const char *root, const char *name)
{
    char *s = block_attr(root, name, "serial");
    if (!s)
        s = block_attr(root, name, "device/serial");
    if (!s) {
        char *rel = dfmt("/sys/class/block/%s/device", name), *dir = real_below(root, rel);
        if (dir)
            s = usb_serial(root, dir);
        free(rel);
        free(dir);
    }
    return s;
}

/* Vendor and model from the SCSI/NVMe device, or an SD card's name. A vendor that is a number
 * (virtio's 0x1af4 is the PCI vendor id) names nothing a person would recognise. */
static void identity_of(const char *root, struct dm_disk *d)
{
    d->vendor = block_attr(root, d->name, "device/vendor");
    if (d->vendor && strncmp(d->vendor, "0x", 2) == 0) {
        free(d->vendor);
        d->vendor = NULL;
    }
    d->model = block_attr(root, d->name, "device/model");
    if (!d->model)
        d->model = block_attr(root, d->name, "device/name");
    d->serial = serial_of(root, d->name);
}

static struct dm_disk_part *add_part(struct dm_disk *d)
{
    struct dm_disk_part *p = realloc(d->parts, (d->nparts + 1) * sizeof *p);
    if (!p) {
        dm_error(DM_FAIL, "out of memory");
        exit(DM_FAIL);
    }
    d->parts = p;
    p += d->nparts++;
    memset(p, 0, sizeof *p);
    return p;
}

static int part_order(const void *a, const void *b)
{
    const struct dm_disk_part *x = a, *y = b;
    return x->number != y->number ? (x->number < y->number ? -1 : 1)
                                  : (x->start < y->start ? -1 : x->start > y->start);
}

/* The partitions the kernel knows: subfolders of the disk's sysfs folder with a `partition`
 * file; `start` and `size` count 512-byte units whatever the sector size. */
static void sysfs_parts(const char *root, struct dm_disk *d)
{
    char *dir = block_path(root, d->name, "");
    char **names = folder_names(dir);
    free(dir);
    for (size_t i = 0; names && names[i]; i++) {
        char *rel = dfmt("%s/%s", d->name, names[i]);
        if (block_has(root, rel, "partition")) {
            struct dm_disk_part *p = add_part(d);
            p->name = dstrdup(names[i]);
            p->path = dfmt("/dev/%s", names[i]);
            p->number = (unsigned)block_u64(root, rel, "partition");
            p->start = block_u64(root, rel, "start") * 512;
            p->size = block_u64(root, rel, "size") * 512;
            p->kernel = 1;
        }
        free(rel);
    }
    free_names(names);
}

/* Counts what is stacked on the device NAME (its holders/ folder), remembering the first. */
static void count_holders(const char *root, struct dm_disk *d, const char *name)
{
    char *dir = block_path(root, name, "holders");
    char **names = folder_names(dir);
    free(dir);
    for (size_t i = 0; names && names[i]; i++) {
        if (d->holders++ == 0) {
            d->holder = dstrdup(names[i]);
            d->held = dstrdup(name);
        }
    }
    free_names(names);
}

/* A disk one plugs in: sysfs says removable, or it sits on USB (USB hard disks say
 * removable=0) or in an SD slot — but not an eMMC chip soldered on the board, which the MMC
 * bus calls type "MMC". Loop devices are never: they write into someone's file. */
static int removable(const char *root, const struct dm_disk *d)
{
    const char *t = d->transport ? d->transport : "";
    if (strcmp(t, "loop") == 0)
        return 0;
    if (strcmp(t, "mmc") == 0) {
        char *type = block_attr(root, d->name, "device/type");
        int emmc = type && strcmp(type, "MMC") == 0;
        free(type);
        return !emmc;
    }
    return strcmp(t, "usb") == 0 || block_u64(root, d->name, "removable") != 0;
}

/* Everything sysfs says about the whole disk NAME. */
static void sysfs_disk(const char *root, struct dm_disk *d)
{
    char *dev = block_attr(root, d->name, "dev");
    if (!dev || sscanf(dev, "%u:%u", &d->major, &d->minor) != 2)
        d->major = d->minor = 0;
    free(dev);
    d->size = block_u64(root, d->name, "size") * 512;
    d->readonly = block_u64(root, d->name, "ro") != 0;
    d->transport = transport_of(root, d->name);
    d->removable = removable(root, d);
    d->backing_file = block_attr(root, d->name, "loop/backing_file");
    identity_of(root, d);
    sysfs_parts(root, d);
    count_holders(root, d, d->name);
    for (size_t i = 0; i < d->nparts; i++)
        count_holders(root, d, d->parts[i].name);
}

/* --- what uses it: mounts and swap ------------------------------------------------------------ */

/* Mountpoints that are the running system: what holds them cannot be written even with
 * --force. /home and /root count only as such (a stick mounted in a home folder is merely
 * mounted); the system folders count with everything below them. */
static int system_mountpoint(const char *mp)
{
    static const char *const exact[] = {"/", "/home", "/root"};
    static const char *const trees[] = {"/boot", "/efi", "/usr", "/var",  "/etc", "/opt",
                                        "/srv",  "/nix", "/bin", "/sbin", "/lib", "/lib64"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(mp, exact[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
        size_t n = strlen(trees[i]);
        if (strncmp(mp, trees[i], n) == 0 && (mp[n] == '\0' || mp[n] == '/'))
            return 1;
    }
    return 0;
}

/* Records a mount (mp) or swap use (mp NULL) on the disk or partition it is; the first
 * mountpoint is kept unless a later one is the system's, which the message must name. */
static void mark_one(struct dm_disk *d, char **mountpoint, int *swap, const char *mp)
{
    if (!mp) {
        *swap = 1;
        return;
    }
    if (!*mountpoint || (system_mountpoint(mp) && !system_mountpoint(*mountpoint))) {
        free(*mountpoint);
        *mountpoint = dstrdup(mp);
    }
    if (system_mountpoint(mp))
        d->is_system = 1;
}

/* Marks the use of device NAME on d when NAME is d or one of its partitions, or sits on them:
 * a dm or md device's slaves/ lead down to the disks it is made of. */
static void mark_use(const char *root, struct dm_disk *d, const char *name, const char *mp,
                     int depth)
{
    if (depth > MAX_DEPTH)
        return;
    int mine = strcmp(name, d->name) == 0;
    if (mine)
        mark_one(d, &d->mountpoint, &d->swap, mp);
    for (size_t i = 0; i < d->nparts; i++)
        if (strcmp(name, d->parts[i].name) == 0) {
            mark_one(d, &d->parts[i].mountpoint, &d->parts[i].swap, mp);
            mine = 1;
        }
    /* A partition of another device (md0p1) has no slaves of its own: its disk has them. */
    if (!mine && block_has(root, name, "partition")) {
        char *rel = dfmt("/sys/class/block/%s/..", name), *parent = real_below(root, rel);
        if (parent)
            mark_use(root, d, base_name(parent), mp, depth + 1);
        free(rel);
        free(parent);
    }
    char *dir = block_path(root, name, "slaves");
    char **slaves = folder_names(dir);
    free(dir);
    for (size_t i = 0; slaves && slaves[i]; i++)
        mark_use(root, d, slaves[i], mp, depth + 1);
    free_names(slaves);
}

/* Undoes the kernel's octal escapes in mountinfo and swaps (" " is \040), in place. */
static void unescape(char *s)
{
    char *w = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
}

/* One mountinfo line: "36 35 98:0 /root /mnt opts [optional...] - fstype source superopts".
 * The device is field 3; the source after " - " is compared too, because btrfs and others
 * report an anonymous device number there. */
static void mark_mount(const char *root, struct dm_disk *d, char *line)
{
    unsigned maj, min;
    char mp[PATH_MAX], *dash = strstr(line, " - "), *name;
    if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3)
        return;
    unescape(mp);
    if ((name = name_of_devno(root, maj, min))) {
        mark_use(root, d, name, mp, 0);
        free(name);
    }
    char src[PATH_MAX];
    if (dash && sscanf(dash + 3, "%*s %4095s", src) == 1 && src[0] == '/') {
        unescape(src);
        if ((name = name_of_node(root, src))) {
            mark_use(root, d, name, mp, 0);
            free(name);
        }
    }
}

/* Reads a /proc file line by line into fn; returns 0, or DM_FAIL when it cannot be read
 * (missing_ok: a missing file means nothing to read — a kernel without swap has no swaps). */
static int each_line(const char *root, const char *rel, int missing_ok,
                     void (*fn)(const char *, struct dm_disk *, char *), struct dm_disk *d)
{
    char *file = dfmt("%s%s", root, rel), *line = NULL;
    size_t cap = 0;
    FILE *f = fopen(file, "re");
    if (!f) {
        int rc = missing_ok && errno == ENOENT
                     ? 0
                     : dm_error_errno(DM_FAIL, errno, "%s: cannot tell what is in use", file);
        free(file);
        return rc;
    }
    while (getline(&line, &cap, f) > 0)
        fn(root, d, line);
    int err = ferror(f);
    fclose(f);
    free(line);
    if (err)
        dm_error(DM_FAIL, "%s: read error; cannot tell what is in use", file);
    free(file);
    return err ? DM_FAIL : 0;
}

/* One line of /proc/swaps: "Filename Type Size Used Priority" (the header has no '/'). */
static void mark_swap(const char *root, struct dm_disk *d, char *line)
{
    char file[PATH_MAX], *name;
    if (sscanf(line, "%4095s", file) != 1 || file[0] != '/')
        return;
    unescape(file);
    if ((name = name_of_node(root, file))) {
        mark_use(root, d, name, NULL, 0);
        free(name);
    }
}

/* One line of /proc/swaps naming the file `want` (the same inode) sets *found. */
static void match_swap_file(const char *line, const struct stat *want, int *found)
{
    char file[PATH_MAX];
    struct stat st;
    if (sscanf(line, "%4095s", file) != 1 || file[0] != '/')
        return;
    unescape(file);
    if (stat(file, &st) == 0 && st.st_dev == want->st_dev && st.st_ino == want->st_ino)
        *found = 1;
}

int dm_disk_swap_file(const char *root, const char *file, int *swap)
{
    struct stat want;
    char *swaps = dfmt("%s/proc/swaps", root), *line = NULL;
    size_t cap = 0;
    int rc = 0;
    *swap = 0;
    FILE *f = stat(file, &want) == 0 ? fopen(swaps, "re") : NULL;
    if (!f && errno != ENOENT)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot tell whether %s is used as swap", swaps,
                            file);
    while (f && getline(&line, &cap, f) > 0)
        match_swap_file(line, &want, swap);
    if (f && ferror(f))
        rc = dm_error(DM_FAIL, "%s: read error; cannot tell whether %s is used as swap", swaps,
                      file);
    if (f)
        fclose(f);
    free(line);
    free(swaps);
    return rc;
}

int dm_disk_new_in_dev(const char *path)
{
    char *copy = dstrdup(path), *slash = strrchr(copy, '/');
    struct stat st, dev, top;
    if (slash)
        *(slash == copy ? slash + 1 : slash) = '\0';
    char *folder = realpath(slash ? copy : ".", NULL);
    int in_dev = strncmp(path, "/dev/", 5) == 0 ||
                 (folder && (strcmp(folder, "/dev") == 0 || strncmp(folder, "/dev/", 5) == 0));
    /* A folder elsewhere on /dev's own file system (devtmpfs), when it is one. */
    if (!in_dev && folder && stat(folder, &st) == 0 && stat("/dev", &dev) == 0 &&
        stat("/", &top) == 0 && dev.st_dev != top.st_dev)
        in_dev = st.st_dev == dev.st_dev;
    free(folder);
    free(copy);
    return in_dev;
}

/* --- what is on it: libblkid ------------------------------------------------------------------ */

/* The file system and label in [off, off + size) of fd (size 0: to the end). */
static void probe_fs(int fd, uint64_t off, uint64_t size, char **type, char **label)
{
    const char *v;
    blkid_probe pr = blkid_new_probe();
    if (!pr)
        return;
    if (blkid_probe_set_device(pr, fd, (blkid_loff_t)off, (blkid_loff_t)size) == 0) {
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
        if (blkid_do_safeprobe(pr) == 0) {
            if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
                *type = dstrdup(v);
            if (blkid_probe_lookup_value(pr, "LABEL", &v, NULL) == 0)
                *label = dstrdup(v);
        }
    }
    blkid_free_probe(pr);
}

static struct dm_disk_part *part_at(struct dm_disk *d, uint64_t start)
{
    for (size_t i = 0; i < d->nparts; i++)
        if (d->parts[i].start == start)
            return &d->parts[i];
    return NULL;
}

/* The table's partitions. Those the kernel has not scanned (loop devices here get none) are
 * added under the name the kernel would give them: "sdb1", "loop0p1". */
static void blkid_parts(int fd, struct dm_disk *d)
{
    blkid_probe pr = blkid_new_probe();
    blkid_partlist ls;
    if (pr && blkid_probe_set_device(pr, fd, 0, 0) == 0 &&
        blkid_probe_enable_partitions(pr, 1) == 0 && blkid_probe_enable_superblocks(pr, 0) == 0 &&
        (ls = blkid_probe_get_partitions(pr))) {
        blkid_parttable tab = blkid_partlist_get_table(ls);
        if (tab)
            d->table = dstrdup(blkid_parttable_get_type(tab));
        for (int i = 0; i < blkid_partlist_numof_partitions(ls); i++) {
            blkid_partition bp = blkid_partlist_get_partition(ls, i);
            uint64_t start = (uint64_t)blkid_partition_get_start(bp) * 512;
            struct dm_disk_part *p = part_at(d, start);
            if (!p) {
                int no = blkid_partition_get_partno(bp);
                int digit = isdigit((unsigned char)d->name[strlen(d->name) - 1]);
                p = add_part(d);
                p->number = (unsigned)no;
                p->name = dfmt("%s%s%d", d->name, digit ? "p" : "", no);
                p->path = dfmt("/dev/%s", p->name);
                p->start = start;
                p->size = (uint64_t)blkid_partition_get_size(bp) * 512;
            }
        }
    }
    if (pr)
        blkid_free_probe(pr);
}

/* Reads the table, file systems and labels, if the disk can be opened read-only. It is only
 * for showing; the probe succeeds without it. */
static void blkid_disk(const char *root, struct dm_disk *d)
{
    char *file = dfmt("%s%s", root, d->path);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dm_debug("%s: cannot read it (%s); its contents are not shown", file, strerror(errno));
        free(file);
        return;
    }
    free(file);
    d->blkid = 1;
    blkid_parts(fd, d);
    probe_fs(fd, 0, 0, &d->fstype, &d->label);
    for (size_t i = 0; i < d->nparts; i++)
        probe_fs(fd, d->parts[i].start, d->parts[i].size, &d->parts[i].fstype, &d->parts[i].label);
    close(fd);
}

/* --- probe ------------------------------------------------------------------------------------ */

/* The sysfs name of the device at path, and the path resolved (symlinks followed). */
static int resolve(const char *root, const char *path, char **name, char **resolved)
{
    char *full = dfmt("%s%s", root, path);
    struct stat st;
    int r = stat(full, &st), err = errno;
    free(full);
    *name = NULL;
    if (r == 0 && S_ISBLK(st.st_mode)) {
        *name = name_of_devno(root, major(st.st_rdev), minor(st.st_rdev));
        if (!*name)
            return dm_error(DM_FAIL, "%s: block device %u:%u is not in /sys/dev/block", path,
                            major(st.st_rdev), minor(st.st_rdev));
    } else if (*root && strncmp(path, "/dev/", 5) == 0) {
        *name = dstrdup(path + 5); /* a fake tree: the node is the sysfs name */
    } else if (r == 0) {
        return dm_error(DM_FAIL, "%s: not a block device", path);
    } else {
        return dm_error_errno(DM_FAIL, err, "%s", path);
    }
    if (!block_has(root, *name, "")) {
        dm_error(DM_FAIL, "%s: no such disk in /sys/class/block", path);
        free(*name);
        *name = NULL;
        return DM_FAIL;
    }
    *resolved = r == 0 ? real_below(root, path) : NULL;
    if (!*resolved)
        *resolved = dstrdup(path);
    return 0;
}

/* A partition or an optical drive is not a disk dartmk writes. */
static int check_kind(const char *root, const char *path, const char *name)
{
    if (block_has(root, name, "partition")) {
        char *rel = dfmt("/sys/class/block/%s/..", name), *parent = real_below(root, rel);
        int rc = dm_error(DM_REFUSED, "%s: is a partition; give the whole disk (/dev/%s)", path,
                          parent ? base_name(parent) : "?");
        free(rel);
        free(parent);
        return rc;
    }
    char *type = block_attr(root, name, "device/type");
    int optical = type && strcmp(type, "5") == 0; /* SCSI peripheral type 5: CD/DVD */
    free(type);
    if (optical)
        return dm_error(DM_FAIL, "%s: is an optical drive; dartmk burn writes discs", path);
    return 0;
}

/* Probes the whole disk `name`, known to be one, reachable as `path`. */
static int probe_name(const char *root, const char *name, const char *path, struct dm_disk *d)
{
    memset(d, 0, sizeof *d);
    d->name = dstrdup(name);
    d->path = dstrdup(path);
    sysfs_disk(root, d);
    int rc = each_line(root, "/proc/self/mountinfo", 0, mark_mount, d);
    if (rc == 0)
        rc = each_line(root, "/proc/swaps", 1, mark_swap, d);
    if (rc) {
        dm_disk_free(d);
        return rc;
    }
    blkid_disk(root, d);
    if (d->nparts)
        qsort(d->parts, d->nparts, sizeof *d->parts, part_order);
    return 0;
}

int dm_disk_probe(const char *root, const char *path, struct dm_disk *out)
{
    char *name, *resolved = NULL;
    memset(out, 0, sizeof *out);
    int rc = resolve(root, path, &name, &resolved);
    if (rc == 0)
        rc = check_kind(root, path, name);
    if (rc == 0)
        rc = probe_name(root, name, resolved, out);
    free(name);
    free(resolved);
    return rc;
}

static void free_part(struct dm_disk_part *p)
{
    free(p->name);
    free(p->path);
    free(p->fstype);
    free(p->label);
    free(p->mountpoint);
}

void dm_disk_free(struct dm_disk *d)
{
    if (!d)
        return;
    char **strings[] = {&d->path,      &d->name,       &d->vendor, &d->model, &d->serial,
                        &d->transport, &d->mountpoint, &d->holder, &d->held,  &d->backing_file,
                        &d->fstype,    &d->label,      &d->table};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    for (size_t i = 0; i < d->nparts; i++)
        free_part(&d->parts[i]);
    free(d->parts);
    memset(d, 0, sizeof *d);
}

/* --- list ------------------------------------------------------------------------------------- */

int dm_disk_removable(const struct dm_disk *d) { return d->removable; }

/* Block devices that are not disks to offer: memory (ram, zram), loop devices with nothing
 * attached, dm and md devices (stacked on disks that are listed), optical drives, partitions. */
static int skip_name(const char *root, const char *name)
{
    if (strncmp(name, "ram", 3) == 0 || strncmp(name, "zram", 4) == 0 ||
        strncmp(name, "sr", 2) == 0 || block_has(root, name, "partition") ||
        block_has(root, name, "dm") || block_has(root, name, "md"))
        return 1;
    if (strncmp(name, "loop", 4) == 0) {
        char *file = block_attr(root, name, "loop/backing_file");
        free(file);
        return file == NULL;
    }
    char *type = block_attr(root, name, "device/type");
    int optical = type && strcmp(type, "5") == 0;
    free(type);
    return optical;
}

/* Probes a disk named by the listing; -1 (and nothing said) when it went away meanwhile. */
static int probe_listed(const char *root, const char *name, struct dm_disk *d)
{
    char *path = dfmt("/dev/%s", name);
    char *sys = dfmt("%s/sys/class/block/%s", root, name);
    struct dm_capture said;
    dm_capture_begin(&said);
    int rc = probe_name(root, name, path, d);
    dm_capture_end(&said);
    if (rc && access(sys, F_OK) != 0)
        rc = -1;
    else if (rc)
        dm_capture_replay(&said);
    dm_capture_free(&said);
    free(path), free(sys);
    return rc;
}

/* The backing file named in sysfs, without the " (deleted)" the kernel adds to removed ones. */
static int backs(const char *root, const char *name, const struct stat *file)
{
    char *backing = block_attr(root, name, "loop/backing_file");
    struct stat st;
    int same = backing && stat(backing, &st) == 0 && st.st_dev == file->st_dev &&
               st.st_ino == file->st_ino;
    free(backing);
    return same;
}

char **dm_disk_loops_over(const char *root, const char *file)
{
    struct stat st;
    char *dir = dfmt("%s/sys/class/block", root);
    char **names = stat(file, &st) == 0 ? folder_names(dir) : NULL;
    size_t k = 0;
    for (size_t i = 0; names && names[i]; i++) {
        if (strncmp(names[i], "loop", 4) == 0 && backs(root, names[i], &st))
            names[k++] = names[i];
        else
            free(names[i]);
    }
    if (names)
        names[k] = NULL;
    free(dir);
    return names;
}

int dm_disk_list(const char *root, int all, struct dm_disk **out, size_t *n)
{
    char *dir = dfmt("%s/sys/class/block", root);
    char **names = folder_names(dir);
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (!names)
        rc = dm_error_errno(DM_FAIL, errno, "%s", dir);
    free(dir);
    for (size_t i = 0; rc == 0 && names && names[i]; i++) {
        struct dm_disk d;
        if (skip_name(root, names[i]))
            continue;
        rc = probe_listed(root, names[i], &d);
        if (rc == -1) { /* gone while the list was made: unplugged, or a loop device freed */
            rc = 0;
            continue;
        }
        if (rc)
            break;
        if (d.size == 0 || (!all && !dm_disk_removable(&d))) {
            dm_disk_free(&d);
            continue;
        }
        struct dm_disk *grown = realloc(*out, (*n + 1) * sizeof **out);
        if (!grown) {
            dm_error(DM_FAIL, "out of memory");
            exit(DM_FAIL);
        }
        *out = grown;
        (*out)[(*n)++] = d;
    }
    free_names(names);
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            dm_disk_free(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* --- the decision ----------------------------------------------------------------------------- */

/* The first mount of the disk or a partition (system mounts only, if asked): its device path and
 * mountpoint; 0 when there is none. */
static int find_mount(const struct dm_disk *d, int system, const char **dev, const char **mp)
{
    if (d->mountpoint && (!system || system_mountpoint(d->mountpoint))) {
        *dev = d->path, *mp = d->mountpoint;
        return 1;
    }
    for (size_t i = 0; i < d->nparts; i++) {
        const char *m = d->parts[i].mountpoint;
        if (m && (!system || system_mountpoint(m))) {
            *dev = d->parts[i].path, *mp = m;
            return 1;
        }
    }
    return 0;
}

/* "(a fixed sata disk, 256.0 GiB)" and the like, for the not-removable refusal. */
static void fixed_kind(const struct dm_disk *d, char *buf, size_t n)
{
    char size[32];
    dm_format_size(size, sizeof size, d->size);
    if (d->backing_file)
        snprintf(buf, n, "a loop device on %s, %s", d->backing_file, size);
    else if (d->transport)
        snprintf(buf, n, "a fixed %s disk, %s", d->transport, size);
    else
        snprintf(buf, n, "a fixed disk, %s", size);
}

int dm_disk_check_in_use(const struct dm_disk *d)
{
    const char *dev, *mp;
    if (d->is_system) {
        if (!find_mount(d, 1, &dev, &mp))
            return dm_error(DM_REFUSED, "%s: holds the running system; refused even with --force",
                            d->path);
        return dm_error(DM_REFUSED,
                        "%s: holds the running system (%s is mounted at %s); refused "
                        "even with --force",
                        d->path, dev, mp);
    }
    if (find_mount(d, 0, &dev, &mp))
        return dm_error(DM_REFUSED, "%s: %s is mounted at %s; unmount it first", d->path, dev, mp);
    if (d->swap)
        return dm_error(DM_REFUSED, "%s: is used as swap; swapoff it first", d->path);
    for (size_t i = 0; i < d->nparts; i++)
        if (d->parts[i].swap)
            return dm_error(DM_REFUSED, "%s: %s is used as swap; swapoff it first", d->path,
                            d->parts[i].path);
    if (d->holders && strcmp(d->held, d->name) == 0)
        return dm_error(DM_REFUSED,
                        "%s: is in use by %s (device mapper, LVM, RAID or "
                        "encryption); stop that first",
                        d->path, d->holder);
    if (d->holders)
        return dm_error(DM_REFUSED,
                        "%s: /dev/%s is in use by %s (device mapper, LVM, RAID or "
                        "encryption); stop that first",
                        d->path, d->held, d->holder);
    return 0;
}

int dm_disk_check_writable(const struct dm_disk *d, int force)
{
    char kind[PATH_MAX + 64];
    int rc = dm_disk_check_in_use(d);
    if (rc)
        return rc;
    if (d->readonly)
        return dm_error(DM_REFUSED,
                        "%s: is read-only (a write-protect switch, or the kernel's "
                        "read-only flag)",
                        d->path);
    if (d->size == 0)
        return dm_error(DM_REFUSED, "%s: has no medium (size 0: a card reader without a card?)",
                        d->path);
    if (!force && !dm_disk_removable(d)) {
        fixed_kind(d, kind, sizeof kind);
        return dm_error(DM_REFUSED, "%s: not a removable disk (%s); --force writes to it anyway",
                        d->path, kind);
    }
    return 0;
}

/* --- showing it ------------------------------------------------------------------------------- */

void dm_disk_describe(FILE *f, const struct dm_disk *d)
{
    char size[32];
    fprintf(f, "%s: ", d->path);
    if (d->vendor || d->model)
        fprintf(f, "%s%s%s, ", d->vendor ? d->vendor : "", d->vendor && d->model ? " " : "",
                d->model ? d->model : "");
    fputs(dm_format_size(size, sizeof size, d->size), f);
    if (d->transport)
        fprintf(f, ", %s", d->transport);
    fprintf(f, ", %s", dm_disk_removable(d) ? "removable" : "fixed");
    if (d->serial)
        fprintf(f, ", serial %s", d->serial);
    if (d->backing_file)
        fprintf(f, ", on %s", d->backing_file);
    fputc('\n', f);
    if (!d->blkid)
        fputs("  its contents could not be read; whatever is on it will be destroyed\n", f);
    else if (d->table)
        fprintf(f, "  %s partition table; everything on the disk will be destroyed:\n", d->table);
    else if (d->fstype)
        fprintf(f, "  a %s file system%s%s%s on the whole disk will be destroyed\n", d->fstype,
                d->label ? " labelled \"" : "", d->label ? d->label : "", d->label ? "\"" : "");
    else
        fputs("  no partition table or file system found\n", f);
    for (size_t i = 0; i < d->nparts; i++) {
        const struct dm_disk_part *p = &d->parts[i];
        fprintf(f, "    %-12s %10s  %s", p->name, dm_format_size(size, sizeof size, p->size),
                p->fstype ? p->fstype : "(no file system found)");
        if (p->label)
            fprintf(f, " \"%s\"", p->label);
        fputc('\n', f);
    }
}

static json_object *jstr(const char *s) { return s ? json_object_new_string(s) : NULL; }

static json_object *part_json(const struct dm_disk_part *p)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", jstr(p->name));
    json_object_object_add(o, "path", jstr(p->path));
    json_object_object_add(o, "number", json_object_new_int64(p->number));
    json_object_object_add(o, "start", json_object_new_int64((int64_t)p->start));
    json_object_object_add(o, "size", json_object_new_int64((int64_t)p->size));
    json_object_object_add(o, "fstype", jstr(p->fstype));
    json_object_object_add(o, "label", jstr(p->label));
    json_object_object_add(o, "mountpoint", jstr(p->mountpoint));
    json_object_object_add(o, "swap", json_object_new_boolean(p->swap));
    return o;
}

/* Every mountpoint of the disk and its partitions. */
static json_object *mounted_json(const struct dm_disk *d)
{
    json_object *a = json_object_new_array();
    if (d->mountpoint)
        json_object_array_add(a, json_object_new_string(d->mountpoint));
    for (size_t i = 0; i < d->nparts; i++)
        if (d->parts[i].mountpoint)
            json_object_array_add(a, json_object_new_string(d->parts[i].mountpoint));
    return a;
}

static int any_swap(const struct dm_disk *d)
{
    for (size_t i = 0; i < d->nparts; i++)
        if (d->parts[i].swap)
            return 1;
    return d->swap;
}

json_object *dm_disk_json(const struct dm_disk *d)
{
    json_object *o = json_object_new_object(), *parts = json_object_new_array();
    json_object_object_add(o, "path", jstr(d->path));
    json_object_object_add(o, "name", jstr(d->name));
    json_object_object_add(o, "vendor", jstr(d->vendor));
    json_object_object_add(o, "model", jstr(d->model));
    json_object_object_add(o, "serial", jstr(d->serial));
    json_object_object_add(o, "size", json_object_new_int64((int64_t)d->size));
    json_object_object_add(o, "transport", jstr(d->transport));
    json_object_object_add(o, "removable", json_object_new_boolean(dm_disk_removable(d)));
    json_object_object_add(o, "readonly", json_object_new_boolean(d->readonly));
    json_object_object_add(o, "system", json_object_new_boolean(d->is_system));
    json_object_object_add(o, "mounted", mounted_json(d));
    json_object_object_add(o, "swap", json_object_new_boolean(any_swap(d)));
    json_object_object_add(o, "holders", json_object_new_int(d->holders));
    json_object_object_add(o, "backing_file", jstr(d->backing_file));
    json_object_object_add(o, "table", jstr(d->table));
    json_object_object_add(o, "fstype", jstr(d->fstype));
    json_object_object_add(o, "label", jstr(d->label));
    for (size_t i = 0; i < d->nparts; i++)
        json_object_array_add(parts, part_json(&d->parts[i]));
    json_object_object_add(o, "partitions", parts);
    return o;
}
