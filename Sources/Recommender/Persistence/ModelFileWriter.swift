import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written next to a model file that must belong to that model: its training history
/// (`history.csv`, `history.json`) or chart.
public struct ModelCompanion: Sendable, Equatable {
    /// The file name inside the model's folder (no `/`, not hidden).
    public var name: String
    /// The file's bytes.
    public var bytes: [UInt8]

    /// A companion file holding `bytes`.
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// A companion file holding `text` as UTF-8.
    public init(name: String, text: String) {
        self.init(name: name, bytes: Array(text.utf8))
    }
}

extension ModelArchive {
    /// Writes the model file and its companion files so that a crash at any point (`kill -9`,
    /// power loss) leaves either the old model with its old companions or the new model with
    /// its new companions, and never a half-written file.
    ///
    /// The protocol (documented with the format in `Persistence/ModelFormat.md`):
    /// 1. stale temporary files of this naming (`.<name>.recommender-<pid>-<random>.tmp`) left
    ///    by a writer that no longer runs are removed, after finishing an interrupted write;
    /// 2. each companion is written to a temporary file and flushed (`fsync`);
    /// 3. the model, with a `bundle.*` record of each companion's name, size and CRC-32, is
    ///    written to a temporary file, flushed, and renamed over `url` (the commit point); the
    ///    folder is flushed;
    /// 4. each companion is renamed into place; the folder is flushed.
    ///
    /// A crash before the commit leaves the old files (the temporaries are removed by the next
    /// write); a crash after it is finished by the next read of the model
    /// (``init(contentsOf:expectedKind:)``), which renames the pending companions whose size and
    /// CRC-32 the model records.
    /// - Parameters:
    ///   - url: the model file.
    ///   - companions: files to write next to it (names must differ from the model's).
    /// - Throws: ``PersistenceError/nonFiniteValues(path:section:count:)`` when a float section
    ///   holds NaN or infinity (nothing is written); ``PersistenceError/writeFailed(path:reason:)``
    ///   naming the path and the reason (permission, full disk, a file where a folder should be).
    public func write(to url: URL, companions: [ModelCompanion]) throws {
        if let bad = firstNonFiniteSection() {
            throw PersistenceError.nonFiniteValues(path: url.path, section: bad.name, count: bad.count)
        }
        let directory = url.deletingLastPathComponent()
        for c in companions where c.name.isEmpty || c.name.contains("/") || c.name.hasPrefix(".") || c.name == url.lastPathComponent {
            throw PersistenceError.writeFailed(path: url.path, reason: "invalid companion file name '\(c.name)'")
        }
        try ModelFileWriter.prepareDirectory(directory, for: url)
        _ = ModelFileWriter.finishInterruptedWrite(at: url)
        ModelFileWriter.removeStaleTemporaries(in: directory)

        var pending: [(temporary: URL, final: URL)] = []
        var modelTemporary: URL? = nil
        do {
            var archive = self
            archive.set(ModelFileWriter.namesSection, .strings(companions.map(\.name)))
            archive.set(ModelFileWriter.sizesSection, .int64s(companions.map { Int64($0.bytes.count) }))
            archive.set(ModelFileWriter.checksumsSection, .int64s(companions.map { Int64(CRC32.checksum($0.bytes)) }))
            for c in companions {
                let final = directory.appendingPathComponent(c.name)
                let temporary = ModelFileWriter.temporaryURL(for: final)
                pending.append((temporary, final))
                try ModelFileWriter.writeDurably(c.bytes, to: temporary, reportedAs: final.path)
                ModelFileWriter.testPause()
            }
            let temporary = ModelFileWriter.temporaryURL(for: url)
            modelTemporary = temporary
            try ModelFileWriter.writeDurably(archive.encoded(), to: temporary, reportedAs: url.path)
            ModelFileWriter.testPause()
            try ModelFileWriter.rename(temporary, to: url)
            modelTemporary = nil
            ModelFileWriter.syncDirectory(directory)
            ModelFileWriter.testPause()
        } catch {
            for p in pending { unlink(p.temporary.path) }
            if let modelTemporary { unlink(modelTemporary.path) }
            throw error
        }
        // Committed: the companions follow (a crash here is finished by the next read).
        for p in pending {
            try ModelFileWriter.rename(p.temporary, to: p.final)
            ModelFileWriter.testPause()
        }
        ModelFileWriter.syncDirectory(directory)
    }

