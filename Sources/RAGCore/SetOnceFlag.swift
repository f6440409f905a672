/// A flag any thread may set once and any thread may read: cancellation of a generation, "a text was already
/// sent", "the deadline expired".
import Foundation

public final class SetOnceFlag: @unchecked Sendable {  // a Bool guarded by `lock`
    private let lock = NSLock()
    private var value = false
    public init() {}
    public func set() { lock.withLock { value = true } }
    public var isSet: Bool { lock.withLock { value } }
}
