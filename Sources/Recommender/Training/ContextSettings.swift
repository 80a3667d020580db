/// A trainer configuration whose seed and thread count a ``FitContext`` may override.
protocol ContextAdjustable {
    /// The seed used when the context gives none.
    var seed: UInt64 { get set }
    /// The thread count used when the context gives none.
    var threads: Int { get set }
}

extension ContextAdjustable {
    /// This configuration with the context's seed (0 is a seed) and thread count, where it gives them.
    /// - Parameter context: the fit's context.
    /// - Returns: the configuration to train with.
    func adjusted(for context: FitContext) -> Self {
        var c = self
        c.seed = context.resolvedSeed(default: c.seed)
        if let threads = context.threads { c.threads = threads }
        return c
    }
}

extension BPR.Configuration: ContextAdjustable {}
extension ImplicitALS.Configuration: ContextAdjustable {}
extension ALSModel.Configuration: ContextAdjustable {}
