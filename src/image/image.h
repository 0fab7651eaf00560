/* image.h — customising boot.wim, the DaRT Recovery Image Wizard's work: a recipe of customisations
 * (tools, drivers, files, remote connection, debugging tools, time limit) applied to the media's
 * boot.wim, and the recovery tree written from it.
 *
 * Options reach a build as a *recipe*: every value as text, keyed like the long options, from the
 * command line and from a recipe file (INI, libinih). dm_image_plan checks the whole recipe —
 * values, paths, names — before anything is written, and turns it into a plan. */
#ifndef DARTMK_IMAGE_H
#define DARTMK_IMAGE_H

#include "util/cleanup.h"
#include "source/media.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

struct dm_strlist {
    char **v;
    size_t n;
};

/* The options of a build as text, as the user gave them (paths made absolute). NULL or an
 * empty list: not given. */
struct dm_recipe {
    char *image_index;
    char *remote; /* "yes"/"no" */
    char *remote_port;
    char *remote_message; /* TEXT or @FILE */
    char *remote_tool;
    char *debugging_tools; /* DIR or "target" */
    char *expire_days;
    char *whole_media;           /* "yes"/"no" */
    char *dart_tools;            /* DaRT's tools: a cab, an MSI or a folder */
    char *dart_config;           /* the wizard's DartConfig.dat */
    char *dart_config_from;      /* a DaRT image (ISO, WIM, folder) holding it */
    struct dm_strlist tools;     /* NAME=PATH[:helpdesk] */
    struct dm_strlist drivers;   /* FILE.inf or DIR */
    struct dm_strlist add_files; /* DIR[=DEST] */
};

/* Sets a key ("tool", "remote-port", ... — the long option names) from the command line or a
 * recipe file; list keys append. Returns 0, 1 for an unknown key, -1 when out of memory. */
int dm_recipe_set(struct dm_recipe *r, const char *key, const char *value);
/* The same, a relative host path in the value taken from folder `base`. */
int dm_recipe_set_in(struct dm_recipe *r, const char *key, const char *value, const char *base);
/* Reads a recipe file into r. Keys may sit in any section ([build] by convention); relative
 * paths are taken from the recipe file's folder. Returns 0 or an exit code after one line. */
int dm_recipe_read(struct dm_recipe *r, const char *path);
/* Values of `over` replace those of r (a list given in `over` replaces r's whole list). */
void dm_recipe_merge(struct dm_recipe *r, const struct dm_recipe *over);
/* Writes the recipe as INI text, readable by dm_recipe_read. */
void dm_recipe_print(const struct dm_recipe *r, FILE *f);
void dm_recipe_free(struct dm_recipe *r);

enum dm_tool_kind { DM_TOOL_DIR, DM_TOOL_EXE, DM_TOOL_CAB };

struct dm_tool {
    char *name; /* menu name and folder: DaRT\Tools\<name> */
    char *path; /* host path */
    enum dm_tool_kind kind;
    int helpdesk;  /* in the image, not offered in the menu */
    char *program; /* the program to start, relative to the tool's folder; NULL until known */
};

struct dm_driver {
    char *dir;   /* the host folder added to the image */
    char **infs; /* INF files in it, relative to dir, loaded in this order */
    size_t ninfs;
};

struct dm_added {
    char *host; /* a host folder */
    char *dest; /* image folder, '/'-separated, "" for the root */
};

/* One of DaRT's tools cabs, expanded into the staging folder. */
struct dm_dart_cab {
    char *name;                 /* for messages: the cab as given, or "SETUP.msi: Toolsx64.cab" */
    char *root;                 /* host folder of its files, DaRT 7's top-level mount\ stripped */
    char sha256[65];            /* of the cab file */
    enum dm_arch arch;          /* of its programs (PE machine field) */
    char version[24];           /* the tools window's file version, "" when it has none */
    struct dm_strlist launch;   /* its winpeshl.ini's start-up entries */
    struct dm_strlist recovery; /* its WinREConfig.xml's RelativeFilePath entries */
};

/* --dart-tools and --dart-config(-from), checked. */
struct dm_dart {
    char *given; /* --dart-tools as given */
    struct dm_dart_cab *cabs;
    size_t ncabs;
    char *config;       /* a private copy of DartConfig.dat, or NULL */
    char *config_given; /* the FILE, or the DaRT image it was taken from */
    int config_from;    /* taken out of a DaRT image (--dart-config-from) */
    char config_sha256[65];
    uint64_t config_size;
};

/* A checked recipe. */
struct dm_image_plan {
    int image_index; /* 0: the media's default */
    int customise;   /* anything to change in boot.wim */
    struct dm_tool *tools;
    size_t ntools;
    int remote;
    int remote_port;
    char *remote_message; /* the text, or NULL */
    int remote_tool;      /* index into tools, -1 without remote */
    char *debuggers;      /* host folder, "target", or NULL */
    struct dm_driver *drivers;
    size_t ndrivers;
    struct dm_added *files;
    size_t nfiles;
    int expire_days;           /* 0: no time limit */
    int whole_media;           /* keep every file of the media, not only Windows PE's */
    struct dm_dart *dart;      /* DaRT's own tools, or NULL */
    int64_t built;             /* SOURCE_DATE_EPOCH or now */
    struct dm_staging staging; /* expanded cabinets; removed by dm_image_plan_free */
};

