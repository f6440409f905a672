// The quantised row kernels, included once per instruction set by QuantKernels.c. The includer defines
// VKERNEL (the target attribute), V(name) (the variant's name) and V(dot_u8s8) (eight int32 lanes of Σ u8·s8 over
// four neighbouring bytes, as floats). Every variant gets the same per-block int32 sums (no pair of products can
// saturate vpmaddubsw: |u| ≤ 15 or 127, |s| ≤ 127) and then the same float operations in the same order.
// One row's dot product, block by block.
VKERNEL static inline float V(row_q4_1)(const uint8_t *b0, const int8_t *qa, const float *da, const float *sa, long blocks) {
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (long b = 0; b < blocks; b++, b0 += 20) {
        const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * da[b]), V(dot_u8s8)(nibbles(b0 + 4), a), acc);
        mins += f16(b0 + 2) * sa[b];
    }
    return hsum(acc) + mins;
}

VKERNEL static void V(rag_rows_q4_1_q8_1)(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, const float *sa, long blocks, float *out) {
    long r = row0;
    // Four rows at a time: the activation block is loaded once for all four, and four streams are in flight.
    for (; r + 3 < row1; r += 4) {
        const uint8_t *b0 = (const uint8_t *)w + r * row_bytes;
        const uint8_t *b1 = b0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
        // Decode streams 66 MB of these weights per token, more than the L3 holds, and the loads stalled on memory:
        // ask for the rows 16 ahead (about 6 KB for 576 columns) now. Measured best of 4, 8, 16 and 32 rows.
        for (size_t o = 0; o < 4 * row_bytes; o += 64) _mm_prefetch((const char *)b0 + 16 * row_bytes + o, _MM_HINT_T0);
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
        float min0 = 0, min1 = 0, min2 = 0, min3 = 0;
        for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20, b2 += 20, b3 += 20) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
            const float d = da[b], s = sa[b];
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * d), V(dot_u8s8)(nibbles(b0 + 4), a), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b1) * d), V(dot_u8s8)(nibbles(b1 + 4), a), acc1);
            acc2 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b2) * d), V(dot_u8s8)(nibbles(b2 + 4), a), acc2);
            acc3 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b3) * d), V(dot_u8s8)(nibbles(b3 + 4), a), acc3);
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
    for (; r < row1; r++) out[r] = V(row_q4_1)((const uint8_t *)w + r * row_bytes, qa, da, sa, blocks);
}

// Several tokens (prefill): 2 rows × 4 tokens per pass, so each unpacked weight block serves four tokens and each
// activation block two rows. Every output gets exactly the operations of V(rag_rows_q4_1_q8_1), in the same order.
VKERNEL static void V(rag_gemm_q4_1_q8_1)(const void *w, size_t row_bytes, long row0, long row1,
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
                    A0 = _mm256_fmadd_ps(_mm256_set1_ps(dw0 * d), V(dot_u8s8)(u0, a), A0); \
                    A1 = _mm256_fmadd_ps(_mm256_set1_ps(dw1 * d), V(dot_u8s8)(u1, a), A1); \
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
            out[t * out_stride + r] = V(row_q4_1)(w0, q, da + t * blocks, sa + t * blocks, blocks);
            out[t * out_stride + r + 1] = V(row_q4_1)(w1, q, da + t * blocks, sa + t * blocks, blocks);
        }
    }
    for (; r < row1; r++)
        for (long t = 0; t < tokens; t++)
            out[t * out_stride + r] = V(row_q4_1)((const uint8_t *)w + r * row_bytes, qa + t * act_stride,
                                               da + t * blocks, sa + t * blocks, blocks);
}

