/* cab.h — expanding a Microsoft cabinet (.cab) with libmspack, for `dartmk build --tool
 * NAME=TOOL.cab`. */
#ifndef DARTMK_CAB_H
#define DARTMK_CAB_H

/* Is the file at `path` a cabinet (starts with "MSCF")? 1 yes, 0 no, -1 cannot read (printed). */
int dm_cab_is_cab(const char *path);

/* Expands every file of the cabinet at `path` under the existing directory `dest` (folders
 * inside the cabinet, written with '\' or '/', become directories). Refuses, naming the cabinet
 * and the member, names that would leave `dest` (absolute, "..", drive letters) and a corrupt
 * or truncated cabinet (every member is extracted and its checksum verified by libmspack), and a
 * bomb (members overlapping in the data, or more than 4 GiB in all) before anything is written.
 * Returns 0, or DM_FAIL after printing one line; on failure what was expanded stays in
 * `dest` (the caller removes its staging directory). `display` names the cabinet in
 * messages (the path the user gave). */
int dm_cab_expand(const char *path, const char *display, const char *dest);

#endif
