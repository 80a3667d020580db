import CKernels
import Foundation

/// Errors raised while writing or reading a model file.
public enum PersistenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not start with the model-file magic bytes: it is not a model file.
    case notAModelFile(path: String)
    /// The file was written by a newer, unknown format version.
    case unsupportedVersion(path: String, version: UInt32, supported: UInt32)
    /// The checksum does not match: the file is truncated or corrupt.
    case checksumMismatch(path: String)
    /// The file ends before a declared section does.
    case truncated(path: String, reason: String)
    /// A section the model needs is absent or has the wrong type or size.
    case badSection(path: String, name: String, reason: String)
    /// The file holds a different kind of model than the one asked for.
    case wrongKind(path: String, found: String, expected: String)
    /// The file could not be written.
    case writeFailed(path: String, reason: String)
    /// A float section holds NaN or infinite values: such a model is refused, on writing
    /// (training diverged) and on reading (a damaged or forged file).
    case nonFiniteValues(path: String, section: String, count: Int)

    public var description: String { escapingControlCharacters(rawDescription) }

    private var rawDescription: String {
        switch self {
        case .notAModelFile(let p): return "\(p): not a recommender model file (bad magic bytes)"
        case let .unsupportedVersion(p, v, s): return "\(p): model format version \(v) is newer than this program supports (\(s)); upgrade recommender"
        case .checksumMismatch(let p): return "\(p): checksum mismatch: the model file is corrupt or truncated"
        case let .truncated(p, r): return "\(p): model file is truncated (\(r))"
        case let .badSection(p, n, r): return "\(p): section '\(n)': \(r)"
        case let .wrongKind(p, f, e): return "\(p): holds a '\(f)' model, expected '\(e)'"
        case let .writeFailed(p, r): return "\(p): could not write model file: \(r)"
        case let .nonFiniteValues(p, n, c):
            return "\(p): section '\(n)' holds \(c) NaN or infinite value\(c == 1 ? "" : "s"): the model is unusable (training diverged, or the file is damaged); retrain with a smaller learning rate or stronger regularization"
        }
    }
}

/// A versioned, checksummed container of named, typed sections: the model file format.
///
/// Layout (all integers little-endian):
/// ```
/// magic      8 bytes  "RECMODL\u{1}"
/// version    UInt32   format version (currently 1)
/// kind       string   the algorithm name, e.g. "mf"
/// count      UInt32   number of sections
/// sections   count × { name: string, type: UInt8, length: UInt64, payload: length bytes }
/// crc32      UInt32   CRC-32 (IEEE) of every byte before it
/// ```
/// A string is a UInt32 byte length followed by UTF-8 bytes. Section types: 1 = `[Float]`,
/// 2 = `[Int32]`, 3 = `[String]` (count + strings), 4 = `Int64`, 5 = `Double`, 6 = `String`,
/// 7 = `[Int64]`; arrays start with a UInt64 element count.
///
/// **Reading any bytes.** The CRC protects against damage, not against a forged file (a shared
/// or downloaded model can carry a recomputed CRC), so the reader trusts no field: every length
/// and count is converted with a check (`Int(exactly:)`), compared with the bytes that are left
/// before anything is allocated, and offsets are compared without overflow
/// (`n <= end - position`). Float sections holding NaN or infinity, and non-finite `Double`
/// sections, are refused (``PersistenceError/nonFiniteValues(path:section:count:)``), on writing
/// as on reading; only `feedback.threshold`, where earlier writers stored NaN for "none", is read
/// as absent. Each model's decoder then checks that its sections agree (counts, index ranges,
/// genre bits). `make fuzz` runs libFuzzer on this reader and every decoder (Fuzz/).
///
/// **Writing, crash-safe, with companions.** ``write(to:companions:)`` writes the model and the
/// files that belong to it (training history, chart) so that a crash at any point leaves the
/// old set or the new set:
/// 1. temporary files of our naming, `.<name>.recommender-<pid>-<random>.tmp`, whose writer is
///    no longer running are removed (after finishing an interrupted write, see below);
/// 2. each companion is written to such a temporary file and `fsync`ed;
/// 3. the model, with sections `bundle.files` (names), `bundle.sizes` and `bundle.crc32` of its
///    companions, is written to a temporary file, `fsync`ed and renamed over the model file:
///    the commit point; the folder is `fsync`ed;
/// 4. the companions are renamed into place and the folder is `fsync`ed.
/// A crash before the commit leaves the old model and old companions (the new temporaries are
/// removed by the next write). A crash after it leaves the new model with companions still
/// under temporary names: the next read of the model (``init(contentsOf:expectedKind:)``)
/// renames those whose size and CRC-32 match the model's record, so the model and its history
/// always belong together; ``mismatchedCompanions(ofModelAt:)`` reports any that do not.
public struct ModelArchive: Sendable {
    /// The magic bytes every model file starts with.
    public static let magic: [UInt8] = Array("RECMODL".utf8) + [1]
    /// The newest format version this code writes and reads.
    public static let currentVersion: UInt32 = 1

