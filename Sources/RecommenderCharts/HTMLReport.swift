import Recommender
import Foundation

/// A table for an ``HTMLReport``: a header row and rows of cells. Columns whose cells all
/// read as numbers are right-aligned.
public struct HTMLTable: Sendable {
    /// The column headings.
    public var headers: [String]
    /// The rows; each has one cell per heading.
    public var rows: [[String]]
    /// A caption shown above the table.
    public var caption: String?

    /// Creates a table.
    /// - Precondition: every row has `headers.count` cells.
    public init(headers: [String], rows: [[String]], caption: String? = nil) {
        precondition(rows.allSatisfy { $0.count == headers.count }, "HTMLTable: a row has the wrong number of cells")
        self.headers = headers
        self.rows = rows
        self.caption = caption
    }

    /// Whether the column at `index` holds only numbers (thousands separators, `%` allowed).
    public func isNumericColumn(_ index: Int) -> Bool {
        let cells = rows.map { $0[index].trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return !cells.isEmpty && cells.allSatisfy { Double($0.replacingOccurrences(of: ",", with: "")
                                                        .replacingOccurrences(of: "%", with: "")) != nil }
    }
}

/// One self-contained HTML page that shows several charts (inline SVG) and tables; no
/// external files, scripts or fonts.
public enum HTMLReport {
    /// A piece of the page, in reading order.
    public enum Block: Sendable {
        /// A section heading (`<h2>`).
        case heading(String)
        /// A paragraph of plain text.
        case paragraph(String)
        /// A table.
        case table(HTMLTable)
        /// A chart: standalone SVG markup, embedded inline, with an optional caption.
        case figure(svg: String, caption: String?)
    }

    /// A page with one heading and one chart per section.
    /// - Parameters:
    ///   - title: The page title (`<title>` and `<h1>`).
    ///   - sections: Headings and the SVG markup shown under each.
    /// - Returns: The HTML document.
    public static func page(title: String, sections: [(heading: String, svg: String)]) -> String {
        page(title: title, blocks: sections.flatMap { [Block.heading($0.heading), .figure(svg: $0.svg, caption: nil)] })
    }

    /// A page made of headings, paragraphs, tables and charts, in order.
    /// - Parameters:
    ///   - title: The page title (`<title>` and `<h1>`).
    ///   - blocks: The content.
    /// - Returns: The HTML document.
    public static func page(title: String, blocks: [Block]) -> String {
        let e = XMLEscaping.escape
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1000px; padding: 0 1em; color: #222; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
        figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #555; font-size: .9em; }
        table { border-collapse: collapse; margin: 1em 0; font-size: .9em; }
        caption { text-align: left; font-weight: bold; padding-bottom: .3em; }
        th, td { padding: .25em .7em; border-bottom: 1px solid #e3e3e3; text-align: left; }
        th { background: #f4f4f4; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        </style>
        </head>
        <body>
        <h1>\(e(title))</h1>

        """
        for block in blocks {
            switch block {
            case .heading(let text):
                html += "<h2>\(e(text))</h2>\n"
            case .paragraph(let text):
                html += "<p>\(e(text))</p>\n"
            case .table(let table):
                let numeric = table.headers.indices.map(table.isNumericColumn)
                html += "<table>\n"
                if let caption = table.caption { html += "<caption>\(e(caption))</caption>\n" }
                html += "<tr>" + table.headers.enumerated().map {
                    "<th\(numeric[$0.offset] ? " class=\"num\"" : "")>\(e($0.element))</th>"
                }.joined() + "</tr>\n"
                for row in table.rows {
                    html += "<tr>" + row.enumerated().map {
                        "<td\(numeric[$0.offset] ? " class=\"num\"" : "")>\(e($0.element))</td>"
                    }.joined() + "</tr>\n"
                }
                html += "</table>\n"
            case let .figure(svg, caption):
                html += "<figure>\n" + strippingXMLDeclaration(svg)
                if let caption { html += "<figcaption>\(e(caption))</figcaption>\n" }
                html += "</figure>\n"
            }
        }
        html += "</body>\n</html>\n"
        return html
    }

    private static func strippingXMLDeclaration(_ svg: String) -> String {
        guard svg.hasPrefix("<?xml"), let end = svg.range(of: "?>") else { return svg }
        return String(svg[end.upperBound...])
    }
}
