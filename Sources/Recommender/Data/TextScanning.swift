import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A field separator understood by the delimited-text loaders.
public enum FieldSeparator: String, CaseIterable, Sendable {
    /// `,` (CSV; double-quoted fields are understood).
    case comma
    /// A tab character (TSV, MovieLens `u.data`, RecBole atomic files).
    case tab
    /// `;`
    case semicolon
    /// `::` (MovieLens 1M / 10M `.dat` files).
    case doubleColon = "double-colon"
    /// `|` (MovieLens 100K `u.item`, `u.user`).
    case pipe

    /// The separator as it appears in a file.
    public var text: String {
        switch self {
        case .comma: return ","
        case .tab: return "\t"
        case .semicolon: return ";"
        case .doubleColon: return "::"
        case .pipe: return "|"
        }
    }

    var firstByte: UInt8 { text.utf8.first! }
    var length: Int { text.utf8.count }
}

/// The text encoding a file is declared to use.
enum TextEncoding: Sendable {
    case utf8
    case latin1

    var name: String { self == .utf8 ? "UTF-8" : "Latin-1" }
}

/// What a path names, as far as reading a data file is concerned.
enum FileKind: Equatable {
    /// A regular file that can be opened for reading.
    case regular
    /// Nothing (and not a broken link).
    case missing
    /// A FIFO, character device or socket: readable once, as a stream (`what` names it).
    case stream(String)
    /// Something that cannot be read, and why.
    case unreadable(String)

