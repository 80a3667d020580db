import Recommender
/// Escaping for text placed in XML (SVG) or HTML documents.
public enum XMLEscaping {
    /// Escapes `text` for XML character data and attribute values.
    ///
    /// `&`, `<`, `>`, `"` and `'` become entity references; characters that XML 1.0 forbids
    /// (control characters other than tab, newline and carriage return) become U+FFFD, so
    /// the result is always well-formed.
    /// - Parameter text: Any string (a movie title, a user's label...).
    /// - Returns: The escaped string.
    /// - Complexity: O(n) in the length of `text`.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// Builds the markup of one SVG document, element by element. Internal to the chart types.
struct SVGWriter {
    static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
    let width: Int
    let height: Int
    private(set) var body = ""

    init(width: Int, height: Int) {
        self.width = max(width, 1)
        self.height = max(height, 1)
        body.reserveCapacity(4096)
    }

    /// A coordinate with at most two decimals, no trailing zeros (`12`, `12.5`, `12.25`).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let scaled = (value * 100).rounded()
        guard abs(scaled) < 9e15 else { return String(value) }
        let whole = Int(scaled)
        let sign = whole < 0 ? "-" : ""
        let magnitude = abs(whole)
        let integer = magnitude / 100, fraction = magnitude % 100
        if fraction == 0 { return whole == 0 ? "0" : "\(sign)\(integer)" }
        if fraction % 10 == 0 { return "\(sign)\(integer).\(fraction / 10)" }
        return "\(sign)\(integer).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func n(_ value: Double) -> String { number(value) }

    private static func titleElement(_ title: String?) -> String {
        guard let title, !title.isEmpty else { return "" }
        return "<title>\(XMLEscaping.escape(title))</title>"
    }

    mutating func raw(_ markup: String) { body += markup; body += "\n" }

    mutating func open(group cssClass: String, transform: String? = nil) {
        var tag = "<g class=\"\(cssClass)\""
        if let transform { tag += " transform=\"\(transform)\"" }
        raw(tag + ">")
    }

