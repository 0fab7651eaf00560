/* efientry.c — the firmware boot entry (see efientry.h). */
#include "boot/efientry.h"

#include "util/report.h"

#include <efivar/efiboot.h>
#include <efivar/efivar.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LOAD_OPTION_ACTIVE = 1 };
static const uint32_t var_attrs =
    EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS;

/* HD(...)/File(...)/End, in a malloc'd buffer. */
static uint8_t *device_path(unsigned number, const efi_guid_t *guid, uint64_t start, uint64_t size,
                            const char *loader, ssize_t *len)
{
    uint8_t sig[16];
    char *file = strdup(loader);
    memcpy(sig, guid, sizeof sig);
    ssize_t hd = efidp_make_hd(NULL, 0, number, start / 512, size / 512, sig, EFIDP_HD_FORMAT_GPT,
                               EFIDP_HD_SIGNATURE_GUID);
    ssize_t f = file ? efidp_make_file(NULL, 0, file) : -1, end = efidp_make_end_entire(NULL, 0);
    uint8_t *buf = hd > 0 && f > 0 && end > 0 ? calloc(1, (size_t)(hd + f + end)) : NULL;
    if (buf) {
        efidp_make_hd(buf, hd, number, start / 512, size / 512, sig, EFIDP_HD_FORMAT_GPT,
                      EFIDP_HD_SIGNATURE_GUID);
        efidp_make_file(buf + hd, f, file);
        efidp_make_end_entire(buf + hd + f, end);
        *len = hd + f + end;
    }
    free(file);
    return buf;
}

int dm_efi_entry_make(unsigned number, const char *uuid, uint64_t start, uint64_t size,
                      const char *loader, const char *description, struct dm_efi_entry *e)
{
    efi_guid_t guid;
    ssize_t dplen = 0;
    memset(e, 0, sizeof *e);
    if (efi_str_to_guid(uuid, &guid) < 0)
        return dm_error(DM_FAIL, "partition %u: '%s' is not a GUID", number, uuid);
    uint8_t *dp = device_path(number, &guid, start, size, loader, &dplen);
    ssize_t n = dp ? efi_loadopt_create(NULL, 0, LOAD_OPTION_ACTIVE, (efidp)dp, dplen,
                                        (unsigned char *)description, NULL, 0)
                   : -1;
    e->option = n > 0 ? malloc((size_t)n) : NULL;
    if (e->option && efi_loadopt_create(e->option, n, LOAD_OPTION_ACTIVE, (efidp)dp, dplen,
                                        (unsigned char *)description, NULL, 0) == n) {
        e->option_size = (size_t)n;
        efidp_format_device_path(e->path, sizeof e->path, (const_efidp)dp, dplen);
    }
    free(dp);
    if (!e->option_size) {
        dm_efi_entry_free(e);
        return dm_error(DM_FAIL, "libefiboot cannot make the boot entry for partition %u", number);
    }
    return 0;
}

void dm_efi_entry_free(struct dm_efi_entry *e)
{
    free(e->option);
    e->option = NULL, e->option_size = 0;
}

int dm_efi_available(void) { return efi_variables_supported(); }

/* ---- the firmware's variables ---- */

/* The Boot#### holding these very bytes, else the lowest free number; -1 when all are used. */
static int pick_number(const struct dm_efi_entry *e)
{
    char name[16];
    for (int pass = 0; pass < 2; pass++)
        for (int n = 0; n <= 0xFFFF; n++) {
            uint8_t *data = NULL;
            size_t size = 0;
            uint32_t attrs;
            snprintf(name, sizeof name, "Boot%04X", n);
            int found = efi_get_variable(EFI_GLOBAL_GUID, name, &data, &size, &attrs) >= 0;
            int same = found && size == e->option_size && !memcmp(data, e->option, size);
            free(data);
            if ((pass == 0 && same) || (pass == 1 && !found))
                return n;
        }
    return -1;
}

