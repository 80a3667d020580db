import Recommender
/// Arranges several SVG documents into one.
public enum SVGLayout {
    /// Places the charts in a grid, row by row, as one standalone SVG document.
    ///
    /// Each chart keeps its own size (read from its root `width`/`height` attributes); every
    /// cell of a column is as wide as its widest chart and every row as tall as its tallest.
    /// - Parameters:
    ///   - svgs: Standalone SVG documents (such as the charts of this module make).
    ///   - columns: Charts per row (at least 1).
    ///   - title: An optional title above the grid.
    /// - Returns: The combined SVG markup.
    /// - Complexity: O(total length of `svgs`).
    public static func grid(_ svgs: [String], columns: Int, title: String? = nil) -> String {
        let columns = max(columns, 1)
        let sizes = svgs.map(size(of:))
        let rowCount = (svgs.count + columns - 1) / columns
        var columnWidths = [Double](repeating: 0, count: min(columns, max(svgs.count, 1)))
        var rowHeights = [Double](repeating: 0, count: rowCount)
        for (k, s) in sizes.enumerated() {
            columnWidths[k % columns] = max(columnWidths[k % columns], s.width)
            rowHeights[k / columns] = max(rowHeights[k / columns], s.height)
        }
        let gap = 10.0
        let totalWidth = max(Int((columnWidths.reduce(0, +) + gap * Double(columnWidths.count + 1)).rounded(.up)), 100)
        // A long title wraps onto a second line (shortened with "…" beyond; the full text is its hover text).
        let titleSize = 17.0
        let titleLines = (title?.isEmpty ?? true) ? []
            : TextMetrics.wrap(title!, toWidth: Double(totalWidth) - 24, size: titleSize, bold: true, maxLines: 2)
        let titleHeight: Double = titleLines.isEmpty ? 0 : 40 + Double(titleLines.count - 1) * (titleSize + 4)
        let totalHeight = max(Int((titleHeight + rowHeights.reduce(0, +) + gap * Double(rowCount + 1)).rounded(.up)), 60)
        var w = SVGWriter(width: totalWidth, height: totalHeight)
        if let title, !titleLines.isEmpty {
            let abbreviated = titleLines.joined(separator: " ") != title
            for (k, line) in titleLines.enumerated() {
                w.text(line, x: Double(totalWidth) / 2, y: 28 + Double(k) * (titleSize + 4), size: titleSize, anchor: .middle,
                       bold: true, cssClass: "grid-title", title: abbreviated ? title : nil)
            }
        }
        var y = titleHeight + gap
        for row in 0..<rowCount {
            var x = gap
            for column in 0..<columns {
                let k = row * columns + column
                guard k < svgs.count else { break }
                w.raw(positioned(svgs[k], x: x, y: y))
                x += columnWidths[column] + gap
            }
            y += rowHeights[row] + gap
        }
        return w.document(description: title)
    }

    /// The root element's width and height attributes (640 × 400 when absent).
    static func size(of svg: String) -> (width: Double, height: Double) {
        guard let root = rootTag(of: svg) else { return (640, 400) }
        func attribute(_ name: String) -> Double? {
            guard let r = root.tag.range(of: " \(name)=\"") else { return nil }
            let rest = root.tag[r.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { return nil }
            return Double(rest[..<end].filter { $0.isNumber || $0 == "." })
        }
        return (attribute("width") ?? 640, attribute("height") ?? 400)
    }

    private static func rootTag(of svg: String) -> (range: Range<String.Index>, tag: Substring)? {
        guard let start = svg.range(of: "<svg") else { return nil }
        guard let end = svg[start.upperBound...].firstIndex(of: ">") else { return nil }
        return (start.lowerBound..<svg.index(after: end), svg[start.lowerBound...end])
    }

    /// The document without any XML declaration, its root element moved to (x, y).
    static func positioned(_ svg: String, x: Double, y: Double) -> String {
        guard let root = rootTag(of: svg) else { return "" }
        var tag = String(root.tag)
        for name in [" x=\"", " y=\""] {
            if let r = tag.range(of: name), let end = tag[r.upperBound...].firstIndex(of: "\"") {
                tag.removeSubrange(r.lowerBound...end)
            }
        }
        tag = "<svg x=\"\(SVGWriter.number(x))\" y=\"\(SVGWriter.number(y))\"" + tag.dropFirst(4)
        return tag + svg[root.range.upperBound...].trimmingSuffixWhitespace()
    }
}

extension Substring {
    func trimmingSuffixWhitespace() -> Substring {
        var s = self
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}
