import ArgumentParser
import Foundation
import Recommender

extension BayesianFactorizationMachine.ImplicitSource: ExpressibleByArgument {}

/// `recommender bench best`: k-fold cross-validation of the Bayesian factorization machine.
struct BenchBestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Cross-validate the `best` model (Bayesian factorization machine, Gibbs sampling): per-fold RMSE/MAE, mean ± std, fit and predict seconds."
    )
    @OptionGroup var data: DataOptions
    @Option(help: "Number of folds.") var folds: Int = 5
    @Option(help: "Split seed (also the sampler seed).") var seed: UInt64 = 0
    @Option(help: "Run only the first N folds (0 = all).") var onlyFolds: Int = 0
    @Option(help: "Latent factors k.") var rank: Int = BayesianFactorizationMachine.Configuration.default.rank
    @Option(help: "Gibbs sweeps in total.") var samples: Int = BayesianFactorizationMachine.Configuration.default.samples
    @Option(help: "Sweeps discarded before averaging.") var burnIn: Int = BayesianFactorizationMachine.Configuration.default.burnIn
    @Option(help: "Keep every N-th sweep in the model.") var thinning: Int = BayesianFactorizationMachine.Configuration.default.thinning
    @Option(help: "Use user demographics (true/false).") var userSide: Bool = BayesianFactorizationMachine.Configuration.default.userSideFeatures
    @Option(help: "Use item genres and years (true/false).") var itemSide: Bool = BayesianFactorizationMachine.Configuration.default.itemSideFeatures
    @Option(help: "Bag of items each user rated (true/false).") var userImplicit: Bool = BayesianFactorizationMachine.Configuration.default.userImplicitFeedback
    @Option(help: "Bag of users who rated each item (true/false).") var itemImplicit: Bool = BayesianFactorizationMachine.Configuration.default.itemImplicitFeedback
    @Option(help: "Implicit bag normalisation: sqrt or count.") var implicitNormalization: BayesianFactorizationMachine.ImplicitNormalization = BayesianFactorizationMachine.Configuration.default.implicitNormalization
    @Option(help: "Which pairs form the implicit bags: training (clean) or all.") var implicitSource: BayesianFactorizationMachine.ImplicitSource = .training
    @Option(help: "Zip-code prefix length.") var zipPrefix: Int = BayesianFactorizationMachine.Configuration.default.zipPrefixLength
    @Option(help: "Release-year bucket width.") var yearBucket: Int = BayesianFactorizationMachine.Configuration.default.yearBucketWidth
    @Option(help: "Threads (default: all cores).") var threads: Int = Parallelism.availableCores
    @Flag(help: "Print the validation RMSE every 10 sweeps.") var verbose = false

    func validate() throws {
        try OptionBounds.check(folds, "--folds", OptionBounds.folds)
        try OptionBounds.check(onlyFolds, "--only-folds", OptionBounds.onlyFolds)
        try OptionBounds.check(rank, "--rank", OptionBounds.bfmRank)
        try OptionBounds.check(samples, "--samples", OptionBounds.gibbsSamples)
        try OptionBounds.check(burnIn, "--burn-in", OptionBounds.gibbsBurnIn)
        try OptionBounds.check(thinning, "--thinning", OptionBounds.gibbsThinning)
        try OptionBounds.check(zipPrefix, "--zip-prefix", OptionBounds.zipPrefix)
        try OptionBounds.check(yearBucket, "--year-bucket", OptionBounds.yearBucket)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        let dataset = try data.load()
        var configuration = BayesianFactorizationMachine.Configuration.default
        configuration.rank = rank; configuration.samples = samples; configuration.burnIn = burnIn
        configuration.thinning = thinning
        configuration.userSideFeatures = userSide; configuration.itemSideFeatures = itemSide
        configuration.userImplicitFeedback = userImplicit; configuration.itemImplicitFeedback = itemImplicit
        configuration.implicitNormalization = implicitNormalization
        configuration.zipPrefixLength = zipPrefix; configuration.yearBucketWidth = yearBucket
        configuration.threads = threads
        print("best = Bayesian factorization machine (Gibbs): rank \(rank), \(samples) sweeps, burn-in \(burnIn), thinning \(thinning), "
              + "user side \(userSide), item side \(itemSide), implicit user \(userImplicit) / item \(itemImplicit) "
              + "(\(implicitNormalization.rawValue), from \(implicitSource.rawValue)), threads \(threads)")
        print("\(dataset.name): \(dataset.interactions.count) ratings, \(folds)-fold CV, seed \(seed)")
        let splits = Splitter.kFold(dataset.interactions, folds: try Splitter.checkedFoldCount(folds, count: dataset.interactions.count), seed: seed)
        var rmses: [Double] = [], maes: [Double] = [], fits: [Double] = [], predicts: [Double] = [], cpus: [Double] = []
        print("fold  rmse     mae      fit s   fit cpu s  predict s")
        for (f, split) in splits.enumerated() where onlyFolds == 0 || f < onlyFolds {
            let t0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUSeconds()
            let verbose = self.verbose
            let trainer = BayesianFactorizationMachine(configuration, implicitSource: implicitSource)
            let observer: TrainingObserver = { e in
                if e.step % 10 == 0 || e.step == e.stepCount {
                    print(String(format: "  sweep %4d  valid rmse %.4f  noise sd %.4f  %.1f s", e.step, e.metric("validation_rmse") ?? Double.nan,
                                 e.metric("noise_sd") ?? Double.nan, e.elapsedSeconds))
                }
            }
            let context = FitContext(seed: seed, threads: threads, validation: verbose ? split.test : nil, observer: verbose ? observer : nil)
            let model = try trainer.fit(TrainingData(dataset, training: split.train), context: context)
            let t1 = DispatchTime.now().uptimeNanoseconds, c1 = processCPUSeconds()
            var predictions = [Float](repeating: 0, count: split.test.count)
            for r in 0..<split.test.count { predictions[r] = model.predict(user: split.test.users[r], item: split.test.items[r]) }
            let t2 = DispatchTime.now().uptimeNanoseconds
            let rmse = RatingMetrics.rmse(predictions: predictions, targets: split.test.ratings)
            let mae = RatingMetrics.mae(predictions: predictions, targets: split.test.ratings)
            rmses.append(rmse); maes.append(mae)
            fits.append(Double(t1 - t0) / 1e9); predicts.append(Double(t2 - t1) / 1e9); cpus.append(c1 - c0)
            print(String(format: "%4d  %.4f   %.4f   %6.2f  %9.2f  %8.3f", f + 1, rmse, mae, fits.last!, cpus.last!, predicts.last!))
        }
        func meanStd(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(x.count - 1, 1))
            return (m, v.squareRoot())
        }
        let (rm, rs) = meanStd(rmses), (mm, ms) = meanStd(maes), (fm, _) = meanStd(fits), (pm, _) = meanStd(predicts)
        let (cm, _) = meanStd(cpus)
        print(String(format: "mean  %.4f ± %.4f  MAE %.4f ± %.4f  fit %.2f s/fold (%.2f CPU s, all threads)  predict %.3f s/fold",
                     rm, rs, mm, ms, fm, cm, pm))
        print("peak RSS \(PeakMemory.megabytes()) MB")
    }
}

extension BayesianFactorizationMachine.ImplicitNormalization: ExpressibleByArgument {}
