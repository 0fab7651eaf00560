/* Unit tests: disk discovery and the decision whether a disk may be written (src/device/disk.c).
 *
 * Each test builds the kernel's view in a temporary folder — sysfs (devices under
 * sys/devices, with the sys/class/block and sys/dev/block symlinks), proc/self/mountinfo and
 * proc/swaps — as this machine cannot have a USB stick, a SATA disk or a mounted partition on
 * demand. No device node is needed; where libblkid is tested, ROOT/dev/NAME is an image file
 * with an MBR and an ext2 superblock. Every refusal is checked for its exit code and its one
 * line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "device/disk.h"
#include "report_to.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the fake devices sit: the bus is read from these paths. */
#define USB_DEV  "pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0"
#define USB_PORT "pci0000:00/0000:00:14.0/usb1/1-1"
#define SATA_DEV "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0"
#define MMC_DEV  "pci0000:00/0000:00:1a.0/mmc_host/mmc0/mmc0:aaaa"
#define GiB      (UINT64_C(1) << 30)

struct fixture {
    char root[64];
    FILE *err; /* diagnostics */
    struct dm_disk d;
};

/* --- building a fake tree --------------------------------------------------------------------- */

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

/* ROOT/REL holds TEXT (folders made as needed). */
static void put(const struct fixture *f, const char *rel, const char *text)
{
    char path[1024], *slash;
    snprintf(path, sizeof path, "%s/%s", f->root, rel);
    slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs(text, o);
    fclose(o);
}

static void putf(const struct fixture *f, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void putf(const struct fixture *f, const char *rel, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    put(f, rel, text);
}

static void dir(const struct fixture *f, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", f->root, rel);
    mkdirs(path);
}

/* ROOT/REL is a symlink to TARGET. */
static void link_to(const struct fixture *f, const char *rel, const char *target)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", f->root, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    assert_int_equal(symlink(target, path), 0);
}

/* A block device NAME at sys/devices/WHERE/block/NAME, as the kernel shows it. */
static void add_block(const struct fixture *f, const char *where, const char *name,
                      const char *devno, uint64_t bytes, int removable, int ro)
{
    char rel[512], target[512];
    char file[600];
    snprintf(rel, sizeof rel, "sys/devices/%s/block/%s", where, name);
    dir(f, rel);
    snprintf(file, sizeof file, "%s/dev", rel), putf(f, file, "%s\n", devno);
    snprintf(file, sizeof file, "%s/size", rel),
        putf(f, file, "%llu\n", (unsigned long long)(bytes / 512));
    snprintf(file, sizeof file, "%s/removable", rel), putf(f, file, "%d\n", removable);
    snprintf(file, sizeof file, "%s/ro", rel), putf(f, file, "%d\n", ro);
    snprintf(file, sizeof file, "%s/holders", rel), dir(f, file);
    snprintf(file, sizeof file, "%s/slaves", rel), dir(f, file);
    if (strncmp(where, "virtual", 7) != 0) {
        snprintf(file, sizeof file, "%s/device", rel);
        link_to(f, file, "../..");
    }
    snprintf(target, sizeof target, "../../devices/%s/block/%s", where, name);
    snprintf(file, sizeof file, "sys/class/block/%s", name), link_to(f, file, target);
    snprintf(file, sizeof file, "sys/dev/block/%s", devno), link_to(f, file, target);
}

