import Dispatch

/// One training or evaluation example: a user's bag of movies and the label movie.
struct SoftmaxExample {
    /// The movies of the bag.
    var movies: UnsafePointer<Int32>
    /// How many movies `movies` points to.
    var count: Int
    /// Position in `movies` left out of the bag (the label, in the correct mode), or -1.
    var excluded: Int
    /// The label movie (softmax target), or -1 when there is none (inference).
    var label: Int32
}

/// The training engine: all parameters, gradients, optimizer state and workspaces in
/// 64-byte-aligned buffers, a hand-written forward and backward pass, and the optimizers.
///
/// Parameters live in one flat buffer, in this order: movie table (`itemCount × movieLD`),
/// genre table, year table, then for each hidden
/// layer its weights and (optionally) biases. The gradient buffer and the optimizer state
/// buffers have the same layout, so one loop updates everything.
///
/// Each movie-table row is `movieLD = roundUp(d + g + y, 8)` floats: the movie's embedding
/// (`d`), then — refreshed before every pass — the sum of its genres' embeddings (`g`) and its
/// year's embedding (`y`), then zeros. A user's bag is then one SIMD sum of whole rows, and
/// its gradient one SIMD add per bag entry; the side columns' gradients are moved to the
/// genre and year tables per movie (not per bag entry) and zeroed.
///
/// A step splits the batch into two fixed halves (phase 1: bags, hidden layers, logits,
/// softmax, back to the inputs, row-parallel) and the movie table in two (phase 2: the logits'
/// gradient for the table, bag scatter-adds and the table's update, column-parallel). Phase 2's
/// cut balances the work (popular movies carry more bag entries); what is computed for a movie
/// does not depend on it, and the genre and year gradients are summed over two fixed halves of the
/// movies in movie order. No split depends on the thread count, so one thread and two threads
/// give bit-identical results. The side columns of the movie rows are scratch: rewritten from the
/// genre and year tables before every pass (by the chunk that last updated the row).
final class SoftmaxEngine {
    let net: SoftmaxNetwork              // shapes and hyper-parameters (arrays not used for training)
    let itemCount: Int, movieDim: Int, movieLD: Int, genreDim: Int, yearDim: Int
    let genreCount: Int, yearCount: Int
    let dims: [Int]                      // [inputDim, hidden₀, …]
    let scale: Float
    let relu: Bool, useBias: Bool
    /// Owns the memory behind every buffer pointer below.
    private let buffers: [AlignedBuffer<Float>]
    let maxRows: Int
    /// The matrix-multiply implementation.
    let backend: Gemm.Backend
    /// The fixed number of chunks a step is split into (independent of the thread count, so
    /// it fixes the arithmetic; 2 keeps the documented figures bit for bit). More threads than
    /// chunks do not help.
    static let chunks = 2

    // Parameter segments (offsets into the flat buffers).
    let genreOffset: Int, yearOffset: Int
    let weightOffsets: [Int], biasOffsets: [Int]
    let parameterCount: Int

    let params: UnsafeMutablePointer<Float>
    let grads: UnsafeMutablePointer<Float>
    let state1: UnsafeMutablePointer<Float>
    let state2: UnsafeMutablePointer<Float>
    let partialWeightGrads: [UnsafeMutablePointer<Float>]   // per chunk: all hidden W and b gradients

