/// Size arithmetic on numbers read from files: overflow is an answer (nil), never a wrap-around or a trap.
///
/// Shapes and offsets in model files are untrusted; `[2^62, 4]` multiplied with `*` wraps to 0 under
/// `-Ounchecked` and traps otherwise. Readers compute every size through these and refuse a nil.
extension Sequence where Element == Int {
    /// The product of the elements, or nil when any is negative or the product overflows `Int`.
    public var checkedProduct: Int? {
        var p = 1
        for x in self {
            guard x >= 0 else { return nil }
            let (r, overflow) = p.multipliedReportingOverflow(by: x)
            if overflow { return nil }
            p = r
        }
        return p
    }
}

extension Int {
    /// `self * other`, or nil on overflow.
    public func checkedMultiply(_ other: Int) -> Int? {
        let (r, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? nil : r
    }

    /// `self + other`, or nil on overflow.
    public func checkedAdd(_ other: Int) -> Int? {
        let (r, overflow) = addingReportingOverflow(other)
        return overflow ? nil : r
    }
}