// Prefill, tile 4 rows × 4 tokens: each unpacked weight block serves four tokens and each activation block four
// rows (the 2×4 tile above: four and two). 16 ymm accumulators plus the four rows' Σ mins as one 4-token vector
// each: it fits the 32 registers of AVX-512 VL; on 16-register AVX2 it spills, and timing decides whether that
// matters (Kernels/KernelSelection.swift). Every output gets exactly the operations of V(rag_rows_q4_1_q8_1) in
// the same order (the mins lane by lane with the same fused multiply-add as the scalar loop), so results are
// bit-identical to the other tiles and variants. Rows or tokens left over go to the 2×4 kernel / the row kernel.
VKERNEL static void V(rag_gemm4_q4_1_q8_1)(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                               long blocks, float *out, long out_stride) {
    long r = row0;
    const long t4 = tokens & ~3L;
    for (; r + 3 < row1 && t4 > 0; r += 4) {
        const uint8_t *w0 = (const uint8_t *)w + r * row_bytes;
        for (long t = 0; t < t4; t += 4) {
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            __m256 a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            __m128 m0 = _mm_setzero_ps(), m1 = m0, m2 = m0, m3 = m0;  // lane k: token t + k
            const int8_t *q0 = qa + t * act_stride;
            const float *d0 = da + t * blocks, *s0 = sa + t * blocks;
            const uint8_t *b0 = w0, *b1 = w0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
            for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20, b2 += 20, b3 += 20) {
                const __m256i u0 = nibbles(b0 + 4), u1 = nibbles(b1 + 4), u2 = nibbles(b2 + 4), u3 = nibbles(b3 + 4);
                const float dw0 = f16(b0), dw1 = f16(b1), dw2 = f16(b2), dw3 = f16(b3);
                const __m128 s = _mm_set_ps(s0[3 * blocks + b], s0[2 * blocks + b], s0[blocks + b], s0[b]);
                m0 = _mm_fmadd_ps(_mm_set1_ps(f16(b0 + 2)), s, m0);
                m1 = _mm_fmadd_ps(_mm_set1_ps(f16(b1 + 2)), s, m1);
                m2 = _mm_fmadd_ps(_mm_set1_ps(f16(b2 + 2)), s, m2);
                m3 = _mm_fmadd_ps(_mm_set1_ps(f16(b3 + 2)), s, m3);
#define TOKEN4(k, A0, A1, A2, A3) { \
                    const __m256i a = _mm256_loadu_si256((const __m256i *)(q0 + (k) * act_stride + b * 32)); \
                    const float d = d0[(k) * blocks + b]; \
                    A0 = _mm256_fmadd_ps(_mm256_set1_ps(dw0 * d), V(dot_u8s8)(u0, a), A0); \
                    A1 = _mm256_fmadd_ps(_mm256_set1_ps(dw1 * d), V(dot_u8s8)(u1, a), A1); \
                    A2 = _mm256_fmadd_ps(_mm256_set1_ps(dw2 * d), V(dot_u8s8)(u2, a), A2); \
                    A3 = _mm256_fmadd_ps(_mm256_set1_ps(dw3 * d), V(dot_u8s8)(u3, a), A3); }
                TOKEN4(0, a00, a10, a20, a30)
                TOKEN4(1, a01, a11, a21, a31)
                TOKEN4(2, a02, a12, a22, a32)
                TOKEN4(3, a03, a13, a23, a33)
#undef TOKEN4
            }
            float mn[4][4];
            _mm_storeu_ps(mn[0], m0); _mm_storeu_ps(mn[1], m1); _mm_storeu_ps(mn[2], m2); _mm_storeu_ps(mn[3], m3);
            float *o = out + t * out_stride + r;
            o[0] = hsum(a00) + mn[0][0]; o[1] = hsum(a10) + mn[1][0]; o[2] = hsum(a20) + mn[2][0]; o[3] = hsum(a30) + mn[3][0];
            o += out_stride;
            o[0] = hsum(a01) + mn[0][1]; o[1] = hsum(a11) + mn[1][1]; o[2] = hsum(a21) + mn[2][1]; o[3] = hsum(a31) + mn[3][1];
            o += out_stride;
            o[0] = hsum(a02) + mn[0][2]; o[1] = hsum(a12) + mn[1][2]; o[2] = hsum(a22) + mn[2][2]; o[3] = hsum(a32) + mn[3][2];
            o += out_stride;
            o[0] = hsum(a03) + mn[0][3]; o[1] = hsum(a13) + mn[1][3]; o[2] = hsum(a23) + mn[2][3]; o[3] = hsum(a33) + mn[3][3];
        }
        for (long t = t4; t < tokens; t++)
            for (long k = 0; k < 4; k++)
                out[t * out_stride + r + k] = V(row_q4_1)(w0 + k * row_bytes, qa + t * act_stride, da + t * blocks,
                                                          sa + t * blocks, blocks);
    }
    if (r < row1)
        V(rag_gemm_q4_1_q8_1)(w, row_bytes, r, row1, qa, da, sa, act_stride, tokens, blocks, out, out_stride);
}

