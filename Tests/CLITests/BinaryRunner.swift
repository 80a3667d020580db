import Foundation

/// Runs the built `recommender` executable and captures what it prints.
///
/// The binary sits next to the test bundle: SwiftPM puts both in `.build/<triple>/<config>/`
/// (on Linux the bundle is `RecommenderPackageTests.xctest`, a file in that folder; on macOS
/// a bundle folder inside it). Works for `swift test` and `swift test -c release`.
enum BinaryRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Whether the process was ended by a signal (a crash, or the timeout's kill).
        var signalled = false
        /// Whether the timeout ran out and the process was killed.
        var timedOut = false
        var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    }

    static var binaryURL: URL? {
        var candidates: [URL] = []
        for bundle in Bundle.allBundles {
            let url = bundle.bundleURL
            candidates.append(url.deletingLastPathComponent().appendingPathComponent("recommender"))
            candidates.append(url.appendingPathComponent("recommender"))
        }
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(argument0.deletingLastPathComponent().appendingPathComponent("recommender"))
        // The test bundle path also appears in the process arguments on Linux.
        for argument in CommandLine.arguments where argument.hasSuffix(".xctest") {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent().appendingPathComponent("recommender"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil, input: Data? = nil,
                    timeout: TimeInterval? = nil) throws -> Result {
        guard let binary = binaryURL else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "recommender binary not found next to the test bundle"])
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            // Written from another thread: a large input must not block on a full pipe.
            let writer = stdin.fileHandleForWriting
            DispatchQueue.global().async { writer.write(input); try? writer.close() }
        }
        let timer = TimeoutFlag()
        if let timeout {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak process] in
                guard let process, process.isRunning, process.processIdentifier == pid else { return }
                timer.fired = true
                kill(pid, SIGKILL)
            }
        }
        // Drain stderr on another thread while reading stdout, so neither pipe can fill up and
        // block the child.
        let errBox = DataBox()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self),
                      signalled: process.terminationReason == .uncaughtSignal, timedOut: timer.fired)
    }
}

/// Set when a run's timeout killed it.
private final class TimeoutFlag: @unchecked Sendable {
    var fired = false
}

/// Holds the bytes read on the stderr thread (written once before the semaphore is signalled).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
