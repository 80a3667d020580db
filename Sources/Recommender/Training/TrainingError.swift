/// Errors that stop training.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The loss became NaN or infinite at `iteration`; nothing was fitted.
    case diverged(iteration: Int, hint: String)
    /// The training data or configuration cannot be trained on.
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .diverged(iteration, hint): return "training diverged at iteration \(iteration): the loss is not finite; \(hint)"
        case .invalidInput(let message): return message
        }
    }
}
