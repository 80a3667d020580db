import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors raised while writing or reading an HNSW index file.
public enum IndexFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not start with the index magic bytes.
    case notAnIndexFile(path: String)
    /// The file was written by a newer format version.
    case unsupportedVersion(path: String, version: UInt32, supported: UInt32)
    /// The header checksum does not match.
    case corruptHeader(path: String)
    /// The file is shorter or longer than its header says.
    case wrongSize(path: String, expected: Int, found: Int)
    /// The payload checksum does not match: the file is corrupt.
    case checksumMismatch(path: String)
    /// The graph refers to nodes or levels that do not exist.
    case invalidGraph(path: String, reason: String)
    /// The index was built from other vectors than the model's (retrained model, other metric, …).
    case mismatch(path: String, reason: String)
    /// The file could not be opened, mapped or written.
    case ioFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAnIndexFile(let p): return "\(p): not a recommender HNSW index file (bad magic bytes)"
        case let .unsupportedVersion(p, v, s): return "\(p): index format version \(v) is newer than this program supports (\(s)); upgrade recommender or rebuild the index"
        case .corruptHeader(let p): return "\(p): index header checksum mismatch: the file is corrupt; rebuild it with `recommender index build`"
        case let .wrongSize(p, e, f): return "\(p): index file has \(f) bytes, its header says \(e): truncated or corrupt; rebuild it with `recommender index build`"
        case .checksumMismatch(let p): return "\(p): index checksum mismatch: the file is corrupt; rebuild it with `recommender index build`"
        case let .invalidGraph(p, r): return "\(p): invalid index graph: \(r)"
        case let .mismatch(p, r): return "\(p): the index does not belong to this model (\(r)); rebuild it with `recommender index build`"
        case let .ioFailed(p, r): return "\(p): \(r)"
        }
    }
}

/// The HNSW index file: versioned, checksummed, laid out so that it can be memory-mapped and
/// searched in place (no copy, no parsing).
///
/// Layout (little-endian; a 128-byte header, then sections each starting at a 64-byte boundary,
/// zero-padded):
/// ```
/// offset  size  field
///   0      8    magic "RECHNSW\u{1}"
///   8      4    version (UInt32, currently 1)
///  12      4    metric (0 = dot, 1 = cosine)
///  16      4    inner-product handling (0 = norm augmentation, 1 = native, 2 = angular graph)
///  20      4    dimension d
///  24      4    stride (floats per row: d rounded up to 16)
///  28      4    M
///  32      8    count (items)
///  40      4    efConstruction
///  44      4    top level (Int32, −1 when empty)
///  48      8    seed
///  56      4    entry node (Int32, −1 when empty)
///  60      4    flags (bit 0: keepPrunedLinks; other bits 0)
///  64      8    upper blocks B
///  72      8    payload length P (bytes after the header; the file is 128 + P bytes)
///  80      8    payload checksum (Fletcher-64 of the payload's 32-bit words)
///  88      8    source fingerprint (``HNSWIndex/fingerprint(of:)`` of the vectors indexed)
///  96     28    reserved (0)
/// 124      4    CRC-32 of bytes 0..<124
/// payload:
///   vectors        count × stride Float32 (unit rows for cosine)
///   level 0        count × (1 + 2M) Int32 (length, then neighbours)
///   upper offsets  count Int32 (first upper block of the node, −1 for level-0-only nodes)
///   upper links    B × (1 + M) Int32
///   levels         count UInt8
/// ```
/// Loading maps the file read-only, checks the header CRC, the size, the payload checksum (one
/// pass over the mapped pages) and every link (in range, pointing to a node that has the level),
/// so a corrupt file is refused with a clear error instead of crashing a search.
public enum HNSWIndexFile {
    /// The magic bytes every index file starts with.
    public static let magic: [UInt8] = Array("RECHNSW".utf8) + [1]
    /// The format version this code writes and reads.
    public static let currentVersion: UInt32 = 1
    /// The header size in bytes.
    static let headerSize = 128
    /// The file extension of an index beside its model (`model.recmodel` → `model.hnsw`).
    public static let fileExtension = "hnsw"

    /// The header code of an inner-product handling (the layout's offset 16).
    static func code(of handling: InnerProductHandling) -> UInt32 {
        switch handling {
        case .normAugmentation: return 0
        case .native: return 1
        case .angularGraph: return 2
        }
    }

    /// The inner-product handling of a header code already checked to be at most 2.
    static func handling(code: UInt32) -> InnerProductHandling {
        code == 0 ? .normAugmentation : code == 1 ? .native : .angularGraph
    }

