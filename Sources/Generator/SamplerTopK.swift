/// Top-k: keep the k highest logits (k = 0: all tokens within 30 of the best logit, which loses only mass < e⁻³⁰).

struct TopK {
    let k: Int

    /// Builds the candidate set from the full logits.
    func candidates(from logits: UnsafePointer<Float>, vocab: Int) -> SamplerCandidates {
        var best: Float = -.infinity
        for i in 0..<vocab { best = max(best, logits[i]) }
        if k <= 0 || k >= vocab {
            var ids: [Int32] = [], ls: [Float] = []
            for i in 0..<vocab where logits[i] >= best - 30 { ids.append(Int32(i)); ls.append(logits[i]) }
            var c = SamplerCandidates(ids: ids, logits: ls)
            c.sortDescending()
            return c
        }
        // Min-heap of the k best (logit, id); ties prefer the lower id like a stable sort.
        var heap: [(Float, Int32)] = []
        heap.reserveCapacity(k)
        func less(_ a: (Float, Int32), _ b: (Float, Int32)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 > b.1) }
        func siftDown(_ i0: Int) {
            var i = i0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m); i = m
            }
        }
        for i in 0..<vocab {
            let e = (logits[i], Int32(i))
            if heap.count < k {
                heap.append(e)
                var j = heap.count - 1
                while j > 0 { let p = (j - 1) / 2; if less(heap[j], heap[p]) { heap.swapAt(j, p); j = p } else { break } }
            } else if less(heap[0], e) {
                heap[0] = e
                siftDown(0)
            }
        }
        var c = SamplerCandidates(ids: heap.map { $0.1 }, logits: heap.map { $0.0 })
        c.sortDescending()
        return c
    }
}