/* Partition PART (number n, start and size in bytes) of the disk at WHERE/block/DISK. */
static void add_part(const struct fixture *f, const char *where, const char *disk, const char *part,
                     const char *devno, int n, uint64_t start, uint64_t size)
{
    char rel[512], file[600], target[600];
    snprintf(rel, sizeof rel, "sys/devices/%s/block/%s/%s", where, disk, part);
    snprintf(file, sizeof file, "%s/partition", rel), putf(f, file, "%d\n", n);
    snprintf(file, sizeof file, "%s/start", rel),
        putf(f, file, "%llu\n", (unsigned long long)(start / 512));
    snprintf(file, sizeof file, "%s/size", rel),
        putf(f, file, "%llu\n", (unsigned long long)(size / 512));
    snprintf(file, sizeof file, "%s/dev", rel), putf(f, file, "%s\n", devno);
    snprintf(file, sizeof file, "%s/holders", rel), dir(f, file);
    snprintf(file, sizeof file, "%s/slaves", rel), dir(f, file);
    snprintf(target, sizeof target, "../../devices/%s/block/%s/%s", where, disk, part);
    snprintf(file, sizeof file, "sys/class/block/%s", part), link_to(f, file, target);
    snprintf(file, sizeof file, "sys/dev/block/%s", devno), link_to(f, file, target);
}

/* A 16 GiB USB stick sdb (removable, serial on the USB device) with sdb1 and sdb2. */
static void usb_stick(const struct fixture *f)
{
    add_block(f, USB_DEV, "sdb", "8:16", 16 * GiB, 1, 0);
    put(f, "sys/devices/" USB_DEV "/vendor", "Kingston\n");
    put(f, "sys/devices/" USB_DEV "/model", "DataTraveler 3.0\n");
    put(f, "sys/devices/" USB_PORT "/idVendor", "0951\n");
    put(f, "sys/devices/" USB_PORT "/serial", "60A44C4253E4F0B0A9D2\n");
    add_part(f, USB_DEV, "sdb", "sdb1", "8:17", 1, 1 << 20, 8 * GiB);
    add_part(f, USB_DEV, "sdb", "sdb2", "8:18", 2, 8 * GiB + (1 << 20), 4 * GiB);
}

/* A 256 GiB SATA disk sda: sda1 (EFI) and sda2. */
static void sata_disk(const struct fixture *f)
{
    add_block(f, SATA_DEV, "sda", "8:0", 256 * GiB, 0, 0);
    put(f, "sys/devices/" SATA_DEV "/vendor", "ATA     \n");
    put(f, "sys/devices/" SATA_DEV "/model", "Samsung SSD 860 \n");
    add_part(f, SATA_DEV, "sda", "sda1", "8:1", 1, 1 << 20, 512 << 20);
    add_part(f, SATA_DEV, "sda", "sda2", "8:2", 2, 513 << 20, 200 * GiB);
}

/* The mounts every machine has (none on a disk), and `more` lines. */
static void mounts(const struct fixture *f, const char *more)
{
    putf(f, "proc/self/mountinfo",
         "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
         "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
         "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw\n%s",
         more);
}

static void swaps(const struct fixture *f, const char *more)
{
    putf(f, "proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n%s", more);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->root, "/tmp/test_disk.XXXXXX");
    assert_non_null(mkdtemp(f->root));
    f->err = tmpfile();
    assert_non_null(f->err);
    report_to(f->err);
    mounts(f, "");
    swaps(f, "");
    *state = f;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dm_events_bind(NULL);
    dm_disk_free(&f->d);
    fclose(f->err);
    nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* What was reported (and forgets it). */
static const char *diagnostics(struct fixture *f)
{
    static char text[1024];
    size_t n;
    rewind(f->err);
    n = fread(text, 1, sizeof text - 1, f->err);
    text[n] = '\0';
    fclose(f->err);
    f->err = tmpfile();
    report_to(f->err);
    return text;
}

/* Probes /dev/NAME in the fake tree, expecting success. */
static struct dm_disk *probe(struct fixture *f, const char *path)
{
    dm_disk_free(&f->d);
    assert_int_equal(dm_disk_probe(f->root, path, &f->d), 0);
    assert_string_equal(diagnostics(f), "");
    return &f->d;
}

/* check_writable refuses with exactly this line. */
static void refused(struct fixture *f, int force, const char *line)
{
    assert_int_equal(dm_disk_check_writable(&f->d, force), DM_REFUSED);
    assert_string_equal(diagnostics(f), line);
}

