/* authenticode.h — who signed a UEFI loader (a PE/COFF file), as Secure Boot firmware would
 * judge it, without a trust store: the signatures the file carries (every WIN_CERTIFICATE entry
 * of its security directory, and signatures nested in them), for each the Authenticode digest
 * computed from the file against the one signed, whether the PKCS#7 signature verifies, the
 * certificates as carried (signer to the top one) and which of the well-known Secure Boot db
 * authorities that chain reaches.
 *
 * The digest is the one EDK2's image verification computes (the PE/COFF specification's
 * Authenticode procedure): the headers without the checksum field and the certificate-table
 * directory entry, the sections in file order, then what follows the last section up to the
 * certificate table. What dartmk cannot know: the target machine's db and dbx. */
#ifndef DARTMK_AUTHENTICODE_H
#define DARTMK_AUTHENTICODE_H

#include <stddef.h>
#include <stdint.h>

/* The well-known db authorities (bits of dm_sig.authorities). */
enum dm_sig_authority {
    DM_AUTH_WINDOWS_PCA_2011 = 1, /* Microsoft Windows Production PCA 2011: Windows' boot files */
    DM_AUTH_UEFI_CA_2011 = 2,     /* Microsoft Corporation UEFI CA 2011: third parties (shim) */
    DM_AUTH_WINDOWS_CA_2023 = 4,  /* Windows UEFI CA 2023: Windows' boot files (_EX) */
    DM_AUTH_UEFI_CA_2023 = 8,     /* Microsoft UEFI CA 2023: third parties */
};
enum { DM_AUTH_COUNT = 4 };

/* The authority of bit 1 << i: its certificate's common name. */
const char *dm_sig_authority_name(int i);

/* Names and digests as text; a chain's certificates at most; certificate-table entries judged at
 * most (a table with more is judged bad). */
enum { DM_SIG_NAME = 256, DM_SIG_HEX = 129, DM_SIG_CHAIN = 8, DM_SIG_ENTRIES = 64 };

struct dm_sig_cert {
    char subject[DM_SIG_NAME], issuer[DM_SIG_NAME]; /* one-line DNs: "C=US, O=..., CN=..." */
    char not_before[24], not_after[24];             /* ISO 8601 UTC */
};

struct dm_sig {
    int entry;           /* the WIN_CERTIFICATE entry it came from (0-based) */
    int nested;          /* 0: the entry's own signature; n: nested n deep */
    int readable;        /* the PKCS#7 SignedData and its SpcIndirectDataContent parsed */
    char digest_alg[16]; /* "sha256", as the signature names it */
    char signed_digest[DM_SIG_HEX]; /* hex, the digest the signature carries */
    char file_digest[DM_SIG_HEX];   /* hex, computed from the file with that algorithm */
    int digest_ok;                  /* the two are equal */
    int signature_ok;               /* the signer's signature verifies (PKCS7_signatureVerify) */
    struct dm_sig_cert chain[DM_SIG_CHAIN]; /* chain[0] is the signer */
    int nchain;
    unsigned authorities; /* DM_AUTH_* reached by the chain (a subject or issuer of it) */
    char why[128];        /* what is wrong when !readable or !signature_ok */
};

enum dm_sig_state {
    DM_SIG_NOT_PE,   /* not a PE/COFF image (or a damaged one) */
    DM_SIG_UNSIGNED, /* no signature */
    DM_SIG_BAD,      /* a signature that does not verify, or a digest that does not match */
    DM_SIG_GOOD,     /* every signature verifies and matches the file */
};

struct dm_sig_report {
    enum dm_sig_state state;
    char why[128];   /* DM_SIG_NOT_PE: the reason */
    char sha256[65]; /* the Authenticode SHA-256 of the file (hex), when a PE */
    struct dm_sig *sigs;
    int nsigs;
    unsigned authorities; /* union over the signatures that verify */
};

/* "not-pe", "unsigned", "bad", "signed". */
const char *dm_sig_state_name(enum dm_sig_state s);

/* Judges the PE image in buf (n bytes). Fills r (dm_sig_report_free frees it). Returns 0, or -1
 * when out of memory. Never prints. */
int dm_sig_check(const void *buf, size_t n, struct dm_sig_report *r);
void dm_sig_report_free(struct dm_sig_report *r);

/* "needs Microsoft Corporation UEFI CA 2011 or Microsoft UEFI CA 2023 in db", or "unknown
 * authority" (0), into buf. */
const char *dm_sig_needs(unsigned authorities, char *buf, size_t n);

/* Reads a PE image from a stream into memory (at most 256 MiB); 0 or an exit code after one
 * line naming `name`. */
struct dm_stream;
int dm_sig_slurp(struct dm_stream *s, const char *name, unsigned char **buf, size_t *n);

/* A UEFI loader of the media: where it is, for people ("efi/boot/bootx64.efi",
 * "efi/microsoft/boot/efisys.bin:EFI/BOOT/BOOTX64.EFI", "sources/boot.wim:Windows/Boot/EFI/
 * bootmgfw.efi"), its size and its signatures. */
struct dm_loader {
    char *where;
    uint64_t size;
    struct dm_sig_report sig;
};

/* Every UEFI loader of the media (loaders.c): the EFI loader, the other .efi files of efi/boot/
 * and of the root, the loaders in efisys.bin's EFI/BOOT/, and the chosen boot.wim image's
 * Windows/Boot/EFI/bootmgfw.efi; each once. 0, or an exit code after one line. */
struct dm_media;
int dm_media_loaders(struct dm_media *m, struct dm_loader **out, int *n);
void dm_media_loaders_free(struct dm_loader *l, int n);

#endif