    // Workspaces (maxRows rows).
    let activations: [UnsafeMutablePointer<Float>]           // dims.count buffers, maxRows × dims[l]
    let backGrads: [UnsafeMutablePointer<Float>]             // same shapes: gradient w.r.t. each activation
    let logits: UnsafeMutablePointer<Float>                  // maxRows × itemCount
    let invMovieCount: UnsafeMutablePointer<Float>
    let invGenreCount: UnsafeMutablePointer<Float>
    let chunkAcc: [UnsafeMutablePointer<Float>]              // per chunk: movieLD scratch
    let scaledInputGrads: UnsafeMutablePointer<Float>        // maxRows × movieLD: bag-entry gradient of each example
    let sideGrads: [UnsafeMutablePointer<Float>]             // per chunk: genre + year table gradients
    let movieGenreCounts: [Float]
    let movieGradT: UnsafeMutablePointer<Float>              // movieDim × itemCount
    let movieT: UnsafeMutablePointer<Float>                  // Vᵀ: movieDim × itemCount (for the logits)
    var movieTIsFresh = false
    /// Whether the output layer runs in the fused C kernels (``Kernels`` `softmax_rows`,
    /// `panel_logits`, `rows_by_matrix`): the `.swift` backend with a movie dimension up to 64.
    let fused: Bool
    /// Vᵀ in panels of 16 movies (`pack_panels`), refreshed with each update (fused path).
    let panels: UnsafeMutablePointer<Float>
    /// The label of each row of a batch (fused path).
    let labelBuffer: UnsafeMutablePointer<Int32>

    let genreOffsets: [Int32], genreTokens: [Int32], yearTokens: [Int32]

    /// The bag entries of a batch as (example row, movie) pairs, one list per (row chunk, movie
    /// chunk) (index `rowChunk · chunks + movieChunk`), in (row, position) order: phase 1 fills
    /// its row chunk's lists, phase 2 adds its movie chunk's lists in row-chunk order, which is
    /// the order of the rows. Each list holds up to `scatterCapacity` pairs.
    private var scatterPairs: [UnsafeMutablePointer<Int32>] = []
    private let scatterCounts = UnsafeMutablePointer<Int>.allocate(capacity: SoftmaxEngine.chunks * SoftmaxEngine.chunks)
    private var scatterCapacity = 0
    /// Where phase 2 cuts the movie table (fused path): the first chunk's movies are [0, cut). Which
    /// chunk works on a movie never changes what is computed for it, so the cut only balances the
    /// work: chosen once, from the first training batch, so that each chunk gets about half of
    /// `movieCost + bag entries` summed over its movies (popular movies have low ids in MovieLens,
    /// and the bag scatter follows popularity). The other paths keep the middle.
    var phaseTwoCut: Int?
    /// A movie's phase-2 work (its dV row, optimizer update and packing) in bag entries scattered.
    static let movieCost = 60

    var step = 0

