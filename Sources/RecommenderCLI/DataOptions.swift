import ArgumentParser
import Foundation
import Recommender

/// The one way every data-reading command names its input.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Folder where `recommender data fetch` put the data sets (default: the user's cache folder).")
    var dataDir: String?

    @Option(name: .long, help: "Data set name inside --data-dir.")
    var dataset: String = "ml-100k"

    @Option(name: .long, help: "A ratings file of your own (CSV/TSV: user,item[,rating][,timestamp]); overrides --dataset.")
    var ratings: String?

    @Option(name: .long, help: "An items file to go with --ratings (MovieLens movies.csv or u.item layout).")
    var items: String?

    var dataDirectory: URL {
        dataDir.map { URL(fileURLWithPath: $0) } ?? DatasetLocator.defaultDataDirectory
    }

    /// Loads the data set the options name.
    func load() throws -> Dataset {
        if ratings != nil {
            throw ValidationError("--ratings is not supported yet")
        }
        return try DatasetLocator.load(name: dataset, dataDirectory: dataDirectory)
    }
}
