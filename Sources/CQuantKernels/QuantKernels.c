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

KERNEL static inline float hsum(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

// Writes a 4-row × 4-token tile: out[k·out_stride + r] = sum[4r + k] + mins[4r + k] (the reduced products of row r
// and token k plus its mins' sum, added last as in the row kernel).
static inline void store_tile4x4(float *o, long out_stride, const float sum[16], const float mins[16]) {
    for (int k = 0; k < 4; k++, o += out_stride)
        for (int r = 0; r < 4; r++) o[r] = sum[4 * r + k] + mins[4 * r + k];
}

// The row kernels in three variants with identical results: AVX2 (vpmaddubsw + vpmaddwd, as llama.cpp's AVX2
// path), AVX-VNNI and AVX-512 VNNI on 256-bit registers (one vpdpbusd per block for the same int32 lane sums).
#define V2(x, s) x##s
#define V1(x, s) V2(x, s)

#define V(x) V1(x, _avx2)
#define VKERNEL KERNEL
// Eight int32 lanes of Σ u8·s8 (each lane: four neighbouring products), as floats.
VKERNEL static inline __m256 V(dot_u8s8)(__m256i u, __m256i s) {
    const __m256i p16 = _mm256_maddubs_epi16(u, s);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}
#include "QuantRows.inc.h"
#undef V
#undef VKERNEL

#define V(x) V1(x, _avxvnni)
#define VKERNEL __attribute__((target("avx2,fma,f16c,avxvnni")))
VKERNEL static inline __m256 V(dot_u8s8)(__m256i u, __m256i s) {
    return _mm256_cvtepi32_ps(_mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s));
}
#include "QuantRows.inc.h"
#undef V
#undef VKERNEL

#define V(x) V1(x, _avx512vnni)
#define VKERNEL __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))
VKERNEL static inline __m256 V(dot_u8s8)(__m256i u, __m256i s) {
    return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s));
}
#include "QuantRows.inc.h"
#undef V
#undef VKERNEL

#include <cpuid.h>

// Whether the OS saves the AVX-512 state (opmask, upper ZMM halves) besides YMM.
static int os_saves_zmm(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6) == 0xE6;
}

int rag_quant_kernels_variants(void) {
    if (!rag_quant_kernels_available()) return 0;
    int v = 1;
    unsigned a, b, c, d;
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4))) v |= 2;  // AVX-VNNI
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 16)) && (b & (1u << 30)) && (b & (1u << 31)) &&
        (c & (1u << 11)) && os_saves_zmm())
        v |= 4;  // AVX-512 F, BW, VL, VNNI
    return v;
}

static int best_variant(int v) { return v & 2 ? 2 : v & 4 ? 4 : 1; }

// 0: not chosen yet; else one bit of rag_quant_kernels_variants().
static int chosen_variant;

static inline int variant(void) {
    int v = __atomic_load_n(&chosen_variant, __ATOMIC_RELAXED);
    if (__builtin_expect(v == 0, 0)) {
        v = best_variant(rag_quant_kernels_variants());
        __atomic_store_n(&chosen_variant, v, __ATOMIC_RELAXED);
    }
    return v;
}

int rag_quant_kernels_variant(void) { return variant(); }

int rag_quant_kernels_use_variant(int v) {
    const int avail = rag_quant_kernels_variants();
    if (v == 0) v = best_variant(avail);
    if (!(avail & v) || (v & (v - 1))) return 0;
    __atomic_store_n(&chosen_variant, v, __ATOMIC_RELAXED);
    return 1;
}

#define DISPATCH(fn, ...) \
    switch (variant()) { \
    case 2: fn##_avxvnni(__VA_ARGS__); return; \
    case 4: fn##_avx512vnni(__VA_ARGS__); return; \
    default: fn##_avx2(__VA_ARGS__); return; \
    }

void rag_rows_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, const float *sa, long blocks, float *out) {
    DISPATCH(rag_rows_q4_1_q8_1, w, row_bytes, row0, row1, qa, da, sa, blocks, out)
}

