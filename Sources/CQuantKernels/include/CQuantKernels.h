// Generator kernels in C: quantised dot products (ggml block formats × 8-bit activations) with AVX2 byte
// multiply-adds, which Swift's code generator does not emit (vpmaddubsw), and the few float operations whose
// rounding must follow llama.cpp's x86 build exactly (FMA contraction, reduction order, its vectorised exp) for
// the logits to agree bit for bit. Called from Kernels; portable Swift fallbacks exist there.
#ifndef CQUANTKERNELS_H
#define CQUANTKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the AVX2 kernels below are compiled in and the CPU supports AVX2, FMA and F16C.
int rag_quant_kernels_available(void);
/// The row-kernel variants this CPU runs, as bits: 1 AVX2, 2 AVX-VNNI, 4 AVX-512 VNNI (256-bit); 0 when none.
/// All give bit-identical results (the same int32 block sums, the same float operations in the same order).
int rag_quant_kernels_variants(void);
/// The variant in use (one bit of the above; the fastest available unless chosen).
int rag_quant_kernels_variant(void);
/// Selects a variant (one bit; 0 = the default). Returns 0, changing nothing, when the CPU lacks it. For tests.
int rag_quant_kernels_use_variant(int v);

/// out[r] = W[r,:]·a for r in [row0, row1): W rows `row_bytes` apart from `w`, `blocks` blocks of 32 per row;
/// activations: `qa` int8 quants, `da` per-block scales, `sa` per-block d·Σq (Q4_1 only).
void rag_rows_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, const float *sa, long blocks, float *out);
/// The same for `tokens` activation rows (`act_stride` quants apart; scales `blocks` apart):
/// out[t·out_stride + r] = W[r,:]·a_t, with exactly the arithmetic of rag_rows_q4_1_q8_1.
void rag_gemm_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                        long blocks, float *out, long out_stride);
/// The prefill GEMM's variant: instruction set bit | tile << 8 (tile 0: 2 rows × 4 tokens, 1: 4 rows × 4 tokens,
/// 2: 4 rows × 4 tokens on 512-bit registers, two tokens per register, 3: the same, two rows per register; 2 and 3
/// AVX-512 VNNI only; 4: 4 rows × 4 tokens, scales converted as vectors).
/// Unless chosen, the row kernels' variant with tile 0. Every variant and tile gives bit-identical results.
int rag_quant_gemm_variant(void);
/// Chooses the prefill GEMM's instruction set (one bit; 0 = back to the default) and tile. 0 when unavailable.
int rag_quant_gemm_use_variant(int isa, int tile);
/// rag_gemm_q4_1_q8_1 / rag_rows_q4_1_q8_1 through one given variant (which must be available), for timing.
void rag_gemm_q4_1_q8_1_with(int isa, int tile, const void *w, size_t row_bytes, long row0, long row1,
                             const int8_t *qa, const float *da, const float *sa, long act_stride, long tokens,
                             long blocks, float *out, long out_stride);
void rag_rows_q4_1_q8_1_with(int isa, const void *w, size_t row_bytes, long row0, long row1,
                             const int8_t *qa, const float *da, const float *sa, long blocks, float *out);
/// `iters` rounds of 12 independent int8 multiply-add chains with no memory traffic, to time a core's peak:
/// kind 1 AVX2 vpmaddubsw+vpmaddwd (32 byte products per instruction group), 2 AVX-VNNI vpdpbusd ymm (32),
/// 3 AVX-512 VNNI vpdpbusd ymm (32), 4 AVX-512 VNNI vpdpbusd zmm (64). Returns 0 at once when the CPU lacks it.
int rag_int8_peak_loop(int kind, long iters, int seed);

void rag_rows_q4_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out);
void rag_rows_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out);
/// rag_rows_q8_0_q8_0 for `tokens` activation rows (`act_stride` quants apart; scales `blocks` apart):
/// out[t·out_stride + r] = W[r,:]·a_t, bit-identical to the row kernel (a batch of sequences through the output head).
void rag_gemm_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1, const int8_t *qa, const float *da,
                        long act_stride, long tokens, long blocks, float *out, long out_stride);

/// Causal attention of one query head over `positions` cached positions of an f16 KV cache (rows `stride`
/// halves apart): out = softmax(q·k_p · scale) · V. `scores` needs `positions` floats. head_dim % 16 == 0.
void rag_attend_f16(const float *q, const uint16_t *keys, const uint16_t *values, long stride, long positions,
                    long head_dim, float scale, float *scores, float *out);

/// Rotary embedding of `heads` vectors in place, adjacent pairs rotated by the position's cos/sin table.
void rag_rope(float *x, long heads, long head_dim, const float *c, const float *s);
/// gate[i] = silu(gate[i]) · up[i], silu(x) = x / (1 + e^−x), with llama.cpp's vectorised exp.
void rag_swiglu(float *gate, const float *up, long n);

/// The same for a batch of one query token, in the order llama.cpp's decode step sums (see the .c file).
void rag_attend_f16_single(const float *q, const uint16_t *keys, const uint16_t *values, long stride,
                           long positions, long head_dim, float scale, float *scores, float *out);

/// f32 → f16 (round to nearest even), n values.
void rag_f32_to_f16(const float *x, uint16_t *y, long n);

#endif