/* Checks a recipe and makes the plan (nothing is written). Usage errors (bad numbers, bad
 * names, duplicates) return DM_USAGE; missing or unreadable paths, corrupt cabinets and driver
 * folders without an INF return DM_FAIL; each after one line. */
int dm_image_plan(const struct dm_recipe *r, struct dm_image_plan *p);
void dm_image_plan_free(struct dm_image_plan *p);

/* The time limit of the chosen image, from the manifest a build put in it (DaRT\
 * dartmk-manifest.json). Returns 0 with *expires set, 1 when the image has none, or an exit code
 * after one line (a manifest that cannot be read). */
int dm_media_expiry(struct dm_media *m, int64_t *expires);

/* The DaRT tools cab for images of architecture a, or NULL (dart.c). */
const struct dm_dart_cab *dm_dart_pick(const struct dm_dart *d, enum dm_arch a);

/* The manifest's name, at the root of the recovery tree and in the image's DaRT folder. */
#define DM_MANIFEST_NAME "dartmk-manifest.json"

/* Can this media take the plan? (the time limit needs a checker for the image's
 * architecture). Returns 0 or DM_FAIL after one line; nothing is written. */
int dm_image_check_media(const struct dm_media *m, const struct dm_image_plan *p);
/* Customises image 1 of the WIM at wim_path (the chosen image of the media's boot.wim,
 * exported alone by dm_image_export) in place: tools, drivers, files, the launcher, the
 * configuration, the expiry checker and the manifest. Safe to run in a thread beside the media
 * copy: it only reads m and p. Reports into status (may be NULL). */
int dm_image_write(const struct dm_media *m, const struct dm_image_plan *p,
                   const struct dm_recipe *r, const char *source, const char *source_sha,
                   const char *wim_path, struct dm_wim_status *status);
/* Writes image `index` of w alone, flagged bootable, as a new WIM at `path` (wimlib_export_image
 * and wimlib_write): the compressed resources are copied as they are, not recompressed.
 * Returns 0 or DM_FAIL after one line. */
int dm_image_export(struct dm_wim *w, int index, const char *path);
/* dm_image_export, then the new WIM read back and checked against its own SHA-1s (an export
 * copies compressed resources as they are and checks nothing): a damaged source image fails here,
 * DM_FAIL after one line naming w. */
int dm_image_export_checked(struct dm_wim *w, int index, const char *path);
/* About how many bytes image `index` of w takes once exported alone. 0 or DM_FAIL. */
int dm_image_export_size(struct dm_wim *w, int index, uint64_t *bytes);
/* The bytes of all the resources w holds (what its .swm parts hold in all), or UINT64_MAX. */
uint64_t dm_image_wim_data(struct dm_wim *w);
/* Splits w into .swm parts of at most part_size bytes (wimlib_split): the first is `swm`, the
 * next swm's name with 2, 3, ... before ".swm". *parts: the host paths written (malloc'd).
 * Returns 0 or DM_FAIL after one line. */
int dm_image_split(struct dm_wim *w, const char *swm, uint64_t part_size, char ***parts,
                   size_t *nparts);
/* The manifest (without the list of files): what was built, from what, with which options. */
json_object *dm_manifest_new(const struct dm_media *m, const struct dm_image_plan *p,
                             const struct dm_recipe *r, const char *source, const char *source_sha);
/* A manifest as the text written to files (pretty, "/" unescaped; owned by j). */
const char *dm_manifest_text(json_object *j);
/* The recipe as a JSON object: scalar keys as strings, lists as arrays (recipe.c). */
json_object *dm_recipe_json(const struct dm_recipe *r);

/* The fingerprint of a build's inputs (fingerprint.c): the inputs as one JSON object (dartmk's
 * version, the image chosen, the recipe, the SHA-256s of the tools, drivers, added folders,
 * debugging tools, DaRT's cab and configuration; `target`: a JSON text of the target's own
 * options that shape the contents, or NULL), everything but the source boot.wim's checksum.
 * 0, or DM_FAIL after one line (a host file that cannot be read). */
int dm_fingerprint_inputs(const struct dm_media *m, const struct dm_image_plan *p,
                          const struct dm_recipe *r, const char *target, json_object **out);
/* The fingerprint: SHA-256 of {"boot_wim_sha256":SHA,"inputs":INPUTS} printed without spaces. */
void dm_fingerprint(json_object *inputs, const char *boot_wim_sha, char hex[65]);
/* SHA-256 of a host file's bytes, or of a folder (its sorted names, kinds and files' bytes). */
int dm_fingerprint_path(const char *path, char hex[65]);
#endif
