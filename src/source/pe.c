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

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The file offset of an RVA, through the section table; 0 when no section holds it. */
static size_t rva_offset(const unsigned char *b, size_t n, size_t sections, unsigned count,
                         uint32_t rva)
{
    for (unsigned i = 0; i < count; i++) {
        const unsigned char *s = b + sections + (size_t)i * 40;
        if (sections + (size_t)(i + 1) * 40 > n)
            return 0;
        uint32_t va = le32(s + 12), raw_size = le32(s + 16), raw = le32(s + 20);
        if (rva >= va && rva - va < raw_size && (size_t)raw + (rva - va) < n)
            return (size_t)raw + (rva - va);
    }
    return 0;
}

/* The first entry of a resource directory at `dir` (an offset into the resource section at
 * `base`): for the type level, the entry whose ID is `id` (0: the first of any). Returns the
 * entry's offset field, or 0. */
static uint32_t rsrc_entry(const unsigned char *b, size_t n, size_t base, size_t dir, uint16_t id)
{
    if (base + dir + 16 > n)
        return 0;
    const unsigned char *d = b + base + dir;
    unsigned entries = (unsigned)le16(d + 12) + le16(d + 14);
    for (unsigned i = 0; i < entries && i < 4096; i++) {
        size_t e = base + dir + 16 + (size_t)i * 8;
        if (e + 8 > n)
            return 0;
        uint32_t name = le32(b + e);
        if (id == 0 || (!(name & 0x80000000u) && name == id))
            return le32(b + e + 4);
    }
    return 0;
}

int dm_pe_version(const void *buf, size_t n, uint16_t version[4])
{
    const unsigned char *b = buf;
    uint16_t machine;
    if (dm_pe_machine(buf, n, &machine) != 0)
        return -1;
    size_t pe = le32(b + 0x3c);
    if (pe + 24 > n)
        return -1;
    unsigned count = le16(b + pe + 6), opt_size = le16(b + pe + 20);
    size_t opt = pe + 24, sections = opt + opt_size;
    uint16_t magic = opt + 2 <= n ? le16(b + opt) : 0;
    size_t dirs = magic == 0x20b ? opt + 112 : magic == 0x10b ? opt + 96 : 0;
    if (!dirs || dirs + 3 * 8 > n || dirs + 3 * 8 > sections)
        return -1;
    uint32_t rsrc_rva = le32(b + dirs + 2 * 8); /* data directory 2: resources */
    size_t base = rsrc_rva ? rva_offset(b, n, sections, count, rsrc_rva) : 0;
    if (!base)
        return -1;
    /* type RT_VERSION (16), then its first name, then its first language: a data entry */
    uint32_t e = rsrc_entry(b, n, base, 0, 16);
    for (int level = 0; level < 2 && (e & 0x80000000u); level++)
        e = rsrc_entry(b, n, base, e & 0x7fffffffu, 0);
    if (!e || (e & 0x80000000u) || base + e + 8 > n)
        return -1;
    uint32_t data_rva = le32(b + base + e), size = le32(b + base + e + 4);
    size_t at = rva_offset(b, n, sections, count, data_rva);
    if (!at || size > n - at)
        return -1;
    /* VS_VERSIONINFO: lengths, L"VS_VERSION_INFO", padding, then VS_FIXEDFILEINFO */
    for (size_t i = at; i + 52 <= at + size; i += 4) {
        if (le32(b + i) != 0xFEEF04BDu)
            continue;
        uint32_t ms = le32(b + i + 8), ls = le32(b + i + 12);
        version[0] = (uint16_t)(ms >> 16), version[1] = (uint16_t)ms;
        version[2] = (uint16_t)(ls >> 16), version[3] = (uint16_t)ls;
        return 0;
    }
    return -1;
}