    /// One typed payload.
    public enum Section: Sendable, Equatable {
        case floats([Float])
        case int32s([Int32])
        case strings([String])
        case int(Int64)
        case double(Double)
        case string(String)
        case int64s([Int64])

        var typeCode: UInt8 {
            switch self {
            case .floats: 1
            case .int32s: 2
            case .strings: 3
            case .int: 4
            case .double: 5
            case .string: 6
            case .int64s: 7
            }
        }
    }

    /// The algorithm name stored in the header.
    public var kind: String
    /// The sections, in the order they were added.
    public private(set) var sections: [(name: String, value: Section)] = []

    /// Where an array section left on disk lies in its file (see
    /// ``init(contentsOf:expectedKind:leavingOnDisk:)``).
    public struct OnDiskArray: Sendable, Equatable {
        /// The number of 4-byte elements.
        public let count: Int
        /// The byte offset of the first element in the file.
        public let offset: Int
    }
    /// The array sections that were checked but left in the file rather than read into memory.
    public private(set) var onDisk: [String: OnDiskArray] = [:]
    /// The file those sections are read from (held open), when any were left on disk.
    public private(set) var file: OpenModelFile?

    /// Creates an empty archive for a model of the given kind.
    public init(kind: String) { self.kind = kind }

    /// Adds (or replaces) a section.
    public mutating func set(_ name: String, _ value: Section) {
        if let i = sections.firstIndex(where: { $0.name == name }) { sections[i].value = value } else { sections.append((name, value)) }
    }

    /// The section named `name`, if present.
    public func section(_ name: String) -> Section? { sections.first { $0.name == name }?.value }

    // MARK: typed accessors that throw clear errors

    /// The `[Float]` section `name`, optionally checking its length.
    public func floats(_ name: String, count: Int? = nil, path: String = "model") throws -> [Float] {
        guard case .floats(let v)? = section(name) else { throw PersistenceError.badSection(path: path, name: name, reason: "missing or not a float array") }
        if let count, v.count != count { throw PersistenceError.badSection(path: path, name: name, reason: "expected \(count) values, found \(v.count)") }
        return v
    }
    /// The `[Int32]` section `name`, optionally checking its length.
    public func int32s(_ name: String, count: Int? = nil, path: String = "model") throws -> [Int32] {
        guard case .int32s(let v)? = section(name) else { throw PersistenceError.badSection(path: path, name: name, reason: "missing or not an Int32 array") }
        if let count, v.count != count { throw PersistenceError.badSection(path: path, name: name, reason: "expected \(count) values, found \(v.count)") }
        return v
    }
    /// The `[Int64]` section `name`.
    public func int64s(_ name: String, path: String = "model") throws -> [Int64] {
        guard case .int64s(let v)? = section(name) else { throw PersistenceError.badSection(path: path, name: name, reason: "missing or not an Int64 array") }
        return v
    }
    /// The `[String]` section `name`, optionally checking its length.
    public func strings(_ name: String, count: Int? = nil, path: String = "model") throws -> [String] {
        guard case .strings(let v)? = section(name) else { throw PersistenceError.badSection(path: path, name: name, reason: "missing or not a string array") }
        if let count, v.count != count { throw PersistenceError.badSection(path: path, name: name, reason: "expected \(count) values, found \(v.count)") }
        return v
    }
    /// The integer section `name`.
    public func int(_ name: String, path: String = "model") throws -> Int {
        guard case .int(let v)? = section(name) else { throw PersistenceError.badSection(path: path, name: name, reason: "missing or not an integer") }
        return Int(v)
    }
    /// The floating-point section `name`.
    public func double(_ name: String, path: String = "model") throws -> Double {
        guard case .double(let v)? = section(name) else { throw PersistenceError.badSection(path: path, name: name, reason: "missing or not a number") }
        return v
    }
    /// The string section `name`.
    public func string(_ name: String, path: String = "model") throws -> String {
        guard case .string(let v)? = section(name) else { throw PersistenceError.badSection(path: path, name: name, reason: "missing or not a string") }
        return v
    }