// Prefill on 512-bit registers, tile 4 rows × 4 tokens, for AVX-512 VNNI: each zmm holds two tokens' eight int32
// lane sums side by side (the weight block broadcast to both halves, the two tokens' activation blocks in the
// halves), so one vpdpbusd, one conversion and one fused multiply-add do the work of two 256-bit ones. Lane by lane
// it is the 256-bit computation (the scale dw·d is the same single product; each half is reduced with the same
// hsum), so results are bit-identical to the other variants. Zen 5 runs these at full width; Zen 4 splits them in
// two, where timing will prefer a 256-bit variant.
#define ZKERNEL __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))
ZKERNEL static inline __m512i pair512(__m256i lo, __m256i hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}
ZKERNEL static inline __m512 pairps(float lo, float hi) {
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_set1_ps(lo))),
                                               _mm256_castps_pd(_mm256_set1_ps(hi)), 1));
}
ZKERNEL static inline float hsum_lo(__m512 v) { return hsum(_mm512_castps512_ps256(v)); }
ZKERNEL static inline float hsum_hi(__m512 v) {
    return hsum(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

ZKERNEL static void rag_gemmz_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                                        const int8_t *qa, const float *da, const float *sa, long act_stride,
                                        long tokens, long blocks, float *out, long out_stride) {
    long r = row0;
    const long t4 = tokens & ~3L;
    for (; r + 3 < row1 && t4 > 0; r += 4) {
        const uint8_t *w0 = (const uint8_t *)w + r * row_bytes;
        for (long t = 0; t < t4; t += 4) {
            // a{row}{pair}: pair 0 = tokens t, t+1; pair 1 = tokens t+2, t+3.
            __m512 a00 = _mm512_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            __m128 m0 = _mm_setzero_ps(), m1 = m0, m2 = m0, m3 = m0;
            const int8_t *q0 = qa + t * act_stride;
            const float *d0 = da + t * blocks, *s0 = sa + t * blocks;
            const uint8_t *b0 = w0, *b1 = w0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
            for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20, b2 += 20, b3 += 20) {
                const __m256i y0 = nibbles(b0 + 4), y1 = nibbles(b1 + 4), y2 = nibbles(b2 + 4), y3 = nibbles(b3 + 4);
                const __m512i u0 = pair512(y0, y0), u1 = pair512(y1, y1), u2 = pair512(y2, y2), u3 = pair512(y3, y3);
                const __m128 s = _mm_set_ps(s0[3 * blocks + b], s0[2 * blocks + b], s0[blocks + b], s0[b]);
                m0 = _mm_fmadd_ps(_mm_set1_ps(f16(b0 + 2)), s, m0);
                m1 = _mm_fmadd_ps(_mm_set1_ps(f16(b1 + 2)), s, m1);
                m2 = _mm_fmadd_ps(_mm_set1_ps(f16(b2 + 2)), s, m2);
                m3 = _mm_fmadd_ps(_mm_set1_ps(f16(b3 + 2)), s, m3);
                const __m512i x01 = pair512(_mm256_loadu_si256((const __m256i *)(q0 + b * 32)),
                                            _mm256_loadu_si256((const __m256i *)(q0 + act_stride + b * 32)));
                const __m512i x23 = pair512(_mm256_loadu_si256((const __m256i *)(q0 + 2 * act_stride + b * 32)),
                                            _mm256_loadu_si256((const __m256i *)(q0 + 3 * act_stride + b * 32)));
                const __m512 d01 = pairps(d0[b], d0[blocks + b]), d23 = pairps(d0[2 * blocks + b], d0[3 * blocks + b]);
                const __m512i zero = _mm512_setzero_si512();
#define ROWZ(dw, u, A0, A1) { \
                    const __m512 wd = _mm512_set1_ps(dw); \
                    A0 = _mm512_fmadd_ps(_mm512_mul_ps(wd, d01), _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, u, x01)), A0); \
                    A1 = _mm512_fmadd_ps(_mm512_mul_ps(wd, d23), _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, u, x23)), A1); }
                ROWZ(f16(b0), u0, a00, a01)
                ROWZ(f16(b1), u1, a10, a11)
                ROWZ(f16(b2), u2, a20, a21)
                ROWZ(f16(b3), u3, a30, a31)
#undef ROWZ
            }
            float mn[4][4];
            _mm_storeu_ps(mn[0], m0); _mm_storeu_ps(mn[1], m1); _mm_storeu_ps(mn[2], m2); _mm_storeu_ps(mn[3], m3);
            float *o = out + t * out_stride + r;
            o[0] = hsum_lo(a00) + mn[0][0]; o[1] = hsum_lo(a10) + mn[1][0]; o[2] = hsum_lo(a20) + mn[2][0]; o[3] = hsum_lo(a30) + mn[3][0];
            o += out_stride;
            o[0] = hsum_hi(a00) + mn[0][1]; o[1] = hsum_hi(a10) + mn[1][1]; o[2] = hsum_hi(a20) + mn[2][1]; o[3] = hsum_hi(a30) + mn[3][1];
            o += out_stride;
            o[0] = hsum_lo(a01) + mn[0][2]; o[1] = hsum_lo(a11) + mn[1][2]; o[2] = hsum_lo(a21) + mn[2][2]; o[3] = hsum_lo(a31) + mn[3][2];
            o += out_stride;
            o[0] = hsum_hi(a01) + mn[0][3]; o[1] = hsum_hi(a11) + mn[1][3]; o[2] = hsum_hi(a21) + mn[2][3]; o[3] = hsum_hi(a31) + mn[3][3];
        }
        for (long t = t4; t < tokens; t++)
            for (long k = 0; k < 4; k++)
                out[t * out_stride + r + k] = row_q4_1_avx512vnni(w0 + k * row_bytes, qa + t * act_stride,
                                                                  da + t * blocks, sa + t * blocks, blocks);
    }
    if (r < row1)
        rag_gemm_q4_1_q8_1_avx512vnni(w, row_bytes, r, row1, qa, da, sa, act_stride, tokens, blocks, out, out_stride);
}

