import ArgumentParser
import Foundation
import Recommender
import RecommenderFetch

/// `recommender data`: fetch and list data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch MovieLens data sets and list what is in the data folder.",
        subcommands: [DataFetchCommand.self, DataListCommand.self]
    )
}

/// Prints an error as one line on standard error and exits with status 1.
func exitWithError(_ error: Error) -> Never {
    let message = (error as? DataError)?.description ?? String(describing: error)
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    Foundation.exit(1)
}

/// `recommender data fetch NAME`.
struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a MovieLens data set (GroupLens; for ml-100k, the PyPI recbole wheel when offline).")

    @Argument(help: "Data set: \(DataFetcher.knownDatasets.joined(separator: ", ")).")
    var name: String

    @Option(name: .long, help: "Data folder (default: $RECOMMENDER_DATA_DIR or ~/.cache/swift-recommender).")
    var dataDir: String?

    @Flag(name: .long, help: "Fetch again even if the data set is already there.")
    var force = false

    @Option(name: .long, help: "Seconds without progress before a download is abandoned.")
    var timeout: Double = 20

    func validate() throws {
        try OptionBounds.check(timeout, "--timeout", OptionBounds.timeoutSeconds)
    }

    func run() throws {
        let directory = dataDir.map { URL(fileURLWithPath: $0) } ?? DatasetLocator.defaultDataDirectory
        do {
            let report = try DataFetcher.fetch(name: name, dataDirectory: directory, force: force, timeout: timeout) { message in
                FileHandle.standardError.write(Data("  \(message)\n".utf8))
            }
            if report.source == .alreadyPresent {
                print("\(name) is already in \(report.directory.path); nothing to do (use --force to fetch again)")
            } else {
                print("fetched \(name) into \(report.directory.path) from \(report.source)")
            }
        } catch {
            exitWithError(error)
        }
    }
}

/// `recommender data list`.
struct DataListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the data sets and whether each is in the data folder.")

    @Option(name: .long, help: "Data folder (default: $RECOMMENDER_DATA_DIR or ~/.cache/swift-recommender).")
    var dataDir: String?

    func run() throws {
        let directory = dataDir.map { URL(fileURLWithPath: $0) } ?? DatasetLocator.defaultDataDirectory
        print("data folder: \(directory.path)")
        for name in DataFetcher.knownDatasets {
            let folder = directory.appendingPathComponent(name)
            if let found = try? DatasetLocator.detectLayout(in: folder) {
                print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) present (\(found.layout.rawValue) layout)")
            } else {
                print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) absent")
            }
        }
    }
}
