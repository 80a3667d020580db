/// The settings the implicit factor trainers (`bpr`, `ials`) share: f latent factors per user
/// and item, drawn from N(0, σ²), learned from the positives ``feedback`` makes.
///
/// Their hyper-parameter tables share these rows: `embedding-dim` first, then the trainer's
/// own rows, then `init-stddev` and the feedback rows (``ImplicitFeedback/parameters()``).
protocol ImplicitFactorSettings: Sendable {
    /// f.
    var factors: Int { get set }
    /// σ of the initial factors.
    var initStandardDeviation: Float { get set }
    /// Which interactions are positives and what they weigh.
    var feedback: ImplicitFeedback { get set }
}

extension ImplicitFactorSettings {
    /// The hyper-parameter table with these settings as defaults: `embedding-dim`, `own`,
    /// `init-stddev`, then the feedback rows.
    func table(_ own: [HyperparameterSpec]) -> [HyperparameterSpec] {
        [.integer("embedding-dim", 1...4096, default: factors, help: "latent factors per user and item", symbol: "f",
                  aliases: ["factors", "rank"])]
            + own
            + [.real("init-stddev", 0...10, default: Double(initStandardDeviation), help: "standard deviation of the initial factors",
                     symbol: "σ", aliases: ["init_std"])]
            + feedback.parameters()
    }

    /// These settings with the shared rows of ``table(_:)`` read from `r` (the trainer reads its own).
    func applyingShared(_ r: HyperparameterReader) -> Self {
        var c = self
        c.factors = r.integer("embedding-dim")!
        c.initStandardDeviation = r.float("init-stddev")!
        c.feedback = c.feedback.configured(r)
        return c
    }
}

extension BPR.Configuration: ImplicitFactorSettings {}
extension ImplicitALS.Configuration: ImplicitFactorSettings {}