// Tile 4 rows × 4 tokens on 512-bit registers, the other way round: each zmm holds two rows' eight int32 lane sums
// for one token (the two rows' unpacked blocks side by side, the token's activation block broadcast to both
// halves). What this saves against the tile above is the scalar work around the products: the four rows' f16
// scales and mins (adjacent in each block) are converted in one instruction and spread by permutes, the mins are
// one 16-lane fused multiply-add (row × token) against the tokens' activation sums transposed once per call, two
// rows' nibbles are unpacked by one shift, one permute and one mask, and a token's activation block and scale are
// broadcast straight from memory. Lane by lane it is the row kernel's computation: the same int32 sums, the same
// single product dw·d, the same fused multiply-add per block, the mins' fused multiply-adds in block order and the
// same final reduction: bit-identical to every other variant.
ZKERNEL static inline __m512i unpack_pair(const uint8_t *p0, const uint8_t *p1) {
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)p0)),
                                              _mm_loadu_si128((const __m128i *)p1), 1);
    const __m256i h = _mm256_srli_epi16(v, 4);
    // 64-bit elements: v = [p0 p0' p1 p1'], h = the same shifted; wanted [p0 p0' h0 h0' p1 p1' h1 h1'] & 0x0F.
    const __m512i z = _mm512_permutex2var_epi64(_mm512_castsi256_si512(v), _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11),
                                                _mm512_castsi256_si512(h));
    return _mm512_and_si512(z, _mm512_set1_epi8(0x0F));
}

ZKERNEL static inline uint32_t load32(const uint8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

// One block of a row quad for the row-pair tiles: the four rows' scales spread as [d0×8, d1×8] and [d2×8, d3×8],
// their mins as [m0×4, m1×4, m2×4, m3×4], and the two row pairs' unpacked nibbles.
// The permutations are made once per call (RowQuadSpread) and kept in registers across the block loop.
typedef struct { __m512 wd01, wd23, mv; __m512i u01, u23; } RowQuadBlock;
typedef struct { __m512i i01, i23, im; } RowQuadSpread;
ZKERNEL static inline RowQuadSpread row_quad_spread(void) {
    return (RowQuadSpread){_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2),
                           _mm512_setr_epi32(4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6),
                           _mm512_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7)};
}
ZKERNEL static inline RowQuadBlock row_quad_block(RowQuadSpread sp, const uint8_t *b0, const uint8_t *b1,
                                                  const uint8_t *b2, const uint8_t *b3) {
    const __m512i i01 = sp.i01, i23 = sp.i23, im = sp.im;
    const __m512 dm = _mm512_castps256_ps512(_mm256_cvtph_ps(
        _mm_setr_epi32((int)load32(b0), (int)load32(b1), (int)load32(b2), (int)load32(b3))));
    return (RowQuadBlock){_mm512_permutexvar_ps(i01, dm), _mm512_permutexvar_ps(i23, dm), _mm512_permutexvar_ps(im, dm),
                          unpack_pair(b0 + 4, b1 + 4), unpack_pair(b2 + 4, b3 + 4)};
}

// One token's products with a row quad's block: its activation block broadcast to both halves, its scale times
// each row's, accumulated into the pair registers A0 (rows 0, 1) and A1 (rows 2, 3).
#define ROW_QUAD_TOKEN(B, q, dk, A0, A1) { \
    const __m512i x_ = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(q))); \
    const __m512 d_ = _mm512_set1_ps(dk); \
    const __m512i z_ = _mm512_setzero_si512(); \
    A0 = _mm512_fmadd_ps(_mm512_mul_ps((B).wd01, d_), _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z_, (B).u01, x_)), A0); \
    A1 = _mm512_fmadd_ps(_mm512_mul_ps((B).wd23, d_), _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z_, (B).u23, x_)), A1); }