    /// Where the index of the model at `modelURL` lives: beside it, with the `.hnsw` extension.
    public static func url(besideModel modelURL: URL) -> URL {
        modelURL.deletingPathExtension().appendingPathExtension(fileExtension)
    }

    struct Layout {
        var vectors = 0, level0 = 0, upperOffsets = 0, upperLinks = 0, levels = 0, end = 0
        init(count: Int, stride: Int, m: Int, upperBlocks: Int) {
            func align(_ x: Int) -> Int { (x + 63) / 64 * 64 }
            vectors = HNSWIndexFile.headerSize
            level0 = align(vectors + count * stride * 4)
            upperOffsets = align(level0 + count * (1 + 2 * m) * 4)
            upperLinks = align(upperOffsets + count * 4)
            levels = align(upperLinks + upperBlocks * (1 + m) * 4)
            end = align(levels + count)
        }
    }

    /// A Fletcher-style 64-bit checksum of 32-bit words (`a += w; b += a`, wrapping): detects
    /// flipped, lost and swapped words; about 1 ns per word. `bytes.count` must be a multiple of 4.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var a: UInt64 = 0, b: UInt64 = 0
        let words = bytes.count / 4
        guard let base = bytes.baseAddress, words > 0 else { return 0 }
        let p = base.assumingMemoryBound(to: UInt32.self)
        for i in 0..<words { a &+= UInt64(p[i]); b &+= a }
        return a ^ (b &* 0x9E37_79B9_7F4A_7C15)
    }
}

extension HNSWIndex {
    /// A fingerprint of item vectors (a checksum of their Float32 bits and shape), stored in the
    /// index file to detect an index built from other vectors than a model's.
    public static func fingerprint(of vectors: Matrix) -> UInt64 {
        let sum = vectors.storage.withUnsafeBytes { HNSWIndexFile.checksum($0) }
        return sum ^ (UInt64(vectors.rows) &* 0xFF51_AFD7_ED55_8CCD) ^ (UInt64(vectors.columns) << 48)
    }

