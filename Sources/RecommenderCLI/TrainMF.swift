import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

extension OptimizerKind: ExpressibleByArgument {}

/// `recommender train --algorithm mf`: the notebook's matrix factorization.
enum TrainMF {
    /// Trains, prints the notebook's metrics every 10 iterations and writes the model, history and chart into `output`.
    static func run(_ command: TrainCommand) throws {
        let dataset = try command.data.load()
        let split = Splitter.randomHoldout(dataset.interactions, testFraction: command.testFraction ?? 0.1, seed: command.seed)
        var train = split.train, test = split.test
        var trainingData = dataset
        if let file = command.addRatings {
            // The notebook's exercise: a new user "me" whose ratings all go into the training set.
            let lookupMetadata = ModelMetadata(dataset: dataset, training: .empty(userCount: dataset.userCount, itemCount: dataset.itemCount))
            let ratings = try UserRatingsFile(contentsOf: URL(fileURLWithPath: file), catalog: lookupMetadata)
            for entry in ratings.entries {
                let titles = entry.lookup.matches.map { dataset.catalog.displayTitle($0) }
                let extra = titles.count > 1 ? " (also matched: \(titles.dropFirst().prefix(3).joined(separator: "; "))\(titles.count > 4 ? "; …" : ""))" : ""
                print("me: \(titles[0]) = \(entry.rating)\(extra)")
            }
            let added = try dataset.addingUser(UserID("me"), ratings: ratings.history)
            trainingData = added.dataset
            train = appendUser(added.user, ratings.history, to: train, userCount: trainingData.userCount)
            test = appendUser(added.user, [], to: test, userCount: trainingData.userCount)
        }
        let defaults = command.regularization != nil || command.gravity != nil
            ? MatrixFactorization.Configuration.regularizedNotebook : MatrixFactorization.Configuration.default
        let config = MatrixFactorization.Configuration(
            embeddingDim: command.embeddingDim ?? defaults.embeddingDim,
            initStddev: command.initStddev ?? defaults.initStddev,
            iterations: command.iterations ?? defaults.iterations,
            learningRate: command.learningRate ?? defaults.learningRate,
            optimizer: command.optimizer ?? .gradientDescent,
            regularization: command.regularization ?? 0,
            gravity: command.gravity ?? 0,
            seed: command.seed)
        print("mf: d=\(config.embeddingDim) init_stddev=\(config.initStddev) \(config.optimizer.rawValue) learning_rate=\(config.learningRate) iterations=\(config.iterations)"
              + (config.isRegularized ? " regularization=\(config.regularization) gravity=\(config.gravity)" : "")
              + "; \(train.count) training / \(test.count) test ratings, \(trainingData.userCount) users × \(trainingData.itemCount) items")
        let start = Date()
        let model = try MatrixFactorization(configuration: config)
            .fit(train: train, test: test, metadata: ModelMetadata(dataset: trainingData, training: train)) { progress in
                print("iteration \(progress.iteration): " + progress.metrics.map { "\($0.name)=\(String(format: "%.4f", $0.value))" }.joined(separator: " "))
            }
        let seconds = Date().timeIntervalSince(start)
        let output = URL(fileURLWithPath: command.output)
        let modelURL = output.appendingPathComponent(ModelLocation.fileName)
        let chartTitle = "Matrix factorization: d=\(config.embeddingDim), \(config.optimizer.rawValue) lr=\(config.learningRate)"
            + (config.isRegularized ? ", regularization=\(config.regularization), gravity=\(config.gravity)" : "")
        // The model and its history are written together (crash-safe: see ModelArchive.write(to:companions:)).
        try model.save(to: modelURL, companions: [
            ModelCompanion(name: "history.csv", text: model.history.csv()),
            ModelCompanion(name: "history.json", text: model.history.json()),
            ModelCompanion(name: "history.svg", text: model.history.chart(groups: config.metricGroups, title: chartTitle)),
        ])
        print(String(format: "trained in %.2f s; wrote %@, history.csv, history.json, history.svg", seconds, modelURL.path))
    }

    /// `interactions` with user `user`'s ratings appended, over `userCount` users.
    static func appendUser(_ user: UserIndex, _ ratings: [(item: ItemIndex, rating: Float)], to interactions: Interactions, userCount: Int) -> Interactions {
        Interactions(users: interactions.users + ratings.map { _ in user }, items: interactions.items + ratings.map(\.item),
                     ratings: interactions.ratings + ratings.map(\.rating), timestamps: nil,
                     userCount: userCount, itemCount: interactions.itemCount)
    }
}

/// Where a model lives: `--model` names the file or the folder `train` wrote it into.
enum ModelLocation {
    /// The model file name inside a training output folder.
    static let fileName = "model.recmodel"

    /// The model file for a `--model` argument.
    static func url(_ argument: String) -> URL {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: argument)
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent(fileName)
        }
        return url
    }

    /// Loads any registered model.
    static func load(_ argument: String) throws -> any PersistableModel {
        try ModelRegistry.load(from: url(argument))
    }
}
