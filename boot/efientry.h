/* efientry.h — the UEFI firmware boot entry for a recovery partition on a GPT disk: the load
 * option built with libefiboot/libefivar (device path HD(N,GPT,partition GUID,start,size) then
 * File(\EFI\BOOT\BOOTX64.EFI), description "DaRT Recovery"), and, when dartmk runs on the
 * machine itself (UEFI variables present), written as Boot#### — an existing entry with the same
 * description and path is reused — appended to the end of BootOrder (never first), with BootNext
 * for a one-time start. */
#ifndef DARTMK_EFIENTRY_H
#define DARTMK_EFIENTRY_H

#include <stddef.h>
#include <stdint.h>

struct dm_efi_entry {
    char path[512];  /* the device path as text (libefivar's notation) */
    uint8_t *option; /* the EFI_LOAD_OPTION bytes */
    size_t option_size;
    int added;       /* written to the firmware's variables */
    unsigned number; /* Boot#### when added */
};

/* Builds the entry for partition `number` (1-based) with GUID `uuid` at [start, start + size)
 * bytes, loader path like "\\EFI\\BOOT\\BOOTX64.EFI". Returns 0 or DM_FAIL after one line. */
int dm_efi_entry_make(unsigned number, const char *uuid, uint64_t start, uint64_t size,
                      const char *loader, const char *description, struct dm_efi_entry *e);
/* 1 when this machine's UEFI variables can be written (started with UEFI). */
int dm_efi_available(void);
/* Writes the entry (see above); boot_once also sets BootNext. 0 or DM_FAIL after one line. */
int dm_efi_entry_add(struct dm_efi_entry *e, int boot_once);
void dm_efi_entry_free(struct dm_efi_entry *e);
/* The Boot#### whose load option is exactly e's (its number), or -1 when there is none. */
int dm_efi_entry_find(const struct dm_efi_entry *e);
/* Deletes Boot#### `number` and takes it out of BootOrder and BootNext. 0 or DM_FAIL after one
 * line. */
int dm_efi_entry_delete(unsigned number);

#endif