static void allowed(struct fixture *f, int force)
{
    assert_int_equal(dm_disk_check_writable(&f->d, force), 0);
    assert_string_equal(diagnostics(f), "");
}

/* --- what a probe finds ----------------------------------------------------------------------- */

static void test_usb_stick_allowed(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_string_equal(d->name, "sdb");
    assert_string_equal(d->path, "/dev/sdb");
    assert_string_equal(d->transport, "usb");
    assert_string_equal(d->vendor, "Kingston");
    assert_string_equal(d->model, "DataTraveler 3.0");
    assert_string_equal(d->serial, "60A44C4253E4F0B0A9D2");
    assert_int_equal(d->major * 1000 + d->minor, 8016);
    assert_true(d->size == 16 * GiB && d->removable && !d->readonly && !d->is_system);
    assert_int_equal(d->nparts, 2);
    assert_string_equal(d->parts[0].name, "sdb1");
    assert_string_equal(d->parts[0].path, "/dev/sdb1");
    assert_true(d->parts[0].start == 1 << 20 && d->parts[0].size == 8 * GiB);
    assert_true(d->parts[1].number == 2 && d->parts[1].kernel);
    assert_null(d->parts[0].mountpoint);
    assert_int_equal(d->blkid, 0); /* no node to read: the probe works without it */
    assert_null(d->table);
    allowed(f, 0);
}

static void test_usb_disk_with_removable_0(void **state)
{
    struct fixture *f = *state;
    add_block(f, USB_DEV, "sdc", "8:32", 500 * GiB, 0, 0); /* a USB hard disk says 0 */
    probe(f, "/dev/sdc");
    assert_true(dm_disk_removable(&f->d));
    allowed(f, 0);
}

static void test_fixed_disk_needs_force(void **state)
{
    struct fixture *f = *state;
    sata_disk(f);
    struct dm_disk *d = probe(f, "/dev/sda");
    assert_string_equal(d->transport, "sata");
    assert_string_equal(d->vendor, "ATA");
    assert_string_equal(d->model, "Samsung SSD 860");
    assert_false(dm_disk_removable(d));
    refused(f, 0,
            "dartmk: /dev/sda: not a removable disk (a fixed sata disk, 256.0 GiB); "
            "--force writes to it anyway\n");
    allowed(f, 1);
}

static void test_system_disk_refused_even_with_force(void **state)
{
    struct fixture *f = *state;
    sata_disk(f);
    mounts(f, "27 1 8:2 / / rw,relatime - ext4 /dev/sda2 rw\n"
              "28 27 8:1 / /boot/efi rw,relatime - vfat /dev/sda1 rw\n");
    struct dm_disk *d = probe(f, "/dev/sda");
    assert_true(d->is_system);
    assert_string_equal(d->parts[1].mountpoint, "/");
    assert_string_equal(d->parts[0].mountpoint, "/boot/efi");
    const char *line = "dartmk: /dev/sda: holds the running system (/dev/sda1 is mounted at "
                       "/boot/efi); refused even with --force\n";
    refused(f, 0, line);
    refused(f, 1, line);
}

/* btrfs and others show an anonymous device number in mountinfo: the source names the disk.
 * Here the whole disk holds the file system, as /dev/vda does on this machine. */
static void test_system_by_source_whole_disk(void **state)
{
    struct fixture *f = *state;
    add_block(f, "pci0000:00/0000:00:02.0/virtio1", "vda", "254:0", 256 * GiB, 0, 0);
    put(f, "sys/devices/pci0000:00/0000:00:02.0/virtio1/vendor", "0x1af4\n");
    put(f, "sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda/serial", "overlayblk\n");
    mounts(f, "27 1 0:31 / / rw,relatime - btrfs /dev/vda rw\n");
    struct dm_disk *d = probe(f, "/dev/vda");
    assert_string_equal(d->transport, "virtio");
    assert_null(d->vendor); /* a PCI id is no vendor name */
    assert_string_equal(d->serial, "overlayblk");
    assert_true(d->is_system);
    assert_string_equal(d->mountpoint, "/");
    refused(f, 1,
            "dartmk: /dev/vda: holds the running system (/dev/vda is mounted at /); "
            "refused even with --force\n");
}