// Tokens [0, t4) of one call, in quads; st: the quads' activation sums transposed, st[(q·blocks + b)·4 + k].
ZKERNEL static void gemmz2_quads(const uint8_t *w, size_t row_bytes, long row0, long row1, const int8_t *qa,
                                 const float *da, const float *st, long act_stride, long t4, long blocks, float *out,
                                 long out_stride) {
    const RowQuadSpread sp = row_quad_spread();
    for (long r = row0; r < row1; r += 4) {
        const uint8_t *w0 = w + r * row_bytes;
        // A batch of decoding sequences streams the weights from memory: ask for the rows 16 ahead, as the row
        // kernel does (prefill's tokens reuse each row quad from cache, and the requests cost little there).
        for (size_t o = 0; o < 4 * row_bytes; o += 64) _mm_prefetch((const char *)w0 + 16 * row_bytes + o, _MM_HINT_T0);
        for (long t = 0; t < t4; t += 4) {
            __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            __m512 m = _mm512_setzero_ps();  // lane 4·row + token
            const int8_t *q0 = qa + t * act_stride;
            const float *d0 = da + t * blocks, *s0 = st + t * blocks;
            const uint8_t *b0 = w0, *b1 = w0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
            for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20, b2 += 20, b3 += 20) {
                const RowQuadBlock B = row_quad_block(sp, b0, b1, b2, b3);
                m = _mm512_fmadd_ps(B.mv, _mm512_broadcast_f32x4(_mm_loadu_ps(s0 + 4 * b)), m);
                ROW_QUAD_TOKEN(B, q0 + b * 32, d0[b], a00, a10)
                ROW_QUAD_TOKEN(B, q0 + act_stride + b * 32, d0[blocks + b], a01, a11)
                ROW_QUAD_TOKEN(B, q0 + 2 * act_stride + b * 32, d0[2 * blocks + b], a02, a12)
                ROW_QUAD_TOKEN(B, q0 + 3 * act_stride + b * 32, d0[3 * blocks + b], a03, a13)
            }
            float mn[16];
            _mm512_storeu_ps(mn, m);
            const float sum[16] = {hsum_lo(a00), hsum_lo(a01), hsum_lo(a02), hsum_lo(a03),
                                   hsum_hi(a00), hsum_hi(a01), hsum_hi(a02), hsum_hi(a03),
                                   hsum_lo(a10), hsum_lo(a11), hsum_lo(a12), hsum_lo(a13),
                                   hsum_hi(a10), hsum_hi(a11), hsum_hi(a12), hsum_hi(a13)};
            store_tile4x4(out + t * out_stride + r, out_stride, sum, mn);
        }
    }
}

// Two or three tokens (a decoding batch of 2 or 3, or a remainder): the 4 × 4 tile's work for those tokens only,
// so a small batch still shares each row quad's unpacking and scales (its outputs get the 4 × 4 tile's operations).
ZKERNEL static void gemmz2_few(const uint8_t *w, size_t row_bytes, long row0, long row1, const int8_t *qa,
                               const float *da, const float *sa, long act_stride, long blocks, float *out,
                               long out_stride, int three) {
    const RowQuadSpread sp = row_quad_spread();
    for (long r = row0; r < row1; r += 4) {
        const uint8_t *w0 = w + r * row_bytes;
        for (size_t o = 0; o < 4 * row_bytes; o += 64) _mm_prefetch((const char *)w0 + 16 * row_bytes + o, _MM_HINT_T0);
        __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        __m512 m = _mm512_setzero_ps();  // lane 4·row + token (lane 3, and 2 for two tokens, unused)
        const uint8_t *b0 = w0, *b1 = w0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
        for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20, b2 += 20, b3 += 20) {
            const RowQuadBlock B = row_quad_block(sp, b0, b1, b2, b3);
            m = _mm512_fmadd_ps(B.mv, _mm512_broadcast_f32x4(_mm_setr_ps(sa[b], sa[blocks + b], three ? sa[2 * blocks + b] : 0, 0)), m);
            ROW_QUAD_TOKEN(B, qa + b * 32, da[b], a00, a10)
            ROW_QUAD_TOKEN(B, qa + act_stride + b * 32, da[blocks + b], a01, a11)
            if (three) ROW_QUAD_TOKEN(B, qa + 2 * act_stride + b * 32, da[2 * blocks + b], a02, a12)
        }
        float mn[16];
        _mm512_storeu_ps(mn, m);
        float *o = out + r;
        o[0] = hsum_lo(a00) + mn[0]; o[1] = hsum_hi(a00) + mn[4]; o[2] = hsum_lo(a10) + mn[8]; o[3] = hsum_hi(a10) + mn[12];
        o += out_stride;
        o[0] = hsum_lo(a01) + mn[1]; o[1] = hsum_hi(a01) + mn[5]; o[2] = hsum_lo(a11) + mn[9]; o[3] = hsum_hi(a11) + mn[13];
        if (three) {
            o += out_stride;
            o[0] = hsum_lo(a02) + mn[2]; o[1] = hsum_hi(a02) + mn[6]; o[2] = hsum_lo(a12) + mn[10]; o[3] = hsum_hi(a12) + mn[14];
        }
    }
}

