/// Ridge regression's normal equations, solved by Cholesky (LAPACK `sposv_`, from OpenBLAS): the fits of the query
/// adapter and the distilled query encoder.
import CBLAS

public enum RidgeSolve {
    /// Gram products for a ridge fit: G (d×d) = Xᵀ X and C (d×e) = Xᵀ Y, with X (n×d) and Y (n×e) row-major.
    public static func gram(x: [Float], y: [Float], n: Int, d: Int, e: Int) -> (xtx: [Float], xty: [Float]) {
        var xtx = [Float](repeating: 0, count: d * d)
        var xty = [Float](repeating: 0, count: d * e)
        guard n > 0 else { return (xtx, xty) }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                xtx.withUnsafeMutableBufferPointer { g in
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1, xp.baseAddress, Int32(d),
                                xp.baseAddress, Int32(d), 0, g.baseAddress, Int32(d))
                }
                xty.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(e), Int32(n), 1, xp.baseAddress, Int32(d),
                                yp.baseAddress, Int32(e), 0, c.baseAddress, Int32(e))
                }
            }
        }
        return (xtx, xty)
    }

    /// Solves A X = B for symmetric positive definite A (d×d) and B (d×e), both row-major; X (d×e, row-major), or
    /// nil when A is not positive definite (LAPACK's `info` > 0).
    public static func solve(a: [Float], b: [Float], d: Int, e: Int) -> [Float]? {
        // A is symmetric, so its row-major layout is its column-major one. B must be column-major for LAPACK:
        // transpose in, transpose the solution back.
        var am = a
        var bm = [Float](repeating: 0, count: d * e)
        for i in 0..<d { for j in 0..<e { bm[j * d + i] = b[i * e + j] } }
        var n = Int32(d), nrhs = Int32(e), lda = Int32(d), ldb = Int32(d), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        am.withUnsafeMutableBufferPointer { ap in
            bm.withUnsafeMutableBufferPointer { bp in
                sposv_(&uplo, &n, &nrhs, ap.baseAddress, &lda, bp.baseAddress, &ldb, &info)
            }
        }
        guard info == 0 else { return nil }
        var out = [Float](repeating: 0, count: d * e)
        for i in 0..<d { for j in 0..<e { out[i * e + j] = bm[j * d + i] } }
        return out
    }

    /// y (cols) = x (rows) · M (rows×cols, row-major), optionally plus `bias`.
    public static func rowTimes(_ x: [Float], _ m: [Float], rows: Int, cols: Int, bias: [Float]? = nil) -> [Float] {
        var y = bias ?? [Float](repeating: 0, count: cols)
        x.withUnsafeBufferPointer { xp in
            m.withUnsafeBufferPointer { mp in
                y.withUnsafeMutableBufferPointer { yp in
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(cols), 1, mp.baseAddress, Int32(cols),
                                xp.baseAddress, 1, 1, yp.baseAddress, 1)
                }
            }
        }
        return y
    }

    /// Y (n×cols) = X (n×rows) · M (rows×cols), all row-major.
    public static func times(_ x: [Float], _ m: [Float], n: Int, rows: Int, cols: Int) -> [Float] {
        var y = [Float](repeating: 0, count: n * cols)
        guard n > 0 else { return y }
        x.withUnsafeBufferPointer { xp in
            m.withUnsafeBufferPointer { mp in
                y.withUnsafeMutableBufferPointer { yp in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(cols), Int32(rows), 1, xp.baseAddress,
                                Int32(rows), mp.baseAddress, Int32(cols), 0, yp.baseAddress, Int32(cols))
                }
            }
        }
        return y
    }
}
