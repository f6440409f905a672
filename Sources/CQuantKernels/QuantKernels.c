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

// Several tokens (prefill): 2 rows × 4 tokens per pass, so each unpacked weight block serves four tokens and each
// activation block two rows. Every output gets exactly the operations of rag_rows_q4_1_q8_1, in the same order.
KERNEL void rag_gemm_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                               long blocks, float *out, long out_stride) {
    long r = row0;
    for (; r + 1 < row1; r += 2) {
        const uint8_t *w0 = (const uint8_t *)w + r * row_bytes, *w1 = w0 + row_bytes;
        long t = 0;
        for (; t + 3 < tokens; t += 4) {
            __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a02 = _mm256_setzero_ps(), a03 = _mm256_setzero_ps();
            __m256 a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(), a12 = _mm256_setzero_ps(), a13 = _mm256_setzero_ps();
            float m00 = 0, m01 = 0, m02 = 0, m03 = 0, m10 = 0, m11 = 0, m12 = 0, m13 = 0;
            const int8_t *q0 = qa + t * act_stride;
            const float *d0 = da + t * blocks, *s0 = sa + t * blocks;
            const uint8_t *b0 = w0, *b1 = w1;
            for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20) {
                const __m256i u0 = nibbles(b0 + 4), u1 = nibbles(b1 + 4);
                const float dw0 = f16(b0), dw1 = f16(b1), mw0 = f16(b0 + 2), mw1 = f16(b1 + 2);
#define TOKEN(k, A0, A1, M0, M1) { \
                    const __m256i a = _mm256_loadu_si256((const __m256i *)(q0 + (k) * act_stride + b * 32)); \
                    const float d = d0[(k) * blocks + b], s = s0[(k) * blocks + b]; \
                    A0 = _mm256_fmadd_ps(_mm256_set1_ps(dw0 * d), dot_u8s8(u0, a), A0); \
                    A1 = _mm256_fmadd_ps(_mm256_set1_ps(dw1 * d), dot_u8s8(u1, a), A1); \
                    M0 += mw0 * s; M1 += mw1 * s; }
                TOKEN(0, a00, a10, m00, m10)
                TOKEN(1, a01, a11, m01, m11)
                TOKEN(2, a02, a12, m02, m12)
                TOKEN(3, a03, a13, m03, m13)
#undef TOKEN
            }
            out[(t + 0) * out_stride + r] = hsum(a00) + m00; out[(t + 0) * out_stride + r + 1] = hsum(a10) + m10;
            out[(t + 1) * out_stride + r] = hsum(a01) + m01; out[(t + 1) * out_stride + r + 1] = hsum(a11) + m11;
            out[(t + 2) * out_stride + r] = hsum(a02) + m02; out[(t + 2) * out_stride + r + 1] = hsum(a12) + m12;
            out[(t + 3) * out_stride + r] = hsum(a03) + m03; out[(t + 3) * out_stride + r + 1] = hsum(a13) + m13;
        }
        for (; t < tokens; t++) {
            const int8_t *q = qa + t * act_stride;
            out[t * out_stride + r] = row_q4_1(w0, q, da + t * blocks, sa + t * blocks, blocks);
            out[t * out_stride + r + 1] = row_q4_1(w1, q, da + t * blocks, sa + t * blocks, blocks);
        }
    }
    for (; r < row1; r++)
        for (long t = 0; t < tokens; t++)
            out[t * out_stride + r] = row_q4_1((const uint8_t *)w + r * row_bytes, qa + t * act_stride,
                                               da + t * blocks, sa + t * blocks, blocks);
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