    init(network: SoftmaxNetwork, features: SoftmaxFeatures, maxRows: Int, backend: Gemm.Backend = .openBLAS) {
        self.backend = backend
        net = network
        itemCount = network.itemCount
        movieDim = network.movieDim
        movieLD = (network.inputDim + 7) / 8 * 8
        genreDim = network.genreDim
        yearDim = network.yearDim
        genreCount = features.genreVocabulary.count
        yearCount = features.yearVocabulary.count
        dims = [network.inputDim] + network.hiddenDims
        scale = network.weightScale
        relu = network.activation == .relu
        useBias = network.useBias
        self.maxRows = maxRows
        genreOffsets = features.genreOffsets
        genreTokens = features.genreTokens
        yearTokens = features.yearTokens

        var offset = itemCount * movieLD
        genreOffset = offset; offset += genreCount * genreDim
        yearOffset = offset; offset += yearCount * yearDim
        var wo: [Int] = [], bo: [Int] = []
        for l in 0..<(dims.count - 1) {
            wo.append(offset); offset += dims[l] * dims[l + 1]
            bo.append(offset); offset += network.useBias ? dims[l + 1] : 0
        }
        weightOffsets = wo; biasOffsets = bo
        parameterCount = offset

        // Zeroed, 64-byte-aligned buffers with 16 floats of slack, owned by `storage`.
        var storage: [AlignedBuffer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let b = AlignedBuffer<Float>(count: max(count, 1) + 16)
            storage.append(b)
            return b.pointer
        }
        params = buffer(parameterCount)
        grads = buffer(parameterCount)
        state1 = buffer(parameterCount)
        state2 = buffer(parameterCount)
        let hiddenCount = parameterCount - genreOffset - (yearOffset - genreOffset) - yearCount * yearDim
        partialWeightGrads = (0..<Self.chunks).map { _ in buffer(hiddenCount) }
        let allDims = [network.inputDim] + network.hiddenDims
        activations = allDims.map { buffer(maxRows * $0) }
        backGrads = allDims.map { buffer(maxRows * $0) }
        logits = buffer(maxRows * itemCount)
        invMovieCount = buffer(maxRows)
        invGenreCount = buffer(maxRows)
        let ld = (network.inputDim + 7) / 8 * 8
        chunkAcc = (0..<Self.chunks).map { _ in buffer(ld) }
        scaledInputGrads = buffer(maxRows * ld)
        let sideCount = features.genreVocabulary.count * network.genreDim + features.yearVocabulary.count * network.yearDim
        sideGrads = (0..<Self.chunks).map { _ in buffer(sideCount) }
        movieGenreCounts = (0..<network.itemCount).map { Float(features.genreOffsets[$0 + 1] - features.genreOffsets[$0]) }
        movieGradT = buffer(network.movieDim * network.itemCount)
        movieT = buffer(network.movieDim * network.itemCount)
        fused = backend == .swift && network.movieDim <= 64
        panels = buffer(fused ? (network.itemCount + 15) / 16 * 16 * network.movieDim : 0)
        labelBuffer = UnsafeMutablePointer<Int32>.allocate(capacity: max(maxRows, 1))
        labelBuffer.initialize(repeating: 0, count: max(maxRows, 1))
        scatterCounts.initialize(repeating: 0, count: Self.chunks * Self.chunks)
        buffers = storage

        // Copy the network's parameters in.
        for i in 0..<itemCount {
            for c in 0..<movieDim { params[i * movieLD + c] = network.movies[i * movieDim + c] }
        }
        for (i, v) in network.genres.enumerated() { params[genreOffset + i] = v }
        for (i, v) in network.years.enumerated() { params[yearOffset + i] = v }
        for l in 0..<(dims.count - 1) {
            for (i, v) in network.weights[l].enumerated() { params[weightOffsets[l] + i] = v }
            if useBias { for (i, v) in network.biases[l].enumerated() { params[biasOffsets[l] + i] = v } }
        }
    }

    deinit {
        team?.shutDown()
        labelBuffer.deallocate()
        for list in scatterPairs { list.deallocate() }
        scatterCounts.deallocate()
    }

    /// Makes each scatter list able to hold `entries` pairs (grows, never shrinks).
    private func reserveScatterPairs(_ entries: Int) {
        guard entries > scatterCapacity else { return }
        for list in scatterPairs { list.deallocate() }
        scatterCapacity = max(entries, 2 * scatterCapacity)
        scatterPairs = (0..<(Self.chunks * Self.chunks)).map { _ in UnsafeMutablePointer<Int32>.allocate(capacity: 2 * scatterCapacity) }
    }

    /// The first flat index of the hidden-layer parameters.
    var hiddenOffset: Int { yearOffset + yearCount * yearDim }

    /// The current parameters as a network value.
    func network() -> SoftmaxNetwork {
        var n = net
        n.movies = [Float](repeating: 0, count: itemCount * movieDim)
        for i in 0..<itemCount { for c in 0..<movieDim { n.movies[i * movieDim + c] = params[i * movieLD + c] } }
        n.genres = Array(UnsafeBufferPointer(start: params + genreOffset, count: genreCount * genreDim))
        n.years = Array(UnsafeBufferPointer(start: params + yearOffset, count: yearCount * yearDim))
        n.weights = (0..<(dims.count - 1)).map { Array(UnsafeBufferPointer(start: params + weightOffsets[$0], count: dims[$0] * dims[$0 + 1])) }
        n.biases = (0..<(dims.count - 1)).map { useBias ? Array(UnsafeBufferPointer(start: params + biasOffsets[$0], count: dims[$0 + 1])) : [] }
        return n
    }

    // MARK: parallel helper

    /// The compute team (persistent spinning workers; on a busy machine the caller claims a late
    /// worker's chunk itself), started on first use.
    private var team: ComputeTeam?

