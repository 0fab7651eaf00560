/* authenticode.c — the signatures a PE image carries, judged the way Secure Boot firmware does
 * (see authenticode.h). libcrypto parses the PKCS#7 SignedData and verifies the signer's
 * signature; the PE layout and the SpcIndirectDataContent are read here. */
#include "source/authenticode.h"
#include "util/report.h"
#include "util/tree.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The well-known db authorities: the common name of their certificate (organisation Microsoft
 * Corporation) and, where a real signed file showed it, the key identifier (a certificate
 * carrying the name with another key is not that authority). */
static const struct {
    const char *cn;
    const char *keyid; /* hex of the subject key identifier, or NULL: matched by name */
} authorities[DM_AUTH_COUNT] = {
    {"Microsoft Windows Production PCA 2011", NULL},
    {"Microsoft Corporation UEFI CA 2011", "13adbf4309bd82709c8cd54f316ed522988a1bd4"},
    {"Windows UEFI CA 2023", NULL},
    {"Microsoft UEFI CA 2023", "81aa6b3244c935bce0d6628af39827421e32497d"},
};

const char *dm_sig_authority_name(int i)
{
    return i >= 0 && i < DM_AUTH_COUNT ? authorities[i].cn : NULL;
}

const char *dm_sig_state_name(enum dm_sig_state s)
{
    static const char *const names[] = {"not-pe", "unsigned", "bad", "signed"};
    return names[s];
}

/* ---- the PE image ---- */

struct pe_span {
    uint32_t off, size;
};

struct pe {
    const unsigned char *b;
    size_t n;
    size_t checksum_off, certdir_off, headers;
    uint32_t cert_off, cert_size;
    struct pe_span *sections; /* raw data, sorted by offset */
    int nsections;
};

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }

