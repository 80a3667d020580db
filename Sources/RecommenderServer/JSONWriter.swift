import NIOCore
import Recommender

/// A JSON response body written straight into a `ByteBuffer`, for the hot routes (recommendations,
/// similar items): no `Encodable` boxing, no key sorting at run time. The output is the same bytes
/// `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes (keys are written in sorted
/// order by the callers; a test compares both).
struct JSONWriter {
    /// The bytes written so far (one growable array; copied into a `ByteBuffer` once, at the end).
    private var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 2048) {
        bytes.reserveCapacity(capacity)
    }

    /// The document as a response body.
    var buffer: ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: bytes.count)
        out.writeBytes(bytes)
        return out
    }

    mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"name":`; the value follows.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        escaped(value)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A title with its year as ``ItemCatalog/displayTitle(_:)`` spells it (`"Aladdin (1992)"`),
    /// written from its parts.
    mutating func title(_ title: String, year: Int?) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        escaped(title)
        if let year {
            append(" (")
            bytes.append(contentsOf: String(year).utf8)
            bytes.append(UInt8(ascii: ")"))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// The JSON-escaped text of `value`, without quotes.
    private mutating func escaped(_ value: String) {
        var value = value
        value.withUTF8 { text in
            var start = 0
            for i in 0..<text.count {
                let b = text[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<i]))
                start = i + 1
                switch b {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case 0x08: append("\\b")
                case 0x0C: append("\\f")
                case 0x0A: append("\\n")
                case 0x0D: append("\\r")
                case 0x09: append("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    append("\\u00")
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
        }
    }

    mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        append(value ? "true" : "false")
        needsComma = true
    }

    /// A finite number as `JSONEncoder` writes it (shortest round-trip form, no trailing `.0`).
    /// - Throws: ``APIError`` (500) for NaN or an infinity, which JSON cannot hold.
    mutating func number(_ value: Float) throws {
        guard value.isFinite else { throw APIError(.internalServerError, "internal", "a score is not a finite number") }
        separate()
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}

extension WireItem {
    /// Keys in sorted order: because, genres, item, score, title.
    func write(to w: inout JSONWriter) throws {
        w.beginObject()
        if let because { try WireItem.Reason.write(because, to: &w) }
        w.key("genres")
        w.beginArray()
        for genre in genres { w.string(genre) }
        w.endArray()
        w.key("item"); w.string(item)
        w.key("score"); try w.number(score)
        w.key("title"); w.string(title)
        w.endObject()
    }
}

extension WireItem.Reason {
    /// `"because":[...]`, keys in sorted order: contribution, item, title.
    static func write(_ reasons: [WireItem.Reason], to w: inout JSONWriter) throws {
        w.key("because")
        w.beginArray()
        for reason in reasons {
            w.beginObject()
            w.key("contribution"); try w.number(reason.contribution)
            w.key("item"); w.string(reason.item)
            w.key("title"); w.string(reason.title)
            w.endObject()
        }
        w.endArray()
    }
}

extension IndexedRows {
    /// Writes the rows as ``WireItem/write(to:)`` writes the same rows built as ``WireItem``s, but
    /// reading the id, title and genres from the metadata: no string or array per row.
    func write(to w: inout JSONWriter) throws {
        let catalog = metadata.catalog
        for (n, row) in rows.enumerated() {
            let i = Int(row.index)
            w.beginObject()
            if let because { try WireItem.Reason.write(because[n], to: &w) }
            w.key("genres")
            w.beginArray()
            catalog.genres[i].forEachIndex { w.string(catalog.genreNames[$0]) }
            w.endArray()
            w.key("item"); w.string(metadata.itemIDs.id(at: row.index).rawValue)
            w.key("score"); try w.number(row.score)
            w.key("title"); w.title(catalog.titles[i], year: catalog.years[i])
            w.endObject()
        }
    }
}

extension RecommendationsResponse {
    /// Keys in sorted order: fold_in, model, model_version, recommendations, user.
    func json() throws -> ByteBuffer {
        try Self.json(model: model, modelVersion: modelVersion, user: user, foldIn: foldIn, count: recommendations.count) { w in
            for row in recommendations { try row.write(to: &w) }
        }
    }

    /// The same document with `rows` written straight from their model's metadata (the hot route).
    static func json(model: String, modelVersion: Int, user: String?, foldIn: Bool, rows: IndexedRows) throws -> ByteBuffer {
        try json(model: model, modelVersion: modelVersion, user: user, foldIn: foldIn, count: rows.rows.count) { w in try rows.write(to: &w) }
    }

    private static func json(model: String, modelVersion: Int, user: String?, foldIn: Bool, count: Int,
                             rows: (inout JSONWriter) throws -> Void) throws -> ByteBuffer {
        var w = JSONWriter(capacity: 256 + 160 * count)
        w.beginObject()
        w.key("fold_in"); w.bool(foldIn)
        w.key("model"); w.string(model)
        w.key("model_version"); w.int(modelVersion)
        w.key("recommendations")
        w.beginArray()
        try rows(&w)
        w.endArray()
        if let user { w.key("user"); w.string(user) }
        w.endObject()
        return w.buffer
    }
}

extension SimilarResponse {
    /// Keys in sorted order: item, measure, model, model_version, similar, title.
    func json() throws -> ByteBuffer {
        var w = JSONWriter(capacity: 256 + 160 * similar.count)
        w.beginObject()
        w.key("item"); w.string(item)
        w.key("measure"); w.string(measure)
        w.key("model"); w.string(model)
        w.key("model_version"); w.int(modelVersion)
        w.key("similar")
        w.beginArray()
        for row in similar { try row.write(to: &w) }
        w.endArray()
        w.key("title"); w.string(title)
        w.endObject()
        return w.buffer
    }
}