ZKERNEL static void rag_gemmz2_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                                         const int8_t *qa, const float *da, const float *sa, long act_stride,
                                         long tokens, long blocks, float *out, long out_stride) {
    const long rows4 = row0 + (row1 - row0) / 4 * 4;
    // The tokens' activation sums transposed (st[(q·blocks + b)·4 + k] = sa[(4q + k)·blocks + b]), in slabs that
    // fit this stack buffer.
    enum { ST = 8192 };
    float st[ST];
    const long slab = blocks * 4 <= ST ? ST / (blocks * 4) * 4 : 0;
    long t = 0;
    if (rows4 > row0 && slab > 0) {
        for (; t + 3 < tokens; t += slab) {
            const long n = (tokens - t) / 4 * 4 < slab ? (tokens - t) / 4 * 4 : slab;
            for (long q = 0; q < n / 4; q++)
                for (long b = 0; b < blocks; b++)
                    for (long k = 0; k < 4; k++) st[(q * blocks + b) * 4 + k] = sa[(t + 4 * q + k) * blocks + b];
            gemmz2_quads((const uint8_t *)w, row_bytes, row0, rows4, qa + t * act_stride, da + t * blocks, st,
                         act_stride, n, blocks, out + t * out_stride, out_stride);
            if (n < slab) { t += n; break; }
        }
        if (tokens - t >= 2) {
            const int three = tokens - t == 3;
            gemmz2_few((const uint8_t *)w, row_bytes, row0, rows4, qa + t * act_stride, da + t * blocks,
                       sa + t * blocks, act_stride, blocks, out + t * out_stride, out_stride, three);
            t += 2 + three;
        }
        for (long tt = t; tt < tokens; tt++)
            rag_rows_q4_1_q8_1_avx512vnni(w, row_bytes, row0, rows4, qa + tt * act_stride, da + tt * blocks,
                                          sa + tt * blocks, blocks, out + tt * out_stride);
        if (rows4 < row1)
            rag_gemm_q4_1_q8_1_avx512vnni(w, row_bytes, rows4, row1, qa, da, sa, act_stride, tokens, blocks, out, out_stride);
        return;
    }
    rag_gemm_q4_1_q8_1_avx512vnni(w, row_bytes, row0, row1, qa, da, sa, act_stride, tokens, blocks, out, out_stride);
}

// The prefill GEMM's own choice, independent of the row kernels': instruction set (one variant bit) and tile
// (0: 2 rows × 4 tokens, 1: 4 rows × 4 tokens, 2: 4 × 4 on 512-bit registers, 3: the same with row pairs, both AVX-512 VNNI only, 4: 4 × 4 with vector scales). 0: not chosen yet (the row kernels' variant, tile 2×4).
static int chosen_gemm;  // isa | tile << 8

int rag_quant_gemm_variant(void) {
    int v = __atomic_load_n(&chosen_gemm, __ATOMIC_RELAXED);
    return v ? v : variant();
}

int rag_quant_gemm_use_variant(int isa, int tile) {
    if (isa == 0) { __atomic_store_n(&chosen_gemm, 0, __ATOMIC_RELAXED); return 1; }
    if (!(rag_quant_kernels_variants() & isa) || (isa & (isa - 1)) || tile < 0 || tile > 4 || ((tile == 2 || tile == 3) && isa != 4))
        return 0;
    __atomic_store_n(&chosen_gemm, isa | tile << 8, __ATOMIC_RELAXED);
    return 1;
}

void rag_gemm_q4_1_q8_1_with(int isa, int tile, const void *w, size_t row_bytes, long row0, long row1,
                             const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                             long blocks, float *out, long out_stride) {
#define GEMM_ARGS w, row_bytes, row0, row1, qa, da, sa, act_stride, tokens, blocks, out, out_stride
    if (tile == 2 && isa == 4) { rag_gemmz_q4_1_q8_1(GEMM_ARGS); return; }
    if (tile == 3 && isa == 4) { rag_gemmz2_q4_1_q8_1(GEMM_ARGS); return; }
    if (tile == 4) {
        switch (isa) {
        case 2: rag_gemm4s_q4_1_q8_1_avxvnni(GEMM_ARGS); return;
        case 4: rag_gemm4s_q4_1_q8_1_avx512vnni(GEMM_ARGS); return;
        default: rag_gemm4s_q4_1_q8_1_avx2(GEMM_ARGS); return;
        }
    }
    if (tile >= 1) {
        switch (isa) {
        case 2: rag_gemm4_q4_1_q8_1_avxvnni(GEMM_ARGS); return;
        case 4: rag_gemm4_q4_1_q8_1_avx512vnni(GEMM_ARGS); return;
        default: rag_gemm4_q4_1_q8_1_avx2(GEMM_ARGS); return;
        }
    }
    switch (isa) {
    case 2: rag_gemm_q4_1_q8_1_avxvnni(GEMM_ARGS); return;
    case 4: rag_gemm_q4_1_q8_1_avx512vnni(GEMM_ARGS); return;
    default: rag_gemm_q4_1_q8_1_avx2(GEMM_ARGS); return;
    }
#undef GEMM_ARGS
}

void rag_gemm_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                        long blocks, float *out, long out_stride) {
    const int v = rag_quant_gemm_variant();
    rag_gemm_q4_1_q8_1_with(v & 0xFF, v >> 8, w, row_bytes, row0, row1, qa, da, sa, act_stride, tokens, blocks,
                            out, out_stride);
}

void rag_rows_q4_1_q8_1_with(int isa, const void *w, size_t row_bytes, long row0, long row1,
                             const int8_t *qa, const float *da, const float *sa, long blocks, float *out) {
    switch (isa) {
    case 2: rag_rows_q4_1_q8_1_avxvnni(w, row_bytes, row0, row1, qa, da, sa, blocks, out); return;
    case 4: rag_rows_q4_1_q8_1_avx512vnni(w, row_bytes, row0, row1, qa, da, sa, blocks, out); return;
    default: rag_rows_q4_1_q8_1_avx2(w, row_bytes, row0, row1, qa, da, sa, blocks, out); return;
    }
}

