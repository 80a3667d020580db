import Recommender
import Foundation
import ZIPFoundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a fetched data set came from.
public enum FetchSource: Sendable, Equatable, CustomStringConvertible {
    /// The data was already in the data folder; nothing was done.
    case alreadyPresent
    /// The official GroupLens zip at this address.
    case groupLens(url: String)
    /// The ML-100K copy inside the `recbole` wheel on PyPI (RecBole atomic files).
    case recBoleWheel(version: String)

    public var description: String {
        switch self {
        case .alreadyPresent: return "already present"
        case .groupLens(let url): return "GroupLens (\(url))"
        case .recBoleWheel(let version): return "PyPI wheel recbole==\(version) (RecBole atomic files)"
        }
    }
}

/// What ``DataFetcher/fetch(name:dataDirectory:force:timeout:progress:)`` did.
public struct FetchReport: Sendable, Equatable {
    /// The data set name.
    public var name: String
    /// The folder holding the data set (`dataDirectory/name`).
    public var directory: URL
    /// Where the data came from.
    public var source: FetchSource
    /// Why earlier sources were passed over (empty when the first source worked).
    public var skippedSources: [String]
}

/// Downloads MovieLens data sets into a data folder.
///
/// Sources, in order:
/// 1. the official GroupLens zip `https://files.grouplens.org/datasets/movielens/NAME.zip`
///    (with `curl`, else `URLSession`; aborted when nothing arrives for `timeout` seconds),
///    checked against the `NAME.zip.md5` GroupLens publishes next to it when that can be
///    fetched, and always checked to open and hold the expected files;
/// 2. for `ml-100k` only, the copy in the PyPI wheel `recbole==1.2.1`
///    (`python3 -m pip download --no-deps`; pip checks the wheel's hash against PyPI's),
///    unpacked from `recbole/dataset_example/ml-100k/`.
///
/// Files are unpacked into a temporary folder inside the data folder and moved into place at the
/// end, so an interrupted fetch never leaves a half-written data set. The fetcher never prints;
/// it reports progress through a callback.
public enum DataFetcher {
    /// The data sets that can be fetched.
    public static let knownDatasets = ["ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m", "ml-latest-small"]

    /// The RecBole release whose wheel carries ML-100K.
    public static let recBoleVersion = "1.2.1"

    /// The base address of the GroupLens downloads.
    public static let groupLensBase = "https://files.grouplens.org/datasets/movielens/"

    /// Files that must be in each GroupLens archive.
    public static func expectedFiles(for name: String) -> [String] {
        switch name {
        case "ml-100k": return ["u.data", "u.item", "u.user"]
        case "ml-1m": return ["ratings.dat", "movies.dat", "users.dat"]
        case "ml-10m": return ["ratings.dat", "movies.dat"]
        default: return ["ratings.csv", "movies.csv"]
        }
    }

    /// The RecBole files taken from the wheel.
    static let recBoleFiles = ["ml-100k.inter", "ml-100k.item", "ml-100k.user"]

    /// Fetches `name` into `dataDirectory/name` unless it is already there.
    /// - Parameters:
    ///   - name: one of ``knownDatasets``.
    ///   - dataDirectory: the data folder (created when missing).
    ///   - force: fetch again even when the data set is present.
    ///   - timeout: seconds without progress after which a download is abandoned.
    ///   - progress: called with one-line messages about what is being tried.
    /// - Returns: what was done and from which source.
    /// - Throws: ``DataError/unknownDataset(name:known:)``; ``DataError/fetchFailed(name:reason:)``
    ///   naming why every source failed.
    public static func fetch(name: String, dataDirectory: URL, force: Bool = false, timeout: TimeInterval = 20,
                             progress: (@Sendable (String) -> Void)? = nil) throws -> FetchReport {
        guard knownDatasets.contains(name) else { throw DataError.unknownDataset(name: name, known: knownDatasets) }
        let fm = FileManager.default
        let target = dataDirectory.appendingPathComponent(name)
        if !force, (try? DatasetLocator.detectLayout(in: target)) != nil {
            return FetchReport(name: name, directory: target, source: .alreadyPresent, skippedSources: [])
        }
        do {
            try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw DataError.fetchFailed(name: name, reason: "cannot create \(dataDirectory.path): \(error.localizedDescription)")
        }
        let work = dataDirectory.appendingPathComponent(".fetch-\(name)-\(UUID().uuidString)")
        try? fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }

