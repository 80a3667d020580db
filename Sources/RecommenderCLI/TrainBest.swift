import ArgumentParser
import Foundation
import Recommender

/// `recommender train --algorithm best`: fits the Bayesian factorization machine, optionally
/// on a random hold-out split (then prints the held-out RMSE/MAE), and saves the model file.
func trainBest(_ command: TrainCommand) throws {
    let dataset = try command.data.load()
    var configuration = BayesianFactorizationMachine.Configuration.default
    if let k = command.embeddingDim { configuration.rank = k }
    if let n = command.iterations {
        configuration.samples = n
        configuration.burnIn = min(configuration.burnIn, max(0, n / 10))
    }
    let testFraction = command.testFraction ?? 0
    guard (0..<1).contains(testFraction) else { throw ValidationError("--test-fraction must be in [0, 1)") }
    let split = testFraction > 0 ? Splitter.randomHoldout(dataset.interactions, testFraction: testFraction, seed: command.seed) : nil
    let training = split?.train ?? dataset.interactions
    let start = Date()
    let model = try BayesianFactorizationMachine.fit(
        dataset: dataset, training: training, configuration: configuration, seed: command.seed,
        validation: split?.test,
        progress: { p in
            if p.sample % 20 == 0 || p.sample == p.samples {
                var line = "sweep \(p.sample)/\(p.samples)  noise sd \(String(format: "%.4f", p.noiseStandardDeviation))"
                if let r = p.validationRMSE { line += "  held-out RMSE \(String(format: "%.4f", r))" }
                let eta = p.elapsedSeconds / Double(p.sample) * Double(p.samples - p.sample)
                line += String(format: "  %.1f s, ETA %.1f s", p.elapsedSeconds, eta)
                print(line)
            }
        })
    let seconds = Date().timeIntervalSince(start)
    print("best (Bayesian factorization machine): rank \(model.rank), \(configuration.samples) sweeps, \(model.sampleCount) samples kept, fit \(String(format: "%.2f", seconds)) s")
    if let test = split?.test, !test.isEmpty {
        let predictions = (0..<test.count).map { model.predict(user: test.users[$0], item: test.items[$0]) }
        print(String(format: "held-out RMSE %.4f  MAE %.4f  (%d ratings)", RatingMetrics.rmse(predictions: predictions, targets: test.ratings),
                     RatingMetrics.mae(predictions: predictions, targets: test.ratings), test.count))
    }
    let folder = URL(fileURLWithPath: command.output)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent("best.model")
    try model.save(to: file)
    print("model written to \(file.path)")
}
