import Foundation
@testable import Recommender

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init(_ label: String = "data") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("recommender-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes UTF-8 text to `name` (creating sub-folders) and returns its URL.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes to `name` and returns its URL.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file
    }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Latin-1 bytes of a string (every scalar must be < 256).
func latin1(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8($0.value) } }

/// The folder where tests look for real data sets.
var realDataDirectory: URL {
    if let dir = ProcessInfo.processInfo.environment["RECOMMENDER_DATA_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-recommender")
}

/// Whether the real ML-100K is present.
var realML100KIsPresent: Bool {
    (try? DatasetLocator.detectLayout(in: realDataDirectory.appendingPathComponent("ml-100k"))) != nil
}

/// Asserts two data sets hold the same content (ids, interactions, catalog, users, scale).
func sameContent(_ a: Dataset, _ b: Dataset) -> [String] {
    var differences: [String] = []
    if a.userIDs != b.userIDs { differences.append("user ids") }
    if a.itemIDs != b.itemIDs { differences.append("item ids") }
    if a.interactions != b.interactions { differences.append("interactions") }
    if a.catalog.titles != b.catalog.titles { differences.append("titles \(zip(a.catalog.titles, b.catalog.titles).filter { $0 != $1 })") }
    if a.catalog.years != b.catalog.years { differences.append("years") }
    if a.catalog.genres != b.catalog.genres { differences.append("genres") }
    if a.catalog.genreNames != b.catalog.genreNames { differences.append("genre names") }
    if a.userTable != b.userTable { differences.append("user table") }
    if a.ratingScale != b.ratingScale { differences.append("rating scale") }
    if a.hasExplicitRatings != b.hasExplicitRatings { differences.append("explicit") }
    if a.report.duplicatesDropped != b.report.duplicatesDropped { differences.append("duplicates") }
    return differences
}

/// The error a throwing expression raised, as a `DataError`.
func dataError(_ body: () throws -> Any) -> DataError? {
    do { _ = try body(); return nil } catch let error as DataError { return error } catch { return nil }
}