static void test_mounted_partition_refused(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    mounts(f, "40 27 8:18 / /media/ann/MY\\040STICK rw - vfat /dev/sdb2 rw\n");
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_false(d->is_system);
    assert_string_equal(d->parts[1].mountpoint, "/media/ann/MY STICK");
    assert_null(d->mountpoint); /* the partition is mounted, not the whole disk */
    assert_null(d->parts[0].mountpoint);
    const char *line = "dartmk: /dev/sdb: /dev/sdb2 is mounted at /media/ann/MY STICK; "
                       "unmount it first\n";
    refused(f, 0, line);
    refused(f, 1, line);
}

/* A stick mounted in a home folder is mounted, not the system. */
static void test_mounted_in_home_is_not_system(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    mounts(f, "40 27 8:17 / /home/ann/stick rw - vfat /dev/sdb1 rw\n");
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_false(d->is_system);
    refused(f, 1, "dartmk: /dev/sdb: /dev/sdb1 is mounted at /home/ann/stick; unmount it first\n");
}

/* A mount of the whole disk, found by the source path alone (no sys/dev/block link for its
 * number). */
static void test_mounted_whole_disk_by_source(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    mounts(f, "40 27 0:45 / /mnt rw - vfat /dev/sdb rw\n");
    probe(f, "/dev/sdb");
    assert_string_equal(f->d.mountpoint, "/mnt");
    refused(f, 0, "dartmk: /dev/sdb: /dev/sdb is mounted at /mnt; unmount it first\n");
}

/* A file system on dm-crypt on sdb1 is a use of sdb: slaves/ lead down to it. It is mounted at
 * /home, so sdb holds the running system. */
static void test_mounted_through_device_mapper(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    add_block(f, "virtual", "dm-0", "253:0", 8 * GiB, 0, 0);
    dir(f, "sys/devices/virtual/block/dm-0/dm");
    /* Only the names in slaves/ and holders/ matter; where the links point does not. */
    link_to(f, "sys/devices/virtual/block/dm-0/slaves/sdb1", "../../sdb1");
    link_to(f, "sys/devices/" USB_DEV "/block/sdb/sdb1/holders/dm-0", "../../dm-0");
    mounts(f, "41 27 253:0 / /home rw - ext4 /dev/mapper/home rw\n");
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_true(d->is_system);
    assert_string_equal(d->parts[0].mountpoint, "/home");
    assert_int_equal(d->holders, 1);
    refused(f, 1,
            "dartmk: /dev/sdb: holds the running system (/dev/sdb1 is mounted at /home); "
            "refused even with --force\n");
}

/* / on md0p1, a partition of a RAID made of sdb: md0p1 has no slaves of its own; its disk md0
 * has. */
static void test_system_on_md_partition(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    add_block(f, "virtual", "md0", "9:0", 8 * GiB, 0, 0);
    dir(f, "sys/devices/virtual/block/md0/md");
    add_part(f, "virtual", "md0", "md0p1", "259:0", 1, 1 << 20, 7 * GiB);
    link_to(f, "sys/devices/virtual/block/md0/slaves/sdb", "../../sdb");
    link_to(f, "sys/devices/" USB_DEV "/block/sdb/holders/md0", "../../md0");
    mounts(f, "27 1 259:0 / / rw - ext4 /dev/md0p1 rw\n");
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_true(d->is_system);
    assert_string_equal(d->mountpoint, "/");
    refused(f, 1,
            "dartmk: /dev/sdb: holds the running system (/dev/sdb is mounted at /); "
            "refused even with --force\n");
}

