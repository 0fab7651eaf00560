/* lifecycle.c — a recovery partition after provisioning (see partition.h): what is there
 * (--status, read only) and taking it away (--remove: the table entry deleted, the MBR code and
 * active flag put back from the record dartmk keeps in the partition, the UEFI entry deleted). */
#include "target/partition.h"
#include "boot/syslinux.h"
#include "fat/fat_read.h"
#include "image/expiry.h"
#include "partition/contents.h"
#include "recovery/verify.h"
#include "util/report.h"
#include "util/copy.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- what is on the disk ---- */

struct found {
    struct dm_part part; /* the recovery partition (number 0: none) */
    int ours;            /* dartmk made it (else a Windows RE partition it did not) */
    size_t active;       /* MBR: the active partition (0: none) */
    char uuid[40];
    enum dm_scheme scheme;
    uint64_t size;
};

/* dartmk's recovery partition, else (or with force, as dartmk's) the first Windows RE one. */
static int find(int fd, const char *disk, const char *gpt_name, int force, struct found *f)
{
    struct dm_ptable *pt = NULL;
    struct dm_part parts[DM_PART_MAX];
    struct dm_part_plan_opts o = {.name = gpt_name, .disk = disk};
    memset(f, 0, sizeof *f);
    int rc = dm_ptable_open(fd, disk, 1, &pt);
    if (rc)
        return rc;
    size_t ours = dm_part_plan_ours(pt, &o, &f->active), n = dm_ptable_list(pt, parts, DM_PART_MAX);
    for (size_t i = 0; i < n && !f->part.number; i++)
        if (parts[i].number == ours || (!ours && parts[i].winre))
            f->part = parts[i], f->ours = parts[i].number == ours || force;
    f->scheme = dm_ptable_scheme(pt), f->size = dm_ptable_disk_size(pt);
    if (f->part.number)
        dm_ptable_uuid(pt, f->part.number, f->uuid);
    dm_ptable_close(pt);
    return 0;
}

static json_object *str_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

static const char *get_str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* The partition's manifest, parsed (NULL: none); *sha its SHA-256. */
static json_object *manifest(const char *disk, const struct dm_part *p, char sha[DM_SHA256_HEX])
{
    char *text = dm_part_read_file(disk, p, DM_MANIFEST_NAME);
    json_object *m = text ? json_tokener_parse(text) : NULL;
    struct dm_sha256 *h = text ? dm_sha256_new() : NULL;
    if (h)
        dm_sha256_update(h, text, strlen(text)), dm_sha256_final(h, sha);
    free(text);
    if (m && !json_object_is_type(m, json_type_object))
        json_object_put(m), m = NULL;
    return m;
}

/* The UEFI loader the partition's image starts ("\EFI\BOOT\BOOTX64.EFI"), by its manifest. */
static const char *loader(json_object *m)
{
    const char *arch = get_str(m, "arch");
    return arch && strcmp(arch, "x86") == 0 ? "\\EFI\\BOOT\\BOOTIA32.EFI"
                                            : "\\EFI\\BOOT\\BOOTX64.EFI";
}

/* The firmware entry dartmk adds for the partition: made (e), and *number the Boot#### that
 * holds it (-1: none, or this machine has no UEFI variables: *known 0). */
static int efi_lookup(const struct found *f, json_object *m, struct dm_efi_entry *e, int *number,
                      int *known)
{
    const struct dm_part *p = &f->part;
    int rc = dm_efi_entry_make((unsigned)p->number, f->uuid, p->start, p->size, loader(m),
                               "DaRT Recovery", e);
    *known = rc == 0 && dm_efi_available();
    *number = *known ? dm_efi_entry_find(e) : -1;
    return rc;
}

/* ---- --status ---- */

static json_object *manifest_json(json_object *m, const char *sha)
{
    json_object *o = json_object_new_object(), *src = NULL;
    const char *gen = get_str(m, "generator"), *expires = get_str(m, "expires");
    int64_t until = 0;
    int expired = expires && dm_expiry_parse(expires, &until) == 0 && until <= time(NULL);
    json_object_object_get_ex(m, "source", &src);
    json_object_object_add(o, "sha256", json_object_new_string(sha));
    json_object_object_add(o, "built", str_or_null(get_str(m, "built")));
    json_object_object_add(o, "source", str_or_null(get_str(src, "path")));
    json_object_object_add(o, "fingerprint", str_or_null(get_str(m, "fingerprint")));
    json_object_object_add(o, "version",
                           str_or_null(gen && !strncmp(gen, "dartmk ", 7) ? gen + 7 : gen));
    json_object_object_add(o, "expires", str_or_null(expires));
    json_object_object_add(o, "expired", json_object_new_boolean(expired));
    return o;
}

