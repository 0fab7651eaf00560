/* dart.c — DaRT's files inside a boot.wim image (dart.h). */
#include "source/dart.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>

/* A program is read whole to find its version resource: DaRT's tools window is a few MiB. */
#define PROGRAM_MAX (64u << 20)

static const struct {
    const char *path, *winpath, *what;
} files[DM_DART_FILES] = {
    {"sources/recovery/tools/MSDartTools.exe", "sources\\recovery\\tools\\MSDartTools.exe",
     "MSDartTools"},
    {"Windows/System32/RemoteRecovery.exe", "Windows\\System32\\RemoteRecovery.exe",
     "RemoteRecovery"},
    {"Windows/System32/WaitForConnection.exe", "Windows\\System32\\WaitForConnection.exe",
     "WaitForConnection"},
    {"Windows/System32/netstart.exe", "Windows\\System32\\netstart.exe", "netstart"},
    {"Windows/System32/DartConfig.dat", "Windows\\System32\\DartConfig.dat", "DartConfig.dat"},
    {"sources/recovery/recenv.exe", "sources\\recovery\\recenv.exe", "recenv"},
};

const char *dm_dart_file_path(enum dm_dart_file f) { return files[f].path; }
const char *dm_dart_file_what(enum dm_dart_file f) { return files[f].what; }
const char *dm_dart_file_winpath(enum dm_dart_file f) { return files[f].winpath; }

int dm_dart_program(const void *buf, size_t n, char version[24], enum dm_arch *arch)
{
    uint16_t machine, v[4];
    version[0] = '\0';
    if (dm_pe_machine(buf, n, &machine) != 0)
        return -1;
    *arch = dm_arch_from_pe_machine(machine);
    if (dm_pe_version(buf, n, v) == 0)
        snprintf(version, 24, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
    return 0;
}

/* The tools window's version and machine, read from the image. */
static int probe_program(struct dm_wim *w, int index, uint64_t size, struct dm_dart_info *out)
{
    struct dm_stream *s;
    if (size > PROGRAM_MAX)
        return 0; /* not DaRT's: shown without a version */
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf)
        return dm_error(DM_FAIL, "out of memory");
    int rc = dm_wim_open_file(w, index, files[DM_DART_TOOLS_WINDOW].path, &s);
    ssize_t got = rc == 0 ? dm_stream_read_full(s, buf, size) : -1;
    int crc = rc == 0 ? dm_stream_close(s) : rc;
    if (got >= 0 && crc == 0)
        dm_dart_program(buf, (size_t)got, out->version, &out->arch);
    free(buf);
    return got < 0 ? DM_FAIL : crc;
}

int dm_dart_probe(struct dm_wim *w, int index, struct dm_dart_info *out)
{
    *out = (struct dm_dart_info){.arch = DM_ARCH_UNKNOWN};
    uint64_t window = 0;
    for (int f = 0; f < DM_DART_FILES; f++) {
        int found = 0, dir = 0;
        uint64_t size = 0;
        int rc = dm_wim_stat(w, index, files[f].path, &found, &size, &dir);
        if (rc)
            return rc;
        if (!found || dir)
            continue;
        out->present |= 1u << f;
        if (f == DM_DART_CONFIG)
            out->config_size = size;
        if (f == DM_DART_TOOLS_WINDOW)
            window = size;
    }
    if (out->present & (1u << DM_DART_TOOLS_WINDOW))
        return probe_program(w, index, window, out);
    return 0;
}
