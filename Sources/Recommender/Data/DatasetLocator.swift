import Foundation

/// The on-disk layouts a data set folder can have.
public enum DatasetLayout: String, Sendable, CaseIterable {
    /// RecBole atomic files `NAME.inter` / `.item` / `.user` (the offline ML-100K copy).
    case recBole = "recbole"
    /// MovieLens 100K original files `u.data` / `u.item` / `u.user`.
    case movieLens100K = "ml-100k"
    /// MovieLens 1M / 10M `ratings.dat` / `movies.dat` / `users.dat`.
    case movieLensDat = "ml-dat"
    /// MovieLens 20M / 25M / 32M / latest `ratings.csv` / `movies.csv`.
    case movieLensCSV = "ml-csv"
}

/// Finds and loads data sets by name from a data folder (where `recommender data fetch` puts them).
public enum DatasetLocator {
    /// The default data folder: `$RECOMMENDER_DATA_DIR`, else `$XDG_CACHE_HOME/swift-recommender`,
    /// else `~/.cache/swift-recommender` (on iOS, tvOS, watchOS and visionOS, which have no home
    /// folder of the user: the app's caches folder).
    public static var defaultDataDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        if let dir = environment["RECOMMENDER_DATA_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("swift-recommender")
        }
        #if os(macOS) || os(Linux) || os(Windows) || os(FreeBSD) || os(OpenBSD) || os(Android)
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-recommender")
        #else
        // `homeDirectoryForCurrentUser` is unavailable here.
        let caches = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first
            ?? URL(fileURLWithPath: NSTemporaryDirectory())
        return caches.appendingPathComponent("swift-recommender")
        #endif
    }

    /// Detects the layout of a data set folder. A folder holding nothing but one sub-folder
    /// (as a zip archive unpacks) is looked into.
    /// - Returns: the folder that holds the files, its layout, and for RecBole the file stem.
    /// - Throws: ``DataError/missingFile(path:)``, ``DataError/unrecognizedLayout(directory:reason:)``.
    public static func detectLayout(in folder: URL) throws -> (folder: URL, layout: DatasetLayout, stem: String) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.missingFile(path: folder.path)
        }
        let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        let stem = folder.lastPathComponent
        if names.contains("\(stem).inter") { return (folder, .recBole, stem) }
        if let inter = names.first(where: { $0.hasSuffix(".inter") }) {
            return (folder, .recBole, String(inter.dropLast(".inter".count)))
        }
        if names.contains("u.data") { return (folder, .movieLens100K, stem) }
        if names.contains("ratings.dat") { return (folder, .movieLensDat, stem) }
        if names.contains("ratings.csv") { return (folder, .movieLensCSV, stem) }
        let visible = names.filter { !$0.hasPrefix(".") }
        if visible.count == 1 {
            let sub = folder.appendingPathComponent(visible[0])
            if fm.fileExists(atPath: sub.path, isDirectory: &isDirectory), isDirectory.boolValue {
                let found = try detectLayout(in: sub)
                return (found.folder, found.layout, found.layout == .recBole ? found.stem : stem)
            }
        }
        throw DataError.unrecognizedLayout(directory: folder.path,
            reason: "no known data files (NAME.inter, u.data, ratings.dat or ratings.csv)")
    }

    /// Loads the data set `name` from `dataDirectory/name`, detecting its layout on disk.
    /// - Parameters:
    ///   - name: the data set (folder) name, e.g. `"ml-100k"`.
    ///   - dataDirectory: the data folder.
    ///   - indexOrder: the order of the user and item indices (see ``IndexOrder``); by id, a
    ///     plain numeric ratings file is numbered while it is read.
    ///   - threads: threads for parsing (1 = single-thread mode; same result).
    /// - Throws: ``DataError/missingFile(path:)`` when the folder does not exist (with a hint to fetch it),
    ///   ``DataError/unrecognizedLayout(directory:reason:)`` when no known files are there, and the
    ///   loaders' errors for bad files.
    public static func load(name: String, dataDirectory: URL = defaultDataDirectory, indexOrder: IndexOrder = .firstAppearance,
                            threads: Int = Parallelism.availableCores) throws -> Dataset {
        let folder = dataDirectory.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.missingFile(path: folder.path + " (run `recommender data fetch \(name) --data-dir \(dataDirectory.path)` first)")
        }
        let (dir, layout, stem) = try detectLayout(in: folder)
        var dataset: Dataset
        switch layout {
        case .recBole:
            dataset = try RecBoleLoader.load(directory: dir, name: stem, ratingScale: .some(MovieLensScale.forName(name) ?? MovieLensScale.forName(stem)),
                                             indexOrder: indexOrder, threads: threads)
        case .movieLens100K:
            dataset = try MovieLens100KLoader.load(directory: dir, name: name, indexOrder: indexOrder, threads: threads)
        case .movieLensDat:
            dataset = try MovieLensDatLoader.load(directory: dir, name: name, indexOrder: indexOrder, threads: threads)
        case .movieLensCSV:
            dataset = try MovieLensCSVLoader.load(directory: dir, name: name, indexOrder: indexOrder, threads: threads)
        }
        dataset.name = name
        dataset.report.notes.insert("layout: \(layout.rawValue)", at: 0)
        return dataset
    }
}