    /// Writes the index atomically (a temporary file in the same folder, then renamed).
    /// - Parameters:
    ///   - url: the destination.
    ///   - sourceFingerprint: ``fingerprint(of:)`` of the vectors the index was built from (0 when unknown).
    /// - Throws: ``IndexFileError/ioFailed(path:reason:)``.
    public func write(to url: URL, sourceFingerprint: UInt64 = 0) throws {
        let g = graph, s = store
        let layout = HNSWIndexFile.Layout(count: s.count, stride: s.stride, m: g.m, upperBlocks: g.upperBlockCount)
        let memory = RawAllocation(byteCount: layout.end)
        let base = memory.pointer
        func copy(_ from: UnsafeRawPointer, _ bytes: Int, to offset: Int) { if bytes > 0 { (base + offset).copyMemory(from: from, byteCount: bytes) } }
        copy(s.vectors, s.count * s.stride * 4, to: layout.vectors)
        copy(g.level0, g.count * (1 + g.m0) * 4, to: layout.level0)
        copy(g.upperOffsets, g.count * 4, to: layout.upperOffsets)
        copy(g.upperLinks, g.upperBlockCount * (1 + g.m) * 4, to: layout.upperLinks)
        copy(g.levels, g.count, to: layout.levels)
        let payloadChecksum = HNSWIndexFile.checksum(UnsafeRawBufferPointer(start: base + HNSWIndexFile.headerSize,
                                                                            count: layout.end - HNSWIndexFile.headerSize))
        var header = ByteWriter()
        header.bytes(HNSWIndexFile.magic)
        header.u32(HNSWIndexFile.currentVersion)
        header.u32(s.metric == .dot ? 0 : 1)
        header.u32(HNSWIndexFile.code(of: parameters.innerProduct))
        header.u32(UInt32(s.dimension))
        header.u32(UInt32(s.stride))
        header.u32(UInt32(g.m))
        header.u64(UInt64(s.count))
        header.u32(UInt32(parameters.efConstruction))
        header.u32(UInt32(bitPattern: Int32(g.maxLevel)))
        header.u64(parameters.seed)
        header.u32(UInt32(bitPattern: g.entry))
        header.u32(parameters.keepPrunedLinks ? 1 : 0)
        header.u64(UInt64(g.upperBlockCount))
        header.u64(UInt64(layout.end - HNSWIndexFile.headerSize))
        header.u64(payloadChecksum)
        header.u64(sourceFingerprint)
        header.bytes([UInt8](repeating: 0, count: 124 - header.data.count))
        header.u32(CRC32.checksum(header.data))
        header.data.withUnsafeBytes { copy($0.baseAddress!, 128, to: 0) }

        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw IndexFileError.ioFailed(path: url.path, reason: "cannot create folder: \(error.localizedDescription)")
        }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IndexFileError.ioFailed(path: url.path, reason: "cannot write: \(String(cString: strerror(errno)))") }
        var written = 0
        while written < layout.end {
            let r = posixWrite(fd, base + written, min(1 << 30, layout.end - written))
            if r <= 0 {
                let reason = String(cString: strerror(errno))
                close(fd); unlink(temporary.path)
                throw IndexFileError.ioFailed(path: url.path, reason: "cannot write: \(reason)")
            }
            written += r
        }
        close(fd)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw IndexFileError.ioFailed(path: url.path, reason: "cannot rename into place: \(reason)")
        }
    }

    /// Memory-maps an index file and checks it (see ``HNSWIndexFile``); the index searches the
    /// mapped pages in place.
    /// - Parameters:
    ///   - url: the index file.
    ///   - verifyChecksum: check the payload checksum (one pass over the file; on by default).
    /// - Returns: the index and the source fingerprint stored in it.
    /// - Throws: ``IndexFileError`` for a missing, foreign, corrupt or inconsistent file.
    public static func load(from url: URL, verifyChecksum: Bool = true) throws -> (index: HNSWIndex, sourceFingerprint: UInt64) {
        let path = url.path
        let mapping = try MappedFile(path: path)
        let bytes = UnsafeRawBufferPointer(start: mapping.pointer, count: mapping.size)
        guard bytes.count >= HNSWIndexFile.magic.count, Array(bytes[0..<HNSWIndexFile.magic.count]) == HNSWIndexFile.magic else {
            throw IndexFileError.notAnIndexFile(path: path)
        }
        guard bytes.count >= HNSWIndexFile.headerSize else { throw IndexFileError.wrongSize(path: path, expected: HNSWIndexFile.headerSize, found: bytes.count) }
        func u32(_ o: Int) -> UInt32 { bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian }
        func u64(_ o: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian }
        let version = u32(8)
        guard version <= HNSWIndexFile.currentVersion, version >= 1 else {
            throw IndexFileError.unsupportedVersion(path: path, version: version, supported: HNSWIndexFile.currentVersion)
        }
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<124])) == u32(124) else { throw IndexFileError.corruptHeader(path: path) }
        let metricCode = u32(12), ipCode = u32(16)
        let dimension = Int(u32(20)), stride = Int(u32(24)), m = Int(u32(28))
        let count = Int(clamping: u64(32))
        let efConstruction = Int(u32(40))
        let maxLevel = Int(Int32(bitPattern: u32(44)))
        let seed = u64(48)
        let entry = Int32(bitPattern: u32(56))
        let upperBlocks = Int(clamping: u64(64))
        let payload = Int(clamping: u64(72))
        let storedChecksum = u64(80), fingerprint = u64(88)
        guard metricCode <= 1, ipCode <= 2, dimension >= 1, stride == Kernels.paddedWidth(dimension), m >= 2, m <= 4096,
              count >= 0, count < Int(Int32.max), upperBlocks >= 0, upperBlocks < Int(Int32.max),
              maxLevel >= -1, maxLevel <= HNSWBuilder.levelCap else {
            throw IndexFileError.invalidGraph(path: path, reason: "impossible header values")
        }
        let layout = HNSWIndexFile.Layout(count: count, stride: stride, m: m, upperBlocks: upperBlocks)
        guard payload == layout.end - HNSWIndexFile.headerSize, bytes.count == layout.end else {
            throw IndexFileError.wrongSize(path: path, expected: layout.end, found: bytes.count)
        }
        if verifyChecksum {
            let sum = HNSWIndexFile.checksum(UnsafeRawBufferPointer(rebasing: bytes[HNSWIndexFile.headerSize..<layout.end]))
            guard sum == storedChecksum else { throw IndexFileError.checksumMismatch(path: path) }
        }
        let base = UnsafeMutableRawPointer(mutating: mapping.pointer)
        let level0 = (base + layout.level0).assumingMemoryBound(to: Int32.self)
        let upperOffsets = (base + layout.upperOffsets).assumingMemoryBound(to: Int32.self)
        let upperLinks = (base + layout.upperLinks).assumingMemoryBound(to: Int32.self)
        let levels = (base + layout.levels).assumingMemoryBound(to: UInt8.self)
        try validate(path: path, count: count, m: m, level0: level0, upperOffsets: upperOffsets, upperLinks: upperLinks,
                     upperBlocks: upperBlocks, levels: levels, entry: entry, maxLevel: maxLevel)
        let metric: RetrievalMetric = metricCode == 0 ? .dot : .cosine
        let store = EmbeddingStore(vectors: UnsafePointer((base + layout.vectors).assumingMemoryBound(to: Float.self)),
                                   count: count, dimension: dimension, stride: stride, metric: metric, owner: mapping)
        let graph = HNSWGraph(count: count, m: m, level0: level0, upperOffsets: upperOffsets, upperLinks: upperLinks,
                              upperBlockCount: upperBlocks, levels: levels, entry: entry, maxLevel: maxLevel, owner: mapping)
        let parameters = HNSWParameters(m: m, efConstruction: efConstruction, seed: seed,
                                        innerProduct: HNSWIndexFile.handling(code: ipCode), keepPrunedLinks: u32(60) & 1 == 1)
        return (HNSWIndex(store: store, graph: graph, parameters: parameters), fingerprint)
    }

    /// Checks every link of a loaded graph, so that no search can read outside the file.
    private static func validate(path: String, count: Int, m: Int, level0: UnsafeMutablePointer<Int32>,
                                 upperOffsets: UnsafeMutablePointer<Int32>, upperLinks: UnsafeMutablePointer<Int32>,
                                 upperBlocks: Int, levels: UnsafeMutablePointer<UInt8>, entry: Int32, maxLevel: Int) throws {
        if count == 0 {
            guard entry == -1, maxLevel == -1, upperBlocks == 0 else { throw IndexFileError.invalidGraph(path: path, reason: "an empty index with an entry point") }
            return
        }
        guard entry >= 0, Int(entry) < count, Int(levels[Int(entry)]) == maxLevel else {
            throw IndexFileError.invalidGraph(path: path, reason: "entry point \(entry) is not a node of the top level")
        }
        let m0 = 2 * m
        var blocks = 0
        for i in 0..<count {
            let level = Int(levels[i])
            guard level <= maxLevel else { throw IndexFileError.invalidGraph(path: path, reason: "node \(i) is above the top level") }
            let offset = Int(upperOffsets[i])
            if level == 0 {
                guard offset == -1 else { throw IndexFileError.invalidGraph(path: path, reason: "node \(i) has upper links but level 0") }
            } else {
                guard offset == blocks else { throw IndexFileError.invalidGraph(path: path, reason: "node \(i): upper offset \(offset), expected \(blocks)") }
                blocks += level
            }
            let block = level0 + i * (1 + m0)
            let n = Int(block[0])
            guard n >= 0, n <= m0 else { throw IndexFileError.invalidGraph(path: path, reason: "node \(i) has \(n) links at level 0 (at most \(m0))") }
            for j in 1...max(1, n) where j <= n {
                let t = block[j]
                guard t >= 0, Int(t) < count else { throw IndexFileError.invalidGraph(path: path, reason: "node \(i) links to \(t), outside 0..<\(count)") }
            }
        }
        guard blocks == upperBlocks else { throw IndexFileError.invalidGraph(path: path, reason: "\(blocks) upper blocks used, \(upperBlocks) stored") }
        for i in 0..<count where levels[i] > 0 {
            for level in 1...Int(levels[i]) {
                let block = upperLinks + (Int(upperOffsets[i]) + level - 1) * (1 + m)
                let n = Int(block[0])
                guard n >= 0, n <= m else { throw IndexFileError.invalidGraph(path: path, reason: "node \(i) has \(n) links at level \(level) (at most \(m))") }
                for j in 0..<n {
                    let t = block[1 + j]
                    guard t >= 0, Int(t) < count, Int(levels[Int(t)]) >= level else {
                        throw IndexFileError.invalidGraph(path: path, reason: "node \(i) links at level \(level) to \(t), which is not on that level")
                    }
                }
            }
        }
    }
}

/// A read-only memory mapping of a whole file, unmapped when released.
final class MappedFile: @unchecked Sendable {
    let pointer: UnsafeRawPointer
    let size: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw IndexFileError.ioFailed(path: path, reason: "no such index file") }
            throw IndexFileError.ioFailed(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw IndexFileError.ioFailed(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))") }
        size = Int(info.st_size)
        guard size > 0 else { throw IndexFileError.notAnIndexFile(path: path) }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p = mapped, p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw IndexFileError.ioFailed(path: path, reason: "cannot memory-map: \(String(cString: strerror(errno)))")
        }
        pointer = UnsafeRawPointer(p)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: pointer), size) }
}

/// `write(2)`, named apart from ``HNSWIndex/write(to:sourceFingerprint:)``.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
