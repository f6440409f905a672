/* Integer GEMM kernels; see int8_gemm.h. The VNNI kernel keeps a 4-row × 64-column tile of int32 accumulators in
 * 16 zmm registers: per pair of k it loads 4 packed weight vectors, broadcasts 4 activation pairs and issues 16
 * vpdpwssd (32 multiply-adds each) — twice the multiply-adds per instruction of fp32 FMA. */
#include "int8_gemm.h"
#include <immintrin.h>
#include <string.h>

int rag_i16_has_vnni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vnni");
}

static inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

size_t rag_i16_packed_size(int n, int kpad) { return (size_t)round_up(n, RAG_I16_NPAD) * (size_t)kpad; }

void rag_i16_pack_b(const int16_t *b, int ldb, int n, int kpad, int16_t *packed) {
    int np = round_up(n, RAG_I16_NPAD), kh = kpad / 2;
    for (int jb = 0; jb < np / RAG_I16_BLOCK; jb++)
        for (int kk = 0; kk < kh; kk++)
            for (int jj = 0; jj < RAG_I16_BLOCK; jj++) {
                int j = jb * RAG_I16_BLOCK + jj;
                int16_t *dst = packed + (((size_t)jb * kh + kk) * RAG_I16_BLOCK + jj) * 2;
                dst[0] = j < n ? b[(size_t)j * ldb + 2 * kk] : 0;
                dst[1] = j < n ? b[(size_t)j * ldb + 2 * kk + 1] : 0;
            }
}

static inline int32_t load_pair(const int16_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void gemm_vnni(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs,
                      int n, int kpad, float *out, int ldo) {
    int kh = kpad / 2, np = round_up(n, RAG_I16_NPAD);
    size_t blockStride = (size_t)kh * RAG_I16_BLOCK * 2;
    for (int j0 = 0; j0 < np; j0 += 64) {
        const int16_t *b0 = packed + (size_t)(j0 / RAG_I16_BLOCK) * blockStride;
        for (int i = 0; i < m; i += 4) {
            int im = m - i < 4 ? m - i : 4;
            const int16_t *r0 = a + (size_t)i * lda;
            const int16_t *r1 = a + (size_t)(i + (im > 1 ? 1 : 0)) * lda;
            const int16_t *r2 = a + (size_t)(i + (im > 2 ? 2 : 0)) * lda;
            const int16_t *r3 = a + (size_t)(i + (im > 3 ? 3 : 0)) * lda;
            __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00;
            __m512i c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            __m512i c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            const int16_t *bp = b0;
            for (int kk = 0; kk < kh; kk++, bp += 32) {
                __m512i w0 = _mm512_loadu_si512(bp);
                __m512i w1 = _mm512_loadu_si512(bp + blockStride);
                __m512i w2 = _mm512_loadu_si512(bp + 2 * blockStride);
                __m512i w3 = _mm512_loadu_si512(bp + 3 * blockStride);
                __m512i x;
                x = _mm512_set1_epi32(load_pair(r0 + 2 * kk));
                c00 = _mm512_dpwssd_epi32(c00, x, w0); c01 = _mm512_dpwssd_epi32(c01, x, w1);
                c02 = _mm512_dpwssd_epi32(c02, x, w2); c03 = _mm512_dpwssd_epi32(c03, x, w3);
                x = _mm512_set1_epi32(load_pair(r1 + 2 * kk));
                c10 = _mm512_dpwssd_epi32(c10, x, w0); c11 = _mm512_dpwssd_epi32(c11, x, w1);
                c12 = _mm512_dpwssd_epi32(c12, x, w2); c13 = _mm512_dpwssd_epi32(c13, x, w3);
                x = _mm512_set1_epi32(load_pair(r2 + 2 * kk));
                c20 = _mm512_dpwssd_epi32(c20, x, w0); c21 = _mm512_dpwssd_epi32(c21, x, w1);
                c22 = _mm512_dpwssd_epi32(c22, x, w2); c23 = _mm512_dpwssd_epi32(c23, x, w3);
                x = _mm512_set1_epi32(load_pair(r3 + 2 * kk));
                c30 = _mm512_dpwssd_epi32(c30, x, w0); c31 = _mm512_dpwssd_epi32(c31, x, w1);
                c32 = _mm512_dpwssd_epi32(c32, x, w2); c33 = _mm512_dpwssd_epi32(c33, x, w3);
            }
            __m512i acc[4][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}};
            for (int r = 0; r < im; r++) {
                __m512 sa = _mm512_set1_ps(as[i + r]);
                float *o = out + (size_t)(i + r) * ldo;
                for (int c = 0; c < 4; c++) {
                    int j = j0 + c * 16;
                    if (j >= n) break;
                    __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc[r][c]), sa), _mm512_loadu_ps(bs + j));
                    int left = n - j;
                    __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
                    _mm512_mask_storeu_ps(o + j, mask, v);
                }
            }
        }
    }
}