/* BootOrder with `number` at its end (unless it is in it already). */
static int append_order(unsigned number)
{
    uint8_t *data = NULL;
    size_t size = 0;
    uint32_t attrs = var_attrs;
    if (efi_get_variable(EFI_GLOBAL_GUID, "BootOrder", &data, &size, &attrs) < 0)
        size = 0;
    for (size_t i = 0; i + 1 < size; i += 2)
        if ((unsigned)(data[i] | data[i + 1] << 8) == number) {
            free(data);
            return 0;
        }
    uint8_t *order = realloc(data, size + 2);
    if (!order) {
        free(data);
        return -1;
    }
    order[size] = (uint8_t)number, order[size + 1] = (uint8_t)(number >> 8);
    int rc = efi_set_variable(EFI_GLOBAL_GUID, "BootOrder", order, size + 2, var_attrs, 0644);
    free(order);
    return rc;
}

int dm_efi_entry_add(struct dm_efi_entry *e, int boot_once)
{
    char name[16];
    int n = pick_number(e);
    if (n < 0)
        return dm_error(DM_FAIL, "the firmware has no free Boot#### entry");
    snprintf(name, sizeof name, "Boot%04X", n);
    uint8_t next[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
    if (efi_set_variable(EFI_GLOBAL_GUID, name, e->option, e->option_size, var_attrs, 0644) < 0 ||
        append_order((unsigned)n) < 0 ||
        (boot_once && efi_set_variable(EFI_GLOBAL_GUID, "BootNext", next, 2, var_attrs, 0644) < 0))
        return dm_error_errno(DM_FAIL, errno, "cannot write the firmware boot entry %s", name);
    e->added = 1, e->number = (unsigned)n;
    return 0;
}

/* ---- finding and deleting an entry ---- */

int dm_efi_entry_find(const struct dm_efi_entry *e)
{
    efi_guid_t *guid = NULL; /* both NULL: the walk starts at the first variable */
    char *name = NULL;
    unsigned n;
    int found = -1, end;
    while ((efi_get_next_variable_name(&guid, &name)) > 0) {
        if (found >= 0 || efi_guid_cmp(guid, &efi_guid_global) != 0 ||
            sscanf(name, "Boot%4X%n", &n, &end) != 1 || end != 8 || name[end])
            continue; /* the walk goes on to its end: libefivar's iterator restarts then */
        uint8_t *data = NULL;
        size_t size = 0;
        uint32_t attrs;
        if (efi_get_variable(EFI_GLOBAL_GUID, name, &data, &size, &attrs) >= 0 &&
            size == e->option_size && !memcmp(data, e->option, size))
            found = (int)n;
        free(data);
    }
    return found;
}

/* Variable `var` (a list of 16-bit numbers) without `number`; removed when it becomes empty. */
static int drop_number(const char *var, unsigned number)
{
    uint8_t *data = NULL;
    size_t size = 0, out = 0;
    uint32_t attrs;
    if (efi_get_variable(EFI_GLOBAL_GUID, var, &data, &size, &attrs) < 0)
        return 0; /* not there: nothing names the entry */
    for (size_t i = 0; i + 1 < size; i += 2)
        if ((unsigned)(data[i] | data[i + 1] << 8) != number)
            data[out++] = data[i], data[out++] = data[i + 1];
    int rc = out == size ? 0
             : out       ? efi_set_variable(EFI_GLOBAL_GUID, var, data, out, attrs, 0644)
                         : efi_del_variable(EFI_GLOBAL_GUID, var);
    free(data);
    return rc;
}

int dm_efi_entry_delete(unsigned number)
{
    char name[16];
    snprintf(name, sizeof name, "Boot%04X", number);
    if (drop_number("BootOrder", number) < 0 || drop_number("BootNext", number) < 0 ||
        efi_del_variable(EFI_GLOBAL_GUID, name) < 0)
        return dm_error_errno(DM_FAIL, errno, "cannot delete the firmware boot entry %s", name);
    return 0;
}
