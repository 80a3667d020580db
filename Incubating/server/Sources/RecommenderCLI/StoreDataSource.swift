import Foundation
import Recommender
import RecommenderServer

/// `--store FILE` as a data source of the training commands: the store's ratings merged into
/// the data set (``Dataset/merging(stored:)``).
enum StoreDataSource {
    /// `dataset` with the ratings of the store at `path` (unchanged when `path` is nil).
    /// - Throws: ``StoreError`` when the store cannot be opened.
    static func merge(_ dataset: Dataset, store path: String?) throws -> Dataset {
        guard let path else { return dataset }
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.invalidInput("no ratings store at \(path) (create one with `recommender store import` or `recommender serve --store`)")
        }
        return dataset.merging(stored: try RatingsStore(path: path).allRatings())
    }
}
