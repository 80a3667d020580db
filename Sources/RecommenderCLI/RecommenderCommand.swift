import ArgumentParser
import Recommender

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
        ]
    )
}