    /// Runs `body(chunk)` for each of the ``chunks`` fixed chunks, on up to `threads` threads.
    /// The chunks are the same whatever the thread count, so results are too.
    func forChunks(threads: Int, _ body: (Int) -> Void) {
        if threads <= 1 || Parallelism.availableCores < 2 {
            for c in 0..<Self.chunks { body(c) }
            return
        }
        if (team?.threadCount ?? 0) < min(threads, Self.chunks, Parallelism.availableCores) {
            team?.shutDown()
            team = ComputeTeam(threads: min(threads, Self.chunks))
        }
        team?.run(tasks: Self.chunks, body)
    }

    @inline(__always) func rowRange(_ chunk: Int, of rows: Int) -> Range<Int> {
        (rows * chunk / Self.chunks)..<(rows * (chunk + 1) / Self.chunks)
    }

    // MARK: forward

    /// Copies movie rows `range` of V into Vᵀ (or into its panels on the fused path).
    func transposeMovies(_ range: Range<Int>) {
        if fused {
            Kernels.Table.active.table.pointee.pack_panels(params, movieLD, range.lowerBound, range.upperBound, movieDim, panels)
            return
        }
        for m in range {
            let row = params + m * movieLD
            for c in 0..<movieDim { movieT[c * itemCount + m] = row[c] }
        }
    }

    /// Writes each movie's genre-embedding sum and year embedding into the side columns of its
    /// row, and refreshes Vᵀ unless the last update already did.
    func refreshSideColumns() {
        if backend == .swift && !movieTIsFresh { transposeMovies(0..<itemCount); movieTIsFresh = true }
        refreshSideColumns(0..<itemCount)
    }

    /// The side columns of movies `range` (C, from the genre and year tables).
    func refreshSideColumns(_ range: Range<Int>) {
        guard genreDim + yearDim > 0, !range.isEmpty else { return }
        genreOffsets.withUnsafeBufferPointer { go in genreTokens.withUnsafeBufferPointer { gt in yearTokens.withUnsafeBufferPointer { yt in
            Kernels.Table.active.table.pointee.side_refresh(params, movieLD, movieDim, range.lowerBound, range.upperBound,
                                                            go.baseAddress!, gt.baseAddress!, yt.baseAddress!,
                                                            params + genreOffset, genreDim, params + yearOffset, yearDim)
        } } }
    }

    /// Adds the side columns' gradients of movies `range`, in movie order, to the genre and year
    /// table gradients at `side` (C), and zeroes those columns.
    func gatherSideGradients(_ range: Range<Int>, into side: UnsafeMutablePointer<Float>) {
        guard genreDim + yearDim > 0, !range.isEmpty else { return }
        genreOffsets.withUnsafeBufferPointer { go in genreTokens.withUnsafeBufferPointer { gt in yearTokens.withUnsafeBufferPointer { yt in
            Kernels.Table.active.table.pointee.side_gather(grads, movieLD, movieDim, range.lowerBound, range.upperBound,
                                                           go.baseAddress!, gt.baseAddress!, yt.baseAddress!,
                                                           side, genreDim, side + genreCount * genreDim, yearDim)
        } } }
    }

    /// Bags of example rows `range` into `activations[0]` (side columns must be fresh).
    func gatherInputs(_ examples: UnsafePointer<SoftmaxExample>, _ range: Range<Int>, chunk: Int) {
        let x = activations[0], inputDim = dims[0]
        let acc = chunkAcc[chunk]
        let movies = UnsafePointer(params)
        movieGenreCounts.withUnsafeBufferPointer { genreCounts in
            for b in range {
                let e = examples[b]
                var n = 0
                var ng: Float = 0
                for t in 0..<e.count where t != e.excluded {
                    n += 1
                    ng += genreCounts[Int(e.movies[t])]
                }
                // The bag's row sum (C: the row's columns held in registers, the entries added in order).
                Kernels.Table.active.table.pointee.bag_sum(movies, movieLD, e.movies, e.count, e.excluded, acc)
                let inv: Float = n > 0 ? 1 / Float(n) : 0
                let invG: Float = ng > 0 ? 1 / ng : 0
                invMovieCount[b] = inv
                invGenreCount[b] = invG
                let row = x + b * inputDim
                for c in 0..<movieDim { row[c] = acc[c] * inv }
                for c in movieDim..<(movieDim + genreDim) { row[c] = acc[c] * invG }
                for c in (movieDim + genreDim)..<inputDim { row[c] = acc[c] * inv }
            }
        }
    }

