import Foundation

/// Finds and loads data sets by name from a data folder (where `recommender data fetch` puts them).
public enum DatasetLocator {
    /// The default data folder: `$XDG_CACHE_HOME/swift-recommender` or `~/.cache/swift-recommender`.
    public static var defaultDataDirectory: URL {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("swift-recommender")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-recommender")
    }

    /// Loads the data set `name` from `dataDirectory/name`, detecting its layout on disk.
    /// - Throws: ``DataError/missingFile(path:)`` when the folder does not exist (with a hint to fetch it),
    ///   ``DataError/unrecognizedLayout(directory:reason:)`` when no known files are there.
    public static func load(name: String, dataDirectory: URL = defaultDataDirectory) throws -> Dataset {
        let folder = dataDirectory.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.missingFile(path: folder.path + " (run `recommender data fetch \(name)` first)")
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent("\(name).inter").path) {
            var dataset = try RecBoleLoader.load(directory: folder, name: name)
            dataset.name = name
            return dataset
        }
        throw DataError.unrecognizedLayout(directory: folder.path, reason: "no known MovieLens or RecBole files found")
    }
}
