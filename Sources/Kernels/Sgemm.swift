/// Single-precision matrix products through OpenBLAS (`cblas_sgemm`), row-major, named by the transposition they do.
import CBLAS

public enum Sgemm {
    /// C (m×n, row stride ldc) = alpha · A (m×k, lda) · Bᵀ where B is n×k (ldb) — the shape of `x · Wᵀ` with a
    /// PyTorch `Linear` weight W (out×in) — plus beta · C.
    @inline(__always)
    public static func abT(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                           b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                    b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C (m×n, ldc) = alpha · A (m×k, lda) · B (k×n, ldb) + beta · C.
    @inline(__always)
    public static func ab(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                          b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                    b, Int32(ldb), beta, c, Int32(ldc))
    }
}
