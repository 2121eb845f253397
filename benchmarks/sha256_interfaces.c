/* Which OpenSSL interface hashes many short messages fastest?
 *
 * Compares, single-threaded, for leaf-sized (113 B) and node-sized (225 B) messages
 * and for HMAC-SHA256 over a 47-byte message with a 32-byte key:
 *
 *   lowlevel   SHA256_Init / SHA256_Update / SHA256_Final (deprecated in OpenSSL 3)
 *   transform  SHA256_Update for the whole blocks, SHA256_Transform on a hand-padded tail
 *   evp-reuse  one EVP_MD_CTX and one pre-fetched EVP_MD, EVP_DigestInit_ex2 per message
 *   evp-oneshot EVP_Digest per message (what `openssl speed -evp` roughly measures)
 *   hmac-state  ipad/opad SHA256_CTX precomputed once, copied per message
 *   hmac-evp    ipad/opad EVP_MD_CTX precomputed once, EVP_MD_CTX_copy_ex per message
 *   hmac-oneshot HMAC() per message (what hmac.digest calls underneath)
 *
 * Build and run (the figures are in docs/benchmarks.md):
 *   cc -O2 -o /tmp/sha256_interfaces benchmarks/sha256_interfaces.c -lcrypto && /tmp/sha256_interfaces
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 2000000

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned char buf[N / 8 * 256 + 256];
static volatile unsigned char sink;

static void report(const char *name, size_t len, double t) {
    printf("%-13s %4zu B  %6.2f M msg/s\n", name, len, N / t / 1e6);
}

static void bench_digest(size_t len) {
    unsigned char md[32];
    double t0 = now();
    for (size_t i = 0; i < N; i++) {
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, buf + (i % (N / 8)) * 8, len);
        SHA256_Final(md, &c);
        sink ^= md[0];
    }
    report("lowlevel", len, now() - t0);

    /* The padding of a fixed-length message is fixed: prepare it once. */
    size_t full = len / 64 * 64, tail = len - full, tail_blocks = tail + 9 <= 64 ? 1 : 2;
    unsigned char pad[128] = {0};
    pad[tail] = 0x80;
    for (int j = 0; j < 8; j++) {
        pad[tail_blocks * 64 - 1 - j] = (unsigned char)(((uint64_t)len * 8) >> (8 * j));
    }
    t0 = now();
    for (size_t i = 0; i < N; i++) {
        SHA256_CTX c;
        unsigned char t[128];
        const unsigned char *p = buf + (i % (N / 8)) * 8;
        SHA256_Init(&c);
        SHA256_Update(&c, p, full);
        memcpy(t, pad, sizeof t);
        memcpy(t, p + full, tail);
        for (size_t b = 0; b < tail_blocks; b++) SHA256_Transform(&c, t + 64 * b);
        for (int j = 0; j < 8; j++) {
            md[4 * j] = (unsigned char)(c.h[j] >> 24);
            md[4 * j + 1] = (unsigned char)(c.h[j] >> 16);
            md[4 * j + 2] = (unsigned char)(c.h[j] >> 8);
            md[4 * j + 3] = (unsigned char)c.h[j];
        }
        if (i == 0) {
            unsigned char check[32];
            SHA256(p, len, check);
            if (memcmp(check, md, 32) != 0) {
                fprintf(stderr, "transform variant computes a wrong digest\n");
                exit(1);
            }
        }
        sink ^= md[0];
    }
    report("transform", len, now() - t0);

    EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    t0 = now();
    for (size_t i = 0; i < N; i++) {
        unsigned int n;
        EVP_DigestInit_ex2(ctx, sha, NULL);
        EVP_DigestUpdate(ctx, buf + (i % (N / 8)) * 8, len);
        EVP_DigestFinal_ex(ctx, md, &n);
        sink ^= md[0];
    }
    report("evp-reuse", len, now() - t0);

    t0 = now();
    for (size_t i = 0; i < N; i++) {
        unsigned int n;
        EVP_Digest(buf + (i % (N / 8)) * 8, len, md, &n, sha, NULL);
        sink ^= md[0];
    }
    report("evp-oneshot", len, now() - t0);
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(sha);
}

static void bench_hmac(size_t len) {
    unsigned char key[32], pad[64], md[32];
    memset(key, 7, sizeof key);
    SHA256_CTX in, out;
    memset(pad, 0x36, 64);
    for (int j = 0; j < 32; j++) pad[j] ^= key[j];
    SHA256_Init(&in);
    SHA256_Update(&in, pad, 64);
    memset(pad, 0x5c, 64);
    for (int j = 0; j < 32; j++) pad[j] ^= key[j];
    SHA256_Init(&out);
    SHA256_Update(&out, pad, 64);
    double t0 = now();
    for (size_t i = 0; i < N; i++) {
        SHA256_CTX c = in;
        SHA256_Update(&c, buf + (i % (N / 8)) * 8, len);
        SHA256_Final(md, &c);
        c = out;
        SHA256_Update(&c, md, 32);
        SHA256_Final(md, &c);
        sink ^= md[0];
    }
    report("hmac-state", len, now() - t0);

    EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *ein = EVP_MD_CTX_new(), *eout = EVP_MD_CTX_new(), *w = EVP_MD_CTX_new();
    memset(pad, 0x36, 64);
    for (int j = 0; j < 32; j++) pad[j] ^= key[j];
    EVP_DigestInit_ex2(ein, sha, NULL);
    EVP_DigestUpdate(ein, pad, 64);
    memset(pad, 0x5c, 64);
    for (int j = 0; j < 32; j++) pad[j] ^= key[j];
    EVP_DigestInit_ex2(eout, sha, NULL);
    EVP_DigestUpdate(eout, pad, 64);
    t0 = now();
    for (size_t i = 0; i < N; i++) {
        unsigned int n;
        EVP_MD_CTX_copy_ex(w, ein);
        EVP_DigestUpdate(w, buf + (i % (N / 8)) * 8, len);
        EVP_DigestFinal_ex(w, md, &n);
        EVP_MD_CTX_copy_ex(w, eout);
        EVP_DigestUpdate(w, md, 32);
        EVP_DigestFinal_ex(w, md, &n);
        sink ^= md[0];
    }
    report("hmac-evp", len, now() - t0);

    t0 = now();
    for (size_t i = 0; i < N; i++) {
        unsigned int n;
        HMAC(sha, key, 32, buf + (i % (N / 8)) * 8, len, md, &n);
        sink ^= md[0];
    }
    report("hmac-oneshot", len, now() - t0);
    EVP_MD_CTX_free(ein);
    EVP_MD_CTX_free(eout);
    EVP_MD_CTX_free(w);
    EVP_MD_free(sha);
}

int main(void) {
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 131 + 7);
    bench_digest(113);
    bench_digest(225);
    bench_hmac(47);
    return 0;
}