static void test_swap_refused(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    swaps(f, "/dev/sdb2                               partition\t4194300\t\t0\t\t-2\n"
             "/swapfile                               file\t\t1048572\t\t0\t\t-3\n");
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_true(d->parts[1].swap && !d->parts[0].swap && !d->swap);
    refused(f, 1, "dartmk: /dev/sdb: /dev/sdb2 is used as swap; swapoff it first\n");
}

static void test_whole_disk_swap_refused(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    swaps(f, "/dev/sdb partition 16777212 0 -2\n");
    probe(f, "/dev/sdb");
    assert_true(f->d.swap);
    refused(f, 1, "dartmk: /dev/sdb: is used as swap; swapoff it first\n");
}

static void test_holders_refused(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    add_block(f, "virtual", "md0", "9:0", 8 * GiB, 0, 0);
    link_to(f, "sys/devices/" USB_DEV "/block/sdb/sdb1/holders/md0", "../../md0");
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_int_equal(d->holders, 1);
    refused(f, 1,
            "dartmk: /dev/sdb: /dev/sdb1 is in use by md0 (device mapper, LVM, RAID or "
            "encryption); stop that first\n");
}

static void test_whole_disk_holder_refused(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    link_to(f, "sys/devices/" USB_DEV "/block/sdb/holders/md0", "../../md0");
    probe(f, "/dev/sdb");
    refused(f, 1,
            "dartmk: /dev/sdb: is in use by md0 (device mapper, LVM, RAID or encryption); "
            "stop that first\n");
}

static void test_readonly_refused(void **state)
{
    struct fixture *f = *state;
    add_block(f, USB_DEV, "sdb", "8:16", 16 * GiB, 1, 1);
    probe(f, "/dev/sdb");
    assert_true(f->d.readonly);
    refused(f, 1,
            "dartmk: /dev/sdb: is read-only (a write-protect switch, or the kernel's "
            "read-only flag)\n");
}

static void test_no_medium_refused(void **state)
{
    struct fixture *f = *state;
    add_block(f, USB_DEV, "sdb", "8:16", 0, 1, 0);
    probe(f, "/dev/sdb");
    refused(f, 1, "dartmk: /dev/sdb: has no medium (size 0: a card reader without a card?)\n");
}

/* --- paths that are not a whole disk ---------------------------------------------------------- */

static void test_partition_is_not_a_disk(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    /* Refused for safety (README, Safety), like every target that is not a disk to write. */
    assert_int_equal(dm_disk_probe(f->root, "/dev/sdb1", &f->d), DM_REFUSED);
    assert_string_equal(diagnostics(f),
                        "dartmk: /dev/sdb1: is a partition; give the whole disk (/dev/sdb)\n");
    assert_null(f->d.name);
}

/* A partition of a loop device the kernel scanned (losetup -P): the same, naming the loop
 * device. */
static void test_loop_partition_is_not_a_disk(void **state)
{
    struct fixture *f = *state;
    add_block(f, "virtual", "loop0", "7:0", 64 << 20, 0, 0);
    put(f, "sys/devices/virtual/block/loop0/loop/backing_file", "/tmp/stick.img\n");
    add_part(f, "virtual", "loop0", "loop0p1", "259:0", 1, 1 << 20, 63 << 20);
    assert_int_equal(dm_disk_probe(f->root, "/dev/loop0p1", &f->d), DM_REFUSED);
    assert_string_equal(diagnostics(f),
                        "dartmk: /dev/loop0p1: is a partition; give the whole disk (/dev/loop0)\n");
    assert_null(f->d.name);
}