// Peak int8 multiply-add throughput of one core: `iters` rounds of 12 independent accumulator chains (enough to
// cover the instructions' latency), no memory traffic. kind 1: AVX2 vpmaddubsw + vpmaddwd + vpaddd (how the AVX2
// kernels multiply bytes; 12 pairs per round too, see peak_avx2), 2: AVX-VNNI vpdpbusd ymm, 3: AVX-512 VNNI vpdpbusd ymm, 4: AVX-512 VNNI vpdpbusd zmm.
// Returns a value derived from the accumulators so the loop is kept; the caller times it. Byte multiply-adds per
// round: 12 × 32 (ymm) or 12 × 64 (zmm).
#define PEAK_BODY(T, ZERO, SET1, OP)                                                                              \
    T c0 = ZERO, c1 = ZERO, c2 = ZERO, c3 = ZERO, c4 = ZERO, c5 = ZERO;                                            \
    T c6 = ZERO, c7 = ZERO, c8 = ZERO, c9 = ZERO, c10 = ZERO, c11 = ZERO;                                          \
    T u = SET1(0x01020304 + seed), s = SET1(0x05060708 - seed);                                                    \
    for (long i = 0; i < iters; i++) {                                                                             \
        __asm__ volatile("" : "+v"(u), "+v"(s)); /* opaque: no product is loop-invariant */                       \
        c0 = OP(c0, u, s); c1 = OP(c1, u, s); c2 = OP(c2, u, s); c3 = OP(c3, u, s);                                \
        c4 = OP(c4, u, s); c5 = OP(c5, u, s); c6 = OP(c6, u, s); c7 = OP(c7, u, s);                                \
        c8 = OP(c8, u, s); c9 = OP(c9, u, s); c10 = OP(c10, u, s); c11 = OP(c11, u, s);                            \
        __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5));                          \
        __asm__ volatile("" : "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));                        \
    }

#define SUM12_256 _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),          \
    _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c4, c5), _mm256_add_epi32(c6, c7)),                        \
                     _mm256_add_epi32(_mm256_add_epi32(c8, c9), _mm256_add_epi32(c10, c11))))
// AVX2 has no accumulating byte product, so the chains are only the adds: each round multiplies two vectors u0, u1
// by six vectors s_k (12 vpmaddubsw + 12 vpmaddwd, all inputs opaque so none is reused across rounds), summed into
// six accumulators. 15 registers: it fits AVX2's 16.
KERNEL static int peak_avx2(long iters, int seed) {
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    __m256i u0 = _mm256_set1_epi32(0x01020304 + seed), u1 = _mm256_set1_epi32(0x04030201 + seed);
    __m256i s0 = _mm256_set1_epi32(0x05060708 - seed), s1 = _mm256_set1_epi32(0x0708090A), s2 = _mm256_set1_epi32(0x01010101);
    __m256i s3 = _mm256_set1_epi32(0x02020202), s4 = _mm256_set1_epi32(0x03030303), s5 = _mm256_set1_epi32(0x7F7F7F7F);
    const __m256i ones = _mm256_set1_epi16(1);
#define PAIR(c, s) c = _mm256_add_epi32(c, _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(u0, s), ones), \
                                                              _mm256_madd_epi16(_mm256_maddubs_epi16(u1, s), ones)))
    for (long i = 0; i < iters; i++) {
        __asm__ volatile("" : "+v"(u0), "+v"(u1), "+v"(s0), "+v"(s1), "+v"(s2), "+v"(s3), "+v"(s4), "+v"(s5));
        PAIR(c0, s0); PAIR(c1, s1); PAIR(c2, s2); PAIR(c3, s3); PAIR(c4, s4); PAIR(c5, s5);
    }
#undef PAIR
    const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),
                                         _mm256_add_epi32(c4, c5));
    return _mm256_extract_epi32(sum, 0);
}
__attribute__((target("avx2,fma,f16c,avxvnni"))) static int peak_avxvnni(long iters, int seed) {
    PEAK_BODY(__m256i, _mm256_setzero_si256(), _mm256_set1_epi32, _mm256_dpbusd_avx_epi32)
    return _mm256_extract_epi32(SUM12_256, 0);
}
__attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni"))) static int peak_vnni256(long iters, int seed) {
    PEAK_BODY(__m256i, _mm256_setzero_si256(), _mm256_set1_epi32, _mm256_dpbusd_epi32)
    return _mm256_extract_epi32(SUM12_256, 0);
}
__attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni"))) static int peak_vnni512(long iters, int seed) {
    PEAK_BODY(__m512i, _mm512_setzero_si512(), _mm512_set1_epi32, _mm512_dpbusd_epi32)
    return _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3)),
        _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c4, c5), _mm512_add_epi32(c6, c7)),
                         _mm512_add_epi32(_mm512_add_epi32(c8, c9), _mm512_add_epi32(c10, c11)))));
}

