import Foundation
import Testing
@testable import Tuning

@Suite struct TPESamplerTests {
    let space = SearchSpace(name: "test", dimensions: [
        Dimension("x", section: "retrieval", .real(0...1, log: false), default: .real(0.5)),
        Dimension("n", section: "retrieval", .integer(1...100, log: true), default: .integer(10)),
        Dimension("c", section: "retrieval", .choice(["a", "b", "c"]), default: .text("a")),
    ])

    /// Higher near x = 0.85 and with choice b.
    func score(_ s: TuneSettings) -> Double {
        -abs(s["x"]!.realValue! - 0.85) + (s["c"]!.textValue == "b" ? 0.3 : 0)
    }

    func proposals(seed: UInt64, count: Int) -> [TuneSettings] {
        var sampler = TPESampler(space: space, seed: seed)
        var history: [(settings: TuneSettings, score: Double)] = []
        for _ in 0..<count {
            let s = sampler.next(history: history)
            history.append((s, score(s)))
        }
        return history.map(\.settings)
    }

    @Test func aSeedFixesTheProposals() {
        #expect(proposals(seed: 5, count: 30) == proposals(seed: 5, count: 30))
        #expect(proposals(seed: 5, count: 30) != proposals(seed: 6, count: 30))
    }

    @Test func valuesStayInsideTheirDimensions() {
        for s in proposals(seed: 1, count: 40) {
            #expect((0...1).contains(s["x"]!.realValue!))
            #expect((1...100).contains(s["n"]!.integerValue!))
            #expect(["a", "b", "c"].contains(s["c"]!.textValue!))
        }
    }

    @Test func modelBasedProposalsBeatTheRandomStart() {
        let all = proposals(seed: 11, count: 40)
        let startup: [Double] = all.prefix(10).map(score), later: [Double] = all.suffix(20).map(score)
        let startupMean: Double = startup.reduce(0, +) / 10, laterMean: Double = later.reduce(0, +) / 20
        #expect(laterMean > startupMean)
        #expect(all.suffix(20).filter { $0["c"]!.textValue == "b" }.count > 10)
    }
}