/* The volume's free bytes (free clusters), or -1 when it cannot be read. */
static int64_t free_bytes(const char *disk, const struct dm_part *p)
{
    struct dm_fatread_geom g;
    struct dm_capture quiet;
    uint32_t *e = NULL;
    int64_t n = -1;
    dm_capture_begin(&quiet);
    if (dm_fatread_fat(disk, p->start, p->size, &g, &e) == 0) {
        n = 0;
        for (uint32_t c = 2; c < g.clusters + 2; c++)
            n += e[c] ? 0 : g.cluster_size;
    }
    dm_capture_end(&quiet);
    dm_capture_free(&quiet);
    free(e);
    return n;
}

/* MBR: "menu" (dartmk's partition active, its syslinux configuration a menu), "active", or
 * "none" (another partition active). */
static const char *bios_boot(const char *disk, const struct found *f)
{
    if (f->scheme != DM_SCHEME_MBR || f->active != f->part.number)
        return "none";
    char *cfg = dm_part_read_file(disk, &f->part, "syslinux/syslinux.cfg");
    unsigned os = dm_syslinux_config_os(cfg);
    free(cfg);
    return os ? "menu" : "active";
}

/* Read back against its manifest: 1, 0, or -1 (no manifest to check against). */
static int verified(const char *disk, const struct dm_part *p)
{
    struct dm_tree *t = NULL;
    struct dm_verify v = {0};
    struct dm_capture quiet;
    int ok = -1;
    dm_capture_begin(&quiet);
    if (dm_fatread_open(disk, p->start, p->size, &t) == 0)
        ok = dm_verify_tree(t, &v) == 0 ? dm_verify_ok(&v) : -1;
    dm_capture_end(&quiet);
    dm_capture_free(&quiet);
    dm_verify_free(&v);
    dm_tree_free(t);
    return ok;
}

static json_object *recovery_json(const char *disk, const struct found *f, int verify)
{
    const struct dm_part *p = &f->part;
    char sha[DM_SHA256_HEX] = "";
    json_object *o = json_object_new_object(), *m = manifest(disk, p, sha);
    int64_t avail = free_bytes(disk, p);
    json_object_object_add(o, "number", json_object_new_int((int)p->number));
    json_object_object_add(o, "start", json_object_new_int64((int64_t)p->start));
    json_object_object_add(o, "size", json_object_new_int64((int64_t)p->size));
    json_object_object_add(o, "free", avail < 0 ? NULL : json_object_new_int64(avail));
    json_object_object_add(o, "made_by", json_object_new_string(f->ours ? "dartmk" : "other"));
    json_object_object_add(o, "type", json_object_new_string(p->type));
    json_object_object_add(o, "name", p->name[0] ? json_object_new_string(p->name) : NULL);
    json_object_object_add(o, "manifest", m ? manifest_json(m, sha) : NULL);
    json_object_object_add(o, "bios_boot", json_object_new_string(bios_boot(disk, f)));
    struct dm_efi_entry e = {0};
    int number = -1, known = 0;
    if (f->scheme == DM_SCHEME_GPT && f->ours)
        efi_lookup(f, m, &e, &number, &known);
    dm_efi_entry_free(&e);
    json_object_object_add(o, "efi_entry", known ? json_object_new_boolean(number >= 0) : NULL);
    int ok = verify && m ? verified(disk, p) : -1;
    json_object_object_add(o, "verified", ok < 0 ? NULL : json_object_new_boolean(ok));
    json_object_put(m);
    return o;
}

int dm_target_partition_status(const char *disk, const char *gpt_name, int verify,
                               json_object **out)
{
    struct found f;
    int fd = open(disk, O_RDONLY | O_CLOEXEC), rc;
    if (fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s", disk);
    if ((rc = find(fd, disk, gpt_name, 0, &f)) != 0) {
        close(fd);
        return rc;
    }
    close(fd);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "disk", json_object_new_string(disk));
    json_object_object_add(o, "scheme", json_object_new_string(dm_scheme_name(f.scheme)));
    json_object_object_add(o, "size", json_object_new_int64((int64_t)f.size));
    json_object_object_add(o, "recovery", f.part.number ? recovery_json(disk, &f, verify) : NULL);
    char *rec = f.part.number && f.ours ? dm_part_read_file(disk, &f.part, DM_PART_RECORD) : NULL;
    json_object_object_add(o, "record", json_object_new_boolean(rec != NULL));
    free(rec);
    *out = o;
    return 0;
}