static int span_cmp(const void *a, const void *b)
{
    const struct pe_span *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int pe_fail(char *why, const char *text)
{
    snprintf(why, 128, "%s", text);
    return -1;
}

/* The sections' raw data, checked to lie inside the file. */
static int pe_sections(struct pe *p, size_t sec, int count, char *why)
{
    if (sec + (size_t)count * 40 > p->n)
        return pe_fail(why, "the section table runs past the end of the file");
    p->sections = calloc(count ? (size_t)count : 1, sizeof *p->sections);
    if (!p->sections)
        return pe_fail(why, "out of memory");
    for (int i = 0; i < count; i++) {
        const unsigned char *s = p->b + sec + (size_t)i * 40;
        uint32_t size = le32(s + 16), off = le32(s + 20);
        if (size == 0)
            continue;
        if ((uint64_t)off + size > p->n)
            return pe_fail(why, "a section's data runs past the end of the file");
        p->sections[p->nsections++] = (struct pe_span){off, size};
    }
    qsort(p->sections, (size_t)p->nsections, sizeof *p->sections, span_cmp);
    return 0;
}

static int pe_parse(struct pe *p, char *why)
{
    const unsigned char *b = p->b;
    if (p->n < 0x40 || b[0] != 'M' || b[1] != 'Z')
        return pe_fail(why, "not a PE image (no MZ header)");
    size_t pe = le32(b + 0x3c);
    if (pe > p->n - 24 || memcmp(b + pe, "PE\0\0", 4) != 0)
        return pe_fail(why, "not a PE image (no PE signature)");
    size_t opt = pe + 24, optsize = le16(b + pe + 20);
    if (opt + optsize > p->n || optsize < 2)
        return pe_fail(why, "the optional header runs past the end of the file");
    uint32_t magic = le16(b + opt);
    size_t dirs = magic == 0x20b ? 112 : magic == 0x10b ? 96 : 0;
    if (!dirs)
        return pe_fail(why, "unknown optional header magic");
    if (optsize < dirs || le32(b + opt + dirs - 4) < 5 || optsize < dirs + 5 * 8)
        return pe_fail(why, "no certificate table directory entry");
    p->checksum_off = opt + 64;
    p->certdir_off = opt + dirs + 4 * 8;
    p->headers = le32(b + opt + 60);
    p->cert_off = le32(b + p->certdir_off);
    p->cert_size = le32(b + p->certdir_off + 4);
    if (p->headers < p->certdir_off + 8 || p->headers > p->n)
        return pe_fail(why, "SizeOfHeaders does not hold the headers");
    if (p->cert_size && ((uint64_t)p->cert_off + p->cert_size > p->n || p->cert_off < p->headers))
        return pe_fail(why, "the certificate table lies outside the file");
    return pe_sections(p, opt + optsize, (int)le16(b + pe + 6), why);
}

/* The Authenticode digest with md into out (EVP_MAX_MD_SIZE); its length, or 0. */
static unsigned pe_digest(const struct pe *p, const EVP_MD *md, unsigned char *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned len = 0;
    int ok =
        c && EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, p->b, p->checksum_off) &&
        EVP_DigestUpdate(c, p->b + p->checksum_off + 4, p->certdir_off - p->checksum_off - 4) &&
        EVP_DigestUpdate(c, p->b + p->certdir_off + 8, p->headers - p->certdir_off - 8);
    uint64_t hashed = p->headers;
    for (int i = 0; ok && i < p->nsections; i++) {
        ok = EVP_DigestUpdate(c, p->b + p->sections[i].off, p->sections[i].size);
        hashed += p->sections[i].size;
    }
    /* What follows the sections, up to the certificate table (EDK2 hashes from the count of
     * bytes hashed so far, as the specification's procedure does). */
    uint64_t end = p->n - p->cert_size;
    if (ok && end > hashed)
        ok = EVP_DigestUpdate(c, p->b + hashed, end - hashed);
    if (ok && !EVP_DigestFinal_ex(c, out, &len))
        len = 0;
    EVP_MD_CTX_free(c);
    return ok ? len : 0;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n && i < (DM_SIG_HEX - 1) / 2; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

/* ---- the SpcIndirectDataContent ---- */

/* One DER element at *p (end e): its contents in *c, *clen; *p moves past it. */
static int der_next(const unsigned char **p, const unsigned char *e, int want_tag,
                    const unsigned char **c, long *clen)
{
    int tag, cls;
    const unsigned char *q = *p;
    int r = ASN1_get_object(&q, clen, &tag, &cls, e - *p);
    if ((r & 0x80) || (want_tag >= 0 && tag != want_tag) || *clen > e - q)
        return -1;
    *c = q;
    *p = q + *clen;
    return 0;
}

struct indirect {
    const unsigned char *content; /* the SEQUENCE's contents: what messageDigest covers */
    long content_len;
    const EVP_MD *md;
    char alg[16];
    const unsigned char *digest;
    long digest_len;
};

/* SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue,
 *   messageDigest DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } } */
static int indirect_parse(PKCS7 *p7, struct indirect *in)
{
    PKCS7 *inner = p7->d.sign->contents;
    if (!inner || !inner->d.other || inner->d.other->type != V_ASN1_SEQUENCE)
        return -1;
    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, inner->type, 1);
    if (strcmp(oid, "1.3.6.1.4.1.311.2.1.4") != 0)
        return -1;
    const ASN1_STRING *s = inner->d.other->value.sequence;
    const unsigned char *p = s->data, *e = s->data + s->length, *c, *skip, *di, *alg;
    long n, m, k;
    if (der_next(&p, e, V_ASN1_SEQUENCE, &in->content, &in->content_len))
        return -1;
    p = in->content, e = p + in->content_len;
    if (der_next(&p, e, -1, &skip, &n) || der_next(&p, e, V_ASN1_SEQUENCE, &di, &m))
        return -1;
    const unsigned char *q = di, *qe = di + m;
    if (der_next(&q, qe, V_ASN1_SEQUENCE, &alg, &k) ||
        der_next(&q, qe, V_ASN1_OCTET_STRING, &in->digest, &in->digest_len))
        return -1;
    c = alg;
    ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &c, k);
    if (!obj)
        return -1;
    in->md = EVP_get_digestbyobj(obj);
    snprintf(in->alg, sizeof in->alg, "%s", in->md ? OBJ_nid2sn(EVP_MD_type(in->md)) : "?");
    ASN1_OBJECT_free(obj);
    for (char *a = in->alg; *a; a++)
        *a = (char)(*a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : *a);
    return in->md ? 0 : -1;
}

