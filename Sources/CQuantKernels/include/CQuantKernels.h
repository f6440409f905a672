// Quantised dot products (ggml block formats × 8-bit activations) with AVX2 byte multiply-adds, which Swift's
// code generator does not emit (vpmaddubsw). Called from Kernels' QuantMatrix; Swift fallbacks exist elsewhere.
#ifndef CQUANTKERNELS_H
#define CQUANTKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the AVX2 kernels below are compiled in and the CPU supports AVX2, FMA and F16C.
int rag_quant_kernels_available(void);

/// out[r] = W[r,:]·a for r in [row0, row1): W rows `row_bytes` apart from `w`, `blocks` blocks of 32 per row;
/// activations: `qa` int8 quants, `da` per-block scales, `sa` per-block d·Σq (Q4_1 only).
void rag_rows_q4_1_q8_1(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, const float *sa, long blocks, float *out);
void rag_rows_q4_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out);
void rag_rows_q8_0_q8_0(const void *w, size_t row_bytes, long row0, long row1,
                        const int8_t *qa, const float *da, long blocks, float *out);

#endif