/* The same product on 256-bit registers (AVX-512 VL + VNNI, or AVX-VNNI): a 4-row × 32-column tile in 16 ymm
 * accumulators. Integer sums are exact, so the output equals the 512-bit kernel's bit for bit. On CPUs that run
 * 512-bit instructions as two 256-bit halves (Zen 4) this variant can be as fast or faster; the choice between them
 * is made by timing (Kernels/KernelSelection.swift), not by CPU flags. */
#define GEMM256_BODY(DP)                                                                                          \
    int kh = kpad / 2, np = round_up(n, RAG_I16_NPAD);                                                             \
    size_t blockStride = (size_t)kh * RAG_I16_BLOCK * 2;                                                           \
    for (int j0 = 0; j0 < np; j0 += 32) {                                                                          \
        const int16_t *b0 = packed + (size_t)(j0 / RAG_I16_BLOCK) * blockStride;                                   \
        for (int i = 0; i < m; i += 4) {                                                                           \
            int im = m - i < 4 ? m - i : 4;                                                                        \
            const int16_t *r0 = a + (size_t)i * lda;                                                               \
            const int16_t *r1 = a + (size_t)(i + (im > 1 ? 1 : 0)) * lda;                                          \
            const int16_t *r2 = a + (size_t)(i + (im > 2 ? 2 : 0)) * lda;                                          \
            const int16_t *r3 = a + (size_t)(i + (im > 3 ? 3 : 0)) * lda;                                          \
            __m256i c00 = _mm256_setzero_si256(), c01 = c00, c02 = c00, c03 = c00;                                 \
            __m256i c10 = c00, c11 = c00, c12 = c00, c13 = c00;                                                    \
            __m256i c20 = c00, c21 = c00, c22 = c00, c23 = c00;                                                    \
            __m256i c30 = c00, c31 = c00, c32 = c00, c33 = c00;                                                    \
            const int16_t *bp = b0;                                                                                \
            for (int kk = 0; kk < kh; kk++, bp += 32) {                                                            \
                __m256i w0 = _mm256_loadu_si256((const __m256i *)bp);                                              \
                __m256i w1 = _mm256_loadu_si256((const __m256i *)(bp + 16));                                       \
                __m256i w2 = _mm256_loadu_si256((const __m256i *)(bp + blockStride));                              \
                __m256i w3 = _mm256_loadu_si256((const __m256i *)(bp + blockStride + 16));                         \
                __m256i x;                                                                                         \
                x = _mm256_set1_epi32(load_pair(r0 + 2 * kk));                                                    \
                c00 = DP(c00, x, w0); c01 = DP(c01, x, w1); c02 = DP(c02, x, w2); c03 = DP(c03, x, w3);            \
                x = _mm256_set1_epi32(load_pair(r1 + 2 * kk));                                                    \
                c10 = DP(c10, x, w0); c11 = DP(c11, x, w1); c12 = DP(c12, x, w2); c13 = DP(c13, x, w3);            \
                x = _mm256_set1_epi32(load_pair(r2 + 2 * kk));                                                    \
                c20 = DP(c20, x, w0); c21 = DP(c21, x, w1); c22 = DP(c22, x, w2); c23 = DP(c23, x, w3);            \
                x = _mm256_set1_epi32(load_pair(r3 + 2 * kk));                                                    \
                c30 = DP(c30, x, w0); c31 = DP(c31, x, w1); c32 = DP(c32, x, w2); c33 = DP(c33, x, w3);            \
            }                                                                                                      \
            __m256i acc[4][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23},                 \
                                 {c30, c31, c32, c33}};                                                            \
            for (int r = 0; r < im; r++) {                                                                         \
                __m256 sa = _mm256_set1_ps(as[i + r]);                                                             \
                float *o = out + (size_t)(i + r) * ldo;                                                            \
                for (int c = 0; c < 4; c++) {                                                                      \
                    int j = j0 + c * 8;                                                                            \
                    if (j >= n) break;                                                                             \
                    __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][c]), sa),                     \
                                             _mm256_loadu_ps(bs + j));                                             \
                    int left = n - j;                                                                              \
                    if (left >= 8) _mm256_storeu_ps(o + j, v);                                                     \
                    else { float t[8]; _mm256_storeu_ps(t, v); memcpy(o + j, t, (size_t)left * 4); }               \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }

__attribute__((target("avx2,avx512f,avx512vl,avx512vnni")))
static void gemm_vnni256(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs,
                         int n, int kpad, float *out, int ldo) {
    GEMM256_BODY(_mm256_dpwssd_epi32)
}

__attribute__((target("avx2,avxvnni")))
static void gemm_avxvnni(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs,
                         int n, int kpad, float *out, int ldo) {
    GEMM256_BODY(_mm256_dpwssd_avx_epi32)
}