    // MARK: encoding

    /// The archive as bytes, checksum included.
    public func encoded() -> [UInt8] {
        var out = ByteWriter()
        out.bytes(Self.magic)
        out.u32(Self.currentVersion)
        out.string(kind)
        out.u32(UInt32(sections.count))
        for (name, value) in sections {
            out.string(name)
            out.u8(value.typeCode)
            var payload = ByteWriter()
            switch value {
            case .floats(let v): payload.u64(UInt64(v.count)); v.withUnsafeBytes { payload.bytes($0) }
            case .int32s(let v): payload.u64(UInt64(v.count)); v.withUnsafeBytes { payload.bytes($0) }
            case .int64s(let v): payload.u64(UInt64(v.count)); v.withUnsafeBytes { payload.bytes($0) }
            case .strings(let v): payload.u64(UInt64(v.count)); for s in v { payload.string(s) }
            case .int(let v): payload.u64(UInt64(bitPattern: v))
            case .double(let v): payload.u64(v.bitPattern)
            case .string(let v): payload.string(v)
            }
            out.u64(UInt64(payload.data.count))
            out.bytes(payload.data)
        }
        out.u32(CRC32.checksum(out.data))
        return out.data
    }

    /// Decodes an archive, checking magic, version and checksum.
    /// - Parameter path: used in error messages only.
    /// - Parameter leavingOnDisk: given the model's kind, the names of `Float` or `Int32` array
    ///   sections to check (length; finiteness for floats) but not copy into memory; they are
    ///   listed in ``onDisk`` with their offset in `bytes`.
    public init(decoding bytes: [UInt8], path: String = "model", leavingOnDisk: (String) -> Set<String> = { _ in [] }) throws {
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw PersistenceError.notAModelFile(path: path)
        }
        guard bytes.count >= Self.magic.count + 8 else { throw PersistenceError.truncated(path: path, reason: "no header") }
        var reader = ByteReader(bytes: bytes, position: Self.magic.count, end: bytes.count - 4, path: path)
        let version = try reader.u32()
        guard version <= Self.currentVersion else {
            throw PersistenceError.unsupportedVersion(path: path, version: version, supported: Self.currentVersion)
        }
        let stored = bytes[(bytes.count - 4)...].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian
        guard CRC32.checksum(bytes[0..<(bytes.count - 4)]) == stored else { throw PersistenceError.checksumMismatch(path: path) }
        kind = try reader.string()
        let deferred = leavingOnDisk(kind)
        let count = try reader.u32()
        for _ in 0..<count {
            let name = try reader.string()
            let type = try reader.u8()
            let length = try reader.count(of: 1, "section '\(name)'")
            var payload = try reader.sub(length)
            if (type == 1 || type == 2) && deferred.contains(name) {
                onDisk[name] = try payload.skipArray(of: 4, floats: type == 1, section: name)
                continue
            }
            let value: Section
            switch type {
            case 1:
                let floats = try payload.array(Float.self)
                let bad = floats.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                guard bad == 0 else { throw PersistenceError.nonFiniteValues(path: path, section: name, count: bad) }
                value = .floats(floats)
            case 2: value = .int32s(try payload.array(Int32.self))
            case 7: value = .int64s(try payload.array(Int64.self))
            case 3:
                // Every string takes at least its 4-byte length: a count beyond that is a lie.
                let n = try payload.count(of: 4, "string list '\(name)'")
                var strings: [String] = []
                strings.reserveCapacity(n)
                for _ in 0..<n { strings.append(try payload.string()) }
                value = .strings(strings)
            case 4: value = .int(Int64(bitPattern: try payload.u64()))
            case 5:
                let v = Double(bitPattern: try payload.u64())
                // NaN marked "not set" in `feedback.threshold` before version 1.1 of the writer.
                guard v.isFinite || (v.isNaN && Self.legacyNaNSections.contains(name)) else {
                    throw PersistenceError.nonFiniteValues(path: path, section: name, count: 1)
                }
                value = .double(v)
            case 6: value = .string(try payload.string())
            default: throw PersistenceError.badSection(path: path, name: name, reason: "unknown section type \(type)")
            }
            sections.append((name, value))
        }
    }

    /// Number sections in which earlier writers stored NaN to mean "not set"; read as such.
    static let legacyNaNSections: Set<String> = ["feedback.threshold"]

    /// The first float section holding NaN or infinite values, and how many it holds.
    public func firstNonFiniteSection() -> (name: String, count: Int)? {
        for (name, value) in sections {
            switch value {
            case .floats(let v):
                let bad = v.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                if bad > 0 { return (name, bad) }
            case .double(let v) where !v.isFinite: return (name, 1)
            default: continue
            }
        }
        return nil
    }

    // MARK: files

    /// Writes the archive atomically: to a temporary file in the same folder, then renamed.
    ///
    /// See ``write(to:companions:)``; this is the same without companion files.
    /// - Throws: ``PersistenceError/nonFiniteValues(path:section:count:)`` when a float section
    ///   holds NaN or infinity (nothing is written); ``PersistenceError/writeFailed(path:reason:)``.
    public func write(to url: URL) throws {
        try write(to: url, companions: [])
    }

    /// Reads and checks an archive from a file.
    ///
    /// When the file records companion files (``write(to:companions:)``) and a write was
    /// interrupted after the model was renamed into place but before its companions were, the
    /// companions are finished first (renamed from their pending temporary files), so that the
    /// model and its history on disk belong together.
    /// - Parameter expectedKind: when given, a file holding another kind of model is rejected.
    /// - Throws: ``DataError/missingFile(path:)``, ``DataError/unreadableFile(path:reason:)``, or a
    ///   ``PersistenceError`` for a file that is not a sound model file.
    public init(contentsOf url: URL, expectedKind: String? = nil) throws {
        try self.init(contentsOf: url, expectedKind: expectedKind, leavingOnDisk: { _ in [] })
    }

    /// Reads and checks an archive from a file, leaving some array sections in the file.
    ///
    /// The sections `leavingOnDisk(kind)` names are checked as usual (the checksum covers them;
    /// float sections must be finite) but not copied into memory: ``onDisk`` says where they
    /// are and ``file`` keeps the file open to read them (``TrainingRowsOnDisk``). With an
    /// empty set this is ``init(contentsOf:expectedKind:)``.
    /// - Throws: as ``init(contentsOf:expectedKind:)``.
    public init(contentsOf url: URL, expectedKind: String?, leavingOnDisk: (String) -> Set<String>) throws {
        switch FileKind.of(url.path) {
        case .regular: break
        case .missing: throw DataError.missingFile(path: url.path)
        case .stream(let what): throw DataError.unreadableFile(path: url.path, reason: "is \(what), not a model file")
        case .unreadable(let reason): throw DataError.unreadableFile(path: url.path, reason: reason)
        }
        guard let (opened, bytes) = OpenModelFile.openAndRead(url.path) else {
            throw DataError.unreadableFile(path: url.path, reason: "could not be read")
        }
        try self.init(decoding: bytes, path: url.path, leavingOnDisk: leavingOnDisk)
        if !onDisk.isEmpty { file = opened }
        if let expectedKind, kind != expectedKind {
            throw PersistenceError.wrongKind(path: url.path, found: kind, expected: expectedKind)
        }
        _ = ModelFileWriter.finishCompanions(of: self, at: url)
    }
}