// Prefill, tile 4 rows × 4 tokens with the scales converted as vectors: the four rows' f16 scale and min sit side
// by side in each block, so one conversion gives all eight and permutes spread them (the tile above converts and
// broadcasts each scalar); the mins of two rows are one 8-lane fused multiply-add; a token's scale is broadcast from
// memory once for the four rows. The 512-bit row-pair tile's savings in 256-bit registers, for CPUs where timing
// prefers those (Zen 4 splits 512-bit instructions). Every output gets the 4 × 4 tile's operations: bit-identical.
VKERNEL static void V(rag_gemm4s_q4_1_q8_1)(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                               long blocks, float *out, long out_stride) {
    long r = row0;
    const long t4 = tokens & ~3L;
    const __m256i p0 = _mm256_set1_epi32(0), p2 = _mm256_set1_epi32(2), p4 = _mm256_set1_epi32(4), p6 = _mm256_set1_epi32(6);
    const __m256i pm01 = _mm256_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3), pm23 = _mm256_setr_epi32(5, 5, 5, 5, 7, 7, 7, 7);
    for (; r + 3 < row1 && t4 > 0; r += 4) {
        const uint8_t *w0 = (const uint8_t *)w + r * row_bytes;
        for (size_t o = 0; o < 4 * row_bytes; o += 64) _mm_prefetch((const char *)w0 + 16 * row_bytes + o, _MM_HINT_T0);
        for (long t = 0; t < t4; t += 4) {
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            __m256 a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            __m256 m01 = _mm256_setzero_ps(), m23 = m01;  // lane 4·(row mod 2) + token
            const int8_t *q0 = qa + t * act_stride;
            const float *d0 = da + t * blocks, *s0 = sa + t * blocks;
            const uint8_t *b0 = w0, *b1 = w0 + row_bytes, *b2 = b1 + row_bytes, *b3 = b2 + row_bytes;
            for (long b = 0; b < blocks; b++, b0 += 20, b1 += 20, b2 += 20, b3 += 20) {
                uint32_t h0, h1, h2, h3;
                __builtin_memcpy(&h0, b0, 4); __builtin_memcpy(&h1, b1, 4);
                __builtin_memcpy(&h2, b2, 4); __builtin_memcpy(&h3, b3, 4);
                const __m256 dm = _mm256_cvtph_ps(_mm_setr_epi32((int)h0, (int)h1, (int)h2, (int)h3));
                const __m128 s = _mm_set_ps(s0[3 * blocks + b], s0[2 * blocks + b], s0[blocks + b], s0[b]);
                const __m256 ss = _mm256_set_m128(s, s);
                m01 = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(dm, pm01), ss, m01);
                m23 = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(dm, pm23), ss, m23);
                const __m256 wd0 = _mm256_permutevar8x32_ps(dm, p0), wd1 = _mm256_permutevar8x32_ps(dm, p2);
                const __m256 wd2 = _mm256_permutevar8x32_ps(dm, p4), wd3 = _mm256_permutevar8x32_ps(dm, p6);
                const __m256i u0 = nibbles(b0 + 4), u1 = nibbles(b1 + 4), u2 = nibbles(b2 + 4), u3 = nibbles(b3 + 4);
#define TOKEN4S(k, A0, A1, A2, A3) { \
                    const __m256i a = _mm256_loadu_si256((const __m256i *)(q0 + (k) * act_stride + b * 32)); \
                    const __m256 d = _mm256_broadcast_ss(d0 + (k) * blocks + b); \
                    A0 = _mm256_fmadd_ps(_mm256_mul_ps(wd0, d), V(dot_u8s8)(u0, a), A0); \
                    A1 = _mm256_fmadd_ps(_mm256_mul_ps(wd1, d), V(dot_u8s8)(u1, a), A1); \
                    A2 = _mm256_fmadd_ps(_mm256_mul_ps(wd2, d), V(dot_u8s8)(u2, a), A2); \
                    A3 = _mm256_fmadd_ps(_mm256_mul_ps(wd3, d), V(dot_u8s8)(u3, a), A3); }
                TOKEN4S(0, a00, a10, a20, a30)
                TOKEN4S(1, a01, a11, a21, a31)
                TOKEN4S(2, a02, a12, a22, a32)
                TOKEN4S(3, a03, a13, a23, a33)
