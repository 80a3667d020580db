import Foundation

extension SoftmaxModel {
    /// A freshly initialised network: embeddings ~ truncated normal with σ = 1/√dimension
    /// (TensorFlow's `embedding_column` default), hidden weights ~ truncated normal with
    /// σ = 1/√(fan-out) (then scaled by ``Configuration/weightScale`` in the forward pass),
    /// biases zero.
    public static func initialNetwork(itemCount: Int, features: SoftmaxFeatures, configuration c: Configuration) -> SoftmaxNetwork {
        var g = SeededGenerator(seed: c.seed &+ 0x5EED_0001)
        func table(_ rows: Int, _ dim: Int) -> [Float] {
            guard dim > 0 else { return [] }
            let sd = 1 / Float(dim).squareRoot()
            return (0..<(rows * dim)).map { _ in g.nextTruncatedNormal(standardDeviation: sd) }
        }
        let movies = table(itemCount, c.movieEmbeddingDim)
        let genres = table(features.genreVocabulary.count, c.genreEmbeddingDim)
        let years = table(features.yearVocabulary.count, c.yearEmbeddingDim)
        var weights: [[Float]] = [], biases: [[Float]] = []
        var input = c.movieEmbeddingDim + c.genreEmbeddingDim + c.yearEmbeddingDim
        for out in c.hiddenDims {
            let sd = 1 / Float(out).squareRoot()
            weights.append((0..<(input * out)).map { _ in g.nextTruncatedNormal(standardDeviation: sd) })
            biases.append(c.useBias ? [Float](repeating: 0, count: out) : [])
            input = out
        }
        return SoftmaxNetwork(itemCount: itemCount, movieDim: c.movieEmbeddingDim, genreDim: c.genreEmbeddingDim,
                              yearDim: c.yearEmbeddingDim, hiddenDims: c.hiddenDims, activation: c.activation,
                              useBias: c.useBias, weightScale: c.weightScale, movies: movies, genres: genres, years: years,
                              weights: weights, biases: biases)
    }

