/// A benchmark that cannot run or whose result fails its own check (a loss that did not
/// decrease, non-finite values, inputs that do not match).
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, naming the setting or input at fault.
    public let message: String

    /// An error with a message.
    /// - Parameter message: what went wrong.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
