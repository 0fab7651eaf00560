/* fuzz_authenticode.c — libFuzzer target for the Authenticode judge (src/source/authenticode.c):
 * the input is a UEFI loader as the media carries it (a PE image, its certificate table, the
 * PKCS#7 signatures in it).
 *
 * Whatever the bytes, the judge returns a report it can free and never prints; its promises: a
 * state that matches the signatures (no signature: unsigned; every one readable, its digest and
 * signature good: signed; else bad), hex digests of the algorithm's length, a signed digest equal
 * to the file's when it says so, a chain within its bounds, the verdict text formed. */
#include "source/authenticode.h"

#include "fuzz.h"

static void check_sig(const struct dm_sig *g)
{
    CHECK(g->nchain >= 0 && g->nchain <= DM_SIG_CHAIN);
    CHECK(g->nested >= 0 && g->nested < 4);
    CHECK(!g->signature_ok || g->readable);
    if (g->readable && g->digest_ok)
        CHECK(strcmp(g->signed_digest, g->file_digest) == 0 && *g->file_digest);
    for (int i = 0; i < g->nchain; i++)
        CHECK(strlen(g->chain[i].subject) < DM_SIG_NAME &&
              strlen(g->chain[i].issuer) < DM_SIG_NAME);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dm_events ev;
    struct fuzz_said said;
    fuzz_listen(&ev, &said);
    struct dm_sig_report r;
    CHECK(dm_sig_check(data, size, &r) == 0);
    CHECK(said.lines == 0); /* the judge reports through its result, not through lines */
    int good = 1;
    for (int i = 0; i < r.nsigs; i++) {
        check_sig(&r.sigs[i]);
        good &= r.sigs[i].readable && r.sigs[i].digest_ok && r.sigs[i].signature_ok;
    }
    if (r.state == DM_SIG_NOT_PE)
        CHECK(*r.why && r.nsigs == 0);
    else
        CHECK(strlen(r.sha256) == 64 && r.state == (r.nsigs == 0 ? DM_SIG_UNSIGNED
                                                    : good       ? DM_SIG_GOOD
                                                                 : DM_SIG_BAD));
    char buf[256];
    CHECK(*dm_sig_needs(r.authorities, buf, sizeof buf));
    dm_sig_report_free(&r);
    dm_events_bind(NULL);
    return 0;
}