/* ---- the signer and its chain ---- */

static void name_line(const X509_NAME *nm, char *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    out[0] = '\0';
    if (!b)
        return;
    X509_NAME_print_ex(b, nm, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    int r = BIO_read(b, out, DM_SIG_NAME - 1);
    out[r > 0 ? r : 0] = '\0';
    BIO_free(b);
}

static void time_iso(const ASN1_TIME *t, char *out)
{
    struct tm tm;
    out[0] = '\0';
    if (t && ASN1_TIME_to_tm(t, &tm))
        strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cn_is(const X509_NAME *nm, const char *cn)
{
    char got[DM_SIG_NAME], org[DM_SIG_NAME];
    return X509_NAME_get_text_by_NID((X509_NAME *)nm, NID_commonName, got, sizeof got) > 0 &&
           X509_NAME_get_text_by_NID((X509_NAME *)nm, NID_organizationName, org, sizeof org) > 0 &&
           strcmp(got, cn) == 0 && strcmp(org, "Microsoft Corporation") == 0;
}

static int keyid_is(const ASN1_OCTET_STRING *id, const char *want)
{
    char h[DM_SIG_HEX] = "";
    if (!want)
        return 1;
    if (!id)
        return 0;
    hex(id->data, (size_t)id->length, h);
    return strcmp(h, want) == 0;
}

/* Which authorities certificate x is, or was issued by. */
static unsigned cert_authorities(X509 *x)
{
    unsigned a = 0;
    for (int i = 0; i < DM_AUTH_COUNT; i++) {
        if (cn_is(X509_get_subject_name(x), authorities[i].cn) &&
            keyid_is(X509_get0_subject_key_id(x), authorities[i].keyid))
            a |= 1u << i;
        if (cn_is(X509_get_issuer_name(x), authorities[i].cn) &&
            keyid_is(X509_get0_authority_key_id(x), authorities[i].keyid))
            a |= 1u << i;
    }
    return a;
}

static X509 *issuer_of(STACK_OF(X509) * certs, X509 *x)
{
    if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0)
        return NULL; /* self-issued: the top */
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *c = sk_X509_value(certs, i);
        if (c != x && X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(x)) == 0)
            return c;
    }
    return NULL;
}

static void chain_fill(struct dm_sig *g, STACK_OF(X509) * certs, X509 *signer)
{
    for (X509 *x = signer; x && g->nchain < DM_SIG_CHAIN; x = issuer_of(certs, x)) {
        struct dm_sig_cert *c = &g->chain[g->nchain++];
        name_line(X509_get_subject_name(x), c->subject);
        name_line(X509_get_issuer_name(x), c->issuer);
        time_iso(X509_get0_notBefore(x), c->not_before);
        time_iso(X509_get0_notAfter(x), c->not_after);
        g->authorities |= cert_authorities(x);
    }
}

/* The signer's signature over the authenticated attributes, and their messageDigest over the
 * SpcIndirectDataContent. */
static int signature_verifies(PKCS7 *p7, PKCS7_SIGNER_INFO *si, X509 *signer,
                              const struct indirect *in)
{
    const EVP_MD *md = EVP_get_digestbyobj(si->digest_alg->algorithm);
    BIO *mem = BIO_new_mem_buf(in->content, (int)in->content_len), *mdb = BIO_new(BIO_f_md());
    int ok = 0;
    if (md && mem && mdb && BIO_set_md(mdb, md)) {
        BIO *chain = BIO_push(mdb, mem);
        unsigned char buf[4096];
        while (BIO_read(chain, buf, sizeof buf) > 0)
            ;
        ok = PKCS7_signatureVerify(chain, p7, si, signer) == 1;
        mem = NULL;
    }
    BIO_free_all(mdb);
    BIO_free(mem);
    return ok;
}

