/// The parameters of a softmax network and its inference pass (one user at a time).
///
/// Layout: `x = [mean movie embedding (d) ‖ mean genre embedding (g) ‖ mean year embedding (y)]`,
/// `h₀ = x`, `hₗ₊₁ = σ(s · hₗ·Wₗ + bₗ)` (σ identity or ReLU, `s` the weight scale), user
/// embedding `u = h_L`, logits `z = u · Vᵀ` with `V` the movie embedding table (the same table
/// whose rows are averaged into `x`).
public struct SoftmaxNetwork: Sendable, Equatable {
    /// The number of movies (rows of the movie table, columns of the logits).
    public var itemCount: Int
    /// Movie embedding dimension `d` (also the user embedding dimension).
    public var movieDim: Int
    /// Genre embedding dimension.
    public var genreDim: Int
    /// Year embedding dimension.
    public var yearDim: Int
    /// Output sizes of the hidden layers; the last equals ``movieDim``.
    public var hiddenDims: [Int]
    /// The hidden layers' activation.
    public var activation: SoftmaxModel.Activation
    /// Whether the hidden layers have biases.
    public var useBias: Bool
    /// Factor applied to every hidden weight matrix in the forward pass (the notebook's `/ 10`).
    public var weightScale: Float
    /// Movie embeddings, `itemCount × movieDim`, row-major.
    public var movies: [Float]
    /// Genre embeddings, `genreCount × genreDim`.
    public var genres: [Float]
    /// Year embeddings, `yearCount × yearDim`.
    public var years: [Float]
    /// Hidden weights (unscaled), layer `l` is `inputSize(l) × hiddenDims[l]`, row-major.
    public var weights: [[Float]]
    /// Hidden biases (empty arrays when ``useBias`` is false).
    public var biases: [[Float]]

    /// The size of the concatenated input `x`.
    public var inputDim: Int { movieDim + genreDim + yearDim }
    /// The input size of hidden layer `l`.
    public func inputSize(_ l: Int) -> Int { l == 0 ? inputDim : hiddenDims[l - 1] }

    /// The user embedding of someone who rated `items`, using `features` for genres and years.
    ///
    /// Out-of-range item indices are ignored. An empty history gives the embedding of an
    /// all-zero input (what TensorFlow's mean combiner gives an empty bag).
    public func userEmbedding(items: [Int32], features: SoftmaxFeatures) -> [Float] {
        var x = [Float](repeating: 0, count: inputDim)
        var movieCount = 0, genreCount = 0
        let genreCountTotal = genres.count / max(genreDim, 1)
        for m in items where m >= 0 && Int(m) < itemCount {
            movieCount += 1
            let i = Int(m)
            for c in 0..<movieDim { x[c] += movies[i * movieDim + c] }
            for t in Int(features.genreOffsets[i])..<Int(features.genreOffsets[i + 1]) {
                let g = Int(features.genreTokens[t])
                guard g < genreCountTotal else { continue }
                genreCount += 1
                for c in 0..<genreDim { x[movieDim + c] += genres[g * genreDim + c] }
            }
            let y = Int(features.yearTokens[i])
            for c in 0..<yearDim { x[movieDim + genreDim + c] += years[y * yearDim + c] }
        }
        if movieCount > 0 {
            for c in 0..<movieDim { x[c] /= Float(movieCount) }
            for c in 0..<yearDim { x[movieDim + genreDim + c] /= Float(movieCount) }
        }
        if genreCount > 0 { for c in 0..<genreDim { x[movieDim + c] /= Float(genreCount) } }
        var h = x
        for l in hiddenDims.indices {
            let n = hiddenDims[l], w = weights[l]
            var out = useBias ? biases[l] : [Float](repeating: 0, count: n)
            for i in h.indices where h[i] != 0 {
                let a = weightScale * h[i]
                for j in 0..<n { out[j] += a * w[i * n + j] }
            }
            if activation == .relu { for j in 0..<n { out[j] = max(0, out[j]) } }
            h = out
        }
        return h
    }

    /// The logits `u · Vᵀ` of every movie for a user embedding `u`.
    public func logits(userEmbedding u: [Float]) -> [Float] {
        precondition(u.count == movieDim)
        var out = [Float](repeating: 0, count: itemCount)
        movies.withUnsafeBufferPointer { v in
            u.withUnsafeBufferPointer { up in
                for j in 0..<itemCount {
                    out[j] = Kernels.dot(v.baseAddress! + j * movieDim, up.baseAddress!, movieDim)
                }
            }
        }
        return out
    }
}