int rag_int8_peak_loop(int kind, long iters, int seed) {
    const int v = rag_quant_kernels_variants();
    switch (kind) {
    case 1: return v & 1 ? peak_avx2(iters, seed) : 0;
    case 2: return v & 2 ? peak_avxvnni(iters, seed) : 0;
    case 3: return v & 4 ? peak_vnni256(iters, seed) : 0;
    case 4: return v & 4 ? peak_vnni512(iters, seed) : 0;
    default: return 0;
    }
}

void rag_rows_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out) {
    DISPATCH(rag_rows_q8_0_q8_0, w, row_bytes, row0, row1, qa, da, blocks, out)
}

// The output head (Q8_0) for a batch of decoding sequences on 512-bit registers, 4 rows × 4 tokens, two rows per
// register as in the Q4_1 row-pair tile: each row pair's weight blocks are loaded once, their absolute values taken
// once, and the rows' signs moved onto each token's broadcast activation block with one masked negation (where the
// weight is 0 the product is 0 either way, so the int32 sums are those of vpsignb). The four rows' f16 scales are
// converted in one instruction. Lane by lane the row kernel's computation: bit-identical. Needs AVX-512 BW for the
// byte operations on zmm (every CPU with AVX-512 VNNI has it; checked with the rest).
#define ZBKERNEL __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))
ZBKERNEL static void rag_gemmz2_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1, const int8_t *qa,
                                          const float *da, long act_stride, long tokens, long blocks, float *out,
                                          long out_stride) {
    const long t4 = tokens & ~3L, rows4 = row0 + (row1 - row0) / 4 * 4;
    const __m512i i01 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i i23 = _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m512i zero = _mm512_setzero_si512();
    for (long r = row0; r < rows4 && t4 > 0; r += 4) {
        const uint8_t *w0 = (const uint8_t *)w + r * row_bytes;
        // The head's 30 MB stream from memory: ask for the rows 8 ahead, as the row kernel does.
        for (size_t o = 0; o < 4 * row_bytes; o += 64) _mm_prefetch((const char *)w0 + 8 * row_bytes + o, _MM_HINT_T0);
        for (long t = 0; t < t4; t += 4) {
            __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            const int8_t *q0 = qa + t * act_stride;
            const float *d0 = da + t * blocks;
            const uint8_t *b0 = w0, *b1 = w0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
            for (long b = 0; b < blocks; b++, b0 += 34, b1 += 34, b2 += 34, b3 += 34) {
                uint16_t h0, h1, h2, h3;
                __builtin_memcpy(&h0, b0, 2); __builtin_memcpy(&h1, b1, 2);
                __builtin_memcpy(&h2, b2, 2); __builtin_memcpy(&h3, b3, 2);
                const __m512 dw = _mm512_castps128_ps512(_mm_cvtph_ps(_mm_setr_epi16((short)h0, (short)h1, (short)h2, (short)h3, 0, 0, 0, 0)));
                const __m512 wd01 = _mm512_permutexvar_ps(i01, dw), wd23 = _mm512_permutexvar_ps(i23, dw);
                const __m512i x01 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(b0 + 2))),
                                                       _mm256_loadu_si256((const __m256i *)(b1 + 2)), 1);
                const __m512i x23 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(b2 + 2))),
                                                       _mm256_loadu_si256((const __m256i *)(b3 + 2)), 1);
                const __m512i u01 = _mm512_abs_epi8(x01), u23 = _mm512_abs_epi8(x23);
                const __mmask64 n01 = _mm512_movepi8_mask(x01), n23 = _mm512_movepi8_mask(x23);
#define TOKENQ(k, A0, A1) { \
                    const __m512i a = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(q0 + (k) * act_stride + b * 32))); \
                    const __m512 d = _mm512_set1_ps(d0[(k) * blocks + b]); \
                    A0 = _mm512_fmadd_ps(_mm512_mul_ps(wd01, d), _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, u01, _mm512_mask_sub_epi8(a, n01, zero, a))), A0); \
                    A1 = _mm512_fmadd_ps(_mm512_mul_ps(wd23, d), _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, u23, _mm512_mask_sub_epi8(a, n23, zero, a))), A1); }
                TOKENQ(0, a00, a10)
                TOKENQ(1, a01, a11)
                TOKENQ(2, a02, a12)
                TOKENQ(3, a03, a13)
#undef TOKENQ
            }
            float *o = out + t * out_stride + r;
            o[0] = hsum_lo(a00); o[1] = hsum_hi(a00); o[2] = hsum_lo(a10); o[3] = hsum_hi(a10); o += out_stride;
            o[0] = hsum_lo(a01); o[1] = hsum_hi(a01); o[2] = hsum_lo(a11); o[3] = hsum_hi(a11); o += out_stride;
            o[0] = hsum_lo(a02); o[1] = hsum_hi(a02); o[2] = hsum_lo(a12); o[3] = hsum_hi(a12); o += out_stride;
            o[0] = hsum_lo(a03); o[1] = hsum_hi(a03); o[2] = hsum_lo(a13); o[3] = hsum_hi(a13);
        }
        for (long t = t4; t < tokens; t++)
            for (long k = 0; k < 4; k++)
                out[t * out_stride + r + k] = row_q8_0_avx512vnni(w0 + k * row_bytes, qa + t * act_stride, da + t * blocks, blocks);
    }
    const long rest = t4 > 0 ? rows4 : row0;
    if (rest < row1)
        rag_gemm_q8_0_q8_0_avx512vnni(w, row_bytes, rest, row1, qa, da, act_stride, tokens, blocks, out, out_stride);
}