/* ---- --remove ---- */

/* How the disk booted before dartmk, from the record in the partition. */
struct before {
    uint8_t code[DM_MBR_CODE];
    int have_code;
    size_t active;    /* 0: none */
    int record;       /* the record was there */
    int kept;         /* the MBR code was changed since by something else: left as it is */
    char *from_table; /* else: the saved table (on this host) it was taken from, or NULL */
};

static void read_record(const char *disk, const struct dm_part *p, struct before *b)
{
    char *text = dm_part_read_file(disk, p, DM_PART_RECORD);
    json_object *r = text ? json_tokener_parse(text) : NULL, *a;
    const char *code = get_str(r, "mbr_code");
    unsigned char buf[DM_MBR_CODE + 3];
    memset(b, 0, sizeof *b);
    b->record = r != NULL;
    /* 440 bytes are 588 base64 characters, one '=' of padding: 441 decoded. */
    if (code && strlen(code) == 588 &&
        EVP_DecodeBlock(buf, (const unsigned char *)code, 588) == DM_MBR_CODE + 1)
        memcpy(b->code, buf, DM_MBR_CODE), b->have_code = 1;
    if (json_object_object_get_ex(r, "active", &a) && json_object_is_type(a, json_type_int) &&
        json_object_get_int(a) > 0 && json_object_get_int(a) <= 4)
        b->active = (size_t)json_object_get_int(a);
    json_object_put(r);
    free(text);
}

/* The old MBR code goes back only over syslinux's, the code dartmk wrote: code written since by
 * something else (a Windows repair, another boot manager) is newer than the record and stays. */
static void keep_newer_code(const char *disk, struct before *b)
{
    uint8_t now[DM_MBR_CODE], ours[DM_MBR_CODE];
    int fd = open(disk, O_RDONLY | O_CLOEXEC);
    int read_ok = fd >= 0 && pread(fd, now, sizeof now, 0) == (ssize_t)sizeof now;
    if (fd >= 0)
        close(fd);
    if (!b->have_code || (read_ok && memcmp(now, b->code, sizeof now) == 0))
        return;
    if (!read_ok || dm_syslinux_mbr(0, ours) != 0 || memcmp(now, ours, sizeof now) != 0)
        b->have_code = 0, b->kept = 1;
}

struct removal {
    const struct dm_part_remove *o;
    struct dm_claim claim;
    struct found f;
    struct before b;
    struct dm_efi_entry efi;
    int efi_number, efi_known;
    char *saved;
};

