import Foundation

/// The metrics recorded during training: one row per logged iteration.
///
/// Each row maps metric names (e.g. the notebook's `train_error`, `test_error`) to values.
/// ``metricNames`` keeps the order in which names first appeared, which is the column order of
/// ``csv()`` and of progress lines.
public struct TrainingHistory: Sendable, Equatable {
    /// One logged iteration.
    public struct Row: Sendable, Equatable {
        /// The iteration number (0 = before any update).
        public var iteration: Int
        /// Metric values by name.
        public var values: [String: Double]
        /// Creates a row.
        public init(iteration: Int, values: [String: Double]) {
            self.iteration = iteration
            self.values = values
        }
    }

    /// The rows, in iteration order.
    public private(set) var rows: [Row] = []
    /// Metric names in first-appearance order.
    public private(set) var metricNames: [String] = []

    /// An empty history.
    public init() {}

    /// Appends a row; `values` are in display order (that order defines new columns).
    public mutating func append(iteration: Int, _ values: KeyValuePairs<String, Double>) {
        append(iteration: iteration, values.map { ($0.key, $0.value) })
    }

    /// Appends a row; `values` are in display order (that order defines new columns).
    public mutating func append(iteration: Int, _ values: [(String, Double)]) {
        var dict: [String: Double] = [:]
        for (name, value) in values {
            if !metricNames.contains(name) { metricNames.append(name) }
            dict[name] = value
        }
        rows.append(Row(iteration: iteration, values: dict))
    }

    /// The last row, if any.
    public var last: Row? { rows.last }

    /// Metric groups for a chart: the errors and scores in one panel, the loss terms (names
    /// containing `loss`) in another, leaving out empty panels.
    public var defaultGroups: [[String]] {
        let losses = metricNames.filter { $0.contains("loss") }
        let others = metricNames.filter { !$0.contains("loss") }
        return [others, losses].filter { !$0.isEmpty }
    }

    /// The (iteration, value) points of one metric, for charts.
    public func series(_ name: String) -> [(x: Double, y: Double)] {
        rows.compactMap { row in row.values[name].map { (Double(row.iteration), $0) } }
    }

    /// The history as CSV: a header `iteration,<metric>,...`, then one line per row
    /// (empty cells where a row lacks a metric).
    public func csv() -> String {
        var out = (["iteration"] + metricNames).joined(separator: ",") + "\n"
        for row in rows {
            out += String(row.iteration)
            for name in metricNames {
                out += ","
                if let v = row.values[name] { out += Self.format(v) }
            }
            out += "\n"
        }
        return out
    }

    /// The history as JSON: `{"metrics": [...], "rows": [{"iteration": 0, "train_error": ...}, ...]}`.
    public func json() -> String {
        var out = "{\n  \"metrics\": [" + metricNames.map { "\"\(Self.escape($0))\"" }.joined(separator: ", ") + "],\n  \"rows\": ["
        for (k, row) in rows.enumerated() {
            var fields = ["\"iteration\": \(row.iteration)"]
            for name in metricNames {
                if let v = row.values[name] { fields.append("\"\(Self.escape(name))\": " + (v.isFinite ? Self.format(v) : "null")) }
            }
            out += (k == 0 ? "\n    {" : ",\n    {") + fields.joined(separator: ", ") + "}"
        }
        out += rows.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    /// Parses the output of ``csv()``.
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` naming `file` and the line.
    public init(csv text: String, file: String = "history.csv") throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { throw DataError.emptyFile(path: file) }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard header.first == "iteration" else { throw DataError.malformedLine(file: file, line: 1, reason: "header must start with 'iteration'") }
        metricNames = Array(header.dropFirst())
        for (k, line) in lines.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == header.count, let iteration = Int(cells[0]) else {
                throw DataError.malformedLine(file: file, line: k + 2, reason: "expected \(header.count) fields starting with an iteration number")
            }
            var values: [String: Double] = [:]
            for (name, cell) in zip(metricNames, cells.dropFirst()) where !cell.isEmpty {
                guard let v = Double(cell) else { throw DataError.malformedLine(file: file, line: k + 2, reason: "'\(cell)' is not a number") }
                values[name] = v
            }
            rows.append(Row(iteration: iteration, values: values))
        }
    }

    /// Writes `history.csv` and `history.json` into `directory`.
    public func write(to directory: URL, baseName: String = "history") throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try csv().write(to: directory.appendingPathComponent("\(baseName).csv"), atomically: true, encoding: .utf8)
        try json().write(to: directory.appendingPathComponent("\(baseName).json"), atomically: true, encoding: .utf8)
    }

    static func format(_ v: Double) -> String {
        v.isFinite ? String(format: "%.6g", v) : (v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf"))
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
