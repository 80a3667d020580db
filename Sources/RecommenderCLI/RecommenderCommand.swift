import ArgumentParser
import Foundation
import Recommender
import RecommenderOpenBLAS
import RecommenderServer

@main
struct RecommenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommender",
        abstract: "Collaborative-filtering recommenders: load MovieLens, explore, train, evaluate, recommend.",
        version: "0.1.0",
        subcommands: [
            DataCommand.self,
            TrainCommand.self,
            EvaluateCommand.self,
            BenchCommand.self,
            TuneCommand.self,
            ExploreCommand.self,
            SimilarCommand.self,
            RecommendCommand.self,
            PredictCommand.self,
            MapCommand.self,
            NormsCommand.self,
            AlgorithmsCommand.self,
            IndexCommand.self,
            ExportCommand.self,
            ImportCommand.self,
            ServeCommand.self, StoreCommand.self,
        ]
    )

    /// Installs OpenBLAS as the dense-product backend, then parses and runs the command.
    static func main() async {
        // `serve` runs Swift concurrency on NIO's event loops (fewer thread hops per request); this
        // must happen before any task starts, so it is decided here from the subcommand's name.
        // RECOMMENDER_SERVE_EXECUTOR=pool keeps Swift's own pool (scripts/bench-serve.sh compares both).
        if CommandLine.arguments.dropFirst().first == "serve", ProcessInfo.processInfo.environment["RECOMMENDER_SERVE_EXECUTOR"] != "pool" {
            ServerExecutor.useEventLoops()
        }
        OpenBLAS.install()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: readableError(error))
        }
    }
}

/// Errors from Foundation's file operations (`NSCocoaErrorDomain Code=516 ...`) as one clear
/// line naming the path and the reason; every message with control characters escaped.
func readableError(_ error: Error) -> Error {
    if error is DataError || error is PersistenceError || error is TrainingError { return error }
    let ns = error as NSError
    guard ns.domain == NSCocoaErrorDomain else { return error }
    let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path ?? "(unknown path)"
    let reason: String
    switch ns.code {
    case CocoaError.fileWriteFileExists.rawValue: reason = "a file is in the way (a folder is needed here, or the file exists)"
    case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: reason = "permission denied"
    case CocoaError.fileWriteOutOfSpace.rawValue: reason = "no space left on the device"
    case CocoaError.fileWriteVolumeReadOnly.rawValue: reason = "the file system is read-only"
    case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: reason = "no such file or folder"
    case CocoaError.fileWriteInvalidFileName.rawValue: reason = "invalid file name"
    default:
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        } else {
            reason = ns.localizedDescription
        }
    }
    return DataError.invalidInput(escapingControlCharacters("\(path): could not write or read: \(reason)"))
}