static void test_not_a_block_device(void **state)
{
    struct fixture *f = *state;
    put(f, "home/ann/stick.img", "x");
    assert_int_equal(dm_disk_probe(f->root, "/home/ann/stick.img", &f->d), DM_FAIL);
    assert_string_equal(diagnostics(f), "dartmk: /home/ann/stick.img: not a block device\n");
    assert_int_equal(dm_disk_probe(f->root, "/nowhere", &f->d), DM_FAIL);
    assert_string_equal(diagnostics(f), "dartmk: /nowhere: No such file or directory\n");
    assert_int_equal(dm_disk_probe(f->root, "/dev/sdz", &f->d), DM_FAIL);
    assert_string_equal(diagnostics(f), "dartmk: /dev/sdz: no such disk in /sys/class/block\n");
    /* The real /etc/passwd, with the real root: a file is not a disk. */
    assert_int_equal(dm_disk_probe("", "/etc/passwd", &f->d), DM_FAIL);
    assert_string_equal(diagnostics(f), "dartmk: /etc/passwd: not a block device\n");
}

static void test_optical_drive_is_not_a_disk(void **state)
{
    struct fixture *f = *state;
    add_block(f, SATA_DEV, "sr0", "11:0", 0, 1, 0);
    put(f, "sys/devices/" SATA_DEV "/type", "5\n");
    assert_int_equal(dm_disk_probe(f->root, "/dev/sr0", &f->d), DM_FAIL);
    assert_string_equal(diagnostics(f),
                        "dartmk: /dev/sr0: is an optical drive; dartmk burn writes discs\n");
}

/* Without mountinfo nothing can be decided: the probe fails rather than guess. */
static void test_no_mountinfo_fails(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    char path[128];
    snprintf(path, sizeof path, "%s/proc/self/mountinfo", f->root);
    unlink(path);
    assert_int_equal(dm_disk_probe(f->root, "/dev/sdb", &f->d), DM_FAIL);
    const char *text = diagnostics(f);
    assert_non_null(strstr(text, "/proc/self/mountinfo: cannot tell what is in use"));
    /* ... while a kernel without swap has no /proc/swaps, which means no swap. */
    mounts(f, "");
    snprintf(path, sizeof path, "%s/proc/swaps", f->root);
    unlink(path);
    probe(f, "/dev/sdb");
}

/* --- libblkid --------------------------------------------------------------------------------- */

/* ROOT/dev/NAME: a 4 MiB image with an MBR whose one partition (type 0x83, at 1 MiB, 2 MiB
 * long) holds an ext2 superblock labelled TESTLABEL. */
static void image(const struct fixture *f, const char *name)
{
    static unsigned char img[4 << 20];
    memset(img, 0, sizeof img);
    unsigned char *e = img + 446, *sb = img + (1 << 20) + 1024;
    e[4] = 0x83;
    e[8] = 0x00, e[9] = 0x08;   /* LBA 2048 */
    e[12] = 0x00, e[13] = 0x10; /* 4096 sectors */
    img[510] = 0x55, img[511] = 0xaa;
    sb[0] = 128;   /* inodes */
    sb[5] = 0x08;  /* 2048 1 KiB blocks */
    sb[20] = 1;    /* first data block */
    sb[33] = 0x20; /* 8192 blocks per group */
    sb[40] = 128;  /* inodes per group */
    sb[56] = 0x53, sb[57] = 0xef;
    sb[76] = 1;   /* dynamic revision */
    sb[88] = 128; /* inode size */
    memcpy(sb + 120, "TESTLABEL", 9);
    char path[128];
    snprintf(path, sizeof path, "%s/dev", f->root);
    mkdirs(path);
    snprintf(path, sizeof path, "%s/dev/%s", f->root, name);
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    assert_int_equal(fwrite(img, 1, sizeof img, o), sizeof img);
    fclose(o);
}

/* The kernel knows sdb1 at 1 MiB: libblkid adds its file system and label. */
static void test_blkid_names_partitions(void **state)
{
    struct fixture *f = *state;
    add_block(f, USB_DEV, "sdb", "8:16", 4 << 20, 1, 0);
    add_part(f, USB_DEV, "sdb", "sdb1", "8:17", 1, 1 << 20, 2 << 20);
    image(f, "sdb");
    struct dm_disk *d = probe(f, "/dev/sdb");
    assert_true(d->blkid);
    assert_string_equal(d->table, "dos");
    assert_int_equal(d->nparts, 1);
    assert_string_equal(d->parts[0].fstype, "ext2");
    assert_string_equal(d->parts[0].label, "TESTLABEL");
    assert_true(d->parts[0].kernel);
}