    /// The companion files the model file at `url` records whose content on disk is not the
    /// one written with the model (after finishing an interrupted write). Empty when the model
    /// and its companions belong together, or when the model records none.
    /// - Throws: the errors of ``init(contentsOf:expectedKind:)``.
    public static func mismatchedCompanions(ofModelAt url: URL) throws -> [String] {
        let archive = try ModelArchive(contentsOf: url)
        return ModelFileWriter.finishCompanions(of: archive, at: url)
    }
}

extension PersistableModel {
    /// Writes the model file and companion files (training history, charts) so that they always
    /// belong together; see ``ModelArchive/write(to:companions:)``.
    /// - Throws: ``PersistenceError``.
    public func save(to url: URL, companions: [ModelCompanion]) throws {
        try archive().write(to: url, companions: companions)
    }
}

/// The crash-safe file operations behind ``ModelArchive/write(to:companions:)``.
enum ModelFileWriter {
    static let namesSection = "bundle.files"
    static let sizesSection = "bundle.sizes"
    static let checksumsSection = "bundle.crc32"
    /// What marks a temporary file as ours: `.<name>.recommender-<pid>-<random>.tmp`.
    static let marker = ".recommender-"

    /// A new temporary file name next to `final`.
    static func temporaryURL(for final: URL) -> URL {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return final.deletingLastPathComponent()
            .appendingPathComponent(".\(final.lastPathComponent)\(marker)\(getpid())-\(random).tmp")
    }

    /// The target name and writer pid of one of our temporary file names, or `nil`.
    static func parseTemporary(_ fileName: String) -> (target: String, pid: Int32?)? {
        guard fileName.hasPrefix("."), fileName.hasSuffix(".tmp") else { return nil }
        let body = fileName.dropFirst().dropLast(4)
        if let range = body.range(of: marker, options: .backwards) {
            let tail = body[range.upperBound...].split(separator: "-")
            guard tail.count == 2, let pid = Int32(tail[0]), UInt64(tail[1], radix: 16) != nil else { return nil }
            return (String(body[..<range.lowerBound]), pid)
        }
        // The previous writer's naming: `.<name>.<decimal UInt32>.tmp` (no pid).
        guard let dot = body.lastIndex(of: "."), UInt32(body[body.index(after: dot)...]) != nil else { return nil }
        let target = String(body[..<dot])
        return target.hasSuffix(".recmodel") ? (target, nil) : nil
    }

