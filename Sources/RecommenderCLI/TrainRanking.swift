import ArgumentParser
import Foundation
import Recommender

/// `recommender train --algorithm popularity|item-knn|ials|bpr|ease`: fits a ranking model on
/// the whole data set and writes `<output>/model.recmodel` (what `recommend --model <output>` reads).
enum TrainRanking {
    static func run(_ command: TrainCommand) throws {
        let dataset = try command.data.load()
        let metadata = ModelMetadata(dataset: dataset, training: dataset.interactions)
        let overrides = RankingModels.Overrides(
            threshold: command.threshold, factors: command.embeddingDim, regularization: command.regularization,
            iterations: command.iterations, epochs: command.epochs, learningRate: command.learningRate, alpha: command.alpha,
            neighbours: command.neighbours, similarity: command.similarity, solver: command.solver, weighting: command.weighting,
            seed: command.seed == 0 ? nil : command.seed)
        let start = DispatchTime.now()
        let model = try RankingModels.fit(command.algorithm, training: dataset.interactions, metadata: metadata, overrides: overrides) { line in
            print(line)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let url = URL(fileURLWithPath: command.output).appendingPathComponent(ModelLocation.fileName)
        try model.save(to: url)
        print(String(format: "trained %@ on %@ (%d users, %d items, %d interactions) in %.3f s", type(of: model).kind, dataset.name,
                     dataset.userCount, dataset.itemCount, dataset.interactions.count, seconds))
        print("wrote \(url.path)")
    }
}
