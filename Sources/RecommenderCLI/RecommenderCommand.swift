import ArgumentParser
import Recommender
import RecommenderOpenBLAS

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
            MapCommand.self,
            NormsCommand.self,
            AlgorithmsCommand.self,
            IndexCommand.self,
        ]
    )

    /// Installs OpenBLAS as the dense-product backend, then parses and runs the command.
    static func main() async {
        OpenBLAS.install()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
