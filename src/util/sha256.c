/* sha256.c — SHA-256 through libcrypto's EVP interface (it uses the CPU's SHA instructions);
 * struct dm_sha256 is an EVP_MD_CTX. */
#include "util/sha256.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

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

int dm_sha256_update_fd(struct dm_sha256 *h, int fd)
{
    unsigned char buf[64 << 10];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        dm_sha256_update(h, buf, (size_t)n);
    return n < 0 ? -1 : 0;
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

/* ---- in a second thread ---- */

struct dm_sha256_bg {
    struct dm_sha256 *h;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    const void *p; /* the block to hash; NULL when idle */
    size_t n;
    int stop;
};

static void *bg_main(void *arg)
{
    struct dm_sha256_bg *b = arg;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (!b->p && !b->stop)
            pthread_cond_wait(&b->cond, &b->lock);
        if (!b->p)
            break;
        const void *p = b->p;
        size_t n = b->n;
        pthread_mutex_unlock(&b->lock);
        dm_sha256_update(b->h, p, n);
        pthread_mutex_lock(&b->lock);
        b->p = NULL;
        pthread_cond_broadcast(&b->cond);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

struct dm_sha256_bg *dm_sha256_bg_new(void)
{
    struct dm_sha256_bg *b = calloc(1, sizeof *b);
    if (!b || !(b->h = dm_sha256_new())) {
        free(b);
        return NULL;
    }
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    if (pthread_create(&b->thread, NULL, bg_main, b) != 0) {
        dm_sha256_free(b->h);
        free(b);
        return NULL;
    }
    return b;
}

static void bg_idle(struct dm_sha256_bg *b) /* with the lock held */
{
    while (b->p)
        pthread_cond_wait(&b->cond, &b->lock);
}

void dm_sha256_bg_feed(struct dm_sha256_bg *b, const void *p, size_t n)
{
    pthread_mutex_lock(&b->lock);
    bg_idle(b);
    b->p = p, b->n = n;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

int dm_sha256_bg_digest(struct dm_sha256_bg *b, char hex[DM_SHA256_HEX])
{
    pthread_mutex_lock(&b->lock);
    bg_idle(b);
    if (hex)
        dm_sha256_final(b->h, hex);
    else
        dm_sha256_free(b->h);
    b->h = dm_sha256_new();
    pthread_mutex_unlock(&b->lock);
    return b->h ? 0 : -1;
}

void dm_sha256_bg_finish(struct dm_sha256_bg *b, char hex[DM_SHA256_HEX])
{
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    bg_idle(b);
    b->stop = 1;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    pthread_join(b->thread, NULL);
    if (hex && b->h)
        dm_sha256_final(b->h, hex);
    else
        dm_sha256_free(b->h);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->cond);
    free(b);
}