/* Judged and planned, nothing opened for writing: the partition, the record, the entry. */
static int remove_plan(struct removal *r)
{
    struct dm_claim_rules rules = {.fixed_ok = 1, .what = "given its recovery partition removed"};
    int rc = dm_claim_probe(r->o->disk, &rules, &r->claim), fd = -1;
    if (rc == 0 && (fd = open(r->o->disk, O_RDONLY | O_CLOEXEC)) < 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s", r->o->disk);
    if (rc == 0)
        rc = find(fd, r->o->disk, r->o->gpt_name, r->o->force, &r->f);
    if (fd >= 0)
        close(fd);
    if (rc)
        return rc;
    if (!r->f.part.number)
        return dm_error(DM_FAIL, "%s: no recovery partition to remove", r->o->disk);
    if (!r->f.ours)
        return dm_error(DM_REFUSED,
                        "%s: partition %zu is a Windows RE partition dartmk did not make: left "
                        "alone (--force removes it)",
                        r->o->disk, r->f.part.number);
    read_record(r->o->disk, &r->f.part, &r->b);
    if (r->f.scheme == DM_SCHEME_MBR && !r->b.have_code) { /* the table saved on this host */
        size_t active = 0;
        if (dm_part_boot_before(r->o->disk, r->f.size, r->f.part.start, r->b.code, &active,
                                &r->b.from_table))
            r->b.have_code = 1, r->b.active = active;
    }
    if (r->f.scheme == DM_SCHEME_MBR)
        keep_newer_code(r->o->disk, &r->b);
    if (r->f.scheme != DM_SCHEME_GPT)
        return 0;
    char sha[DM_SHA256_HEX];
    json_object *m = manifest(r->o->disk, &r->f.part, sha);
    rc = efi_lookup(&r->f, m, &r->efi, &r->efi_number, &r->efi_known);
    json_object_put(m);
    return rc;
}

/* The table without the partition, the old active flag; then the old MBR code. */
static int remove_write(struct removal *r)
{
    struct dm_ptable *pt = NULL;
    const char *disk = r->claim.path;
    int rc = dm_ptable_open(r->claim.fd, disk, 0, &pt);
    if (rc == 0)
        rc = dm_ptable_delete(pt, r->f.part.number);
    if (rc == 0 && r->f.scheme == DM_SCHEME_MBR && r->b.active)
        rc = dm_ptable_set_active(pt, r->b.active);
    if (rc == 0)
        rc = dm_ptable_write(pt);
    dm_ptable_close(pt);
    if (rc == 0 && r->f.scheme == DM_SCHEME_MBR && r->b.have_code)
        rc = dm_pwrite_all(r->claim.fd, r->b.code, DM_MBR_CODE, 0, disk);
    if (rc == 0 && fsync(r->claim.fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush", disk);
    return rc;
}

static int remove_run(struct removal *r)
{
    struct dm_claim_rules rules = {.fixed_ok = 1, .what = "given its recovery partition removed"};
    int rc = dm_claim_confirm(&r->claim, &rules, r->o->yes);
    if (rc == 0)
        rc = dm_claim_open(&r->claim);
    if (rc == 0)
        rc = dm_claim_save_table(&r->claim, r->o->backup, &r->saved);
    if (rc)
        return dm_claim_close(&r->claim, rc);
    if ((rc = remove_write(r)) != 0) { /* the saved table back */
        int exact = 0;
        if (dm_layout_restore(r->claim.fd, r->claim.path, r->saved, r->claim.size, &exact) == 0)
            fsync(r->claim.fd);
        else
            dm_warn("%s: restore the table with dartmk partition --restore-table %s %s",
                    r->claim.path, r->saved, r->claim.path);
    }
    struct dm_usb s = {.fd = r->claim.fd, .path = r->claim.path, .is_device = r->claim.is_device};
    dm_usb_reread(&s);
    if (rc == 0 && r->efi_number >= 0 && r->claim.is_device)
        rc = dm_efi_entry_delete((unsigned)r->efi_number);
    return dm_claim_close(&r->claim, rc);
}

static json_object *remove_json(const struct removal *r)
{
    const struct dm_part *p = &r->f.part;
    int mbr = r->f.scheme == DM_SCHEME_MBR;
    json_object *o = json_object_new_object(), *rm = json_object_new_object(), *e = NULL;
    json_object_object_add(o, "disk", json_object_new_string(r->o->disk));
    json_object_object_add(o, "dry_run", json_object_new_boolean(r->o->dry_run));
    json_object_object_add(o, "changed", json_object_new_boolean(1));
    json_object_object_add(rm, "number", json_object_new_int((int)p->number));
    json_object_object_add(rm, "start", json_object_new_int64((int64_t)p->start));
    json_object_object_add(rm, "size", json_object_new_int64((int64_t)p->size));
    json_object_object_add(o, "removed", rm);
    json_object_object_add(o, "mbr_code",
                           json_object_new_string(!mbr             ? "none"
                                                  : r->b.have_code ? "restored"
                                                  : r->b.kept      ? "kept"
                                                                   : "left"));
    json_object_object_add(o, "active",
                           mbr && r->b.active ? json_object_new_int((int)r->b.active) : NULL);
    json_object_object_add(o, "record", json_object_new_boolean(r->b.record));
    json_object_object_add(o, "mbr_code_from", str_or_null(r->b.from_table));
    if (!mbr) {
        char name[16];
        int act = r->efi_known && r->claim.is_device;
        snprintf(name, sizeof name, "Boot%04X", (unsigned)(r->efi_number & 0xFFFF));
        e = json_object_new_object();
        json_object_object_add(e, "action",
                               json_object_new_string(!act                 ? "report"
                                                      : r->efi_number >= 0 ? "delete"
                                                                           : "none"));
        json_object_object_add(e, "entry",
                               act && r->efi_number >= 0 ? json_object_new_string(name) : NULL);
        json_object_object_add(e, "device_path", json_object_new_string(r->efi.path));
    }
    json_object_object_add(o, "efi_entry", e);
    json_object_object_add(o, "backup_table", str_or_null(r->saved));
    return o;
}

int dm_target_partition_remove(const struct dm_part_remove *o, json_object **out)
{
    struct removal r = {.o = o, .claim = {.path = o->disk, .fd = -1, .guard = -1}};
    int rc = remove_plan(&r);
    if (rc == 0 && !o->dry_run)
        rc = remove_run(&r);
    if (rc == 0)
        *out = remove_json(&r);
    dm_efi_entry_free(&r.efi);
    free(r.b.from_table);
    dm_claim_free(&r.claim);
    free(r.saved);
    return rc;
}