/* ---- the report ---- */

struct walk {
    const struct pe *pe;
    struct dm_sig_report *r;
    int entry;
};

static struct dm_sig *sig_add(struct walk *w, int depth)
{
    struct dm_sig *s = realloc(w->r->sigs, (size_t)(w->r->nsigs + 1) * sizeof *s);
    if (!s)
        return NULL;
    w->r->sigs = s;
    s += w->r->nsigs++;
    memset(s, 0, sizeof *s);
    s->entry = w->entry, s->nested = depth;
    return s;
}

static void judge_signed(struct walk *w, struct dm_sig *g, PKCS7 *p7)
{
    struct indirect in;
    if (!PKCS7_type_is_signed(p7) || indirect_parse(p7, &in) != 0) {
        snprintf(g->why, sizeof g->why, "not an Authenticode SignedData");
        return;
    }
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    PKCS7_SIGNER_INFO *si =
        sk_PKCS7_SIGNER_INFO_num(sis) == 1 ? sk_PKCS7_SIGNER_INFO_value(sis, 0) : NULL;
    if (!si) {
        snprintf(g->why, sizeof g->why, "not exactly one signer");
        return;
    }
    g->readable = 1;
    snprintf(g->digest_alg, sizeof g->digest_alg, "%s", in.alg);
    hex(in.digest, (size_t)in.digest_len, g->signed_digest);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = pe_digest(w->pe, in.md, d);
    hex(d, dn, g->file_digest);
    g->digest_ok = dn && (long)dn == in.digest_len && memcmp(d, in.digest, dn) == 0;
    STACK_OF(X509) *certs = p7->d.sign->cert;
    X509 *signer = X509_find_by_issuer_and_serial(certs, si->issuer_and_serial->issuer,
                                                  si->issuer_and_serial->serial);
    if (!signer) {
        snprintf(g->why, sizeof g->why, "the signer's certificate is not carried");
        return;
    }
    chain_fill(g, certs, signer);
    g->signature_ok = signature_verifies(p7, si, signer, &in);
    if (!g->signature_ok)
        snprintf(g->why, sizeof g->why, "the signer's signature does not verify");
}

static void judge(struct walk *w, PKCS7 *p7, int depth);

/* Signatures nested in si's unauthenticated attribute 1.3.6.1.4.1.311.2.4.1. */
static void judge_nested(struct walk *w, PKCS7 *p7, int depth)
{
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_type_is_signed(p7) ? PKCS7_get_signer_info(p7) : NULL;
    PKCS7_SIGNER_INFO *si =
        sk_PKCS7_SIGNER_INFO_num(sis) > 0 ? sk_PKCS7_SIGNER_INFO_value(sis, 0) : NULL;
    ASN1_OBJECT *nested = OBJ_txt2obj("1.3.6.1.4.1.311.2.4.1", 1);
    int at = si && nested ? X509at_get_attr_by_OBJ(si->unauth_attr, nested, -1) : -1;
    X509_ATTRIBUTE *a = at >= 0 ? X509at_get_attr(si->unauth_attr, at) : NULL;
    for (int i = 0; a && i < X509_ATTRIBUTE_count(a); i++) {
        ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, i);
        if (!t || t->type != V_ASN1_SEQUENCE)
            continue;
        const unsigned char *p = t->value.sequence->data;
        PKCS7 *inner = d2i_PKCS7(NULL, &p, t->value.sequence->length);
        if (inner)
            judge(w, inner, depth + 1);
        PKCS7_free(inner);
    }
    ASN1_OBJECT_free(nested);
}

static void judge(struct walk *w, PKCS7 *p7, int depth)
{
    struct dm_sig *g = depth < 4 ? sig_add(w, depth) : NULL;
    if (!g)
        return;
    judge_signed(w, g, p7);
    judge_nested(w, p7, depth);
}

