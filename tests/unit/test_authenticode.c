/* Unit tests: the Authenticode judge (source/authenticode.h) on real files — Debian's
 * Microsoft-signed shim (two WIN_CERTIFICATE entries: the 2011 and the 2023 UEFI CAs), Debian's
 * signed GRUB (an authority no db holds by default), the fixtures' stub unsigned and signed —
 * and on those files damaged in memory: a byte of code, a byte of a signature, a certificate
 * table pointing outside the file, an entry that is no PKCS#7, a truncated image, not a PE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "source/authenticode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char shim_path[] = "/usr/lib/shim/shimx64.efi.signed";
static const char grub_path[] = "/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed";

struct file {
    unsigned char *b;
    size_t n;
};

static struct file slurp(const char *path)
{
    struct file f = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("%s: cannot open (scripts/install-deps.sh, make fixtures)", path);
    fseek(fp, 0, SEEK_END);
    f.n = (size_t)ftell(fp);
    rewind(fp);
    f.b = malloc(f.n);
    assert_non_null(f.b);
    assert_int_equal(fread(f.b, 1, f.n, fp), f.n);
    fclose(fp);
    return f;
}

static struct file fixture(const char *name)
{
    char path[4096];
    const char *dir = getenv("FIXTURES");
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "build/fixtures", name);
    return slurp(path);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where the certificate-table directory entry is (PE32+ images). */
static size_t certdir(const struct file *f)
{
    size_t pe = le32(f->b + 0x3c);
    return pe + 24 + 112 + 4 * 8;
}

static void judge(const struct file *f, struct dm_sig_report *r)
{
    assert_int_equal(dm_sig_check(f->b, f->n, r), 0);
}

static void test_shim_two_signatures(void **state)
{
    (void)state;
    struct file f = slurp(shim_path);
    struct dm_sig_report r;
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_GOOD);
    assert_int_equal(r.nsigs, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(r.sigs[i].entry, i);
        assert_int_equal(r.sigs[i].nested, 0);
        assert_true(r.sigs[i].digest_ok && r.sigs[i].signature_ok);
        assert_string_equal(r.sigs[i].digest_alg, "sha256");
        assert_string_equal(r.sigs[i].signed_digest, r.sigs[i].file_digest);
        assert_string_equal(r.sigs[i].file_digest, r.sha256);
    }
    assert_int_equal(r.sigs[0].authorities, DM_AUTH_UEFI_CA_2011);
    assert_int_equal(r.sigs[1].authorities, DM_AUTH_UEFI_CA_2023);
    assert_non_null(strstr(r.sigs[0].chain[0].subject, "Microsoft Windows UEFI Driver Publisher"));
    assert_non_null(
        strstr(r.sigs[0].chain[1].issuer, "Microsoft Corporation Third Party Marketplace Root"));
    char buf[256];
    assert_string_equal(dm_sig_needs(r.authorities, buf, sizeof buf),
                        "needs Microsoft Corporation UEFI CA 2011 or Microsoft UEFI CA 2023 in db");
    dm_sig_report_free(&r);
    free(f.b);
}

static void test_grub_unknown_authority(void **state)
{
    (void)state;
    struct file f = slurp(grub_path);
    struct dm_sig_report r;
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_GOOD);
    assert_int_equal(r.nsigs, 1);
    assert_int_equal(r.authorities, 0);
    assert_non_null(strstr(r.sigs[0].chain[0].issuer, "Debian Secure Boot CA"));
    char buf[64];
    assert_string_equal(dm_sig_needs(0, buf, sizeof buf), "unknown authority");
    dm_sig_report_free(&r);
    free(f.b);
}

static void test_stub_unsigned_and_signed(void **state)
{
    (void)state;
    struct file u = fixture("bootx64-unsigned.efi"), s = fixture("bootx64.efi");
    struct dm_sig_report ru, rs;
    judge(&u, &ru);
    judge(&s, &rs);
    assert_int_equal(ru.state, DM_SIG_UNSIGNED);
    assert_int_equal(ru.nsigs, 0);
    assert_int_equal(rs.state, DM_SIG_GOOD);
    assert_string_equal(rs.sigs[0].chain[0].subject, "CN = dartmk test signer");
    assert_int_equal(rs.sigs[0].nchain, 1); /* self-signed: the top */
    dm_sig_report_free(&ru);
    dm_sig_report_free(&rs);
    free(u.b);
    free(s.b);
}

