import Foundation
import Recommender
import RecommenderServer

/// `--store FILE` as a data source of the training commands: the store's ratings merged into
/// the data set (``Dataset/merging(stored:)``).
enum StoreDataSource {
    /// `dataset` with the ratings of the store at `path` (unchanged when `path` is nil); says on
    /// standard error how many were merged.
    /// - Throws: ``StoreError`` when the store cannot be opened.
    static func merge(_ dataset: Dataset, store path: String?) throws -> Dataset {
        guard let path else { return dataset }
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.invalidInput("no ratings store at \(path) (create one with `recommender store import` or `recommender serve --store`)")
        }
        let merged = dataset.merging(stored: try RatingsStore(path: path).allRatings())
        // One line on standard error, as the load report: how many stored ratings went in.
        if merged.report.notes.count > dataset.report.notes.count, let note = merged.report.notes.last {
            printError("\(path): \(note)")
        }
        return merged
    }
}
