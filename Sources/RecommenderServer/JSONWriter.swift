import NIOCore

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
        var value = value
        value.withUTF8 { text in
            var start = 0
            for (i, b) in text.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
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
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
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
        if let because {
            w.key("because")
            w.beginArray()
            for reason in because {
                w.beginObject()
                w.key("contribution"); try w.number(reason.contribution)
                w.key("item"); w.string(reason.item)
                w.key("title"); w.string(reason.title)
                w.endObject()
            }
            w.endArray()
        }
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

extension RecommendationsResponse {
    /// Keys in sorted order: fold_in, model, model_version, recommendations, user.
    func json() throws -> ByteBuffer {
        var w = JSONWriter(capacity: 256 + 160 * recommendations.count)
        w.beginObject()
        w.key("fold_in"); w.bool(foldIn)
        w.key("model"); w.string(model)
        w.key("model_version"); w.int(modelVersion)
        w.key("recommendations")
        w.beginArray()
        for row in recommendations { try row.write(to: &w) }
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
