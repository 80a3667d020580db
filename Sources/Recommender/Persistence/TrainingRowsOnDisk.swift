import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model file held open for reading, so that sections left on disk
/// (``ModelArchive/init(contentsOf:expectedKind:leavingOnDisk:)``) are read from the very file
/// whose checksum was verified. A newer model renamed over the path (as a hot swap or a
/// retraining does) does not change what an open descriptor reads.
public final class OpenModelFile: Sendable {
    private let descriptor: Int32
    /// The path it was opened at (for messages).
    public let path: String
    /// Its size in bytes when it was opened.
    public let size: Int

    private init(descriptor: Int32, path: String, size: Int) {
        self.descriptor = descriptor
        self.path = path
        self.size = size
    }

    deinit { close(descriptor) }

    /// Opens `path` read-only and reads it whole.
    /// - Returns: the open file and its bytes, or `nil` when it cannot be opened or read.
    static func openAndRead(_ path: String) -> (OpenModelFile, [UInt8])? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 0 else { close(fd); return nil }
        let file = OpenModelFile(descriptor: fd, path: path, size: Int(info.st_size))
        var complete = false
        let bytes: [UInt8] = arrayFilledInPlace(capacity: file.size) { buffer, count in
            complete = file.read(into: buffer.baseAddress, count: file.size, at: 0)
            count = complete ? file.size : 0
        }
        return complete ? (file, bytes) : nil
    }

    /// Reads exactly `count` bytes at byte `offset` into `buffer`.
    /// - Returns: `false` on a short read or an error.
    func read(into buffer: UnsafeMutableRawPointer?, count: Int, at offset: Int) -> Bool {
        guard count > 0 else { return true }
        guard let buffer, offset >= 0, count <= size - offset else { return false }
        var done = 0
        while done < count {
            let got = pread(descriptor, buffer + done, count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return false }
            done += got
        }
        return true
    }
}

/// The training history of a model (``ModelMetadata/seen``) left in its model file instead of
/// memory: a user's row is read from the file when a query needs it.
///
/// A served model of 25 million ratings keeps 200 MB of item indices and ratings for three
/// things only: leaving out a user's rated items, "because you liked …" and the training counts.
/// Reading one row costs two `pread` calls of a few hundred bytes from the page cache; the
/// process keeps only the row offsets (8 bytes a user). Rows are checked as they are read: an
/// item index outside the catalog is dropped (the file's checksum was verified at load).
public final class TrainingRowsOnDisk: Sendable, Equatable {
    private let file: OpenModelFile
    private let rowOffsets: [Int]
    private let itemsAt: Int
    private let valuesAt: Int
    /// The number of items (columns).
    public let columnCount: Int

    /// The number of users (rows).
    public var rowCount: Int { rowOffsets.count - 1 }
    /// The number of stored ratings.
    public var entryCount: Int { rowOffsets.last ?? 0 }

    /// - Precondition: `rowOffsets` is a valid CSR offset list (checked by the caller).
    init(file: OpenModelFile, rowOffsets: [Int], itemsAt: Int, valuesAt: Int, columnCount: Int) {
        self.file = file
        self.rowOffsets = rowOffsets
        self.itemsAt = itemsAt
        self.valuesAt = valuesAt
        self.columnCount = columnCount
    }

    public static func == (a: TrainingRowsOnDisk, b: TrainingRowsOnDisk) -> Bool { a === b }

    /// The number of ratings in `row` (0 outside the matrix).
    public func count(ofRow row: Int) -> Int {
        guard row >= 0, row < rowCount else { return 0 }
        return rowOffsets[row + 1] - rowOffsets[row]
    }

    /// The items (ascending) and ratings of `row`; empty outside the matrix or when the file
    /// cannot be read.
    public func row(_ row: Int) -> (items: [Int32], values: [Float]) {
        let n = count(ofRow: row)
        guard n > 0 else { return ([], []) }
        let first = rowOffsets[row]
        var items = [Int32](repeating: 0, count: n)
        var values = [Float](repeating: 0, count: n)
        let ok = items.withUnsafeMutableBytes { file.read(into: $0.baseAddress, count: n * 4, at: itemsAt + first * 4) }
            && values.withUnsafeMutableBytes { file.read(into: $0.baseAddress, count: n * 4, at: valuesAt + first * 4) }
        guard ok else { return ([], []) }
        if items.contains(where: { $0 < 0 || Int($0) >= columnCount }) {
            var kept: [Int32] = [], keptValues: [Float] = []
            for k in 0..<n where items[k] >= 0 && Int(items[k]) < columnCount { kept.append(items[k]); keptValues.append(values[k]) }
            return (kept, keptValues)
        }
        return (items, values)
    }

    /// Calls `body` with consecutive runs of the stored item indices (all rows in order),
    /// reading `chunk` entries at a time into one reused buffer.
    /// - Returns: `false` when the file could not be read to the end.
    @discardableResult
    public func forEachItemChunk(entries chunk: Int = 1 << 16, _ body: (UnsafeBufferPointer<Int32>) -> Void) -> Bool {
        forEachChunk(of: Int32.self, at: itemsAt, entries: chunk, body)
    }

    /// Calls `body` with consecutive runs of the stored ratings (all rows in order).
    /// - Returns: `false` when the file could not be read to the end.
    @discardableResult
    public func forEachValueChunk(entries chunk: Int = 1 << 16, _ body: (UnsafeBufferPointer<Float>) -> Void) -> Bool {
        forEachChunk(of: Float.self, at: valuesAt, entries: chunk, body)
    }

    private func forEachChunk<T>(of _: T.Type, at offset: Int, entries chunk: Int, _ body: (UnsafeBufferPointer<T>) -> Void) -> Bool {
        let size = max(1, chunk)
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: size)
        defer { buffer.deallocate() }
        var start = 0
        while start < entryCount {
            let n = min(size, entryCount - start)
            guard file.read(into: buffer.baseAddress, count: n * 4, at: offset + start * 4) else { return false }
            body(UnsafeBufferPointer(rebasing: buffer[0..<n]))
            start += n
        }
        return true
    }

    /// The whole matrix read into memory (what saving such a model writes).
    public func materialized() -> SparseMatrix {
        var columns: [Int32] = [], values: [Float] = []
        columns.reserveCapacity(entryCount); values.reserveCapacity(entryCount)
        var offsets = [0]
        offsets.reserveCapacity(rowOffsets.count)
        for r in 0..<rowCount {
            let (items, ratings) = row(r)
            columns.append(contentsOf: items); values.append(contentsOf: ratings)
            offsets.append(columns.count)
        }
        return SparseMatrix(rowCount: rowCount, columnCount: columnCount, rowOffsets: offsets, columns: columns, values: values)
    }
}
