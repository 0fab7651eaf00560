/* pe.c — architecture names and the PE/COFF machine field. */
#include "source/wim.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    enum dm_arch arch;
    const char *name;
    int xml;          /* WIM XML WINDOWS/ARCH (PROCESSOR_ARCHITECTURE_*) */
    uint16_t machine; /* IMAGE_FILE_MACHINE_* */
} arches[] = {
    {DM_ARCH_X86, "x86", 0, 0x014c},
    {DM_ARCH_AMD64, "amd64", 9, 0x8664},
    {DM_ARCH_ARM, "arm", 5, 0x01c4},
    {DM_ARCH_ARM64, "arm64", 12, 0xaa64},
};
#define N_ARCHES (sizeof arches / sizeof arches[0])

const char *dm_arch_name(enum dm_arch a)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (arches[i].arch == a)
            return arches[i].name;
    return NULL;
}

enum dm_arch dm_arch_from_wim_xml(const char *value)
{
    if (!value || !*value)
        return DM_ARCH_UNKNOWN;
    char *end;
    long v = strtol(value, &end, 10);
    if (*end)
        return DM_ARCH_UNKNOWN;
    for (size_t i = 0; i < N_ARCHES; i++)
        if (arches[i].xml == v)
            return arches[i].arch;
    return DM_ARCH_UNKNOWN;
}

enum dm_arch dm_arch_from_pe_machine(uint16_t machine)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (arches[i].machine == machine)
            return arches[i].arch;
    return DM_ARCH_UNKNOWN;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int dm_pe_machine(const void *buf, size_t n, uint16_t *machine)
{
    const unsigned char *b = buf;
    if (n < 0x40 || b[0] != 'M' || b[1] != 'Z')
        return -1;
    uint32_t pe = le32(b + 0x3c); /* e_lfanew */
    if (pe > n - 6 || memcmp(b + pe, "PE\0\0", 4) != 0)
        return -1;
    *machine = (uint16_t)(b[pe + 4] | b[pe + 5] << 8);
    return 0;
}
