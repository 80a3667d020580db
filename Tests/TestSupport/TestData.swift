import Foundation
import Recommender
import Testing

/// Where the tests find real data sets: `$RECOMMENDER_DATA_DIR`, else `~/.cache/swift-recommender`
/// (where `recommender data fetch` puts them). The one copy of this lookup for every test target.
public enum TestData {
    /// The data folder (`$RECOMMENDER_DATA_DIR` when set and not empty).
    public static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["RECOMMENDER_DATA_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-recommender")
    }

    /// The ML-100K folder inside ``directory``.
    public static var ml100KDirectory: URL { directory.appendingPathComponent("ml-100k") }

    /// Whether ML-100K is present in a layout the loader reads.
    public static var hasML100K: Bool { (try? DatasetLocator.detectLayout(in: ml100KDirectory)) != nil }

    /// Why the tests that need ML-100K are skipped (for `.enabled(if: TestData.hasML100K, TestData.missingML100K)`).
    public static let missingML100K: Comment =
        "ML-100K not found in $RECOMMENDER_DATA_DIR (default ~/.cache/swift-recommender); run `recommender data fetch ml-100k`"

    /// Loads ML-100K from ``directory``.
    /// - Throws: what ``DatasetLocator/load(name:dataDirectory:)`` throws when it is missing or damaged.
    public static func loadML100K() throws -> Dataset {
        try DatasetLocator.load(name: "ml-100k", dataDirectory: directory)
    }

    /// Whether this is a release (optimised) build, for tests too slow to run in debug.
    public static var isReleaseBuild: Bool {
        #if DEBUG
        return false
        #else
        return true
        #endif
    }
}

/// A temporary folder removed when the value is released.
public final class TemporaryFolder {
    /// The folder.
    public let url: URL

    /// Creates an empty folder in the temporary directory, named after `label`.
    public init(_ label: String = "data") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("recommender-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes UTF-8 text to `name` (creating sub-folders) and returns its URL.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> URL {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes to `name` and returns its URL.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file
    }

    /// The URL of `name` inside the folder (not created).
    public func path(_ name: String) -> URL { url.appendingPathComponent(name) }
}
