/* sha256.c — SHA-256 through libcrypto's EVP interface (it uses the CPU's SHA instructions);
 * struct dm_sha256 is an EVP_MD_CTX. */
#include "sha256.h"

#include <openssl/evp.h>
#include <stdio.h>


struct dm_sha256 *dm_sha256_new(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1)
        return (struct dm_sha256 *)ctx;
    EVP_MD_CTX_free(ctx);
    return NULL;
}

void dm_sha256_update(struct dm_sha256 *h, const void *p, size_t n)
{
    EVP_DigestUpdate((EVP_MD_CTX *)h, p, n);
}

void dm_sha256_final(struct dm_sha256 *h, char hex[DM_SHA256_HEX])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex((EVP_MD_CTX *)h, md, &n);
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
    EVP_MD_CTX_free((EVP_MD_CTX *)h);
}

void dm_sha256_free(struct dm_sha256 *h) { EVP_MD_CTX_free((EVP_MD_CTX *)h); }
