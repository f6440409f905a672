/// `rag bench kernels`: the kernel variants timed on the real shapes, the int8 peak, and the choice in force.
import ArgumentParser
import Benchmarks
import Foundation
import Kernels

struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernels",
        abstract: "Time every kernel variant on the real shapes and print the table, the int8 peak and the choice.",
        discussion: """
            At first use on a machine the fastest variant of each kernel family is chosen by timing and cached per \
            CPU model and binary; RAG_KERNELS=decode=…,prefill=…,int8=… overrides. Run with \
            `env -u OPENBLAS_CORETYPE` on a quiet machine.
            """)

    @Flag(help: "Time again, choose again and rewrite the cached choice.") var remeasure = false
    @Flag(help: "Print one JSON object instead of the table.") var json = false

    func run() throws {
        let report = try KernelBenchmark.run(remeasure: remeasure)
        if json { try printJSON(report) } else { print(KernelBenchmark.table(report)) }
    }
}