#undef TOKEN4S
            }
            float mn[16];
            _mm256_storeu_ps(mn, m01);
            _mm256_storeu_ps(mn + 8, m23);
            const float sum[16] = {hsum(a00), hsum(a01), hsum(a02), hsum(a03), hsum(a10), hsum(a11), hsum(a12), hsum(a13),
                                   hsum(a20), hsum(a21), hsum(a22), hsum(a23), hsum(a30), hsum(a31), hsum(a32), hsum(a33)};
            store_tile4x4(out + t * out_stride + r, out_stride, sum, mn);
        }
        for (long t = t4; t < tokens; t++)
            V(rag_rows_q4_1_q8_1)(w, row_bytes, r, r + 4, qa + t * act_stride, da + t * blocks, sa + t * blocks, blocks,
                                  out + t * out_stride);
    }
    if (r < row1)
        V(rag_gemm_q4_1_q8_1)(w, row_bytes, r, row1, qa, da, sa, act_stride, tokens, blocks, out, out_stride);
}

// Signed × signed through the unsigned instruction: |w| · (a with w's sign).
VKERNEL static inline __m256 V(dot_s8s8)(__m256i wq, __m256i a) {
    return V(dot_u8s8)(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(a, wq));
}

VKERNEL static inline float V(row_q8_0)(const uint8_t *b0, const int8_t *qa, const float *da, long blocks) {
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < blocks; b++, b0 += 34) {
        const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * da[b]), V(dot_s8s8)(_mm256_loadu_si256((const __m256i *)(b0 + 2)), a), acc);
    }
    return hsum(acc);
}

VKERNEL static void V(rag_rows_q8_0_q8_0)(const void *w, size_t row_bytes, long row0, long row1,
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
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * d), V(dot_s8s8)(_mm256_loadu_si256((const __m256i *)(b0 + 2)), a), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b1) * d), V(dot_s8s8)(_mm256_loadu_si256((const __m256i *)(b1 + 2)), a), acc1);
            acc2 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b2) * d), V(dot_s8s8)(_mm256_loadu_si256((const __m256i *)(b2 + 2)), a), acc2);
            acc3 = _mm256_fmadd_ps(_mm256_set1_ps(f16(b3) * d), V(dot_s8s8)(_mm256_loadu_si256((const __m256i *)(b3 + 2)), a), acc3);
        }
        out[r] = hsum(acc0);
        out[r + 1] = hsum(acc1);
        out[r + 2] = hsum(acc2);
        out[r + 3] = hsum(acc3);
    }
    for (; r < row1; r++) out[r] = V(row_q8_0)((const uint8_t *)w + r * row_bytes, qa, da, blocks);
}