    /// The training core of ``Softmax/fit(_:context:)`` (see ``SoftmaxModel`` for the model,
    /// training and metrics), with `c.seed` and `c.threads` already resolved.
    /// - Throws: ``TrainingError`` for bad settings, unusable data or a diverging loss.
    /// - Complexity: O(iterations · batch · (bag size + d·(hidden + movies))) time,
    ///   O(movies·d + batch·movies) memory.
    package static func fit(_ training: TrainingData, configuration c: Configuration, observer: TrainingObserver?) throws -> SoftmaxModel {
        try c.validate()
        let dataset = training.dataset, data = training.interactions
        let itemCount = dataset.itemCount
        // Sizes that would not fit in memory are refused before anything is allocated.
        let limit = 1 << 40
        guard ([c.movieEmbeddingDim, c.genreEmbeddingDim, c.yearEmbeddingDim, c.batchSize, c.testBatchSize] + c.hiddenDims).allSatisfy({ $0 <= limit }) else {
            throw TrainingError.invalidInput("softmax: an embedding dimension, hidden-layer size or batch size is beyond any memory (at most \(limit))")
        }
        let widths = [c.movieEmbeddingDim + c.genreEmbeddingDim + c.yearEmbeddingDim] + c.hiddenDims
        // Weights, their gradients and the optimizer's state: about three copies of each.
        let weights = zip(widths, widths.dropFirst()).reduce(Double(itemCount) * Double(c.movieEmbeddingDim)) { $0 + Double($1.0) * Double($1.1) }
        try checkMemoryBudget(floats: 3 * weights, what: "softmax weights (embedding and hidden-layer sizes)")
        guard data.itemCount == itemCount, data.userCount == dataset.userCount else {
            throw TrainingError.invalidInput("softmax: the interactions do not belong to the data set")
        }
        let byUser = data.byUser()
        let split = Splitter.userHoldout(data, testFraction: c.testFraction, seed: c.seed)
        var isTest = [Bool](repeating: false, count: dataset.userCount)
        for u in split.test.users { isTest[Int(u)] = true }
        let trainUsers = (0..<dataset.userCount).filter { !isTest[$0] && byUser.count(ofRow: $0) > 0 }
        let testUsers = (0..<dataset.userCount).filter { isTest[$0] && byUser.count(ofRow: $0) > 0 }
        guard !trainUsers.isEmpty, !testUsers.isEmpty else {
            throw TrainingError.invalidInput("softmax needs at least one training and one held-out user with ratings (have \(trainUsers.count) and \(testUsers.count)); lower or raise test-fraction, or add users")
        }

        let features = SoftmaxFeatures(catalog: dataset.catalog, seed: c.seed)
        let initial = initialNetwork(itemCount: itemCount, features: features, configuration: c)

        // The leak-free ranking split of every held-out user: 80% features, 20% to rank.
        var rankGenerator = SeededGenerator(seed: c.seed &+ 0x5EED_0003)
        var rankFeatureItems: [Int32] = [], rankFeatureOffsets: [Int] = [0]
        var rankRelevant: [[Int32]] = []
        for u in testUsers {
            var items = Array(byUser.columns(ofRow: u))
            guard items.count >= 2 else { continue }
            rankGenerator.shuffle(&items)
            let held = min(items.count - 1, max(1, Int((Double(items.count) * c.rankingHoldoutFraction).rounded())))
            rankRelevant.append(Array(items.prefix(held)))
            rankFeatureItems.append(contentsOf: items.dropFirst(held))
            rankFeatureOffsets.append(rankFeatureItems.count)
        }

        // Per ranked user and movie: 1 = a feature (not ranked), 2 = relevant.
        var rankMask = [UInt8](repeating: 0, count: rankRelevant.count * itemCount)
        for (i, relevant) in rankRelevant.enumerated() {
            for m in rankFeatureItems[rankFeatureOffsets[i]..<rankFeatureOffsets[i + 1]] { rankMask[i * itemCount + Int(m)] = 1 }
            for m in relevant { rankMask[i * itemCount + Int(m)] = 2 }
        }
        let maxRows = max(c.batchSize, c.testBatchSize, min(rankRelevant.count, 256), 1)
        // Batch activations that would not fit in memory are refused before they are allocated.
        let rowWidth = widths.reduce(Double(itemCount)) { $0 + Double($1) }
        try checkMemoryBudget(floats: 3 * weights + 3 * Double(maxRows) * rowWidth, what: "softmax batches (batch size × layer widths)")
        let threads = max(1, min(SoftmaxEngine.chunks, c.threads))
        let backend = c.gemmBackend ?? .swift  // the fused C kernels (no BLAS needed)
        let engine = SoftmaxEngine(network: initial, features: features, maxRows: maxRows, backend: backend)
        engine.resetOptimizer(c.optimizer)

        var history = SoftmaxTrainingHistory()
        let start = monotonicSeconds()
        var sampler = SeededGenerator(seed: c.seed &+ 0x5EED_0002)
        var trainOrder = trainUsers, trainCursor = trainUsers.count
        var testOrder = testUsers, testCursor = testUsers.count
        var precisionHits = 0, precisionExamples = 0

        try byUser.columns.withUnsafeBufferPointer { columnBuffer in
            try rankFeatureItems.withUnsafeBufferPointer { rankBuffer in
                let columns = columnBuffer.baseAddress ?? UnsafePointer(bitPattern: 8)!
                var examples = [SoftmaxExample](repeating: SoftmaxExample(movies: columns, count: 0, excluded: -1, label: -1), count: maxRows)

                func fill(_ n: Int, order: inout [Int], cursor: inout Int) {
                    for b in 0..<n {
                        if cursor == order.count { sampler.shuffle(&order); cursor = 0 }
                        let u = order[cursor]; cursor += 1
                        let range = byUser.range(ofRow: u)
                        let position = sampler.nextInt(below: range.count)
                        examples[b] = SoftmaxExample(movies: columns + range.lowerBound, count: range.count,
                                                     excluded: c.labelMode == .exclude ? position : -1,
                                                     label: columns[range.lowerBound + position])
                    }
                }

                // Per-row evaluation results, written by both threads and summed in order.
                var rowHit = [Bool](repeating: false, count: maxRows), rowLoss = [Double](repeating: 0, count: maxRows)
                var rowRecall = [Double](repeating: 0, count: maxRows), rowNDCG = [Double](repeating: 0, count: maxRows)

                func rankingMetrics() -> (recall: Double, ndcg: Double) {
                    var recall = 0.0, ndcg = 0.0
                    let users = rankRelevant.count
                    var start = 0
                    while start < users {
                        let n = min(maxRows, users - start)
                        for b in 0..<n {
                            let lo = rankFeatureOffsets[start + b], hi = rankFeatureOffsets[start + b + 1]
                            examples[b] = SoftmaxExample(movies: rankBuffer.baseAddress! + lo, count: hi - lo, excluded: -1, label: -1)
                        }
                        examples.withUnsafeBufferPointer { engine.forward($0.baseAddress!, count: n, threads: threads) }
                        // Each row's top k on the engine's fixed chunks (both threads), then summed
                        // in row order: the same sums whatever the thread count.
                        rowRecall.withUnsafeMutableBufferPointer { recallOut in
                            rowNDCG.withUnsafeMutableBufferPointer { ndcgOut in
                                rankMask.withUnsafeBufferPointer { maskBuffer in
                                    engine.forChunks(threads: threads) { chunk in
                                        for b in engine.rowRange(chunk, of: n) {
                                            let mask = maskBuffer.baseAddress! + (start + b) * itemCount
                                            let row = UnsafeBufferPointer(start: engine.logits + b * itemCount, count: itemCount)
                                            var selector = TopKSelector(k: c.k)
                                            for j in 0..<itemCount where row[j] > selector.threshold && mask[j] != 1 {
                                                selector.offer(index: ItemIndex(j), score: row[j])
                                            }
                                            let relevant = rankRelevant[start + b]
                                            var dcg = 0.0, hits = 0
                                            for (rank, s) in selector.sorted().enumerated() where mask[Int(s.index)] == 2 {
                                                hits += 1
                                                dcg += 1 / log2(Double(rank) + 2)
                                            }
                                            var ideal = 0.0
                                            for rank in 0..<min(c.k, relevant.count) { ideal += 1 / log2(Double(rank) + 2) }
                                            recallOut[b] = Double(hits) / Double(relevant.count)
                                            ndcgOut[b] = dcg / ideal
                                        }
                                    }
                                }
                            }
                        }
                        for b in 0..<n {
                            recall += rowRecall[b]
                            ndcg += rowNDCG[b]
                        }
                        start += n
                    }
                    return users == 0 ? (0, 0) : (recall / Double(users), ndcg / Double(users))
                }

                for iteration in 0...c.iterations {
                    let log = iteration % c.evaluationInterval == 0 || iteration == c.iterations
                    var testLoss = 0.0, ranking = (recall: 0.0, ndcg: 0.0)
                    if log {
                        fill(c.testBatchSize, order: &testOrder, cursor: &testCursor)
                        examples.withUnsafeBufferPointer { engine.forward($0.baseAddress!, count: c.testBatchSize, threads: threads) }
                        // Per row on the engine's fixed chunks, then summed in row order.
                        let n = c.testBatchSize
                        rowHit.withUnsafeMutableBufferPointer { hitOut in
                            rowLoss.withUnsafeMutableBufferPointer { lossOut in
                                examples.withUnsafeBufferPointer { batch in
                                    engine.forChunks(threads: threads) { chunk in
                                        for b in engine.rowRange(chunk, of: n) {
                                            let row = engine.logits + b * itemCount
                                            let label = Int(batch[b].label)
                                            hitOut[b] = Kernels.countGreater(row, count: itemCount, than: row[label]) < c.k
                                            lossOut[b] = Double(Kernels.softmaxCrossEntropy(row, count: itemCount, label: label, scale: 1))
                                        }
                                    }
                                }
                            }
                        }
                        for b in 0..<n {
                            if rowHit[b] { precisionHits += 1 }
                            testLoss += rowLoss[b]
                        }
                        testLoss /= Double(c.testBatchSize)
                        precisionExamples += c.testBatchSize
                        ranking = rankingMetrics()
                    }
                    fill(c.batchSize, order: &trainOrder, cursor: &trainCursor)
                    let trainLoss = examples.withUnsafeBufferPointer {
                        engine.lossAndGradients($0.baseAddress!, count: c.batchSize, threads: threads,
                                                optimizer: c.optimizer, learningRate: c.learningRate)
                    }
                    engine.updateRest(c.optimizer, learningRate: c.learningRate)
                    guard trainLoss.isFinite, testLoss.isFinite else {
                        throw TrainingError.diverged(iteration: iteration, hint: "try a smaller learning-rate than \(c.learningRate)")
                    }
                    if log {
                        let entry = SoftmaxTrainingHistory.Entry(
                            iteration: iteration, trainLoss: Double(trainLoss), testLoss: testLoss,
                            precisionAt10: Double(precisionHits) / Double(precisionExamples * c.k),
                            recallAt10: ranking.recall, ndcgAt10: ranking.ndcg)
                        history.entries.append(entry)
                        observer?(TrainingEvent(step: iteration, stepCount: c.iterations, unit: "iteration", metrics: entry.metrics,
                                                elapsedSeconds: monotonicSeconds() - start))
                    }
                }
            }
        }
        let model = SoftmaxModel(configuration: c, network: engine.network(), features: features, metadata: training.metadata,
                                 history: history, testUsers: testUsers.map { UserIndex($0) })
        try requireFinite(model, iteration: c.iterations, hint: "try a smaller learning-rate than \(c.learningRate)")
        return model
    }
}
