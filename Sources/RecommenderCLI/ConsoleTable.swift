import Foundation

/// Aligned plain-text tables for the terminal: numeric columns right-aligned, text left-aligned.
struct ConsoleTable {
    var headers: [String]
    var rows: [[String]]
    /// Columns to right-align; `nil` right-aligns every column whose cells all read as numbers.
    var rightAligned: Set<Int>? = nil
    var indent = "  "

    func isNumeric(_ column: Int) -> Bool {
        let cells = rows.map { $0[column] }.filter { !$0.isEmpty }
        return !cells.isEmpty && cells.allSatisfy { Double($0.replacingOccurrences(of: ",", with: "")) != nil }
    }

    /// The table as lines (without trailing spaces).
    func lines() -> [String] {
        guard !rows.isEmpty else { return [indent + "(none)"] }
        let columns = headers.count
        let right = rightAligned ?? Set((0..<columns).filter(isNumeric))
        var widths = headers.map(\.count)
        for row in rows {
            for (c, cell) in row.enumerated() where c < columns { widths[c] = max(widths[c], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            var line = indent
            for c in 0..<columns {
                let cell = c < cells.count ? cells[c] : ""
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                line += right.contains(c) ? pad + cell : cell + pad
                if c < columns - 1 { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
        var out: [String] = []
        if headers.contains(where: { !$0.isEmpty }) { out.append(render(headers)) }
        out += rows.map(render)
        return out
    }
}

/// Number formatting shared by the commands.
enum Format {
    /// An integer with thousands separators: `100,000`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }

    /// A value with `decimals` decimals, or as an integer when it is one.
    static func number(_ value: Double, decimals: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded() && abs(value) < 1e15 { return grouped(Int(value)) }
        return String(format: "%.\(decimals)f", value)
    }

    /// A value with exactly `decimals` decimals.
    static func fixed(_ value: Double, decimals: Int = 3) -> String {
        value.isFinite ? String(format: "%.\(decimals)f", value) : "NaN"
    }
}
