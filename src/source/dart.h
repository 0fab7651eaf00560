/* dart.h — recognising a DaRT image: the files of Microsoft DaRT's tools cab (its tools window,
 * Remote Connection, network start) and the wizard-made DartConfig.dat inside a boot.wim image,
 * and whether the image is a Windows RE or Setup image that DaRT's tools can start from. */
#ifndef DARTMK_DART_H
#define DARTMK_DART_H

#include "source/wim.h"

#include <stdint.h>

/* DaRT's files, by the bit dm_dart_info.present holds for each. */
enum dm_dart_file {
    DM_DART_TOOLS_WINDOW, /* sources/recovery/tools/MSDartTools.exe */
    DM_DART_REMOTE,       /* Windows/System32/RemoteRecovery.exe */
    DM_DART_WAIT,         /* Windows/System32/WaitForConnection.exe */
    DM_DART_NETSTART,     /* Windows/System32/netstart.exe */
    DM_DART_CONFIG,       /* Windows/System32/DartConfig.dat */
    DM_DART_RECENV,       /* sources/recovery/recenv.exe (Windows RE, not DaRT's) */
    DM_DART_FILES
};

/* The file's path inside an image ('/'-separated) and its short name, for people. */
const char *dm_dart_file_path(enum dm_dart_file f);
const char *dm_dart_file_what(enum dm_dart_file f);
/* Windows' name for the path ('\'-separated), for messages. */
const char *dm_dart_file_winpath(enum dm_dart_file f);

struct dm_dart_info {
    unsigned present;     /* 1u << dm_dart_file for each file the image holds */
    uint64_t config_size; /* DartConfig.dat's size, when present */
    char version[24];     /* the tools window's file version ("7.0.1010.0"), "" when unknown */
    enum dm_arch arch;    /* the tools window's machine, DM_ARCH_UNKNOWN when unknown */
};

/* Looks for DaRT's files in image `index` of w. A DaRT image holds the tools window. Returns 0
 * or an exit code after one line (a WIM that cannot be read). */
int dm_dart_probe(struct dm_wim *w, int index, struct dm_dart_info *out);

/* The version and machine of a program held in buf (its VERSIONINFO and PE header): version ""
 * when it has none; returns 0, or -1 when buf is not a PE image. */
int dm_dart_program(const void *buf, size_t n, char version[24], enum dm_arch *arch);

#endif