    /// Hidden layers and logits for rows `range` (inputs already gathered).
    func forwardRows(_ range: Range<Int>) {
        let rows = range.count
        guard rows > 0 else { return }
        forwardHidden(range)
        let u = activations[dims.count - 1] + range.lowerBound * movieDim
        if fused {
            Kernels.Table.active.table.pointee.panel_logits(rows, itemCount, movieDim, u, movieDim, panels,
                                                            logits + range.lowerBound * itemCount, itemCount)
        } else if backend == .swift {
            // The Swift kernel reads row-major operands in place: use the refreshed Vᵀ.
            Gemm.sgemm(.none, .none, m: rows, n: itemCount, k: movieDim, a: u, lda: movieDim,
                       b: movieT, ldb: itemCount, c: logits + range.lowerBound * itemCount, ldc: itemCount, backend: backend)
        } else {
            Gemm.sgemm(.none, .transpose, m: rows, n: itemCount, k: movieDim, a: u, lda: movieDim,
                       b: params, ldb: movieLD, c: logits + range.lowerBound * itemCount, ldc: itemCount, backend: backend)
        }
    }

    /// The hidden layers for rows `range` (inputs already gathered).
    func forwardHidden(_ range: Range<Int>) {
        let rows = range.count
        guard rows > 0 else { return }
        for l in 0..<(dims.count - 1) {
            let nIn = dims[l], nOut = dims[l + 1]
            let input = activations[l] + range.lowerBound * nIn
            let output = activations[l + 1] + range.lowerBound * nOut
            if useBias {
                for r in 0..<rows { (output + r * nOut).update(from: params + biasOffsets[l], count: nOut) }
            }
            Gemm.sgemm(.none, .none, m: rows, n: nOut, k: nIn, alpha: scale, a: input, lda: nIn,
                       b: params + weightOffsets[l], ldb: nOut, beta: useBias ? 1 : 0, c: output, ldc: nOut, backend: self.backend)
            if relu { for i in 0..<(rows * nOut) where output[i] < 0 { output[i] = 0 } }
        }
    }

    /// Forward pass of `count` examples: logits in ``logits``. Returns nothing; cheap to call for evaluation.
    func forward(_ examples: UnsafePointer<SoftmaxExample>, count: Int, threads: Int) {
        precondition(count <= maxRows)
        refreshSideColumns()
        let box = UnsafeSendableBox(examples)
        forChunks(threads: threads) { c in
            let range = self.rowRange(c, of: count)
            self.gatherInputs(box.value, range, chunk: c)
            self.forwardRows(range)
        }
    }

    // MARK: training step