/* Portable kernel over the same packed layout (the compiler vectorises the 16-column inner loop). */
static void gemm_portable(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs,
                          int n, int kpad, float *out, int ldo) {
    int kh = kpad / 2;
    for (int i = 0; i < m; i++) {
        const int16_t *row = a + (size_t)i * lda;
        for (int jb = 0; jb * RAG_I16_BLOCK < n; jb++) {
            int32_t acc[RAG_I16_BLOCK] = {0};
            const int16_t *bp = packed + (size_t)jb * kh * RAG_I16_BLOCK * 2;
            for (int kk = 0; kk < kh; kk++, bp += 32) {
                int32_t x0 = row[2 * kk], x1 = row[2 * kk + 1];
                for (int jj = 0; jj < RAG_I16_BLOCK; jj++) acc[jj] += x0 * bp[2 * jj] + x1 * bp[2 * jj + 1];
            }
            for (int jj = 0; jj < RAG_I16_BLOCK && jb * RAG_I16_BLOCK + jj < n; jj++) {
                int j = jb * RAG_I16_BLOCK + jj;
                out[(size_t)i * ldo + j] = (float)acc[jj] * as[i] * bs[j];
            }
        }
    }
}

void rag_i16_gemm_portable(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs,
                           int n, int kpad, float *out, int ldo) {
    gemm_portable(a, lda, as, m, packed, bs, n, kpad, out, ldo);
}

int rag_i16_gemm_variants(void) {
    __builtin_cpu_init();
    int v = RAG_I16_PORTABLE;
    if (rag_i16_has_vnni()) v |= RAG_I16_VNNI512;
    if (__builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) v |= RAG_I16_VNNI256;
    if (__builtin_cpu_supports("avxvnni")) v |= RAG_I16_AVXVNNI;
    return v;
}

/* 0: not chosen yet (the first call picks the widest available). */
static int i16_variant;

int rag_i16_gemm_variant(void) {
    int v = __atomic_load_n(&i16_variant, __ATOMIC_RELAXED);
    if (v == 0) {
        int avail = rag_i16_gemm_variants();
        v = avail & RAG_I16_VNNI512 ? RAG_I16_VNNI512 : avail & RAG_I16_VNNI256 ? RAG_I16_VNNI256
          : avail & RAG_I16_AVXVNNI ? RAG_I16_AVXVNNI : RAG_I16_PORTABLE;
        __atomic_store_n(&i16_variant, v, __ATOMIC_RELAXED);
    }
    return v;
}

int rag_i16_gemm_use_variant(int v) {
    if (v == 0) { __atomic_store_n(&i16_variant, 0, __ATOMIC_RELAXED); return 1; }
    if (!(rag_i16_gemm_variants() & v) || (v & (v - 1))) return 0;
    __atomic_store_n(&i16_variant, v, __ATOMIC_RELAXED);
    return 1;
}

void rag_i16_gemm_with(int variant, const int16_t *a, int lda, const float *as, int m, const int16_t *packed,
                       const float *bs, int n, int kpad, float *out, int ldo) {
    switch (variant) {
    case RAG_I16_VNNI512: gemm_vnni(a, lda, as, m, packed, bs, n, kpad, out, ldo); return;
    case RAG_I16_VNNI256: gemm_vnni256(a, lda, as, m, packed, bs, n, kpad, out, ldo); return;
    case RAG_I16_AVXVNNI: gemm_avxvnni(a, lda, as, m, packed, bs, n, kpad, out, ldo); return;
    default: gemm_portable(a, lda, as, m, packed, bs, n, kpad, out, ldo); return;
    }
}

void rag_i16_gemm(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs, int n,
                  int kpad, float *out, int ldo) {
    rag_i16_gemm_with(rag_i16_gemm_variant(), a, lda, as, m, packed, bs, n, kpad, out, ldo);
}

void rag_i16_quantize_rows(const float *x, int ldx, int rows, int k, int16_t limit, int16_t *q, int ldq, float *scales) {
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * ldx;
        int16_t *out = q + (size_t)r * ldq;
        __m256 m = _mm256_setzero_ps();
        int c = 0;
        for (; c + 8 <= k; c += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(row + c), absMask));
        float mx = 0;
        float lanes[8];
        _mm256_storeu_ps(lanes, m);
        for (int l = 0; l < 8; l++) mx = lanes[l] > mx ? lanes[l] : mx;
        for (; c < k; c++) { float a = row[c] < 0 ? -row[c] : row[c]; mx = a > mx ? a : mx; }
        if (mx == 0) {
            memset(out, 0, sizeof(int16_t) * (size_t)ldq);
            scales[r] = 0;
            continue;
        }
        scales[r] = mx / (float)limit;
        const __m256 inv = _mm256_set1_ps((float)limit / mx);
        float invScalar = (float)limit / mx;
        c = 0;
        for (; c + 16 <= k; c += 16) {
            /* cvtps rounds to nearest even (default MXCSR); packs saturates; the permute undoes its lane interleave. */
            __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + c), inv));
            __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + c + 8), inv));
            __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
            _mm256_storeu_si256((__m256i *)(out + c), p);
        }
        for (; c < k; c++) out[c] = (int16_t)__builtin_rintf(row[c] * invScalar);
        for (; c < ldq; c++) out[c] = 0;
    }
}
