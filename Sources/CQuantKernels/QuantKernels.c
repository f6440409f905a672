// AVX2 dot products of ggml quantised blocks with Q8 activations: bytes unpacked to 32 lanes, multiplied
// unsigned×signed and summed pairwise (vpmaddubsw), widened (vpmaddwd), scaled per block in f32 with FMA.
#include "CQuantKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define KERNEL __attribute__((target("avx2,fma,f16c")))

int rag_quant_kernels_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

KERNEL static inline float f16(const uint8_t *p) {
    uint16_t h;
    __builtin_memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

// 16 bytes of nibbles → 32 bytes: low nibbles (elements 0–15) in the low lane, high nibbles (16–31) in the high lane.
KERNEL static inline __m256i nibbles(const uint8_t *q) {
    const __m128i x = _mm_loadu_si128((const __m128i *)q);
    const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(x), _mm_srli_epi16(x, 4), 1);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Eight int32 lanes of Σ u8·s8 (each lane: four neighbouring products), as floats.
KERNEL static inline __m256 dot_u8s8(__m256i u, __m256i s) {
    const __m256i p16 = _mm256_maddubs_epi16(u, s);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

KERNEL static inline float hsum(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

// One row's dot product, block by block.
KERNEL static inline float row_q4_1(const uint8_t *b0, const int8_t *qa, const float *da, const float *sa, long blocks) {
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (long b = 0; b < blocks; b++, b0 += 20) {
        const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * da[b]), dot_u8s8(nibbles(b0 + 4), a), acc);
        mins += f16(b0 + 2) * sa[b];
    }
    return hsum(acc) + mins;
}

KERNEL void rag_rows_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, const float *sa, long blocks, float *out) {
    long r = row0;
    // Four rows at a time: the activation block is loaded once for all four, and four streams are in flight.
    for (; r + 3 < row1; r += 4) {
        const uint8_t *b0 = (const uint8_t *)w + r * row_bytes;
        const uint8_t *b1 = b0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
        float min0 = 0, min1 = 0, min2 = 0, min3 = 0;
        for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20, b2 += 20, b3 += 20) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
            const float d = da[b], s = sa[b];
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * d), dot_u8s8(nibbles(b0 + 4), a), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b1) * d), dot_u8s8(nibbles(b1 + 4), a), acc1);
            acc2 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b2) * d), dot_u8s8(nibbles(b2 + 4), a), acc2);
            acc3 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b3) * d), dot_u8s8(nibbles(b3 + 4), a), acc3);
            min0 += f16(b0 + 2) * s;
            min1 += f16(b1 + 2) * s;
            min2 += f16(b2 + 2) * s;
            min3 += f16(b3 + 2) * s;
        }
        out[r] = hsum(acc0) + min0;
        out[r + 1] = hsum(acc1) + min1;
        out[r + 2] = hsum(acc2) + min2;
        out[r + 3] = hsum(acc3) + min3;
    }
    for (; r < row1; r++) out[r] = row_q4_1((const uint8_t *)w + r * row_bytes, qa, da, sa, blocks);
}

// Signed × signed through the unsigned instruction: |w| · (a with w's sign).
KERNEL static inline __m256 dot_s8s8(__m256i wq, __m256i a) {
    return dot_u8s8(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(a, wq));
}

KERNEL static inline float row_q8_0(const uint8_t *b0, const int8_t *qa, const float *da, long blocks) {
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < blocks; b++, b0 += 34) {
        const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * da[b]), dot_s8s8(_mm256_loadu_si256((const __m256i *)(b0 + 2)), a), acc);
    }
    return hsum(acc);
}

KERNEL void rag_rows_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, long blocks, float *out) {
    long r = row0;
    for (; r + 3 < row1; r += 4) {
        const uint8_t *b0 = (const uint8_t *)w + r * row_bytes;
        const uint8_t *b1 = b0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
        // The head streams 30 MB per token: ask for the rows after these early.
        for (size_t o = 0; o < 4 * row_bytes; o += 64) _mm_prefetch((const char *)b0 + 8 * row_bytes + o, _MM_HINT_T0);
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
        for (long b = 0; b < blocks; b++, b0 += 34, b1 += 34, b2 += 34, b3 += 34) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
            const float d = da[b];
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * d), dot_s8s8(_mm256_loadu_si256((const __m256i *)(b0 + 2)), a), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b1) * d), dot_s8s8(_mm256_loadu_si256((const __m256i *)(b1 + 2)), a), acc1);
            acc2 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b2) * d), dot_s8s8(_mm256_loadu_si256((const __m256i *)(b2 + 2)), a), acc2);
            acc3 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b3) * d), dot_s8s8(_mm256_loadu_si256((const __m256i *)(b3 + 2)), a), acc3);
        }
        out[r] = hsum(acc0);
        out[r + 1] = hsum(acc1);
        out[r + 2] = hsum(acc2);
        out[r + 3] = hsum(acc3);
    }
    for (; r < row1; r++) out[r] = row_q8_0((const uint8_t *)w + r * row_bytes, qa, da, blocks);
}

KERNEL void rag_rows_q4_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, long blocks, float *out) {
    const __m256i eight = _mm256_set1_epi8(8);
    for (long r = row0; r < row1; r++) {
        const uint8_t *b0 = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        for (long b = 0; b < blocks; b++, b0 += 18) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
            const __m256i wq = _mm256_sub_epi8(nibbles(b0 + 2), eight);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * da[b]), dot_s8s8(wq, a), acc);
        }
        out[r] = hsum(acc);
    }
}

#else
int rag_quant_kernels_available(void) { return 0; }
void rag_rows_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, const float *sa, long blocks, float *out) {}
void rag_rows_q4_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out) {}
void rag_rows_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out) {}
#endif