KERNEL void rag_f32_to_f16(const float *x, uint16_t *y, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

KERNEL static inline __m256 load_f16x8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

// e^x for x in ggml's usable range, computed the way llama.cpp's vectorised softmax and SiLU compute it on x86
// (Arm's optimized-routines method: x = n·ln2 + b with n = round(x·log2 e), e^b by a degree-5 polynomial in
// Estrin form, then scaled by 2^n), so probabilities and SiLU outputs round like llama.cpp's.
KERNEL static inline __m256 exp_ggml(__m256 x) {
    const __m256 shift = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), shift);
    const __m256 n = _mm256_sub_ps(z, shift);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 hi = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                                      _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f)));
    const __m256 j = _mm256_fmadd_ps(hi, u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
    // j · 2^n: a power-of-two multiply when 2^n and the result are normal, else ldexpf per lane (subnormals, ∞).
    const __m256 lim = _mm256_or_ps(_mm256_cmp_ps(n, _mm256_set1_ps(-125.0f), _CMP_LT_OQ),
                                    _mm256_cmp_ps(n, _mm256_set1_ps(126.0f), _CMP_GT_OQ));
    if (!_mm256_movemask_ps(lim)) {
        const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
        return _mm256_mul_ps(j, _mm256_castsi256_ps(e));
    }
    float jv[8], nv[8], out[8];
    _mm256_storeu_ps(jv, j);
    _mm256_storeu_ps(nv, n);
    for (int i = 0; i < 8; i++) out[i] = nv[i] < -300 ? 0 : __builtin_ldexpf(jv[i], (int)nv[i]);
    return _mm256_loadu_ps(out);
}

// Rotation of adjacent pairs, with the products fused as GCC contracts llama.cpp's
// `x0*cos - x1*sin` and `x0*sin + x1*cos` (the first product of each fused, the second rounded).
KERNEL void rag_rope(float *x, long heads, long head_dim, const float *c, const float *s) {
    for (long h = 0; h < heads; h++) {
        float *v = x + h * head_dim;
        for (long i = 0; i < head_dim / 2; i++) {
            const float x0 = v[2 * i], x1 = v[2 * i + 1];
            const float p = x1 * s[i], r = x1 * c[i];
            v[2 * i] = __builtin_fmaf(x0, c[i], -p);
            v[2 * i + 1] = __builtin_fmaf(x0, s[i], r);
        }
    }
}

KERNEL void rag_swiglu(float *gate, const float *up, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 e = exp_ggml(_mm256_sub_ps(_mm256_setzero_ps(), g));
        const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) gate[i] = gate[i] / (1.0f + __builtin_expf(-gate[i])) * up[i];
}

