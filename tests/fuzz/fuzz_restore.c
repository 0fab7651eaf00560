/* fuzz_restore.c — libFuzzer target for the restore-table reader (partition/layout.c): the input
 * is a partition table saved by `dartmk partition` under $XDG_STATE_HOME/dartmk/tables (an
 * sfdisk script, and the label's sectors in "# dartmk-raw" comment blocks), as
 * `dartmk partition --restore-table FILE DISK` reads it.
 *
 * The disk's size is the file's own "# dartmk-disk-size N" when it is from 1 MiB to 64 GiB, else
 * 4 GiB (so that a saved table can match the disk, and an sfdisk dump of a disk fit it).
 * dm_layout_restore_check judges the file; one it passes is put back with dm_layout_restore on an
 * empty sparse disk (a memfd), and the table written must then be one dartmk reads (dm_ptable_open
 * judges it as `dartmk partition` does a disk). A refusal must have said its one line (fuzz.h). */
#include "partition/layout.h"
#include "partition/ptable.h"

#include "fuzz.h"

#include <inttypes.h>

static uint64_t disk_size(const uint8_t *data, size_t size)
{
    static const char tag[] = "# dartmk-disk-size ";
    const uint8_t *p = memmem(data, size, tag, sizeof tag - 1);
    uint64_t n = 0;
    for (p = p ? p + sizeof tag - 1 : NULL; p && p < data + size && *p >= '0' && *p <= '9'; p++)
        if ((n = n * 10 + (uint64_t)(*p - '0')) > (64ull << 30))
            break;
    return n >= (1u << 20) && n <= (64ull << 30) ? n : 4ull << 30;
}

static void put_back(const char *file, uint64_t disk)
{
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    fuzz_file_at(2, NULL, 0, disk); /* an empty disk of that size */
    int fd = fuzz_fd(2), exact = -1;
    int rc = dm_layout_restore(fd, "disk", file, disk, &exact);
    CHECK_SAID(rc, said);
    CHECK(exact == 0 || exact == 1);
    if (rc == 0) {
        struct dm_ptable *t = NULL;
        fuzz_listen(&ev, &said);
        rc = dm_ptable_open(fd, "disk", 1, &t);
        CHECK(rc == 0); /* what was put back is a table dartmk takes */
        struct dm_part parts[128];
        size_t n = dm_ptable_list(t, parts, 128);
        CHECK(n <= 128);
        dm_ptable_close(t);
    }
    dm_events_bind(NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    const char *file = fuzz_file(data, size);
    uint64_t disk = disk_size(data, size);
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    int rc = dm_layout_restore_check(file, "disk", disk);
    CHECK_SAID(rc, said);
    dm_events_bind(NULL);
    if (rc == 0)
        put_back(file, disk);
    return 0;
}
