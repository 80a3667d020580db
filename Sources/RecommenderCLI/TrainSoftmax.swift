import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

extension SoftmaxModel.Activation: ExpressibleByArgument {}
extension SoftmaxModel.LabelMode: ExpressibleByArgument {}
extension SoftmaxModel.Optimizer: ExpressibleByArgument {}
extension Gemm.Backend: ExpressibleByArgument {}

/// Options only the softmax model has (`train --algorithm softmax`, `bench softmax`).
struct SoftmaxOptions: ParsableArguments {
    @Option(help: "Softmax: hidden layer sizes, comma-separated; the last must equal the embedding dimension (default 35).")
    var hiddenDims: String?
    @Option(help: "Softmax: hidden activation: linear (the notebook) or relu.")
    var activation: SoftmaxModel.Activation?
    @Flag(help: "Softmax: give the hidden layers biases (the notebook has none).")
    var hiddenBias = false
    @Option(help: "Softmax: leak (the notebook: the label stays in the input bag) or exclude (the label is removed from it).")
    var labelMode: SoftmaxModel.LabelMode?
    @Option(help: "Softmax: training batch size (default 200).")
    var batchSize: Int?
    @Option(help: "Softmax: matrix multiply: openblas or swift (default: openblas on one thread, swift on two).")
    var gemm: Gemm.Backend?

    /// The configuration these options and the shared ones describe (unset = the notebook's run).
    func configuration(seed: UInt64, learningRate: Float?, iterations: Int?, optimizer: SoftmaxModel.Optimizer?,
                       embeddingDim: Int?, testFraction: Double?, threads: Int?) throws -> SoftmaxModel.Configuration {
        var c = SoftmaxModel.Configuration.default
        c.seed = seed
        if let embeddingDim { c.movieEmbeddingDim = embeddingDim; c.hiddenDims = [embeddingDim] }
        if let hiddenDims {
            let parts = hiddenDims.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let sizes = parts.compactMap { Int($0) }
            guard sizes.count == parts.count, !sizes.isEmpty else {
                throw ValidationError("--hidden-dims must be a comma-separated list of integers, got '\(hiddenDims)'")
            }
            c.hiddenDims = sizes
        }
        if let activation { c.activation = activation }
        c.useBias = hiddenBias
        if let labelMode { c.labelMode = labelMode }
        if let optimizer { c.optimizer = optimizer }
        if let learningRate { c.learningRate = learningRate }
        if let iterations { c.iterations = iterations }
        if let batchSize { c.batchSize = batchSize }
        if let testFraction { c.testFraction = testFraction }
        if let threads { c.threads = threads }
        if let gemm { c.gemmBackend = gemm }
        do { try c.validate() } catch let e as SoftmaxModel.TrainingFailure { throw ValidationError(e.description) }
        return c
    }
}

/// One logged line, with the notebook's metric names.
func formatSoftmaxEntry(_ e: SoftmaxTrainingHistory.Entry) -> String {
    String(format: "iteration %d: train_loss=%.4f test_loss=%.4f precision@10=%.4f recall@10=%.4f ndcg@10=%.4f",
           e.iteration, e.trainLoss, e.testLoss, e.precisionAt10, e.recallAt10, e.ndcgAt10)
}

/// `recommender train --algorithm softmax`: fits the notebook's softmax model and writes
/// `model.recmodel`, `history.csv`, `history.json` and `history.svg` into `output`.
func trainSoftmax(dataset: Dataset, configuration c: SoftmaxModel.Configuration, output: String, quiet: Bool = false) throws {
    let start = DispatchTime.now()
    let result: SoftmaxModel.FitResult
    do {
        result = try SoftmaxModel.fit(dataset, configuration: c) { entry in
            if !quiet && (entry.iteration % 100 == 0 || entry.iteration == c.iterations) { print(formatSoftmaxEntry(entry)) }
        }
    } catch let e as SoftmaxModel.TrainingFailure {
        throw ValidationError(e.description)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let directory = URL(fileURLWithPath: output)
    let modelURL = directory.appendingPathComponent("model.recmodel")
    // The model and its history are written together (crash-safe: see ModelArchive.write(to:companions:)).
    try result.model.save(to: modelURL, companions: [
        ModelCompanion(name: "history.csv", text: result.history.csv()),
        ModelCompanion(name: "history.json", text: result.history.json()),
        ModelCompanion(name: "history.svg", text: result.history.chartSVG(title: "Softmax model (\(c.labelMode.rawValue) mode, seed \(c.seed))")),
    ])
    if let last = result.history.last {
        print("final: " + formatSoftmaxEntry(last))
    }
    print(String(format: "trained softmax (%@, label %@, %@ lr %g, %d iterations) in %.2f s; wrote %@, history.csv, history.json, history.svg",
                 c.hiddenDims.map(String.init).joined(separator: ","), c.labelMode.rawValue, c.optimizer.rawValue,
                 c.learningRate, c.iterations, seconds, modelURL.path))
}
