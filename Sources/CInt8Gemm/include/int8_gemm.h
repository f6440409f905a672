/* Integer GEMM for the encoder's int8 linear layers: int16 lanes (int8 weight codes, ≤14-bit activation codes),
 * int32 accumulation, float rescale. AVX-512 VNNI (vpdpwssd) when the CPU has it, portable loops otherwise. */
#ifndef RAG_INT8_GEMM_H
#define RAG_INT8_GEMM_H
#include <stddef.h>
#include <stdint.h>

/* Columns per packed block and blocks per register tile: n is padded to a multiple of 64. */
#define RAG_I16_BLOCK 16
#define RAG_I16_NPAD 64

/* 1 when the AVX-512 VNNI kernel runs on this CPU. */
int rag_i16_has_vnni(void);

/* Bytes-free size in int16 elements of B packed: n rounded up to 64, times kpad (even). */
size_t rag_i16_packed_size(int n, int kpad);

/* Packs B (n rows of kpad int16, row stride ldb) into blocks of 16 columns × pairs of k, zero padding n to 64. */
void rag_i16_pack_b(const int16_t *b, int ldb, int n, int kpad, int16_t *packed);

/* out[i*ldo + j] = as[i] * bs[j] * sum_k a[i*lda + k] * B[j][k] for i < m, j < n; kpad even, bs padded to 64. */
void rag_i16_gemm(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs, int n,
                  int kpad, float *out, int ldo);

/* The same product on the portable path regardless of the CPU (tests check it on VNNI machines too). */
void rag_i16_gemm_portable(const int16_t *a, int lda, const float *as, int m, const int16_t *packed, const float *bs,
                           int n, int kpad, float *out, int ldo);

/* Kernel variants, as bits: every one gives the same output bit for bit (exact int32 sums, the same rescale). */
#define RAG_I16_PORTABLE 1
#define RAG_I16_VNNI512 2 /* AVX-512 VNNI on zmm: 4 rows × 64 columns */
#define RAG_I16_VNNI256 4 /* AVX-512 VL VNNI on ymm: 4 rows × 32 columns */
#define RAG_I16_AVXVNNI 8 /* AVX-VNNI (VEX) on ymm: 4 rows × 32 columns */
/* The variants this CPU runs. */
int rag_i16_gemm_variants(void);
/* The variant rag_i16_gemm uses (the widest available unless one was chosen). */
int rag_i16_gemm_variant(void);
/* Chooses the variant rag_i16_gemm uses (0: back to the default). Returns 0, changing nothing, if unavailable. */
int rag_i16_gemm_use_variant(int v);
/* rag_i16_gemm through one given variant (which must be available). */
void rag_i16_gemm_with(int variant, const int16_t *a, int lda, const float *as, int m, const int16_t *packed,
                       const float *bs, int n, int kpad, float *out, int ldo);

/* Quantises `rows` rows of k floats (row stride ldx) symmetrically to integers in [-limit, limit], rows of `ldq`
 * int16 (k..ldq zero filled); scales[r] = max|x_r| / limit (0 for an all-zero row). Rounds to nearest even. */
void rag_i16_quantize_rows(const float *x, int ldx, int rows, int k, int16_t limit, int16_t *q, int ldq, float *scales);

#endif