/* Each WIN_CERTIFICATE entry (dwLength, wRevision, wCertificateType; 8-byte aligned). */
static void walk_table(struct walk *w)
{
    const unsigned char *t = w->pe->b + w->pe->cert_off;
    uint64_t at = 0, size = w->pe->cert_size;
    /* A malformed entry ends the table, as in EDK2's image verification. */
    for (w->entry = 0; at + 8 <= size; w->entry++) {
        uint32_t len = le32(t + at), type = le16(t + at + 6);
        if (len < 8 || len > size - at)
            break;
        if (w->entry == DM_SIG_ENTRIES) {
            if (sig_add(w, 0))
                snprintf(w->r->sigs[w->r->nsigs - 1].why, sizeof w->r->sigs->why,
                         "more than %d certificate entries", DM_SIG_ENTRIES);
            break;
        }
        const unsigned char *p = t + at + 8;
        PKCS7 *p7 = type == 2 ? d2i_PKCS7(NULL, &p, len - 8) : NULL;
        if (p7)
            judge(w, p7, 0);
        else if (sig_add(w, 0))
            snprintf(w->r->sigs[w->r->nsigs - 1].why, sizeof w->r->sigs->why,
                     type == 2 ? "the PKCS#7 signature cannot be read"
                               : "not a PKCS#7 signature (certificate type %u)",
                     type);
        PKCS7_free(p7);
        at += (len + 7) & ~7u;
    }
}

static void verdict(struct dm_sig_report *r)
{
    r->state = r->nsigs ? DM_SIG_GOOD : DM_SIG_UNSIGNED;
    for (int i = 0; i < r->nsigs; i++) {
        const struct dm_sig *s = &r->sigs[i];
        if (!s->readable || !s->digest_ok || !s->signature_ok)
            r->state = DM_SIG_BAD;
        else
            r->authorities |= s->authorities;
    }
}

int dm_sig_check(const void *buf, size_t n, struct dm_sig_report *r)
{
    memset(r, 0, sizeof *r);
    struct pe pe = {.b = buf, .n = n};
    if (pe_parse(&pe, r->why) != 0) {
        free(pe.sections);
        r->state = DM_SIG_NOT_PE;
        return strcmp(r->why, "out of memory") == 0 ? -1 : 0;
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    hex(d, pe_digest(&pe, EVP_sha256(), d), r->sha256);
    struct walk w = {.pe = &pe, .r = r};
    if (pe.cert_size)
        walk_table(&w);
    verdict(r);
    free(pe.sections);
    return 0;
}

void dm_sig_report_free(struct dm_sig_report *r)
{
    free(r->sigs);
    memset(r, 0, sizeof *r);
}

const char *dm_sig_needs(unsigned a, char *buf, size_t n)
{
    size_t used = 0;
    if (!a) {
        snprintf(buf, n, "unknown authority");
        return buf;
    }
    used += (size_t)snprintf(buf, n, "needs ");
    const char *sep = "";
    for (int i = 0; i < DM_AUTH_COUNT && used < n; i++)
        if (a & (1u << i)) {
            used += (size_t)snprintf(buf + used, n - used, "%s%s", sep, authorities[i].cn);
            sep = " or ";
        }
    if (used < n)
        snprintf(buf + used, n - used, " in db");
    return buf;
}

int dm_sig_slurp(struct dm_stream *s, const char *name, unsigned char **out, size_t *outn)
{
    enum { MAX = 256 << 20 };
    size_t cap = 1 << 20, n = 0;
    unsigned char *b = malloc(cap);
    ssize_t got = 1;
    while (b && got > 0 && n <= MAX) {
        if (n == cap) {
            unsigned char *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
            continue;
        }
        got = dm_stream_read(s, b + n, cap - n);
        n += got > 0 ? (size_t)got : 0;
    }
    if (!b)
        return dm_error(DM_FAIL, "%s: out of memory", name);
    if (got < 0 || n > MAX) {
        free(b);
        return got < 0 ? DM_FAIL : dm_error(DM_FAIL, "%s: larger than 256 MiB: not a loader", name);
    }
    *out = b, *outn = n;
    return 0;
}