    /// Whether a process with this id is running.
    static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Removes our temporary files in `directory` whose writer is gone (or that are older than
    /// a day, when the pid was reused).
    static func removeStaleTemporaries(in directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names {
            guard let parsed = parseTemporary(name) else { continue }
            let path = directory.appendingPathComponent(name).path
            if let pid = parsed.pid, isRunning(pid) {
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                let age = Date().timeIntervalSince1970 - Double(info.st_mtim.tv_sec)
                if age < 86_400 { continue }
            }
            unlink(path)
        }
    }

    /// Finishes an interrupted write of the model at `url`, if there was one.
    /// - Returns: the companion files that still do not match the model.
    static func finishInterruptedWrite(at url: URL) -> [String] {
        guard FileManager.default.fileExists(atPath: url.path),
              let bytes = TextFile.readAll(url.path),
              let archive = try? ModelArchive(decoding: bytes, path: url.path) else { return [] }
        return finishCompanions(of: archive, at: url)
    }

    /// Renames into place each companion the model records whose file does not match but one of
    /// whose pending temporary files does.
    /// - Returns: the companion names that still do not match.
    @discardableResult
    static func finishCompanions(of archive: ModelArchive, at url: URL) -> [String] {
        guard case .strings(let names)? = archive.section(namesSection),
              case .int64s(let sizes)? = archive.section(sizesSection),
              case .int64s(let checksums)? = archive.section(checksumsSection),
              names.count == sizes.count, names.count == checksums.count else { return [] }
        let directory = url.deletingLastPathComponent()
        func matches(_ path: String, _ k: Int) -> Bool {
            var info = stat()
            guard stat(path, &info) == 0, Int64(info.st_size) == sizes[k], let bytes = TextFile.readAll(path) else { return false }
            return Int64(CRC32.checksum(bytes)) == checksums[k]
        }
        var mismatched: [String] = []
        var renamed = false
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for (k, name) in names.enumerated() {
            guard !name.contains("/") else { mismatched.append(name); continue }
            let final = directory.appendingPathComponent(name)
            if matches(final.path, k) { continue }
            let candidate = entries.first { entry in
                parseTemporary(entry)?.target == name && matches(directory.appendingPathComponent(entry).path, k)
            }
            if let candidate, Foundation.rename(directory.appendingPathComponent(candidate).path, final.path) == 0 {
                renamed = true
            } else {
                mismatched.append(name)
            }
        }
        if renamed { syncDirectory(directory) }
        return mismatched
    }

    /// Creates `directory` when absent.
    /// - Throws: ``PersistenceError/writeFailed(path:reason:)`` when a file is in the way or the
    ///   folder cannot be created.
    static func prepareDirectory(_ directory: URL, for url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PersistenceError.writeFailed(path: url.path, reason: "\(directory.path) is a file, not a folder")
            }
        } else {
            // mkdir -p, one level at a time, so that the reason is the system's (errno).
            var missing: [URL] = []
            var cursor = directory
            while !FileManager.default.fileExists(atPath: cursor.path) && cursor.path != "/" {
                missing.append(cursor)
                cursor = cursor.deletingLastPathComponent()
            }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: cursor.path, isDirectory: &isFolder), !isFolder.boolValue {
                throw PersistenceError.writeFailed(path: url.path, reason: "\(cursor.path) is a file, not a folder")
            }
            for folder in missing.reversed() where mkdir(folder.path, 0o755) != 0 && errno != EEXIST {
                throw PersistenceError.writeFailed(path: url.path, reason: "cannot create the folder \(folder.path): \(reason(errno))")
            }
        }
        var info = stat()
        if stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw PersistenceError.writeFailed(path: url.path, reason: "a folder is in the way")
        }
    }

    /// Writes `bytes` to a new file and flushes it to the disk.
    static func writeDurably(_ bytes: [UInt8], to url: URL, reportedAs path: String) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PersistenceError.writeFailed(path: path, reason: reason(errno)) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let wrote = write(fd, raw.baseAddress! + done, raw.count - done)
                if wrote < 0 { if errno == EINTR { continue }; failure = errno; return }
                done += wrote
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            unlink(url.path)
            throw PersistenceError.writeFailed(path: path, reason: reason(failure))
        }
    }

    /// Renames `from` over `to` (atomic on one file system).
    static func rename(_ from: URL, to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else {
            let code = errno
            unlink(from.path)
            throw PersistenceError.writeFailed(path: to.path, reason: reason(code))
        }
    }

    /// Flushes a folder's entries (the renames) to the disk.
    static func syncDirectory(_ directory: URL) {
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// A short reason for an `errno`.
    static func reason(_ code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case ENOSPC: return "no space left on the device"
        case EROFS: return "the file system is read-only"
        case EDQUOT: return "disk quota exceeded"
        case ENOENT: return "the folder does not exist"
        case ENOTDIR: return "a component of the path is a file, not a folder"
        case EISDIR: return "a folder is in the way"
        default: return String(cString: strerror(code))
        }
    }

    /// The POSIX reason inside a Foundation error, else its description.
    static func posixReason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return reason(Int32(underlying.code))
        }
        if ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteFileExists.rawValue { return "a file is in the way" }
        return ns.localizedDescription
    }

    /// Test hook: `RECOMMENDER_WRITE_STEP_PAUSE_US` microseconds of sleep after each step of a
    /// write, so that a crash-safety test can kill the writer between any two steps.
    static func testPause() {
        if let pause = pauseMicroseconds, pause > 0 { usleep(pause) }
    }

    private static let pauseMicroseconds: UInt32? = ProcessInfo.processInfo.environment["RECOMMENDER_WRITE_STEP_PAUSE_US"].flatMap { UInt32($0) }
}
