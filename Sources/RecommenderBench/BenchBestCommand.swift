import Foundation
import Recommender

/// `recommender bench best`: k-fold cross-validation of the Bayesian factorization machine.
public struct BFMBenchmark: Sendable {
    /// Number of folds.
    public var folds = 5
    /// Split seed (also the sampler seed).
    public var seed: UInt64 = 0
    /// Run only the first N folds (0 = all).
    public var onlyFolds = 0
    /// Latent factors k.
    public var rank = BayesianFactorizationMachine.Configuration.default.rank
    /// Gibbs sweeps in total.
    public var samples = BayesianFactorizationMachine.Configuration.default.samples
    /// Sweeps discarded before averaging.
    public var burnIn = BayesianFactorizationMachine.Configuration.default.burnIn
    /// Keep every N-th sweep in the model.
    public var thinning = BayesianFactorizationMachine.Configuration.default.thinning
    /// Use user demographics.
    public var userSide = BayesianFactorizationMachine.Configuration.default.userSideFeatures
    /// Use item genres and years.
    public var itemSide = BayesianFactorizationMachine.Configuration.default.itemSideFeatures
    /// Bag of items each user rated.
    public var userImplicit = BayesianFactorizationMachine.Configuration.default.userImplicitFeedback
    /// Bag of users who rated each item.
    public var itemImplicit = BayesianFactorizationMachine.Configuration.default.itemImplicitFeedback
    /// Implicit bag normalisation.
    public var implicitNormalization = BayesianFactorizationMachine.Configuration.default.implicitNormalization
    /// Which pairs form the implicit bags: training (clean) or all.
    public var implicitSource: BayesianFactorizationMachine.ImplicitSource = .training
    /// Zip-code prefix length.
    public var zipPrefix = BayesianFactorizationMachine.Configuration.default.zipPrefixLength
    /// Release-year bucket width.
    public var yearBucket = BayesianFactorizationMachine.Configuration.default.yearBucketWidth
    /// Threads.
    public var threads = Parallelism.availableCores
    /// Report the validation RMSE every 10 sweeps.
    public var verbose = false

    /// The benchmark with its default settings.
    public init() {}

    /// Cross-validates the model on `dataset`: per-fold RMSE/MAE, mean ± std, fit and predict seconds.
    /// - Parameters:
    ///   - dataset: the ratings (with the side information the features use).
    ///   - output: receives each line of the report.
    /// - Throws: a fold-count or training error.
    public func run(_ dataset: Dataset, output: @escaping @Sendable (String) -> Void) throws {
        var configuration = BayesianFactorizationMachine.Configuration.default
        configuration.rank = rank; configuration.samples = samples; configuration.burnIn = burnIn
        configuration.thinning = thinning
        configuration.userSideFeatures = userSide; configuration.itemSideFeatures = itemSide
        configuration.userImplicitFeedback = userImplicit; configuration.itemImplicitFeedback = itemImplicit
        configuration.implicitNormalization = implicitNormalization
        configuration.zipPrefixLength = zipPrefix; configuration.yearBucketWidth = yearBucket
        configuration.threads = threads
        output("best = Bayesian factorization machine (Gibbs): rank \(rank), \(samples) sweeps, burn-in \(burnIn), thinning \(thinning), "
              + "user side \(userSide), item side \(itemSide), implicit user \(userImplicit) / item \(itemImplicit) "
              + "(\(implicitNormalization.rawValue), from \(implicitSource.rawValue)), threads \(threads)")
        output("\(dataset.name): \(dataset.interactions.count) ratings, \(folds)-fold CV, seed \(seed)")
        let splits = Splitter.kFold(dataset.interactions, folds: try Splitter.checkedFoldCount(folds, count: dataset.interactions.count), seed: seed)
        var rmses: [Double] = [], maes: [Double] = [], fits: [Double] = [], predicts: [Double] = [], cpus: [Double] = []
        output("fold  rmse     mae      fit s   fit cpu s  predict s")
        for (f, split) in splits.enumerated() where onlyFolds == 0 || f < onlyFolds {
            let t0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUSeconds()
            let verbose = self.verbose
            let trainer = BayesianFactorizationMachine(configuration, implicitSource: implicitSource)
            let observer: TrainingObserver = { e in
                if e.step % 10 == 0 || e.step == e.stepCount {
                    output(String(format: "  sweep %4d  valid rmse %.4f  noise sd %.4f  %.1f s", e.step, e.metric("validation_rmse") ?? Double.nan,
                                 e.metric("noise_sd") ?? Double.nan, e.elapsedSeconds))
                }
            }
            let context = FitContext(seed: seed, threads: threads, validation: verbose ? split.test : nil, observer: verbose ? observer : nil)
            let model = try trainer.fit(TrainingData(dataset, training: split.train), context: context)
            let t1 = DispatchTime.now().uptimeNanoseconds, c1 = processCPUSeconds()
            var predictions = [Float](repeating: 0, count: split.test.count)
            for r in 0..<split.test.count { predictions[r] = model.predict(user: split.test.user(at: r), item: split.test.item(at: r)) }
            let t2 = DispatchTime.now().uptimeNanoseconds
            let rmse = RatingMetrics.rmse(predictions: predictions, targets: split.test.ratings)
            let mae = RatingMetrics.mae(predictions: predictions, targets: split.test.ratings)
            rmses.append(rmse); maes.append(mae)
            fits.append(Double(t1 - t0) / 1e9); predicts.append(Double(t2 - t1) / 1e9); cpus.append(c1 - c0)
            output(String(format: "%4d  %.4f   %.4f   %6.2f  %9.2f  %8.3f", f + 1, rmse, mae, fits[fits.count - 1], cpus[cpus.count - 1], predicts[predicts.count - 1]))
        }
        func meanStd(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(x.count - 1, 1))
            return (m, v.squareRoot())
        }
        let (rm, rs) = meanStd(rmses), (mm, ms) = meanStd(maes), (fm, _) = meanStd(fits), (pm, _) = meanStd(predicts)
        let (cm, _) = meanStd(cpus)
        output(String(format: "mean  %.4f ± %.4f  MAE %.4f ± %.4f  fit %.2f s/fold (%.2f CPU s, all threads)  predict %.3f s/fold",
                     rm, rs, mm, ms, fm, cm, pm))
        output("peak RSS \(PeakMemory.megabytes()) MB")
    }
}