    /// Forward and backward pass of a batch: fills ``grads`` and returns the mean
    /// cross-entropy. With `update`, also applies the optimizer to the movie table inside
    /// phase 2 (the caller then calls ``updateRest``).
    func lossAndGradients(_ examples: UnsafePointer<SoftmaxExample>, count: Int, threads: Int,
                          optimizer: SoftmaxModel.Optimizer? = nil, learningRate: Float = 0) -> Float {
        precondition(count > 0 && count <= maxRows)
        precondition(Self.chunks == 2, "the scatter lists and the phase-2 cut assume two chunks")
        if phaseTwoCut == nil { phaseTwoCut = fused ? balancedCut(examples, count: count) : rowRange(0, of: itemCount).upperBound }
        let movieCut = phaseTwoCut!, middle = rowRange(0, of: itemCount).upperBound
        // The side columns, each chunk those of the movies it updated last (rows in its cache).
        if backend == .swift && !movieTIsFresh { transposeMovies(0..<itemCount); movieTIsFresh = true }
        if genreDim + yearDim > 0 {
            forChunks(threads: threads) { c in self.refreshSideColumns(c == 0 ? 0..<movieCut : movieCut..<self.itemCount) }
        }
        if optimizer != nil { movieTIsFresh = true } // phase 2 transposes each updated range
        let box = UnsafeSendableBox(examples)
        var chunkLoss = [Double](repeating: 0, count: Self.chunks)
        let invBatch = 1 / Float(count)
        var entries = 0
        for b in 0..<count { entries += examples[b].count }
        reserveScatterPairs(entries)
        let sideCount = hiddenOffset - genreOffset
        for c in 0..<Self.chunks { sideGrads[c].update(repeating: 0, count: sideCount) }
        let last = dims.count - 1
        chunkLoss.withUnsafeMutableBufferPointer { lossBuffer in
            let losses = UnsafeSendableBox(lossBuffer.baseAddress!)
            // Phase 1: rows.
            forChunks(threads: threads) { c in
                let range = self.rowRange(c, of: count)
                let examples = box.value
                for h in 0..<Self.chunks { self.scatterCounts[c * Self.chunks + h] = 0 }
                self.gatherInputs(examples, range, chunk: c)
                let rows = range.count
                guard rows > 0 else { return }
                if self.fused {
                    // Hidden layers, then logits, softmax and dU = dZ · V six rows at a time (C).
                    self.forwardHidden(range)
                    for b in range { self.labelBuffer[b] = examples[b].label }
                    let lo = range.lowerBound
                    losses.value[c] = Kernels.Table.active.table.pointee.softmax_rows(
                        rows, self.itemCount, self.movieDim, self.activations[last] + lo * self.movieDim, self.panels,
                        self.params, self.movieLD, self.labelBuffer + lo, invBatch, self.logits + lo * self.itemCount,
                        self.backGrads[last] + lo * self.movieDim)
                } else {
                    self.forwardRows(range)
                    var loss = 0.0
                    for b in range {
                        loss += Double(Kernels.softmaxCrossEntropy(self.logits + b * self.itemCount, count: self.itemCount,
                                                                          label: Int(examples[b].label), scale: invBatch))
                    }
                    losses.value[c] = loss
                    // dU = dZ · V (both read in place).
                    Gemm.sgemm(.none, .none, m: rows, n: self.movieDim, k: self.itemCount, a: self.logits + range.lowerBound * self.itemCount,
                               lda: self.itemCount, b: self.params, ldb: self.movieLD,
                               c: self.backGrads[last] + range.lowerBound * self.movieDim, ldc: self.movieDim, backend: self.backend)
                }
                // Hidden layers, backwards; weight gradients into this chunk's partial buffer.
                let partial = self.partialWeightGrads[c]
                for l in stride(from: last - 1, through: 0, by: -1) {
                    let nIn = self.dims[l], nOut = self.dims[l + 1]
                    let g = self.backGrads[l + 1] + range.lowerBound * nOut
                    if self.relu {
                        let out = self.activations[l + 1] + range.lowerBound * nOut
                        for i in 0..<(rows * nOut) where out[i] <= 0 { g[i] = 0 }
                    }
                    let wGrad = partial + (self.weightOffsets[l] - self.hiddenOffset)
                    Gemm.sgemm(.transpose, .none, m: nIn, n: nOut, k: rows, alpha: self.scale,
                               a: self.activations[l] + range.lowerBound * nIn, lda: nIn, b: g, ldb: nOut, c: wGrad, ldc: nOut, backend: self.backend)
                    if self.useBias {
                        let bGrad = partial + (self.biasOffsets[l] - self.hiddenOffset)
                        bGrad.update(repeating: 0, count: nOut)
                        for r in 0..<rows { Kernels.add(g + r * nOut, bGrad, count: nOut) }
                    }
                    Gemm.sgemm(.none, .transpose, m: rows, n: nIn, k: nOut, alpha: self.scale, a: g, lda: nOut,
                               b: self.params + self.weightOffsets[l], ldb: nOut, c: self.backGrads[l] + range.lowerBound * nIn, ldc: nIn, backend: self.backend)
                }
                // What each bag entry's row receives: dx scaled by 1/|movies| or 1/|genres|.
                let inputDim = self.dims[0], md = self.movieDim, gd = self.genreDim
                for b in range {
                    let dx = self.backGrads[0] + b * inputDim, out = self.scaledInputGrads + b * self.movieLD
                    let inv = self.invMovieCount[b], invG = self.invGenreCount[b]
                    for c in 0..<md { out[c] = dx[c] * inv }
                    for c in md..<(md + gd) { out[c] = dx[c] * invG }
                    for c in (md + gd)..<inputDim { out[c] = dx[c] * inv }
                }
                // This row chunk's bag entries, split by movie chunk for phase 2's scatter.
                let low = self.scatterPairs[c * Self.chunks], high = self.scatterPairs[c * Self.chunks + 1]
                var nLow = 0, nHigh = 0
                for b in range {
                    let e = examples[b]
                    for t in 0..<e.count where t != e.excluded {
                        let m = e.movies[t]
                        if Int(m) < movieCut {
                            low[2 * nLow] = Int32(truncatingIfNeeded: b); low[2 * nLow + 1] = m; nLow += 1
                        } else {
                            high[2 * nHigh] = Int32(truncatingIfNeeded: b); high[2 * nHigh + 1] = m; nHigh += 1
                        }
                    }
                }
                self.scatterCounts[c * Self.chunks] = nLow
                self.scatterCounts[c * Self.chunks + 1] = nHigh
            }
            // Phase 2: movie table columns.
            forChunks(threads: threads) { c in
                let movieRange = c == 0 ? 0..<movieCut : movieCut..<self.itemCount
                guard !movieRange.isEmpty else { return }
                let lo = movieRange.lowerBound, hi = movieRange.upperBound
                if self.fused {
                    // dV[lo..<hi] = dZ[:, lo..<hi]ᵀ · U straight into the gradient rows (dZ read by rows, in tiles of movies).
                    Kernels.Table.active.table.pointee.columns_by_matrix(hi - lo, self.movieDim, count, self.logits + lo, self.itemCount,
                                                                         self.activations[last], self.movieDim,
                                                                         self.grads + lo * self.movieLD, self.movieLD)
                } else if self.backend == .swift {
                    // dV[lo..<hi] = dZ[:, lo..<hi]ᵀ · U, as dVᵀ = Uᵀ · dZ (d × movies: the kernel's wide side is
                    // the movies), then transposed in.
                    let dVt = self.movieGradT
                    Gemm.sgemm(.transpose, .none, m: self.movieDim, n: hi - lo, k: count, a: self.activations[last], lda: self.movieDim,
                               b: self.logits + lo, ldb: self.itemCount, c: dVt + lo, ldc: self.itemCount, backend: self.backend)
                    for m in lo..<hi {
                        let dst = self.grads + m * self.movieLD
                        for col in 0..<self.movieDim { dst[col] = dVt[col * self.itemCount + m] }
                    }
                } else {
                    // dV[lo..<hi] = dZ[:, lo..<hi]ᵀ · U, straight into the gradient rows.
                    Gemm.sgemm(.transpose, .none, m: hi - lo, n: self.movieDim, k: count, a: self.logits + lo, lda: self.itemCount,
                               b: self.activations[last], ldb: self.movieDim, c: self.grads + lo * self.movieLD, ldc: self.movieLD,
                               backend: self.backend)
                }
                // Scatter-add the bag gradients of the movies in range (whole rows, side columns included),
                // in the order of the rows.
                for r in 0..<Self.chunks {
                    Kernels.Table.active.table.pointee.scatter_add_rows(self.scaledInputGrads, self.movieLD, self.scatterPairs[r * Self.chunks + c],
                                                                        self.scatterCounts[r * Self.chunks + c], self.grads)
                }
                // The side columns' gradients to the genre/year sums of the two fixed halves of the
                // movies, each half in movie order: the part of a half's sequence this chunk owns, the
                // rest after the phase (so the sums do not depend on the cut).
                if c == 0 {
                    self.gatherSideGradients(0..<min(movieCut, middle), into: self.sideGrads[0])
                    if movieCut > middle { self.gatherSideGradients(middle..<movieCut, into: self.sideGrads[1]) }
                } else if movieCut <= middle {
                    self.gatherSideGradients(middle..<self.itemCount, into: self.sideGrads[1])
                }
                if let optimizer {
                    self.apply(optimizer, learningRate: learningRate, range: (lo * self.movieLD)..<(hi * self.movieLD), step: self.step + 1)
                    if self.backend == .swift || self.fused { self.transposeMovies(lo..<hi) }
                }
            }
        }
        // Serial: the rest of the side columns' sequences, then the genre and year tables (the halves'
        // sums in order) and the hidden layers. The side columns gathered here reached the movie
        // rows' optimizer update above, which then changed only side columns of V and their
        // optimizer state: the next refresh overwrites those columns, and nothing reads the state.
        if movieCut < middle {
            gatherSideGradients(movieCut..<middle, into: sideGrads[0])
        } else if movieCut > middle {
            gatherSideGradients(movieCut..<itemCount, into: sideGrads[1])
        }
        (grads + genreOffset).update(repeating: 0, count: parameterCount - genreOffset)
        for c in 0..<Self.chunks where !rowRange(c, of: itemCount).isEmpty {
            Kernels.add(sideGrads[c], grads + genreOffset, count: sideCount)
        }
        let hiddenCount = parameterCount - hiddenOffset
        for c in 0..<Self.chunks where rowRange(c, of: count).count > 0 {
            Kernels.add(partialWeightGrads[c], grads + hiddenOffset, count: hiddenCount)
        }
        return Float(chunkLoss.reduce(0, +) / Double(count))
    }