/* A loop device the kernel did not scan: the table's partition is named as the kernel would. */
static void test_blkid_finds_unscanned_partitions(void **state)
{
    struct fixture *f = *state;
    add_block(f, "virtual", "loop3", "7:3", 4 << 20, 0, 0);
    put(f, "sys/devices/virtual/block/loop3/loop/backing_file", "/tmp/stick.img\n");
    image(f, "loop3");
    struct dm_disk *d = probe(f, "/dev/loop3");
    assert_string_equal(d->transport, "loop");
    assert_string_equal(d->backing_file, "/tmp/stick.img");
    assert_int_equal(d->nparts, 1);
    assert_string_equal(d->parts[0].name, "loop3p1");
    assert_string_equal(d->parts[0].path, "/dev/loop3p1");
    assert_true(d->parts[0].start == 1 << 20 && d->parts[0].size == 2 << 20);
    assert_false(d->parts[0].kernel);
    assert_string_equal(d->parts[0].label, "TESTLABEL");
    refused(f, 0,
            "dartmk: /dev/loop3: not a removable disk (a loop device on /tmp/stick.img, "
            "4.0 MiB); --force writes to it anyway\n");
    allowed(f, 1);
}

/* --- describe and JSON ------------------------------------------------------------------------ */

static void test_describe(void **state)
{
    struct fixture *f = *state;
    add_block(f, USB_DEV, "sdb", "8:16", 4 << 20, 1, 0);
    put(f, "sys/devices/" USB_DEV "/vendor", "SanDisk \n");
    put(f, "sys/devices/" USB_DEV "/model", "Cruzer Blade    \n");
    put(f, "sys/devices/" USB_DEV "/block/sdb/serial", "4C5300\n");
    add_part(f, USB_DEV, "sdb", "sdb1", "8:17", 1, 1 << 20, 2 << 20);
    image(f, "sdb");
    probe(f, "/dev/sdb");
    char text[1024] = "";
    FILE *o = fmemopen(text, sizeof text, "w");
    dm_disk_describe(o, &f->d);
    fclose(o);
    assert_string_equal(text, "/dev/sdb: SanDisk Cruzer Blade, 4.0 MiB, usb, removable, serial "
                              "4C5300\n"
                              "  dos partition table; everything on the disk will be destroyed:\n"
                              "    sdb1            2.0 MiB  ext2 \"TESTLABEL\"\n");
}

static void test_json(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);
    mounts(f, "40 27 8:17 / /media/x rw - vfat /dev/sdb1 rw\n");
    probe(f, "/dev/sdb");
    json_object *o = dm_disk_json(&f->d), *v;
    assert_true(json_object_object_get_ex(o, "path", &v));
    assert_string_equal(json_object_get_string(v), "/dev/sdb");
    assert_true(json_object_object_get_ex(o, "size", &v));
    assert_true((uint64_t)json_object_get_int64(v) == 16 * GiB);
    assert_true(json_object_object_get_ex(o, "mounted", &v));
    assert_int_equal(json_object_array_length(v), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "/media/x");
    assert_true(json_object_object_get_ex(o, "removable", &v) && json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(o, "system", &v) && !json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(o, "table", &v) && v == NULL);
    assert_true(json_object_object_get_ex(o, "partitions", &v));
    assert_int_equal(json_object_array_length(v), 2);
    json_object *p = json_object_array_get_idx(v, 0);
    assert_true(json_object_object_get_ex(p, "start", &v));
    assert_int_equal(json_object_get_int64(v), 1 << 20);
    assert_true(json_object_object_get_ex(p, "mountpoint", &v));
    assert_string_equal(json_object_get_string(v), "/media/x");
    json_object_put(o);
}

