/* burn.h — writing an ISO image to a CD/DVD/BD recorder, or to a file, through libburn.
 *
 * A burner is one grabbed libburn drive: an MMC recorder (/dev/sr0) or libburn's pseudo drive
 * "stdio:PATH", which writes to a file. The caller checks the ISO (dm_burn_check_iso) and a
 * stdio target (dm_burn_check_target) before any drive is touched, then opens the drive, looks
 * at the medium, blanks it if asked, writes, and reads the bytes back. Every function that
 * fails prints the one line (report.h) and returns the exit code; libburn's own messages are
 * kept off stderr and quoted in that line when they say why. */
#ifndef DARTMK_BURN_H
#define DARTMK_BURN_H

#include "util/progress.h"
#include "util/sha256.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum {
    DM_ISO_SECTOR = 2048,
    DM_ISO_PVD_AT = 16 * DM_ISO_SECTOR,         /* the primary volume descriptor */
    DM_ISO_MIN = DM_ISO_PVD_AT + DM_ISO_SECTOR, /* the smallest image that can hold one */
};

/* --- pure helpers (unit-tested) -------------------------------------------------------------- */

enum dm_iso_check {
    DM_ISO_OK,
    DM_ISO_TOO_SMALL,   /* shorter than DM_ISO_MIN */
    DM_ISO_NOT_SECTORS, /* size not a multiple of 2048 */
    DM_ISO_NO_PVD,      /* no "\x01CD001" at byte 32768 */
    DM_ISO_TRUNCATED,   /* the volume (PVD's volume space size) is larger than the file */
};

/* Checks an image of `size` bytes whose sector 16 is `pvd` (DM_ISO_SECTOR bytes; ignored when
 * the size is already wrong). For DM_ISO_TRUNCATED, *needed is the volume's size in bytes. */
enum dm_iso_check dm_burn_iso_check(const unsigned char *pvd, uint64_t size, uint64_t *needed);

/* 1 when an image of `need` bytes fits in `avail` writable bytes (whole 2048-byte sectors). */
int dm_burn_fits(uint64_t need, uint64_t avail);

/* --speed: "max" (0) or kB/s (libburn's k is 1000; 1x CD = 176, 1x DVD = 1385). Returns 0 or
 * -1. */
int dm_burn_parse_speed(const char *s, int *kbs);

/* What a stdio: path is, from lstat's follow-up stat (exists 0: the path does not exist). */
enum dm_stdio_kind {
    DM_STDIO_NEW,      /* a file libburn will create */
    DM_STDIO_FILE,     /* a regular file */
    DM_STDIO_PIPE,     /* a FIFO: written once, cannot be read back */
    DM_STDIO_NULLDEV,  /* /dev/null, /dev/zero, /dev/full: the kernel's memory devices */
    DM_STDIO_DIR,      /* a folder: not a target */
    DM_STDIO_BLOCK,    /* a disk: refused, it may hold a file system (dartmk usb writes disks) */
    DM_STDIO_OTHERDEV, /* another device (a SCSI generic node, a terminal): refused */
};
enum dm_stdio_kind dm_burn_stdio_kind(const struct stat *st, int exists);

/* The state of the medium in a drive. */
enum dm_burn_state {
    DM_MEDIA_NONE,       /* no disc */
    DM_MEDIA_BLANK,      /* ready to be written from the start */
    DM_MEDIA_APPENDABLE, /* written, not closed */
    DM_MEDIA_FULL,       /* written and closed, or read-only */
    DM_MEDIA_UNSUITABLE, /* neither readable nor writable, or its state could not be learned */
};
/* "none", "blank", "appendable", "full", "unsuitable". */
const char *dm_burn_state_name(enum dm_burn_state s);

/* Reads n bytes at off of the written copy into buf; returns 0 or -1 after printing why. */
typedef int (*dm_burn_reader)(void *ctx, uint64_t off, void *buf, size_t n);

/* Reads the image from iso_fd (its first `bytes` bytes, from offset 0) and hashes it into sha;
 * with a reader, compares each block with the copy it reads. `what` names the copy in
 * messages; progress (may be NULL) counts the bytes. Returns 0, or DM_FAIL after one line
 * (a difference names the first differing byte). */
int dm_burn_verify_stream(int iso_fd, const char *iso, uint64_t bytes, dm_burn_reader rd, void *ctx,
                          const char *what, struct dm_progress *progress, char sha[DM_SHA256_HEX]);

/* --- checks before any drive is touched ------------------------------------------------------- */

/* FILE exists, is a regular file and an ISO 9660 image; *bytes receives its size. */
int dm_burn_check_iso(const char *iso, uint64_t *bytes);

/* For a "stdio:PATH" address: refuses what must not be written (a disk: 3; a folder, the
 * image itself, a device other than /dev/null and the like: 1 or 3). Other addresses pass. */
int dm_burn_check_target(const char *address, const char *iso);

/* --- a drive ---------------------------------------------------------------------------------- */

struct dm_burner;

struct dm_burn_media {
    enum dm_burn_state state;
    int role;           /* libburn's drive role: 1 MMC drive, 2 stdio file, 3 stdio write-only */
    int erasable;       /* burn_disc_erase can blank it (CD-RW, DVD-RW) */
    int holds_data;     /* writing would destroy data on it (see burn.c for how it is decided) */
    int readable;       /* what is written can be read back to verify it */
    uint64_t capacity;  /* bytes that can be written now (0: unknown until blanked) */
    uint64_t data_size; /* a stdio file's current size */
    char profile[80];   /* "DVD+RW", "CD-R", "stdio file", or "" */
    char vendor[9], product[17];
};

/* Grabs the drive at `address` (/dev/sr0, stdio:PATH). 1 when there is no such drive. */
int dm_burn_open(const char *address, struct dm_burner **out);
/* Learns the medium's state. */
int dm_burn_media(struct dm_burner *b, struct dm_burn_media *m);
/* Removes what the medium holds so that it can be written from the start: erases a CD-RW or
 * sequential DVD-RW (fast), empties a stdio file; overwritable media need nothing. */
int dm_burn_blank(struct dm_burner *b, const struct dm_burn_media *m);
/* Writes the `bytes`-byte image as one closed session (libburn picks SAO or TAO); speed in kB/s,
 * 0 for the fastest. Shows progress. */
int dm_burn_write(struct dm_burner *b, const char *iso, uint64_t bytes, int speed);
/* Reads the written bytes back and compares them with the image, hashing the image on the way
 * (verify 0: only hashes the image). */
int dm_burn_verify(struct dm_burner *b, const char *iso, uint64_t bytes, int verify,
                   char sha[DM_SHA256_HEX]);
/* Releases the drive (ejecting the disc if asked) and shuts libburn down; NULL is fine. After
 * a failure, a stdio: file that did not exist at dm_burn_open is removed. */
void dm_burn_close(struct dm_burner *b, int failed, int eject);

/* --- recorders on this machine ---------------------------------------------------------------- */

struct dm_burn_drive {
    char address[1024];
    struct dm_burn_media media; /* state, profile, capacity; vendor and product */
};

/* Scans for optical recorders; *list (free() it) receives *n drives, media state included. */
int dm_burn_scan(struct dm_burn_drive **list, size_t *n);

#endif
