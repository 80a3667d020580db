import ArgumentParser
import Foundation
import Recommender

/// How a command writes its answer: aligned tables for people, or JSON (one document whose
/// schema is in docs/schemas/) or CSV (a header line, then rows) for programs. Results go to
/// standard output (or `--output FILE`); notes and progress go to standard error.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, csv
}

/// Where an answer goes: standard output, or a file written under a temporary name and moved
/// into place when complete (so a reader never sees half a file). Text is buffered and written
/// in large blocks, so millions of rows stream without being held in memory.
final class AnswerOutput {
    private let handle: FileHandle
    private let path: String?
    private let temporary: URL?
    private var buffer = [UInt8]()

    /// Opens standard output (`path == nil` or `"-"`), or a file at `path` (its folder is created).
    init(path: String?) throws {
        if let path, path != "-" {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
            guard FileManager.default.createFile(atPath: partial.path, contents: nil),
                  let handle = FileHandle(forWritingAtPath: partial.path) else {
                throw CLIError("cannot write \(path)")
            }
            self.handle = handle
            self.path = path
            temporary = partial
        } else {
            handle = FileHandle.standardOutput
            self.path = nil
            temporary = nil
        }
        buffer.reserveCapacity(1 << 20)
    }

    /// Whether the answer goes to a file.
    var isFile: Bool { path != nil }

    /// Appends `line` and a line break.
    func line(_ line: String) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Appends text as is.
    func text(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        // Lines already printed with `print` (a table's heading) come first.
        if path == nil { fflush(nil) }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left and, for a file, moves it into place.
    func finish() throws {
        try flush()
        guard let path, let temporary else { return }
        try handle.close()
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        try FileManager.default.moveItem(at: temporary, to: url)
    }

    /// Writes a whole answer (JSON document or CSV header and rows) and finishes.
    static func write(to path: String?, _ body: (AnswerOutput) throws -> Void) throws {
        let output = try AnswerOutput(path: path)
        do {
            try body(output)
            try output.finish()
        } catch {
            output.abandon()
            throw error
        }
    }

    /// Removes the temporary file after a failure.
    func abandon() {
        guard let temporary else { return }
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
    }
}

/// Where a command's notes go: standard output when they belong to a table for people,
/// standard error when the answer is JSON or CSV (or goes to a file).
func noteWriter(onStandardOutput: Bool) -> (String) -> Void {
    if onStandardOutput { return { line in print(line) } }
    return { line in printError(line) }
}