static void test_code_byte_changed(void **state)
{
    (void)state;
    struct file f = slurp(grub_path);
    f.b[le32(f.b + certdir(&f)) / 2] ^= 0x5a; /* half way to the table: inside the sections */
    struct dm_sig_report r;
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_BAD);
    assert_false(r.sigs[0].digest_ok);
    assert_true(r.sigs[0].signature_ok); /* the signature still covers the old digest */
    assert_string_not_equal(r.sigs[0].signed_digest, r.sigs[0].file_digest);
    dm_sig_report_free(&r);
    free(f.b);
}

static void test_signature_byte_changed(void **state)
{
    (void)state;
    struct file f = fixture("bootx64.efi");
    uint32_t off = le32(f.b + certdir(&f));
    f.b[off + le32(f.b + off) - 20] ^= 0x5a; /* in the RSA signature value, the entry's end */
    struct dm_sig_report r;
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_BAD);
    assert_true(r.sigs[0].digest_ok);
    assert_false(r.sigs[0].signature_ok);
    assert_string_equal(r.sigs[0].why, "the signer's signature does not verify");
    dm_sig_report_free(&r);
    free(f.b);
}

static void test_bad_tables(void **state)
{
    (void)state;
    struct file f = fixture("bootx64.efi");
    size_t dir = certdir(&f);
    uint32_t off = le32(f.b + dir);
    struct dm_sig_report r;

    f.b[off + 8] ^= 0xff; /* the PKCS#7's first byte: not DER any more */
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_BAD);
    assert_int_equal(r.nsigs, 1);
    assert_false(r.sigs[0].readable);
    assert_string_equal(r.sigs[0].why, "the PKCS#7 signature cannot be read");
    dm_sig_report_free(&r);
    f.b[off + 8] ^= 0xff;

    f.b[off + 6] = 1; /* certificate type X.509, not PKCS#7 SignedData */
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_BAD);
    assert_string_equal(r.sigs[0].why, "not a PKCS#7 signature (certificate type 1)");
    dm_sig_report_free(&r);
    f.b[off + 6] = 2;

    /* The table 4 bytes shorter, its entry one byte shorter than the table: the entry's 8-byte
     * alignment runs past the table's end, where the walk must stop (a fuzzer's find). */
    uint32_t size = le32(f.b + dir + 4) - 4, len = size - 1;
    memcpy(f.b + dir + 4, &size, 4);
    memcpy(f.b + off, &len, 4);
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_BAD);
    assert_int_equal(r.nsigs, 1);
    dm_sig_report_free(&r);

    f.b[dir + 4] = 0xff, f.b[dir + 5] = 0xff, f.b[dir + 6] = 0xff; /* size past the end */
    judge(&f, &r);
    assert_int_equal(r.state, DM_SIG_NOT_PE);
    assert_string_equal(r.why, "the certificate table lies outside the file");
    dm_sig_report_free(&r);
    free(f.b);
}

static void test_not_pe(void **state)
{
    (void)state;
    struct dm_sig_report r;
    assert_int_equal(dm_sig_check("hello, world", 12, &r), 0);
    assert_int_equal(r.state, DM_SIG_NOT_PE);
    assert_string_equal(r.why, "not a PE image (no MZ header)");
    dm_sig_report_free(&r);
    struct file f = slurp(shim_path);
    assert_int_equal(dm_sig_check(f.b, 1024, &r), 0); /* the headers, not the sections */
    assert_int_equal(r.state, DM_SIG_NOT_PE);
    dm_sig_report_free(&r);
    free(f.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shim_two_signatures),
        cmocka_unit_test(test_grub_unknown_authority),
        cmocka_unit_test(test_stub_unsigned_and_signed),
        cmocka_unit_test(test_code_byte_changed),
        cmocka_unit_test(test_signature_byte_changed),
        cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_not_pe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