// Several tokens (a batch of decoding sequences through the output head): 2 rows × 4 tokens per pass, so each weight
// block is loaded, its scale converted and its absolute value taken once for four tokens. Every output gets exactly
// the operations of V(rag_rows_q8_0_q8_0) (V(dot_s8s8) split into its two halves), in the same order: bit-identical.
VKERNEL static void V(rag_gemm_q8_0_q8_0)(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, long act_stride, long tokens,
                               long blocks, float *out, long out_stride) {
    long r = row0;
    const long t4 = tokens & ~3L;
    for (; r + 1 < row1 && t4 > 0; r += 2) {
        const uint8_t *w0 = (const uint8_t *)w + r * row_bytes, *w1 = w0 + row_bytes;
        // The head's 30 MB stream from memory: ask for the rows 8 ahead now, as the row kernel does.
        for (size_t o = 0; o < 2 * row_bytes; o += 64) _mm_prefetch((const char *)w0 + 8 * row_bytes + o, _MM_HINT_T0);
        for (long t = 0; t < t4; t += 4) {
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            const int8_t *q0 = qa + t * act_stride;
            const float *d0 = da + t * blocks;
            const uint8_t *b0 = w0, *b1 = w1;
            for (long b = 0; b < blocks; b++, b0 += 34, b1 += 34) {
                const __m256i x0 = _mm256_loadu_si256((const __m256i *)(b0 + 2)), x1 = _mm256_loadu_si256((const __m256i *)(b1 + 2));
                const __m256i u0 = _mm256_sign_epi8(x0, x0), u1 = _mm256_sign_epi8(x1, x1);
                const float dw0 = f16(b0), dw1 = f16(b1);
#define TOKEN8(k, A0, A1) { \
                    const __m256i a = _mm256_loadu_si256((const __m256i *)(q0 + (k) * act_stride + b * 32)); \
                    const float d = d0[(k) * blocks + b]; \
                    A0 = _mm256_fmadd_ps(_mm256_set1_ps(dw0 * d), V(dot_u8s8)(u0, _mm256_sign_epi8(a, x0)), A0); \
                    A1 = _mm256_fmadd_ps(_mm256_set1_ps(dw1 * d), V(dot_u8s8)(u1, _mm256_sign_epi8(a, x1)), A1); }
                TOKEN8(0, a00, a10)
                TOKEN8(1, a01, a11)
                TOKEN8(2, a02, a12)
                TOKEN8(3, a03, a13)
#undef TOKEN8
            }
            float *o = out + t * out_stride + r;
            o[0] = hsum(a00); o[1] = hsum(a10); o += out_stride;
            o[0] = hsum(a01); o[1] = hsum(a11); o += out_stride;
            o[0] = hsum(a02); o[1] = hsum(a12); o += out_stride;
            o[0] = hsum(a03); o[1] = hsum(a13);
        }
        for (long t = t4; t < tokens; t++) {
            out[t * out_stride + r] = V(row_q8_0)(w0, qa + t * act_stride, da + t * blocks, blocks);
            out[t * out_stride + r + 1] = V(row_q8_0)(w1, qa + t * act_stride, da + t * blocks, blocks);
        }
    }
    for (; r < row1; r++)
        for (long t = 0; t < tokens; t++)
            out[t * out_stride + r] = V(row_q8_0)((const uint8_t *)w + r * row_bytes, qa + t * act_stride, da + t * blocks, blocks);
}

VKERNEL static void V(rag_rows_q4_0_q8_0)(const void *w, size_t row_bytes, long row0, long row1,
                               const int8_t *qa, const float *da, long blocks, float *out) {
    const __m256i eight = _mm256_set1_epi8(8);
    for (long r = row0; r < row1; r++) {
        const uint8_t *b0 = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        for (long b = 0; b < blocks; b++, b0 += 18) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(qa + b * 32));
            const __m256i wq = _mm256_sub_epi8(nibbles(b0 + 2), eight);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b0) * da[b]), V(dot_s8s8)(wq, a), acc);
        }
        out[r] = hsum(acc);
    }
}

