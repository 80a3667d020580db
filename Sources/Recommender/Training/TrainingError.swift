/// Why a fit failed: the one error type of every algorithm's training.
///
/// Messages name hyper-parameters by their table names (``HyperparameterSpec/name``), which
/// are also the command-line option names, never other spellings.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is nothing to train on (no interactions, or none left after a threshold).
    case emptyTraining
    /// The training data or a setting cannot be trained on; the message says why and what to do.
    case invalidInput(String)
    /// A hyper-parameter value is of the wrong type or out of bounds.
    case invalidHyperparameter(algorithm: String, name: String, reason: String)
    /// A hyper-parameter the algorithm does not have; `known` lists those it has.
    case unknownHyperparameter(algorithm: String, name: String, known: [String])
    /// The parameters became NaN or infinite at `iteration` (epoch, sweep); nothing was fitted.
    case diverged(iteration: Int, hint: String)

    public var description: String {
        switch self {
        case .emptyTraining:
            return "nothing to train on: the training data has no interactions"
        case .invalidInput(let message):
            return message
        case let .invalidHyperparameter(algorithm, name, reason):
            return "\(algorithm): invalid \(name): \(reason)"
        case let .unknownHyperparameter(algorithm, name, known):
            return "\(algorithm) has no hyper-parameter '\(HyperparameterSpec.printable(name))'; it has: \(known.joined(separator: ", "))"
        case let .diverged(iteration, hint):
            return "training diverged at iteration \(iteration): the parameters are not finite; \(hint)"
        }
    }
}

import Foundation

/// Checks the parameters a trainer produced: NaN or infinity anywhere means the fit diverged.
enum FiniteCheck {
    /// Whether every value is finite.
    @inline(__always)
    static func allFinite(_ p: UnsafePointer<Float>, _ count: Int) -> Bool {
        // x - x is 0 for finite x and NaN for NaN/inf: one sum decides (no branch per value).
        var acc: Float = 0
        for k in 0..<count { acc += p[k] - p[k] }
        return acc == 0
    }

    /// Whether every value is finite.
    static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { b in b.baseAddress.map { allFinite($0, b.count) } ?? true }
    }

    /// Throws ``TrainingError/diverged(iteration:hint:)`` unless every array is finite.
    /// - Parameters:
    ///   - arrays: the fitted parameters.
    ///   - iteration: the iteration (epoch) just finished, for the message.
    ///   - hint: what to change, naming the option (e.g. "lower --learning-rate (was 1e30)").
    static func require(_ arrays: [[Float]], iteration: Int, hint: String) throws {
        for a in arrays where !allFinite(a) { throw TrainingError.diverged(iteration: iteration, hint: hint) }
    }
}

/// The number of elements of a `rows × columns` parameter matrix.
/// - Throws: ``TrainingError/invalidInput(_:)`` when the count overflows or the matrix would not
///   fit in this machine's memory (e.g. `--embedding-dim 100000000`), before anything is allocated.
func parameterCount(_ rows: Int, _ columns: Int, what: String) throws -> Int {
    let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
    let bytes = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
    let memory = ProcessInfo.processInfo.physicalMemory
    guard rows >= 0, columns >= 0, !overflow, !bytes.overflow, UInt64(bytes.partialValue) <= memory else {
        let gigabytes = Double(rows) * Double(columns) * 4 / 1e9
        throw TrainingError.invalidInput(String(format: "%@ would need %d × %d floats (%.3g GB), more than this machine's %.3g GB of memory; choose a smaller size",
                                                what, rows, columns, gigabytes, Double(memory) / 1e9))
    }
    return count
}

/// Throws ``TrainingError/diverged(iteration:hint:)`` when a fitted model holds NaN or infinite
/// parameters, so that such a model is never returned (nor saved).
/// - Parameters:
///   - model: the fitted model (its archive's float sections are checked).
///   - iteration: the last iteration or epoch run, for the message.
///   - hint: the advice, naming the setting to change.
func requireFinite(_ model: some PersistableModel, iteration: Int, hint: String) throws {
    if model.archive().firstNonFiniteSection() != nil {
        throw TrainingError.diverged(iteration: iteration, hint: hint)
    }
}

/// Refuses a fit whose working set (`floats` 4-byte numbers in all) exceeds half of this
/// machine's memory, before anything is allocated.
/// - Throws: ``TrainingError/invalidInput(_:)`` naming `what` and the sizes.
func checkMemoryBudget(floats: Double, what: String) throws {
    let memory = Double(ProcessInfo.processInfo.physicalMemory)
    guard floats.isFinite, floats * 4 <= memory / 2 else {
        throw TrainingError.invalidInput(String(format: "%@ would need about %.3g GB, more than half of this machine's %.3g GB of memory; choose smaller sizes",
                                                what, floats * 4 / 1e9, memory / 1e9))
    }
}
