#include <cblas.h>
/* OpenBLAS extensions (thread control, core name) are declared in OpenBLAS's cblas.h. */
/* LAPACK's Cholesky solve, which libopenblas exports (Fortran ABI; blasint is int in Debian's 32-bit-index build):
   A (n×n, symmetric positive definite, column-major) X = B (n×nrhs). Used by ridge fits (query adapter, distilled
   query encoder). */
void sposv_(const char *uplo, const int *n, const int *nrhs, float *a, const int *lda, float *b, const int *ldb,
            int *info);