void rag_gemm_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1, const int8_t *qa, const float *da,
                        long act_stride, long tokens, long blocks, float *out, long out_stride) {
    // 512-bit when the prefill GEMM's timing chose a 512-bit tile on this machine (the same trade: Zen 5 runs them
    // at full width, Zen 4 in halves), else the row kernels' instruction set.
    const int tile = rag_quant_gemm_variant() >> 8;
    if (tile == 2 || tile == 3) {
        rag_gemmz2_q8_0_q8_0(w, row_bytes, row0, row1, qa, da, act_stride, tokens, blocks, out, out_stride);
        return;
    }
    DISPATCH(rag_gemm_q8_0_q8_0, w, row_bytes, row0, row1, qa, da, act_stride, tokens, blocks, out, out_stride)
}

void rag_rows_q4_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out) {
    DISPATCH(rag_rows_q4_0_q8_0, w, row_bytes, row0, row1, qa, da, blocks, out)
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
// lanes[j][0..<head_dim] (rows 128 floats apart) = Σ scores[p]·V[p] over the positions p ∈ [0, end) with
// p ≡ j (mod n_lanes), in increasing p, one FMA per position: for each lane the order of a loop over all positions
// that adds position p into lane p mod n_lanes, but with the lane's 64-value slice held in eight registers instead
// of loaded and stored at every position. Lanes without a position are zero.
KERNEL static void value_lanes(const float *scores, const uint16_t *values, long stride, long start, long end,
                               long head_dim, long n_lanes, float *lanes) {
    for (long j = 0; j < n_lanes; j++)
        for (long d0 = 0; d0 < head_dim; d0 += 64) {
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (long p = start + j; p < end; p += n_lanes) {
                const __m256 w = _mm256_set1_ps(scores[p]);
                const uint16_t *v = values + p * stride + d0;
                a0 = _mm256_fmadd_ps(w, load_f16x8(v), a0);
                a1 = _mm256_fmadd_ps(w, load_f16x8(v + 8), a1);
                a2 = _mm256_fmadd_ps(w, load_f16x8(v + 16), a2);
                a3 = _mm256_fmadd_ps(w, load_f16x8(v + 24), a3);
                a4 = _mm256_fmadd_ps(w, load_f16x8(v + 32), a4);
                a5 = _mm256_fmadd_ps(w, load_f16x8(v + 40), a5);
                a6 = _mm256_fmadd_ps(w, load_f16x8(v + 48), a6);
                a7 = _mm256_fmadd_ps(w, load_f16x8(v + 56), a7);
            }
            float *l = lanes + j * 128 + d0;
            _mm256_storeu_ps(l, a0); _mm256_storeu_ps(l + 8, a1); _mm256_storeu_ps(l + 16, a2); _mm256_storeu_ps(l + 24, a3);
            _mm256_storeu_ps(l + 32, a4); _mm256_storeu_ps(l + 40, a5); _mm256_storeu_ps(l + 48, a6); _mm256_storeu_ps(l + 56, a7);
        }
}

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
    value_lanes(scores, values, stride, 0, positions, head_dim, 16, &lanes[0][0]);
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
    if (np > 0) value_lanes(scores, values, stride, 0, vec_end, head_dim, 64, &lanes[0][0]);
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
int rag_quant_kernels_variants(void) { return 0; }
int rag_quant_kernels_variant(void) { return 0; }
int rag_quant_kernels_use_variant(int v) { return 0; }
void rag_swiglu(float *gate, const float *up, long n) {}
void rag_attend_f16_single(const float *q, const uint16_t *keys, const uint16_t *values, long stride,
                           long positions, long head_dim, float scale, float *scores, float *out) {}
void rag_gemm_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1, const int8_t *qa, const float *da,
                        const float *sa, long act_stride, long tokens, long blocks, float *out, long out_stride) {}
int rag_quant_gemm_variant(void) { return 0; }
int rag_quant_gemm_use_variant(int isa, int tile) { return 0; }
void rag_gemm_q4_1_q8_1_with(int isa, int tile, const void *w, size_t row_bytes, long row0, long row1,
                             const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                             long blocks, float *out, long out_stride) {}
void rag_rows_q4_1_q8_1_with(int isa, const void *w, size_t row_bytes, long row0, long row1,
                             const int8_t *qa, const float *da, const float *sa, long blocks, float *out) {}
int rag_int8_peak_loop(int kind, long iters, int seed) { return 0; }
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
void rag_gemm_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1, const int8_t *qa, const float *da,
                        long act_stride, long tokens, long blocks, float *out, long out_stride) {}
#endif