    /// Classifies `path` (following symbolic links).
    static func of(_ path: String) -> FileKind {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            switch code {
            case ENOENT:
                var linkInfo = stat()
                if lstat(path, &linkInfo) == 0, (linkInfo.st_mode & S_IFMT) == S_IFLNK {
                    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                    return .unreadable("broken symbolic link (points to '\(target)', which does not exist)")
                }
                return .missing
            case ELOOP: return .unreadable("too many levels of symbolic links (a symbolic link loop)")
            case EACCES: return .unreadable("permission denied (a folder on the path cannot be searched)")
            case ENOTDIR: return .unreadable("a component of the path is a file, not a folder")
            case ENAMETOOLONG: return .unreadable("the path is too long")
            default: return .unreadable(String(cString: strerror(code)))
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .unreadable("is a folder, not a file")
        case S_IFREG:
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                let code = errno
                return .unreadable(code == EACCES ? "permission denied (the file is not readable)" : String(cString: strerror(code)))
            }
            close(fd)
            return .regular
        case S_IFIFO: return .stream("a FIFO (named pipe)")
        case S_IFCHR: return .stream(path == "/dev/null" || realpathString(path) == "/dev/null" ? "/dev/null (a device that holds no data)" : "a character device")
        case S_IFSOCK: return .stream("a socket")
        case S_IFBLK: return .unreadable("is a block device, not a file")
        default: return .unreadable("is not a regular file")
        }
    }

    private static func realpathString(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// One field of a line: a byte range, and whether it was double-quoted with `""` escapes inside.
struct FieldRange {
    var range: Range<Int>
    var hasEscapedQuotes: Bool = false
}

/// A whole text file held as bytes, read line by line with 1-based line numbers.
///
/// Used for catalog-sized files and for the general (sequential) rating parser; large numeric
/// rating files go through ``FastRatingsParser``.
struct TextFile {
    let path: String
    let bytes: [UInt8]

    /// Reads `url`.
    /// - Throws: ``DataError/missingFile(path:)`` when it does not exist or is a folder,
    ///   ``DataError/emptyFile(path:)`` when it holds no non-blank line.
    init(url: URL) throws {
        path = url.path
        try TextFile.checkExists(url)
        guard let read = TextFile.readAll(url.path) else { throw DataError.missingFile(path: url.path) }
        bytes = read
        guard bytes.contains(where: { $0 != 10 && $0 != 13 && $0 != 32 && $0 != 9 }) else {
            throw DataError.emptyFile(path: url.path)
        }
        try TextFile.checkLineEnds(bytes, path: path)
    }

    init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// The first line of a file (without reading the rest), as a one-line ``TextFile`` and the
    /// line's range. Used to sniff headers and separators of large files.
    /// - Throws: ``DataError/missingFile(path:)``, ``DataError/emptyFile(path:)``.
    static func firstLine(url: URL, limit: Int = 1 << 16) throws -> (TextFile, Range<Int>) {
        try checkExists(url)
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw DataError.missingFile(path: url.path) }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: limit)) ?? Data())
        let file = TextFile(path: url.path, bytes: head)
        var first: Range<Int>? = nil
        try file.forEachLine { _, range in if first == nil { first = range } }
        guard let first, head.contains(where: { $0 != 10 && $0 != 13 && $0 != 32 && $0 != 9 }) else {
            throw DataError.emptyFile(path: url.path)
        }
        return (file, first)
    }

    /// The first `count` non-empty lines of a file, reading at most `limit` bytes.
    static func headLines(url: URL, count: Int, limit: Int = 1 << 16) throws -> (TextFile, [(number: Int, range: Range<Int>)]) {
        try checkExists(url)
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw DataError.missingFile(path: url.path) }
        defer { try? handle.close() }
        var head = [UInt8]((try? handle.read(upToCount: limit)) ?? Data())
        if head.count == limit, let lastNewline = head.lastIndex(of: 10) { head.removeSubrange((lastNewline + 1)...) }
        let file = TextFile(path: url.path, bytes: head)
        let lines = Array(file.lines().prefix(count))
        guard !lines.isEmpty, head.contains(where: { $0 != 10 && $0 != 13 && $0 != 32 && $0 != 9 }) else {
            throw DataError.emptyFile(path: url.path)
        }
        try checkLineEnds(head, path: url.path)
        return (file, lines)
    }

    /// The whole file read straight into one byte array (no intermediate `Data` copy).
    static func readAll(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int(info.st_size)
        var failed = false
        let bytes: [UInt8] = arrayFilledInPlace(capacity: size) { buffer, count in
            var done = 0
            while done < size {
                let got = pread(fd, buffer.baseAddress! + done, size - done, off_t(done))
                if got <= 0 { break }
                done += got
            }
            failed = done < size
            count = done
        }
        return failed ? nil : bytes
    }

    /// Checks that `url` names a readable regular file.
    /// - Throws: ``DataError/missingFile(path:)`` when nothing is there, else
    ///   ``DataError/unreadableFile(path:reason:)`` saying what is wrong: a folder, no read
    ///   permission, a broken link or a link loop, a FIFO, a device or a socket.
    static func checkExists(_ url: URL) throws {
        switch FileKind.of(url.path) {
        case .regular: return
        case .missing: throw DataError.missingFile(path: url.path)
        case .stream(let what):
            throw DataError.unreadableFile(path: url.path, reason: "is \(what), not a regular file; to read a pipe or standard input, give '-' or /dev/stdin where a ratings file is expected")
        case .unreadable(let reason): throw DataError.unreadableFile(path: url.path, reason: reason)
        }
    }

    /// Throws ``DataError/malformedLine(file:line:reason:)`` when the text uses lone carriage
    /// returns as line ends (classic Mac OS): the loaders would otherwise see one huge line.
    static func checkLineEnds(_ bytes: [UInt8], path: String) throws {
        guard !bytes.contains(10) else { return }
        var k = 0
        while k < bytes.count && bytes[k] != 13 { k += 1 }
        // A single trailing CR is a (harmless) one-line file; CRs between text are line ends.
        guard k < bytes.count, bytes[(k + 1)...].contains(where: { $0 != 13 && $0 != 32 && $0 != 9 }) else { return }
        throw DataError.malformedLine(file: path, line: 1,
            reason: "lines end with a lone carriage return (CR, old Mac OS line ends); convert them to LF, e.g. tr '\\r' '\\n' < file > fixed.csv")
    }

    /// Calls `body(lineNumber, byteRange)` for every non-empty line (a trailing `\r` is removed).
    /// Completely empty lines (such as a final newline) carry no data and are passed over.
    func forEachLine(_ body: (Int, Range<Int>) throws -> Void) throws {
        var start = 0, number = 0
        let n = bytes.count
        while start < n {
            number += 1
            var end = start
            while end < n && bytes[end] != 10 { end += 1 }
            let next = end + 1
            if end > start && bytes[end - 1] == 13 { end -= 1 }
            if end > start { try body(number, start..<end) }
            start = next
        }
    }

    /// The non-empty lines as (number, range), in order.
    func lines() -> [(number: Int, range: Range<Int>)] {
        var out: [(number: Int, range: Range<Int>)] = []
        try? forEachLine { out.append(($0, $1)) }
        return out
    }

    /// Splits a line into fields. With `quoting`, a field that starts with `"` runs to the next
    /// lone `"` and may contain separators and doubled quotes (RFC 4180 within one line).
    func fields(_ line: Range<Int>, separator: FieldSeparator, quoting: Bool, lineNumber: Int) throws -> [FieldRange] {
        var out: [FieldRange] = []
        let sep = separator.firstByte, sepLength = separator.length
        var i = line.lowerBound
        let end = line.upperBound
        func isSeparator(_ k: Int) -> Bool {
            guard bytes[k] == sep else { return false }
            return sepLength == 1 || (k + 1 < end && bytes[k + 1] == sep)
        }
        while true {
            if quoting && i < end && bytes[i] == 34 {
                var k = i + 1, escaped = false
                while true {
                    guard k < end else {
                        throw DataError.malformedLine(file: path, line: lineNumber, reason: "unterminated quoted field")
                    }
                    if bytes[k] == 34 {
                        if k + 1 < end && bytes[k + 1] == 34 { escaped = true; k += 2; continue }
                        break
                    }
                    k += 1
                }
                out.append(FieldRange(range: (i + 1)..<k, hasEscapedQuotes: escaped))
                i = k + 1
                if i == end { return out }
                guard isSeparator(i) else {
                    throw DataError.malformedLine(file: path, line: lineNumber, reason: "unexpected text after a quoted field")
                }
                i += sepLength
                continue
            }
            var k = i
            while k < end && !isSeparator(k) { k += 1 }
            out.append(FieldRange(range: i..<k))
            if k >= end { return out }
            i = k + sepLength
            if i == end { out.append(FieldRange(range: end..<end)); return out }
        }
    }

    /// Decodes a field as text in `encoding`.
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` for invalid UTF-8 or control bytes.
    func string(_ field: FieldRange, encoding: TextEncoding, lineNumber: Int) throws -> String {
        let s = try TextFile.decode(bytes[field.range], encoding: encoding, path: path, lineNumber: lineNumber)
        return field.hasEscapedQuotes ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }

    /// Decodes bytes in `encoding`, naming the offending column on failure.
    static func decode(_ slice: ArraySlice<UInt8>, encoding: TextEncoding, path: String, lineNumber: Int) throws -> String {
        switch encoding {
        case .utf8:
            if let s = String(validating: slice, as: UTF8.self) { return s }
            var column = 1
            var iterator = slice.makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            loop: while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid(let scalar): column += scalar.count
                case .emptyInput: break loop
                case .error: break loop
                }
            }
            throw DataError.malformedLine(file: path, line: lineNumber, reason: "invalid UTF-8 (bad byte sequence at byte \(column) of the field)")
        case .latin1:
            var scalars = String.UnicodeScalarView()
            for byte in slice {
                if byte < 0x20 && byte != 9 || byte == 0x7F {
                    throw DataError.malformedLine(file: path, line: lineNumber, reason: "undecodable Latin-1 text (control byte 0x\(String(byte, radix: 16, uppercase: true)))")
                }
                scalars.append(Unicode.Scalar(byte))
            }
            return String(scalars)
        }
    }

    /// The raw text of a line for error messages (lossy, shortened).
    func preview(_ range: Range<Int>) -> String {
        let text = String(decoding: bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + 60)], as: UTF8.self)
        return range.count > 60 ? text + "…" : text
    }
}

// MARK: - Number parsing on bytes (shared by the fast and the general parser so both agree)

/// Powers of ten exactly representable as `Double`.
private let exactPowersOfTen: [Double] = (0...22).map { var p = 1.0; for _ in 0..<$0 { p *= 10 }; return p }

enum NumberParsing {
    /// Parses a decimal number (`-3`, `4.0`, `.5`, `1e3`) into a `Float`, or `nil`.
    /// Correctly rounded to `Double` for up to 18 significant digits, then rounded to `Float`.
    @inline(__always)
    static func decimal(_ p: UnsafePointer<UInt8>, _ count: Int) -> Float? {
        var i = 0
        var negative = false
        if i < count && (p[i] == 45 || p[i] == 43) { negative = p[i] == 45; i += 1 }
        var mantissa: UInt64 = 0, digits = 0, scale = 0, sawDigit = false
        while i < count {
            let d = p[i] &- 48
            if d > 9 { break }
            sawDigit = true
            if digits < 18 { mantissa = mantissa &* 10 &+ UInt64(d); if mantissa > 0 { digits += 1 } } else { scale += 1 }
            i += 1
        }
        if i < count && p[i] == 46 {
            i += 1
            while i < count {
                let d = p[i] &- 48
                if d > 9 { break }
                sawDigit = true
                if digits < 18 { mantissa = mantissa &* 10 &+ UInt64(d); if mantissa > 0 { digits += 1 }; scale -= 1 }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < count && (p[i] == 101 || p[i] == 69) {
            i += 1
            var expNegative = false
            if i < count && (p[i] == 45 || p[i] == 43) { expNegative = p[i] == 45; i += 1 }
            var e = 0, expDigits = 0
            while i < count {
                let d = p[i] &- 48
                if d > 9 { break }
                if e < 10_000 { e = e * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            scale += expNegative ? -e : e
        }
        guard i == count else { return nil }
        var value: Double
        if mantissa == 0 {
            value = 0
        } else if scale >= 0 && scale <= 22 {
            value = Double(mantissa) * exactPowersOfTen[scale]
        } else if scale < 0 && scale >= -22 {
            value = Double(mantissa) / exactPowersOfTen[-scale]
        } else {
            value = Double(mantissa) * pow(10, Double(scale))
        }
        if negative { value = -value }
        let f = Float(value)
        return f.isFinite ? f : nil
    }

    /// Parses an integer timestamp (`-12`, `881250949`, `881250949.0`; a fractional part is truncated).
    @inline(__always)
    static func timestamp(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var i = 0
        var negative = false
        if i < count && p[i] == 45 { negative = true; i += 1 }
        var value: Int64 = 0, digits = 0
        while i < count {
            let d = p[i] &- 48
            if d > 9 { break }
            guard digits < 18 else { return nil }
            value = value &* 10 &+ Int64(d)
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        if i < count && p[i] == 46 {
            i += 1
            while i < count && p[i] &- 48 <= 9 { i += 1 }
        }
        guard i == count else { return nil }
        return negative ? -value : value
    }

    /// Parses a canonical non-negative integer id (`0` or no leading zero, at most 18 digits), or `nil`.
    /// Canonical so that `String(value)` gives back exactly the text of the file.
    @inline(__always)
    static func canonicalID(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        guard count > 0 && count <= 18 else { return nil }
        if count > 1 && p[0] == 48 { return nil }
        var value: Int64 = 0
        for i in 0..<count {
            let d = p[i] &- 48
            if d > 9 { return nil }
            value = value &* 10 &+ Int64(d)
        }
        return value
    }

    static func decimal(_ bytes: ArraySlice<UInt8>) -> Float? {
        bytes.withUnsafeBufferPointer { b in b.baseAddress.flatMap { decimal($0, b.count) } ?? nil }
    }

    static func timestamp(_ bytes: ArraySlice<UInt8>) -> Int64? {
        bytes.withUnsafeBufferPointer { b in b.baseAddress.flatMap { timestamp($0, b.count) } ?? nil }
    }

    static func canonicalID(_ bytes: ArraySlice<UInt8>) -> Int64? {
        bytes.withUnsafeBufferPointer { b in b.baseAddress.flatMap { canonicalID($0, b.count) } ?? nil }
    }
}