// Attention in llama.cpp's CPU order (its f16 matrix products over 16-float lanes), so the rounding matches:
// q is rounded to f16; each q·k is 16 lane-wise FMA chains reduced pairwise (lanes i+8, then i+4, then 0+2/1+3);
// the softmax sum adds 16-value float partial sums in double; probabilities are rounded to f16; each output value
// is 16 lane chains over positions (lane = position mod 16) reduced the same way.
KERNEL void rag_attend_f16(const float *q, const uint16_t *keys, const uint16_t *values, long stride, long positions,
                           long head_dim, float scale, float *scores, float *out) {
    float qh[128];
    for (long i = 0; i < head_dim; i++) qh[i] = _cvtsh_ss(_cvtss_sh(q[i], _MM_FROUND_TO_NEAREST_INT));
    float max = -__builtin_inff();
    for (long p = 0; p < positions; p++) {
        const uint16_t *k = keys + p * stride;
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        for (long i = 0; i < head_dim; i += 16) {
            lo = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i), load_f16x8(k + i), lo);
            hi = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i + 8), load_f16x8(k + i + 8), hi);
        }
        const float s = hsum(_mm256_add_ps(lo, hi)) * scale;
        scores[p] = s;
        if (s > max) max = s;
    }
    double sum = 0;
    for (long p0 = 0; p0 < positions; p0 += 16) {
        float e[16], x[16];
        for (long j = 0; j < 16; j++) x[j] = p0 + j < positions ? scores[p0 + j] - max : -__builtin_inff();
        _mm256_storeu_ps(e, exp_ggml(_mm256_loadu_ps(x)));
        _mm256_storeu_ps(e + 8, exp_ggml(_mm256_loadu_ps(x + 8)));
        for (long j = 0; j < 16 && p0 + j < positions; j++) scores[p0 + j] = e[j];
        sum += (double)hsum(_mm256_add_ps(_mm256_loadu_ps(e), _mm256_loadu_ps(e + 8)));
    }
    const float inv = (float)(1.0 / sum);
    for (long p = 0; p < positions; p++) scores[p] = _cvtsh_ss(_cvtss_sh(scores[p] * inv, _MM_FROUND_TO_NEAREST_INT));
    // lanes[j][d]: Σ over positions ≡ j (mod 16), in order, by FMA.
    float lanes[16][128];
    for (long j = 0; j < 16; j++)
        for (long d = 0; d < head_dim; d++) lanes[j][d] = 0;
    for (long p = 0; p < positions; p++) {
        const __m256 w = _mm256_set1_ps(scores[p]);
        const uint16_t *v = values + p * stride;
        float *acc = lanes[p & 15];
        for (long d = 0; d < head_dim; d += 8)
            _mm256_storeu_ps(acc + d, _mm256_fmadd_ps(w, load_f16x8(v + d), _mm256_loadu_ps(acc + d)));
    }
    for (long d = 0; d < head_dim; d += 8) {
        __m256 t3[8], t6[4];
        for (int i = 0; i < 8; i++) t3[i] = _mm256_add_ps(_mm256_loadu_ps(lanes[i] + d), _mm256_loadu_ps(lanes[i + 8] + d));
        for (int i = 0; i < 4; i++) t6[i] = _mm256_add_ps(t3[i], t3[i + 4]);
        _mm256_storeu_ps(out + d, _mm256_add_ps(_mm256_add_ps(t6[0], t6[2]), _mm256_add_ps(t6[1], t6[3])));
    }
}

// The softmax both orders share: scale, llama.cpp's exp over 16-value groups summed in double, 1/sum, f16.
KERNEL static void softmax_f16(float *scores, long positions, float max) {
    double sum = 0;
    for (long p0 = 0; p0 < positions; p0 += 16) {
        float e[16], x[16];
        for (long j = 0; j < 16; j++) x[j] = p0 + j < positions ? scores[p0 + j] - max : -__builtin_inff();
        _mm256_storeu_ps(e, exp_ggml(_mm256_loadu_ps(x)));
        _mm256_storeu_ps(e + 8, exp_ggml(_mm256_loadu_ps(x + 8)));
        for (long j = 0; j < 16 && p0 + j < positions; j++) scores[p0 + j] = e[j];
        sum += (double)hsum(_mm256_add_ps(_mm256_loadu_ps(e), _mm256_loadu_ps(e + 8)));
    }
    const float inv = (float)(1.0 / sum);
    for (long p = 0; p < positions; p++) scores[p] = _cvtsh_ss(_cvtss_sh(scores[p] * inv, _MM_FROUND_TO_NEAREST_INT));
}