        var skipped: [String] = []
        // 1. GroupLens.
        let url = groupLensBase + name + ".zip"
        progress?("trying \(url)")
        do {
            let zip = work.appendingPathComponent("\(name).zip")
            try download(url, to: zip, timeout: timeout)
            let md5URL = work.appendingPathComponent("\(name).zip.md5")
            if (try? download(url + ".md5", to: md5URL, timeout: timeout)) != nil,
               let published = (try? String(contentsOf: md5URL, encoding: .utf8))?.split(whereSeparator: { $0 == " " || $0 == "\n" })
                .first(where: { $0.count == 32 }).map({ $0.lowercased() }) {
                guard let actual = md5(of: zip) else { throw DataError.invalidInput("could not compute the MD5 of the archive") }
                guard actual == published else {
                    throw DataError.invalidInput("MD5 mismatch: archive \(actual), published \(published)")
                }
                progress?("MD5 matches the published \(published)")
            }
            let unpacked = work.appendingPathComponent("unpacked")
            try extractGroupLensArchive(zip, name: name, into: unpacked)
            try install(unpacked, at: target)
            return FetchReport(name: name, directory: target, source: .groupLens(url: url), skippedSources: skipped)
        } catch {
            skipped.append("GroupLens: \(describe(error))")
            progress?("GroupLens failed: \(describe(error))")
        }
        // 2. The recbole wheel (ML-100K only).
        guard name == "ml-100k" else {
            throw DataError.fetchFailed(name: name, reason: skipped.joined(separator: "; "))
        }
        progress?("trying the PyPI wheel recbole==\(recBoleVersion) (pip download --no-deps)")
        do {
            let wheelDir = work.appendingPathComponent("wheel")
            try fm.createDirectory(at: wheelDir, withIntermediateDirectories: true)
            try run(["python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet",
                     "recbole==\(recBoleVersion)", "-d", wheelDir.path])
            guard let wheel = try fm.contentsOfDirectory(atPath: wheelDir.path).first(where: { $0.hasSuffix(".whl") }) else {
                throw DataError.invalidInput("pip downloaded no wheel")
            }
            let unpacked = work.appendingPathComponent("unpacked")
            try extractRecBoleWheel(wheelDir.appendingPathComponent(wheel), into: unpacked)
            try install(unpacked, at: target)
            return FetchReport(name: name, directory: target, source: .recBoleWheel(version: recBoleVersion), skippedSources: skipped)
        } catch {
            skipped.append("PyPI recbole wheel: \(describe(error))")
        }
        throw DataError.fetchFailed(name: name, reason: skipped.joined(separator: "; "))
    }

    /// Unpacks a GroupLens archive into `folder`, dropping the archive's top folder
    /// (`ml-100k/`, `ml-10M100K/`, …), and checks that the expected files are there.
    /// - Throws: ``DataError/invalidInput(_:)`` when the archive cannot be opened, has unsafe
    ///   paths, or lacks an expected file.
    public static func extractGroupLensArchive(_ zip: URL, name: String, into folder: URL) throws {
        let archive = try openArchive(zip)
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for entry in archive where entry.type == .file {
            var parts = entry.path.split(separator: "/").map(String.init)
            guard !parts.contains(".."), !entry.path.hasPrefix("/") else {
                throw DataError.invalidInput("\(zip.path): unsafe path '\(entry.path)' in the archive")
            }
            if parts.count > 1 { parts.removeFirst() }
            if parts.first == "__MACOSX" || parts.last?.hasPrefix("._") == true { continue }
            let destination = parts.reduce(folder) { $0.appendingPathComponent($1) }
            try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            do {
                _ = try archive.extract(entry, to: destination)
            } catch {
                throw DataError.invalidInput("\(zip.path): cannot extract \(entry.path): \(error)")
            }
        }
        for file in expectedFiles(for: name) where !fm.fileExists(atPath: folder.appendingPathComponent(file).path) {
            throw DataError.invalidInput("\(zip.path): the archive has no \(file)")
        }
    }

    /// Unpacks `recbole/dataset_example/ml-100k/ml-100k.{inter,item,user}` from a recbole wheel into `folder`.
    /// - Throws: ``DataError/invalidInput(_:)`` when the wheel cannot be opened or lacks a file.
    public static func extractRecBoleWheel(_ wheel: URL, into folder: URL) throws {
        let archive = try openArchive(wheel)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in recBoleFiles {
            let path = "recbole/dataset_example/ml-100k/\(file)"
            guard let entry = archive[path] else { throw DataError.invalidInput("\(wheel.path): the wheel has no \(path)") }
            do {
                _ = try archive.extract(entry, to: folder.appendingPathComponent(file))
            } catch {
                throw DataError.invalidInput("\(wheel.path): cannot extract \(path): \(error)")
            }
        }
    }

    static func openArchive(_ url: URL) throws -> Archive {
        do {
            return try Archive(url: url, accessMode: .read)
        } catch {
            throw DataError.invalidInput("\(url.path) is not a readable zip archive")
        }
    }

    /// Moves a finished folder into place, replacing an older copy.
    static func install(_ folder: URL, at target: URL) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
        try fm.moveItem(at: folder, to: target)
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? DataError { return error.description }
        return String(describing: error)
    }

    /// Downloads `url` to `file`: `curl` when installed, else `URLSession`.
    static func download(_ url: String, to file: URL, timeout: TimeInterval) throws {
        if let curl = executable("curl") {
            let seconds = String(Int(max(1, timeout)))
            try run([curl, "--fail", "--silent", "--show-error", "--location", "--connect-timeout", seconds,
                     "--speed-limit", "1024", "--speed-time", seconds, "--output", file.path, url])
            return
        }
        guard let address = URL(string: url) else { throw DataError.invalidInput("bad address \(url)") }
        final class Outcome: @unchecked Sendable { var error: Error?; var location: URL? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        let task = session.downloadTask(with: address) { location, response, error in
            if let error { outcome.error = error }
            else if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                outcome.error = DataError.invalidInput("HTTP status \(http.statusCode)")
            } else if let location {
                do { try FileManager.default.moveItem(at: location, to: file); outcome.location = file } catch { outcome.error = error }
            }
            done.signal()
        }
        task.resume()
        done.wait()
        if let error = outcome.error { throw DataError.invalidInput("download failed: \(error.localizedDescription)") }
        guard outcome.location != nil else { throw DataError.invalidInput("download failed") }
    }

    /// The path of an executable on `PATH`, or `nil`.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a command, throwing its last line of error output when it fails.
    static func run(_ arguments: [String]) throws {
        guard let first = arguments.first, let program = first.hasPrefix("/") ? first : executable(first) else {
            throw DataError.invalidInput("\(arguments.first ?? "") is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(arguments.dropFirst())
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw DataError.invalidInput("cannot run \(first): \(error.localizedDescription)") }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: output, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw DataError.invalidInput("\(URL(fileURLWithPath: first).lastPathComponent) exited with status \(process.terminationStatus)\(text.isEmpty ? "" : ": " + text)")
        }
    }

    /// The MD5 of a file as lowercase hex (via `md5sum`), or `nil`.
    static func md5(of file: URL) -> String? {
        guard let program = executable("md5sum") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = [file.path]
        let out = Pipe()
        process.standardOutput = out
        guard (try? process.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map { $0.lowercased() }
    }
}
