/// The instruction-set paths the kernels chose at run time on this CPU, for `rag --version` and bug reports.
public enum KernelFeatures {
    /// One line per kernel family: the generator's quantised dot products, the encoder's int8 GEMM, OpenBLAS.
    public static var summary: [String] {
        let quant: String
        switch QuantKernelVariant.current {
        case .avx512VNNI: quant = "AVX-512 VNNI"
        case .avxVNNI: quant = "AVX-VNNI"
        case .avx2: quant = "AVX2"
        case nil: quant = "portable Swift"
        }
        return [
            "generator quantised kernels: \(quant)",
            "encoder int8 GEMM: \(KernelVariant.current(.int8)?.name ?? "portable")",
            "kernels chosen: \(KernelSelection.choices.map { "\($0.family)=\($0.variant) (\($0.source.rawValue))" }.joined(separator: ", "))",
            "BLAS (OpenBLAS): \(BLASRuntime.coreName())",
        ]
    }
}
