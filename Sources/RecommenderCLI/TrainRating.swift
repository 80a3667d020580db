import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

/// `recommender train --algorithm baseline|svd|svdpp|als|knn-baseline`: fits on the data set
/// (minus an optional validation share), prints per-epoch progress on long runs, writes the
/// model file and the training history.
func trainRatingModel(_ command: TrainCommand) throws {
    let dataset = try command.data.load()
    guard dataset.hasExplicitRatings else { throw ValidationError("\(dataset.name) has no explicit ratings to fit") }
    let fraction = command.testFraction ?? 0
    guard (0..<1).contains(fraction) else { throw ValidationError("--test-fraction must be in [0, 1)") }
    if command.patience != nil && fraction == 0 {
        throw ValidationError("--patience needs a validation share: pass --test-fraction (e.g. 0.1)")
    }
    let split = fraction > 0 ? Splitter.randomHoldout(dataset.interactions, testFraction: fraction, seed: command.seed) : nil
    let training = split?.train ?? dataset.interactions
    let stopping = command.patience.map { EarlyStopping(patience: $0) }
    let history = HistoryRecorder()
    let observer: @Sendable (TrainingProgress) -> Void = { p in
        history.append(p)
        if p.elapsedSeconds + p.estimatedRemainingSeconds > 1.0 || p.epoch == p.epochCount {
            let validation = p.validationRMSE.map { String(format: ", validation RMSE %.4f", $0) } ?? ""
            printError(String(format: "epoch %d/%d: training RMSE %.4f%@, %.2f s elapsed, ETA %.2f s",
                              p.epoch, p.epochCount, p.trainingRMSE, validation, p.elapsedSeconds, p.estimatedRemainingSeconds))
        }
    }
    let start = Date()
    let folder = URL(fileURLWithPath: command.output)
    let modelURL = folder.appendingPathComponent(ModelLocation.fileName)
    let model: any RatingModel
    switch command.algorithm {
    case .baseline:
        var c = BaselineModel.Configuration.default
        if command.learningRate != nil || command.patience != nil { c = .defaultSGD }
        if let v = command.epochs { c.epochs = v }
        if let v = command.learningRate { c.learningRate = v }
        if let v = command.regularization { if c.method == .sgd { c.sgdRegularization = v } else { c.userRegularization = v; c.itemRegularization = v } }
        c.seed = command.seed; c.earlyStopping = stopping
        model = try fit(c, dataset, training, split?.test, observer)
    case .svd:
        let c = SVDModel.Configuration.default.applying(command, earlyStopping: stopping)
        model = try fit(c, dataset, training, split?.test, observer)
    case .svdpp:
        let c = SVDppModel.Configuration.default.applying(command, earlyStopping: stopping)
        model = try fit(c, dataset, training, split?.test, observer)
    case .als:
        var c = ALSModel.Configuration.default
        if let v = command.embeddingDim { c.factors = v }
        if let v = command.iterations ?? command.epochs { c.iterations = v }
        if let v = command.regularization { c.regularization = v }
        if let v = command.initStddev { c.initStandardDeviation = v }
        if let v = command.threads { c.threads = v }
        c.seed = command.seed; c.earlyStopping = stopping
        model = try fit(c, dataset, training, split?.test, observer)
    case .knnBaseline:
        var c = KNNBaselineModel.Configuration.default
        if let v = command.threads { c.threads = v }
        model = try fit(c, dataset, training, split?.test, observer)
    default:
        throw ValidationError("--algorithm \(command.algorithm.rawValue) is not a rating model")
    }
    let seconds = Date().timeIntervalSince(start)
    // The model and its history are written together (crash-safe: see ModelArchive.write(to:companions:)).
    var companions = [ModelCompanion(name: "history.csv", text: history.csv())]
    let reports = history.reports
    if reports.count > 1 {
        var series = [ChartSeries(name: "training RMSE", points: reports.map { (Double($0.epoch), $0.trainingRMSE) })]
        let validation = reports.compactMap { p in p.validationRMSE.map { (x: Double(p.epoch), y: $0) } }
        if !validation.isEmpty { series.append(ChartSeries(name: "validation RMSE", points: validation)) }
        let chart = LineChart(title: "\(command.algorithm.rawValue) on \(dataset.name): RMSE per epoch", xLabel: "epoch", yLabel: "RMSE", series: series)
        companions.append(ModelCompanion(name: "history.svg", text: chart.svg()))
    }
    try model.save(to: modelURL, companions: companions)
    var line = String(format: "trained %@ on %d ratings in %.2f s", command.algorithm.rawValue, training.count, seconds)
    if let test = split?.test, !test.isEmpty {
        let predictions = (0..<test.count).map { model.predict(user: test.users[$0], item: test.items[$0]) }
        line += String(format: "; validation RMSE %.4f, MAE %.4f on %d ratings",
                       RatingMetrics.rmse(predictions: predictions, targets: test.ratings),
                       RatingMetrics.mae(predictions: predictions, targets: test.ratings), test.count)
    }
    print(line)
    print("model: \(modelURL.path)")
    print("history: \(folder.appendingPathComponent("history.csv").path)")
}

private func fit<C: RatingModelConfiguration>(_ configuration: C, _ dataset: Dataset, _ training: Interactions, _ validation: Interactions?,
                                              _ observer: @escaping @Sendable (TrainingProgress) -> Void) throws -> any RatingModel {
    try configuration.fit(dataset, training: training, validation: validation, observer: observer)
}

/// Collects the per-epoch reports (the observer is called on the fitting thread).
final class HistoryRecorder: @unchecked Sendable {
    private var reports_: [TrainingProgress] = []
    private let lock = NSLock()
    func append(_ p: TrainingProgress) { lock.lock(); reports_.append(p); lock.unlock() }
    var reports: [TrainingProgress] { lock.lock(); defer { lock.unlock() }; return reports_ }
    func csv() -> String {
        lock.lock(); defer { lock.unlock() }
        var out = "epoch,training_rmse,validation_rmse,elapsed_seconds\n"
        for p in reports_ {
            out += "\(p.epoch),\(p.trainingRMSE),\(p.validationRMSE.map { String($0) } ?? ""),\(p.elapsedSeconds)\n"
        }
        return out
    }
}

/// The SGD factor models' settings that `train` options override (SVD and SVD++ share them).
private protocol SGDFactorSettings {
    var factors: Int { get set }
    var epochs: Int { get set }
    var learningRate: Float { get set }
    var regularization: Float { get set }
    var initStandardDeviation: Float { get set }
    var seed: UInt64 { get set }
    var earlyStopping: EarlyStopping? { get set }
}

extension SGDFactorSettings {
    /// These settings with the options given on the command line.
    func applying(_ command: TrainCommand, earlyStopping: EarlyStopping?) -> Self {
        var c = self
        if let v = command.embeddingDim { c.factors = v }
        if let v = command.epochs { c.epochs = v }
        if let v = command.learningRate { c.learningRate = v }
        if let v = command.regularization { c.regularization = v }
        if let v = command.initStddev { c.initStandardDeviation = v }
        c.seed = command.seed
        c.earlyStopping = earlyStopping
        return c
    }
}

extension SVDModel.Configuration: SGDFactorSettings {}
extension SVDppModel.Configuration: SGDFactorSettings {}