    /// The phase-2 cut that gives each chunk about half of the batch's `movieCost + entries` work.
    private func balancedCut(_ examples: UnsafePointer<SoftmaxExample>, count: Int) -> Int {
        var work = [Int](repeating: Self.movieCost, count: itemCount)
        for b in 0..<count {
            let e = examples[b]
            for t in 0..<e.count where t != e.excluded { work[Int(e.movies[t])] += 1 }
        }
        let total = work.reduce(0, +)
        var prefix = 0
        for m in 0..<itemCount {
            prefix += work[m]
            if 2 * prefix >= total { return m + 1 }
        }
        return itemCount
    }

    /// Applies the optimizer to the parameters outside the movie table and advances the step.
    func updateRest(_ optimizer: SoftmaxModel.Optimizer, learningRate: Float) {
        apply(optimizer, learningRate: learningRate, range: genreOffset..<parameterCount, step: step + 1)
        step += 1
    }

    /// Sets up the optimizer state (Adagrad's accumulators start at 0.1 as in TensorFlow).
    func resetOptimizer(_ optimizer: SoftmaxModel.Optimizer) {
        step = 0
        state1.update(repeating: optimizer == .adagrad ? OptimizerKind.adagradInitialAccumulator : 0, count: parameterCount)
        state2.update(repeating: 0, count: parameterCount)
    }

    /// One optimizer update of `params[range]` from `grads[range]`: TensorFlow 1's rules, through the
    /// implementation shared with matrix factorization (``OptimizerStep``).
    func apply(_ optimizer: SoftmaxModel.Optimizer, learningRate: Float, range: Range<Int>, step t: Int) {
        let kind: OptimizerKind = switch optimizer {
        case .gradientDescent: .gradientDescent
        case .adagrad: .adagrad
        case .adam: .adam
        }
        let o = range.lowerBound
        OptimizerStep(kind: kind, learningRate: learningRate, step: t)
            .apply(w: params + o, g: grads + o, s0: state1 + o, s1: state2 + o, count: range.count)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