// One query token (llama.cpp's decode step, where its f16 products run as dot products, not as a matrix product):
// each dot sums 64-element steps in four 16-lane FMA accumulators, folded (0+2, 1+3, then 0+1) and reduced; the
// value products cover the KV length padded to 32, whose tail beyond a multiple of 64 is added in double.
KERNEL void rag_attend_f16_single(const float *q, const uint16_t *keys, const uint16_t *values, long stride,
                                  long positions, long head_dim, float scale, float *scores, float *out) {
    float qh[128];
    for (long i = 0; i < head_dim; i++) qh[i] = _cvtsh_ss(_cvtss_sh(q[i], _MM_FROUND_TO_NEAREST_INT));
    float max = -__builtin_inff();
    for (long p = 0; p < positions; p++) {
        const uint16_t *k = keys + p * stride;
        // Products of each 16-lane quarter; with head_dim 64 every accumulator holds one product per lane.
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        __m256 acc[4][2];
        for (int j = 0; j < 4; j++) { acc[j][0] = _mm256_setzero_ps(); acc[j][1] = _mm256_setzero_ps(); }
        for (long i = 0; i < head_dim; i += 64)
            for (int j = 0; j < 4; j++) {
                acc[j][0] = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i + 16 * j), load_f16x8(k + i + 16 * j), acc[j][0]);
                acc[j][1] = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i + 16 * j + 8), load_f16x8(k + i + 16 * j + 8), acc[j][1]);
            }
        lo = _mm256_add_ps(_mm256_add_ps(acc[0][0], acc[2][0]), _mm256_add_ps(acc[1][0], acc[3][0]));
        hi = _mm256_add_ps(_mm256_add_ps(acc[0][1], acc[2][1]), _mm256_add_ps(acc[1][1], acc[3][1]));
        const float s = hsum(_mm256_add_ps(lo, hi)) * scale;
        scores[p] = s;
        if (s > max) max = s;
    }
    softmax_f16(scores, positions, max);
    const long n_kv = (positions + 31) / 32 * 32;
    const long np = n_kv & ~63L;
    // lanes[p mod 64][d] for the positions below np.
    static __thread float lanes[64][128];
    const long vec_end = np < positions ? np : positions;
    for (long j = 0; j < (np < 64 ? np : 64); j++)
        for (long d = 0; d < head_dim; d++) lanes[j][d] = 0;
    for (long p = 0; p < vec_end; p++) {
        const __m256 w = _mm256_set1_ps(scores[p]);
        const uint16_t *v = values + p * stride;
        float *a = lanes[p & 63];
        for (long d = 0; d < head_dim; d += 8)
            _mm256_storeu_ps(a + d, _mm256_fmadd_ps(w, load_f16x8(v + d), _mm256_loadu_ps(a + d)));
    }
    for (long d = 0; d < head_dim; d += 8) {
        float r[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        if (np > 0) {
            __m256 x[16], t3[8], t6[4];
            for (int l = 0; l < 16; l++) {
                const __m256 x0 = _mm256_add_ps(_mm256_loadu_ps(lanes[l] + d), _mm256_loadu_ps(lanes[32 + l] + d));
                const __m256 x1 = _mm256_add_ps(_mm256_loadu_ps(lanes[16 + l] + d), _mm256_loadu_ps(lanes[48 + l] + d));
                x[l] = _mm256_add_ps(x0, x1);
            }
            for (int i = 0; i < 8; i++) t3[i] = _mm256_add_ps(x[i], x[i + 8]);
            for (int i = 0; i < 4; i++) t6[i] = _mm256_add_ps(t3[i], t3[i + 4]);
            _mm256_storeu_ps(r, _mm256_add_ps(_mm256_add_ps(t6[0], t6[2]), _mm256_add_ps(t6[1], t6[3])));
        }
        for (int e = 0; e < 8 && d + e < head_dim; e++) {
            double sum = r[e];
            for (long p = np; p < positions; p++) sum += (double)(_cvtsh_ss(values[p * stride + d + e]) * scores[p]);
            out[d + e] = (float)sum;
        }
    }
}

#else
int rag_quant_kernels_available(void) { return 0; }
void rag_swiglu(float *gate, const float *up, long n) {}
void rag_attend_f16_single(const float *q, const uint16_t *keys, const uint16_t *values, long stride,
                           long positions, long head_dim, float scale, float *scores, float *out) {}
void rag_gemm_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1, const int8_t *qa, const float *da,
                        const float *sa, long act_stride, long tokens, long blocks, float *out, long out_stride) {}
void rag_rope(float *x, long heads, long head_dim, const float *c, const float *s) {}
void rag_f32_to_f16(const float *x, uint16_t *y, long n) {}
void rag_attend_f16(const float *q, const uint16_t *keys, const uint16_t *values, long stride, long positions,
                    long head_dim, float scale, float *scores, float *out) {}
void rag_rows_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, const float *sa, long blocks, float *out) {}
void rag_rows_q4_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out) {}
void rag_rows_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out) {}
#endif