/* --- list ------------------------------------------------------------------------------------- */

static void test_list(void **state)
{
    struct fixture *f = *state;
    usb_stick(f);                                              /* listed */
    sata_disk(f);                                              /* with --all */
    add_block(f, MMC_DEV, "mmcblk0", "179:0", 32 * GiB, 0, 0); /* an SD card: listed */
    put(f, "sys/devices/" MMC_DEV "/name", "SD32G\n");
    put(f, "sys/devices/" MMC_DEV "/type", "SD\n");
    add_block(f, MMC_DEV "1", "mmcblk1", "179:8", 64 * GiB, 0, 0); /* eMMC: with --all */
    put(f, "sys/devices/" MMC_DEV "1/type", "MMC\n");
    add_block(f, USB_DEV "1", "sdc", "8:32", 0, 1, 0);       /* an empty card reader */
    add_block(f, "virtual", "loop0", "7:0", 0, 0, 0);        /* nothing attached */
    add_block(f, "virtual", "loop1", "7:1", 64 << 20, 0, 0); /* with --all */
    put(f, "sys/devices/virtual/block/loop1/loop/backing_file", "/tmp/x.img\n");
    add_block(f, "virtual", "zram0", "253:0", 0, 0, 0);
    add_block(f, "virtual", "ram0", "1:0", 16 << 20, 0, 0);
    add_block(f, "virtual", "dm-0", "254:0", 8 * GiB, 0, 0);
    dir(f, "sys/devices/virtual/block/dm-0/dm");
    add_block(f, SATA_DEV "1", "sr0", "11:0", 700 << 20, 1, 0); /* a CD in a drive */
    put(f, "sys/devices/" SATA_DEV "1/type", "5\n");

    struct dm_disk *list;
    size_t n;
    assert_int_equal(dm_disk_list(f->root, 0, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].path, "/dev/mmcblk0");
    assert_string_equal(list[0].transport, "mmc");
    assert_string_equal(list[0].model, "SD32G");
    assert_string_equal(list[1].path, "/dev/sdb");
    assert_int_equal(list[1].nparts, 2);
    for (size_t i = 0; i < n; i++)
        dm_disk_free(&list[i]);
    free(list);

    assert_int_equal(dm_disk_list(f->root, 1, &list, &n), 0);
    assert_int_equal(n, 5);
    const char *want[] = {"loop1", "mmcblk0", "mmcblk1", "sda", "sdb"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(list[i].name, want[i]);
        dm_disk_free(&list[i]);
    }
    free(list);
    assert_string_equal(diagnostics(f), "");
}

static void test_list_empty(void **state)
{
    struct fixture *f = *state;
    sata_disk(f);
    struct dm_disk *list;
    size_t n = 99;
    assert_int_equal(dm_disk_list(f->root, 0, &list, &n), 0);
    assert_int_equal(n, 0);
    free(list);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_usb_stick_allowed),
        T(test_usb_disk_with_removable_0),
        T(test_fixed_disk_needs_force),
        T(test_system_disk_refused_even_with_force),
        T(test_system_by_source_whole_disk),
        T(test_mounted_partition_refused),
        T(test_mounted_in_home_is_not_system),
        T(test_mounted_whole_disk_by_source),
        T(test_mounted_through_device_mapper),
        T(test_system_on_md_partition),
        T(test_swap_refused),
        T(test_whole_disk_swap_refused),
        T(test_holders_refused),
        T(test_whole_disk_holder_refused),
        T(test_readonly_refused),
        T(test_no_medium_refused),
        T(test_partition_is_not_a_disk),
        T(test_loop_partition_is_not_a_disk),
        T(test_not_a_block_device),
        T(test_optical_drive_is_not_a_disk),
        T(test_no_mountinfo_fails),
        T(test_blkid_names_partitions),
        T(test_blkid_finds_unscanned_partitions),
        T(test_describe),
        T(test_json),
        T(test_list),
        T(test_list_empty),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
