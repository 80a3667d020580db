import Foundation
import Recommender

/// Prints a line to standard error (progress, notes), keeping standard output for results.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Shows training progress on standard error: on a terminal a bar that redraws in place with
/// the latest metrics and the time left; otherwise (a pipe, a log file) one plain line per
/// reported step, at most about one per second plus the first and last.
final class ProgressReporter: Sendable {
    private struct State { var lastPrint = -Double.infinity; var drawn = false }
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let state = Locked(State())

    init(label: String) { self.label = label }

    /// Reports one event.
    func report(_ event: TrainingEvent) {
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        let last = event.step >= event.stepCount
        let metrics = event.metrics.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")
        let timing = String(format: "%.1f s, ETA %.1f s", event.elapsedSeconds, event.estimatedRemainingSeconds)
        state.withLock { s in
            if isTerminal {
                guard last || now - s.lastPrint >= 0.1 else { return }
                let width = 24, filled = event.stepCount > 0 ? width * event.step / event.stepCount : width
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                let line = "\(label) [\(bar)] \(event.unit) \(event.step)/\(event.stepCount)  \(metrics)  \(timing)"
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (last ? "\n" : "")).utf8))
                s.drawn = !last
            } else {
                guard last || event.step == 1 || now - s.lastPrint >= 1.0 else { return }
                printError("\(label): \(event.unit) \(event.step)/\(event.stepCount)" + (metrics.isEmpty ? "" : ": \(metrics)") + " (\(timing))")
            }
            s.lastPrint = now
        }
    }

    /// Ends an unfinished bar line (a fit that stopped early).
    func finish() {
        state.withLock { s in
            if s.drawn { FileHandle.standardError.write(Data("\n".utf8)); s.drawn = false }
        }
    }
}

/// A refusal found while running a command: printed as one `Error: ...` line, without the
/// usage text that argument-parser adds to a `ValidationError`.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