    mutating func close() { raw("</g>") }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                       stroke: String? = nil, cssClass: String? = nil, opacity: Double? = nil, title: String? = nil) {
        var tag = "<rect"
        if let cssClass { tag += " class=\"\(cssClass)\"" }
        tag += " x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(width, 0)))\" height=\"\(Self.n(max(height, 0)))\" fill=\"\(fill)\""
        if let stroke { tag += " stroke=\"\(stroke)\"" }
        if let opacity { tag += " fill-opacity=\"\(Self.n(opacity))\"" }
        let t = Self.titleElement(title)
        raw(t.isEmpty ? tag + "/>" : tag + ">" + t + "</rect>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                       strokeWidth: Double = 1, dashed: Bool = false, cssClass: String? = nil) {
        var tag = "<line"
        if let cssClass { tag += " class=\"\(cssClass)\"" }
        tag += " x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(strokeWidth))\""
        if dashed { tag += " stroke-dasharray=\"6 4\"" }
        raw(tag + "/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, strokeWidth: Double = 2,
                           dashed: Bool = false, cssClass: String? = nil, title: String? = nil) {
        var tag = "<polyline"
        if let cssClass { tag += " class=\"\(cssClass)\"" }
        tag += " fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(strokeWidth))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if dashed { tag += " stroke-dasharray=\"6 4\"" }
        tag += " points=\""
        var first = true
        for (x, y) in points {
            if !first { tag += " " }
            first = false
            tag += Self.n(x) + "," + Self.n(y)
        }
        tag += "\""
        let t = Self.titleElement(title)
        raw(t.isEmpty ? tag + "/>" : tag + ">" + t + "</polyline>")
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, opacity: Double? = nil,
                         cssClass: String? = nil, title: String? = nil) {
        var tag = "<circle"
        if let cssClass { tag += " class=\"\(cssClass)\"" }
        tag += " cx=\"\(Self.n(cx))\" cy=\"\(Self.n(cy))\" r=\"\(Self.n(r))\" fill=\"\(fill)\""
        if let opacity { tag += " fill-opacity=\"\(Self.n(opacity))\"" }
        let t = Self.titleElement(title)
        raw(t.isEmpty ? tag + "/>" : tag + ">" + t + "</circle>")
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ string: String, x: Double, y: Double, size: Double, anchor: Anchor = .start,
                       bold: Bool = false, rotate: Double? = nil, fill: String = "#222",
                       cssClass: String? = nil, baseline: String? = nil, title: String? = nil) {
        var tag = "<text"
        if let cssClass { tag += " class=\"\(cssClass)\"" }
        tag += " x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" fill=\"\(fill)\""
        if anchor != .start { tag += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { tag += " font-weight=\"bold\"" }
        if let baseline { tag += " dominant-baseline=\"\(baseline)\"" }
        if let rotate { tag += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        tag += ">"
        tag += Self.titleElement(title)
        raw(tag + XMLEscaping.escape(string) + "</text>")
    }

    /// The finished standalone document.
    func document(description: String? = nil) -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"\(Self.fontFamily)\">\n"
        if let description, !description.isEmpty { out += "<title>\(XMLEscaping.escape(description))</title>\n" }
        out += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        out += body
        out += "</svg>\n"
        return out
    }
}

/// Text measurement by estimate (no font metrics available): DejaVu Sans averages ~0.6 em per
/// character, digits 0.64 em. Erring wide keeps labels from overlapping.
enum TextMetrics {
    static func width(_ text: String, size: Double) -> Double {
        var em = 0.0
        for ch in text {
            if ch == " " || ch == "." || ch == "," || ch == ":" || ch == "'" || ch == "i" || ch == "l" || ch == "|" {
                em += 0.34
            } else if ch.isUppercase || ch == "m" || ch == "w" || ch == "M" || ch == "W" {
                em += 0.75
            } else if ch.isNumber {
                em += 0.64
            } else if ch.isASCII {
                em += 0.58
            } else {
                em += 0.8
            }
        }
        return em * size
    }

    /// `text` broken at spaces into lines at most `maxWidth` wide, at most `maxLines` of them; a
    /// word longer than a line is cut, and the last line ends with "…" when text is left over.
    /// Bold text is measured 8% wider.
    static func wrap(_ text: String, toWidth maxWidth: Double, size: Double, bold: Bool = false,
                     maxLines: Int = 2) -> [String] {
        let scale = bold ? 1.08 : 1.0
        func fits(_ s: String) -> Bool { width(s, size: size) * scale <= maxWidth }
        if fits(text) || maxLines <= 1 { return [truncate(text, toWidth: maxWidth / scale, size: size)] }
        var lines: [String] = []
        var current = ""
        var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        while !words.isEmpty {
            let word = words.removeFirst()
            let candidate = current.isEmpty ? word : current + " " + word
            if fits(candidate) {
                current = candidate
            } else if current.isEmpty {
                current = truncate(word, toWidth: maxWidth / scale, size: size)
            } else {
                lines.append(current)
                current = word
                if lines.count == maxLines - 1 { break }
            }
        }
        let rest = ([current] + words).joined(separator: " ")
        if !rest.isEmpty { lines.append(truncate(rest, toWidth: maxWidth / scale, size: size)) }
        return lines
    }

    /// `text` shortened with an ellipsis so that it is at most `maxWidth` wide.
    static func truncate(_ text: String, toWidth maxWidth: Double, size: Double) -> String {
        if width(text, size: size) <= maxWidth { return text }
        var chars = Array(text)
        while !chars.isEmpty && width(String(chars) + "…", size: size) > maxWidth { chars.removeLast() }
        while chars.last == " " { chars.removeLast() }
        return chars.isEmpty ? "…" : String(chars) + "…"
    }
}