struct ByteWriter {
    var data: [UInt8] = []
    mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8 { data.append(contentsOf: b) }
    mutating func bytes(_ b: UnsafeRawBufferPointer) { data.append(contentsOf: b) }
    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func string(_ s: String) { let u = Array(s.utf8); u32(UInt32(u.count)); data.append(contentsOf: u) }
}

struct ByteReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    let path: String

    mutating func take(_ n: Int) throws -> Range<Int> {
        // `n <= end - position`, not `position + n <= end`: a forged length cannot overflow.
        guard n >= 0, n <= end - position else {
            throw PersistenceError.truncated(path: path, reason: "needed \(n) bytes at offset \(position)")
        }
        defer { position += n }
        return position..<(position + n)
    }
    mutating func u8() throws -> UInt8 { bytes[try take(1).lowerBound] }
    mutating func u32() throws -> UInt32 {
        let r = try take(4)
        return bytes[r].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian
    }
    mutating func u64() throws -> UInt64 {
        let r = try take(8)
        return bytes[r].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
    }
    /// A UInt64 count of items of at least `size` bytes each that must fit in what is left.
    mutating func count(of size: Int, _ what: String) throws -> Int {
        let raw = try u64()
        guard let n = Int(exactly: raw), n <= (end - position) / size else {
            throw PersistenceError.truncated(path: path, reason: "\(what) declares \(raw) entries or bytes, more than the \(end - position) bytes left")
        }
        return n
    }
    mutating func string() throws -> String {
        let n = Int(try u32())
        let r = try take(n)
        return String(decoding: bytes[r], as: UTF8.self)
    }
    mutating func sub(_ n: Int) throws -> ByteReader {
        let r = try take(n)
        return ByteReader(bytes: bytes, position: r.lowerBound, end: r.upperBound, path: path)
    }
    /// Checks an array of `size`-byte elements (floats: all finite) without copying it.
    mutating func skipArray(of size: Int, floats: Bool, section: String) throws -> ModelArchive.OnDiskArray {
        let raw = try u64()
        guard let n = Int(exactly: raw), n <= (end - position) / size else {
            throw PersistenceError.truncated(path: path, reason: "array of \(raw) elements does not fit")
        }
        let r = try take(n * size)
        if floats {
            let bad = bytes[r].withUnsafeBytes { raw in
                var bad = 0
                for k in 0..<n where !raw.loadUnaligned(fromByteOffset: k * 4, as: Float.self).isFinite { bad += 1 }
                return bad
            }
            guard bad == 0 else { throw PersistenceError.nonFiniteValues(path: path, section: section, count: bad) }
        }
        return ModelArchive.OnDiskArray(count: n, offset: r.lowerBound)
    }
    mutating func array<T>(_: T.Type) throws -> [T] {
        let raw = try u64()
        guard let n = Int(exactly: raw), n <= (end - position) / MemoryLayout<T>.stride else {
            throw PersistenceError.truncated(path: path, reason: "array of \(raw) elements does not fit")
        }
        let r = try take(n * MemoryLayout<T>.stride)
        return arrayFilledInPlace(capacity: n) { buffer, count in
            bytes[r].withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            count = n
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as used by zip and PNG.
public enum CRC32 {
    /// The CRC-32 of `bytes` (zlib's; slicing by eight in `CKernels`).
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ ck_crc32(0, $0.baseAddress, $0.count) }) { return crc }
        return Array(bytes).withUnsafeBufferPointer { ck_crc32(0, $0.baseAddress, $0.count) }
    }

    /// The CRC-32 of raw memory.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ck_crc32(0, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }
}
