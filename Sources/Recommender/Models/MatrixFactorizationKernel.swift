/// The full-batch training kernel of ``MatrixFactorization`` (internal).
///
/// One step computes the loss and the exact gradients of the notebook's objective over all
/// training ratings and applies one optimizer update, in two phases run by a ``ComputeTeam``:
///
/// 1. **users** (user-CSR order): for each user i, apply the pending update of Uᵢ from the previous
///    step, then for each rating (i, j, r) compute eᵢⱼ = Uᵢ·Vⱼ − r (stored in user-CSR position),
///    accumulate ∂L/∂Uᵢ = (2/n)·Σⱼ eᵢⱼVⱼ + (2λ/N)·Uᵢ + (2γ/(NM))·Uᵢ(VᵀV) in registers and store it
///    as the pending update; accumulate the partial Gram matrix UᵀU.
/// 2. **items** (item-CSR order): for each item j, ∂L/∂Vⱼ = (2/n)·Σᵢ eᵢⱼUᵢ + (2λ/M)·Vⱼ +
///    (2γ/(NM))·Vⱼ(UᵀU), update Vⱼ at once (phase 2 reads U, never V), accumulate VᵀV.
///
/// Users and items are each cut into ``partitions`` partitions of about equal work (a constant,
/// whatever the thread count); each phase runs one task per partition on the team, so every
/// gradient row is written by one task only, and the per-partition partial sums (Gram matrices,
/// squared errors) are combined in partition order on the calling thread: any number of threads
/// gives bit-identical results.
/// Rows are padded to a multiple of 16 floats with zero columns, which stay zero (their
/// gradients are zero under every optimizer). The Gram matrices of the previous step's V are
/// double-buffered by step parity so that metrics can be read between steps.
final class MatrixFactorizationKernel {
    /// Partitions of the users and of the items: the most threads a phase can use. Fixed, so
    /// that results never depend on the thread count.
    static let partitions = 8

    let userCount: Int, itemCount: Int, dim: Int, width: Int, chunks: Int
    let trainCount: Int, testCount: Int
    let regularization: Float, gravity: Float
    let optimizer: OptimizerKind

    // Parameters, pending user gradients and optimizer state (rows of `width` floats).
    let u: AlignedFloatBuffer, v: AlignedFloatBuffer, gradU: AlignedFloatBuffer
    let uState0: AlignedFloatBuffer?, uState1: AlignedFloatBuffer?, vState0: AlignedFloatBuffer?, vState1: AlignedFloatBuffer?
    // Training ratings by user, residuals in the same order, and the item view with positions.
    let userOffsets: AlignedInt32Buffer, userItems: AlignedInt32Buffer, userRatings: AlignedFloatBuffer
    let residuals: AlignedFloatBuffer
    let itemOffsets: AlignedInt32Buffer, itemUsers: AlignedInt32Buffer, itemPositions: AlignedInt32Buffer
    // Test ratings by user.
    let testOffsets: AlignedInt32Buffer, testItems: AlignedInt32Buffer, testRatings: AlignedFloatBuffer
    // Partition boundaries: [0, …, count] (partitions + 1 entries).
    let userCuts: [Int], itemCuts: [Int]
    // Gram matrices: partial UᵀU per partition; partial VᵀV per parity × partition; the combined,
    // scaled Gram matrix a phase reads (written between phases); scratch rows per partition.
    let gramU: [AlignedFloatBuffer], gramV: [AlignedFloatBuffer], scaledGram: AlignedFloatBuffer, scratch: [AlignedFloatBuffer]
    // Squared-error sums per partition: [train, test] at stride 8 (separate cache lines).
    let sums: UnsafeMutablePointer<Double>
    /// When set, phase 2 also stores ∂L/∂V here (tests).
    var capturedGradV: AlignedFloatBuffer?

    // Per-step settings, written by the driver before each step and copied by the members.
    private var settings = StepSettings()
    private var team: ComputeTeam?

    struct StepSettings {
        var step = 0
        var applyPendingU = false
        var updateV = true
        var logging = false
        var uStep = OptimizerStep(kind: .gradientDescent, learningRate: 0, step: 1)
        var vStep = OptimizerStep(kind: .gradientDescent, learningRate: 0, step: 1)
    }

    var usesGram: Bool { gravity != 0 || regularization != 0 }

    init(userCount: Int, itemCount: Int, dim: Int, train: Interactions, test: Interactions,
         initialU: [Float], initialV: [Float], regularization: Float, gravity: Float,
         optimizer: OptimizerKind, threads: Int) {
        precondition(initialU.count == userCount * dim && initialV.count == itemCount * dim)
        self.userCount = userCount
        self.itemCount = itemCount
        self.dim = dim
        width = SIMDKernels.paddedWidth(dim)
        chunks = width / 16
        trainCount = train.count
        testCount = test.count
        self.regularization = regularization
        self.gravity = gravity
        self.optimizer = optimizer
        let w = width

        u = AlignedFloatBuffer(count: userCount * w)
        v = AlignedFloatBuffer(count: (itemCount + 1) * w)  // + a zero row for padding entries
        gradU = AlignedFloatBuffer(count: userCount * w)
        for r in 0..<userCount { for c in 0..<dim { u.pointer[r * w + c] = initialU[r * dim + c] } }
        for r in 0..<itemCount { for c in 0..<dim { v.pointer[r * w + c] = initialV[r * dim + c] } }
        let initialState: Float = optimizer == .adagrad ? OptimizerKind.adagradInitialAccumulator : 0
        uState0 = optimizer.stateSlots >= 1 ? AlignedFloatBuffer(count: userCount * w, repeating: initialState) : nil
        vState0 = optimizer.stateSlots >= 1 ? AlignedFloatBuffer(count: itemCount * w, repeating: initialState) : nil
        uState1 = optimizer.stateSlots >= 2 ? AlignedFloatBuffer(count: userCount * w) : nil
        vState1 = optimizer.stateSlots >= 2 ? AlignedFloatBuffer(count: itemCount * w) : nil

        // Training ratings by user, each user's run padded to a multiple of 8 entries that point at
        // the zero row `itemCount` with rating 0 (residual 0), so dot products go 8 at a time.
        let byUser = train.byUser()
        var padded = [Int32](repeating: 0, count: userCount + 1)
        for i in 0..<userCount { padded[i + 1] = padded[i] + Int32((byUser.count(ofRow: i) + 7) / 8 * 8) }
        let paddedCount = Int(padded[userCount])
        var paddedItems = [Int32](repeating: Int32(itemCount), count: paddedCount)
        let trainValues = AlignedFloatBuffer(count: paddedCount)
        var positionOf = [Int32](repeating: 0, count: byUser.nonZeroCount)
        for i in 0..<userCount {
            let base = byUser.rowOffsets[i]
            for p in byUser.range(ofRow: i) {
                let q = Int(padded[i]) + p - base
                paddedItems[q] = byUser.columns[p]
                trainValues.pointer[q] = byUser.values[p]
                positionOf[p] = Int32(q)
            }
        }
        userOffsets = AlignedInt32Buffer(padded)
        userItems = AlignedInt32Buffer(paddedItems)
        userRatings = trainValues
        residuals = AlignedFloatBuffer(count: paddedCount)

        // Item view: for each item, its users and the (padded) user-CSR position of each rating.
        var offsets = [Int32](repeating: 0, count: itemCount + 1)
        for j in byUser.columns { offsets[Int(j) + 1] += 1 }
        for j in 0..<itemCount { offsets[j + 1] += offsets[j] }
        var cursor = offsets
        var users = [Int32](repeating: 0, count: byUser.nonZeroCount)
        var positions = [Int32](repeating: 0, count: byUser.nonZeroCount)
        for i in 0..<userCount {
            for p in byUser.range(ofRow: i) {
                let j = Int(byUser.columns[p])
                let q = Int(cursor[j])
                users[q] = Int32(i)
                positions[q] = positionOf[p]
                cursor[j] += 1
            }
        }
        itemOffsets = AlignedInt32Buffer(offsets)
        itemUsers = AlignedInt32Buffer(users)
        itemPositions = AlignedInt32Buffer(positions)

        let testByUser = test.byUser()
        testOffsets = AlignedInt32Buffer(testByUser.rowOffsets.map { Int32($0) })
        testItems = AlignedInt32Buffer(testByUser.columns)
        let testValues = AlignedFloatBuffer(count: testByUser.nonZeroCount)
        for (k, r) in testByUser.values.enumerated() { testValues.pointer[k] = r }
        testRatings = testValues

        // Balanced cuts: work of a row ≈ its ratings + a fixed per-row cost; cut p is the first
        // row where the cumulative work reaches p/P of the total.
        let P = Self.partitions
        func cuts(_ offsets: [Int], rows: Int) -> [Int] {
            let total = offsets[rows] + 8 * rows
            var out = [0], r = 0
            for p in 1..<P {
                while r < rows && offsets[r] + 8 * r < total * p / P { r += 1 }
                out.append(r)
            }
            out.append(rows)
            return out
        }
        userCuts = cuts(byUser.rowOffsets, rows: userCount)
        itemCuts = cuts(offsets.map { Int($0) }, rows: itemCount)

        gramU = (0..<P).map { _ in AlignedFloatBuffer(count: w * w) }
        gramV = (0..<(2 * P)).map { _ in AlignedFloatBuffer(count: w * w) }
        scaledGram = AlignedFloatBuffer(count: w * w)
        scratch = (0..<P).map { _ in AlignedFloatBuffer(count: w) }
        sums = UnsafeMutablePointer<Double>.allocate(capacity: 8 * P)
        sums.initialize(repeating: 0, count: 8 * P)

        if gravity != 0 || regularization != 0 {
            // VᵀV of the initial V, for step 0 (parity 0).
            for p in 0..<P {
                let g = gramV[p].pointer
                for j in itemCuts[p]..<itemCuts[p + 1] { Self.accumulateGram(g, row: v.pointer + j * w, dim: dim, width: w) }
            }
        }
        team = ComputeTeam(threads: min(threads, P))
    }

    deinit {
        team?.shutDown()
        sums.deallocate()
    }

    /// Stops the worker thread; call when training ends.
    func shutDown() { team?.shutDown(); team = nil }

    /// The number of threads the kernel runs on.
    var threadCount: Int { team?.threadCount ?? 1 }

    /// Runs `phase` (0 users, 1 items) as one task per partition, after combining the partial
    /// Gram matrices the phase reads (in partition order, on the calling thread).
    private func runPhase(_ phase: Int) {
        let P = Self.partitions
        if gravity != 0 {
            let scale = 2 * gravity / (Float(userCount) * Float(itemCount))
            if phase == 0 {
                combineGram(gramV, from: (settings.step & 1) * P, scale: scale, into: scaledGram.pointer)
            } else {
                combineGram(gramU, from: 0, scale: scale, into: scaledGram.pointer)
            }
        }
        if let team {
            team.run(tasks: P) { p in run(partition: p, phase: phase) }
        } else {
            for p in 0..<P { run(partition: p, phase: phase) }
        }
    }

    // MARK: driving

    /// Runs training step `step` (0-based): loss and gradients at the current parameters, then the update
    /// (the update of U is applied at the start of the next step or by ``finish(step:)``).
    func step(_ step: Int, learningRate: Float, logging: Bool) {
        settings.step = step
        settings.applyPendingU = step > 0
        settings.updateV = true
        settings.logging = logging
        settings.uStep = OptimizerStep(kind: optimizer, learningRate: learningRate, step: step)
        settings.vStep = OptimizerStep(kind: optimizer, learningRate: learningRate, step: step + 1)
        runPhase(0)
        runPhase(1)
    }

    /// Applies the pending update of U after the last step `lastStep`.
    func finish(lastStep: Int, learningRate: Float) {
        let stepSettings = OptimizerStep(kind: optimizer, learningRate: learningRate, step: lastStep + 1)
        let w = width
        for i in 0..<userCount {
            stepSettings.apply(w: u.pointer + i * w, g: gradU.pointer + i * w, s0: uState0.map { $0.pointer + i * w },
                               s1: uState1.map { $0.pointer + i * w }, width: w)
        }
    }

    /// Computes loss terms and gradients at the current parameters without changing them (tests).
    func gradients() -> (gradU: [Float], gradV: [Float]) {
        let captured = AlignedFloatBuffer(count: itemCount * width)
        capturedGradV = captured
        settings.applyPendingU = false
        settings.updateV = false
        settings.logging = true
        settings.step = 0
        runPhase(0)
        runPhase(1)
        capturedGradV = nil
        return (Self.unpad(gradU.pointer, rows: userCount, dim: dim, width: width),
                Self.unpad(captured.pointer, rows: itemCount, dim: dim, width: width))
    }

    /// Sum of squared training errors of the last step (NaN/inf when diverged).
    var trainSquaredError: Double { (0..<Self.partitions).reduce(0.0) { $0 + sums[8 * $1] } }
    /// Sum of squared test errors of the last logged step.
    var testSquaredError: Double { (0..<Self.partitions).reduce(0.0) { $0 + sums[8 * $1 + 1] } }

    /// The regularization sum (1/N)Σ‖Uᵢ‖² + (1/M)Σ‖Vⱼ‖² and the gravity sum (1/(NM))Σ(UᵀU)∘(VᵀV) at
    /// the parameters of the last step (NaN for the plain model, which keeps no Gram matrices).
    func regularizationTerms() -> (regularization: Double, gravity: Double) {
        let w = width
        if usesGram {
            let parity = settings.step & 1, P = Self.partitions
            var traceU = 0.0, traceV = 0.0, hadamard = 0.0
            let gu = gramU.map(\.pointer)
            let gv = (0..<P).map { gramV[parity * P + $0].pointer }  // (metrics only, not per step)
            for k in 0..<dim {
                for l in 0..<dim {
                    var a = 0.0, b = 0.0
                    for p in 0..<P { a += Double(gu[p][k * w + l]); b += Double(gv[p][k * w + l]) }
                    hadamard += a * b
                    if k == l { traceU += a; traceV += b }
                }
            }
            return (traceU / Double(userCount) + traceV / Double(itemCount), hadamard / (Double(userCount) * Double(itemCount)))
        }
        return (.nan, .nan)
    }

    /// The parameters without padding (U: users × dim, V: items × dim).
    func parameters() -> (u: [Float], v: [Float]) {
        (Self.unpad(u.pointer, rows: userCount, dim: dim, width: width), Self.unpad(v.pointer, rows: itemCount, dim: dim, width: width))
    }

    static func unpad(_ p: UnsafeMutablePointer<Float>, rows: Int, dim: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * dim)
        for r in 0..<rows { for c in 0..<dim { out[r * dim + c] = p[r * width + c] } }
        return out
    }

    @inline(__always)
    static func accumulateGram(_ g: UnsafeMutablePointer<Float>, row x: UnsafePointer<Float>, dim: Int, width: Int) {
        for k in 0..<dim {
            let s = SIMD16<Float>(repeating: x[k])
            var c = 0
            while c < width {
                SIMDKernels.store(SIMDKernels.load(g + k * width + c).addingProduct(s, SIMDKernels.load(x + c)), g + k * width + c)
                c += 16
            }
        }
    }

    // MARK: phases

    private func run(partition member: Int, phase: Int) {
        switch chunks {
        case 1: phase == 0 ? usersPhase(member, Width1.self) : itemsPhase(member, Width1.self)
        case 2: phase == 0 ? usersPhase(member, Width2.self) : itemsPhase(member, Width2.self)
        case 3: phase == 0 ? usersPhase(member, Width3.self) : itemsPhase(member, Width3.self)
        case 4: phase == 0 ? usersPhase(member, Width4.self) : itemsPhase(member, Width4.self)
        case 5: phase == 0 ? usersPhase(member, Width5.self) : itemsPhase(member, Width5.self)
        case 6: phase == 0 ? usersPhase(member, Width6.self) : itemsPhase(member, Width6.self)
        case 7: phase == 0 ? usersPhase(member, Width7.self) : itemsPhase(member, Width7.self)
        default: phase == 0 ? usersPhase(member, Width8.self) : itemsPhase(member, Width8.self)
        }
    }

    /// The sum of the partial Gram matrices `parts[first ..< first + partitions]` in partition
    /// order, times `scale`, into `out`.
    private func combineGram(_ parts: [AlignedFloatBuffer], from first: Int, scale: Float, into out: UnsafeMutablePointer<Float>) {
        let s = SIMD16<Float>(repeating: scale)
        var c = 0
        while c < dim * width {
            var sum = SIMDKernels.load(parts[first].pointer + c)
            for p in (first + 1)..<(first + Self.partitions) { sum += SIMDKernels.load(parts[p].pointer + c) }
            SIMDKernels.store(s * sum, out + c)
            c += 16
        }
    }

    private func usersPhase<W: KernelWidth>(_ member: Int, _: W.Type) {
        let s = settings
        let w = width, d = dim
        let rows = userCuts[member]..<userCuts[member + 1]
        let U = u.pointer, V = v.pointer, G = gradU.pointer
        let offsets = userOffsets.pointer, items = userItems.pointer, ratings = userRatings.pointer, res = residuals.pointer
        let tOffsets = testOffsets.pointer, tItems = testItems.pointer, tRatings = testRatings.pointer
        let s0 = uState0?.pointer, s1 = uState1?.pointer
        let dataScale = SIMD16<Float>(repeating: trainCount > 0 ? 2 / Float(trainCount) : 0)
        let regScale = SIMD16<Float>(repeating: 2 * regularization / Float(userCount))
        let useReg = regularization != 0, useGravity = gravity != 0, useGram = usesGram
        let gramOut = gramU[member].pointer, gravityGram = scaledGram.pointer
        if useGram { gramOut.update(repeating: 0, count: w * w) }
        var trainSum = 0.0, testSum = 0.0
        for i in rows {
            let row = U + i * w
            if s.applyPendingU {
                s.uStep.apply(w: row, g: G + i * w, s0: s0.map { $0 + i * w }, s1: s1.map { $0 + i * w }, width: w)
            }
            // Residuals 8 ratings at a time: each dot product is kept as 8 partial sums and the 8 are
            // reduced together by a transpose-add, with no per-rating horizontal sum (which LLVM
            // scalarises). Rows are read in 8-float pieces.
            var x8 = Lanes8(), g8 = Lanes8()
            for c in 0..<(2 * W.chunks) { x8[c] = SIMDKernels.load8(row + 8 * c) }
            let start = Int(offsets[i]), end = Int(offsets[i + 1])
            var sq8 = SIMD8<Float>()
            var p = start
            while p < end {
                var f = Lanes8()
                for k in 0..<8 {
                    let vr = V + Int(items[p + k]) * w
                    var acc = x8[0] * SIMDKernels.load8(vr)
                    for c in 1..<(2 * W.chunks) { acc = acc.addingProduct(x8[c], SIMDKernels.load8(vr + 8 * c)) }
                    f[k] = acc
                }
                let dots = SIMDKernels.transposeSum(f.v0, f.v1, f.v2, f.v3, f.v4, f.v5, f.v6, f.v7)
                let e8 = dots - SIMDKernels.load8(ratings + p)
                SIMDKernels.store8(e8, res + p)
                sq8 = sq8.addingProduct(e8, e8)
                // The data gradient while the block's 8 rows of V are still in L1.
                for k in 0..<8 {
                    let vr = V + Int(items[p + k]) * w
                    let ev = SIMD8<Float>(repeating: e8[k])
                    for c in 0..<(2 * W.chunks) { g8[c] = g8[c].addingProduct(ev, SIMDKernels.load8(vr + 8 * c)) }
                }
                p += 8
            }
            trainSum += Double(SIMDKernels.sum(sq8))
            var x = Lanes(), g = Lanes()
            for c in 0..<W.chunks {
                x[c] = SIMD16(lowHalf: x8[2 * c], highHalf: x8[2 * c + 1])
                g[c] = SIMD16(lowHalf: g8[2 * c], highHalf: g8[2 * c + 1]) * dataScale
            }
            if useReg { for c in 0..<W.chunks { g[c] = g[c].addingProduct(regScale, x[c]) } }
            if useGravity {
                for k in 0..<d {
                    let xk = SIMD16<Float>(repeating: row[k])
                    let gk = gravityGram + k * w, ok = gramOut + k * w
                    for c in 0..<W.chunks {
                        g[c] = g[c].addingProduct(xk, SIMDKernels.load(gk + 16 * c))
                        SIMDKernels.store(SIMDKernels.load(ok + 16 * c).addingProduct(xk, x[c]), ok + 16 * c)
                    }
                }
            } else if useGram {
                Self.accumulateGram(gramOut, row: row, dim: d, width: w)
            }
            for c in 0..<W.chunks { SIMDKernels.store(g[c], G + i * w + 16 * c) }
            if s.logging {
                var tsq: Float = 0
                for p in Int(tOffsets[i])..<Int(tOffsets[i + 1]) {
                    let vr = V + Int(tItems[p]) * w
                    var prod = x8[0] * SIMDKernels.load8(vr)
                    for c in 1..<(2 * W.chunks) { prod = prod.addingProduct(x8[c], SIMDKernels.load8(vr + 8 * c)) }
                    let e = SIMDKernels.sum(prod) - tRatings[p]
                    tsq = tsq.addingProduct(e, e)
                }
                testSum += Double(tsq)
            }
        }
        sums[8 * member] = trainSum
        if s.logging { sums[8 * member + 1] = testSum }
    }

    private func itemsPhase<W: KernelWidth>(_ member: Int, _: W.Type) {
        let s = settings
        let w = width, d = dim
        let rows = itemCuts[member]..<itemCuts[member + 1]
        let U = u.pointer, V = v.pointer
        let offsets = itemOffsets.pointer, users = itemUsers.pointer, positions = itemPositions.pointer, res = residuals.pointer
        let s0 = vState0?.pointer, s1 = vState1?.pointer
        let dataScale = SIMD16<Float>(repeating: trainCount > 0 ? 2 / Float(trainCount) : 0)
        let regScale = SIMD16<Float>(repeating: 2 * regularization / Float(itemCount))
        let useReg = regularization != 0, useGravity = gravity != 0, useGram = usesGram
        let gravityGram = scaledGram.pointer
        let gramOut = gramV[Self.partitions * ((s.step + 1) & 1) + member].pointer
        let buffer = scratch[member].pointer
        let captured = capturedGradV?.pointer
        if useGram && s.updateV { gramOut.update(repeating: 0, count: w * w) }
        for j in rows {
            let row = V + j * w
            var g = Lanes()
            for q in Int(offsets[j])..<Int(offsets[j + 1]) {
                let e = SIMD16<Float>(repeating: res[Int(positions[q])])
                let ur = U + Int(users[q]) * w
                for c in 0..<W.chunks { g[c] = g[c].addingProduct(e, SIMDKernels.load(ur + 16 * c)) }
            }
            for c in 0..<W.chunks { g[c] = g[c] * dataScale }
            if useReg { for c in 0..<W.chunks { g[c] = g[c].addingProduct(regScale, SIMDKernels.load(row + 16 * c)) } }
            if useGravity {
                for k in 0..<d {
                    let xk = SIMD16<Float>(repeating: row[k])
                    let gk = gravityGram + k * w
                    for c in 0..<W.chunks { g[c] = g[c].addingProduct(xk, SIMDKernels.load(gk + 16 * c)) }
                }
            }
            for c in 0..<W.chunks { SIMDKernels.store(g[c], buffer + 16 * c) }
            if let captured { captured.advanced(by: j * w).update(from: buffer, count: w) }
            guard s.updateV else { continue }
            s.vStep.apply(w: row, g: buffer, s0: s0.map { $0 + j * w }, s1: s1.map { $0 + j * w }, width: w)
            if useGram { Self.accumulateGram(gramOut, row: row, dim: d, width: w) }
        }
    }
}

/// The number of 16-float chunks in a padded row, as a type, so hot loops are specialised and unrolled.
protocol KernelWidth { static var chunks: Int { get } }
enum Width1: KernelWidth { static var chunks: Int { 1 } }
enum Width2: KernelWidth { static var chunks: Int { 2 } }
enum Width3: KernelWidth { static var chunks: Int { 3 } }
enum Width4: KernelWidth { static var chunks: Int { 4 } }
enum Width5: KernelWidth { static var chunks: Int { 5 } }
enum Width6: KernelWidth { static var chunks: Int { 6 } }
enum Width7: KernelWidth { static var chunks: Int { 7 } }
enum Width8: KernelWidth { static var chunks: Int { 8 } }

/// Up to eight SIMD16 registers addressed by a (compile-time constant after unrolling) index.
struct Lanes {
    var v0 = SIMD16<Float>(), v1 = SIMD16<Float>(), v2 = SIMD16<Float>(), v3 = SIMD16<Float>()
    var v4 = SIMD16<Float>(), v5 = SIMD16<Float>(), v6 = SIMD16<Float>(), v7 = SIMD16<Float>()

    @inline(__always)
    subscript(i: Int) -> SIMD16<Float> {
        get {
            switch i {
            case 0: v0
            case 1: v1
            case 2: v2
            case 3: v3
            case 4: v4
            case 5: v5
            case 6: v6
            default: v7
            }
        }
        set {
            switch i {
            case 0: v0 = newValue
            case 1: v1 = newValue
            case 2: v2 = newValue
            case 3: v3 = newValue
            case 4: v4 = newValue
            case 5: v5 = newValue
            case 6: v6 = newValue
            default: v7 = newValue
            }
        }
    }
}

/// Up to sixteen SIMD8 registers addressed by a (compile-time constant after unrolling) index.
struct Lanes8 {
    var v0 = SIMD8<Float>(), v1 = SIMD8<Float>(), v2 = SIMD8<Float>(), v3 = SIMD8<Float>()
    var v4 = SIMD8<Float>(), v5 = SIMD8<Float>(), v6 = SIMD8<Float>(), v7 = SIMD8<Float>()
    var v8 = SIMD8<Float>(), v9 = SIMD8<Float>(), v10 = SIMD8<Float>(), v11 = SIMD8<Float>()
    var v12 = SIMD8<Float>(), v13 = SIMD8<Float>(), v14 = SIMD8<Float>(), v15 = SIMD8<Float>()

    @inline(__always)
    subscript(i: Int) -> SIMD8<Float> {
        get {
            switch i {
            case 0: v0
            case 1: v1
            case 2: v2
            case 3: v3
            case 4: v4
            case 5: v5
            case 6: v6
            case 7: v7
            case 8: v8
            case 9: v9
            case 10: v10
            case 11: v11
            case 12: v12
            case 13: v13
            case 14: v14
            default: v15
            }
        }
        set {
            switch i {
            case 0: v0 = newValue
            case 1: v1 = newValue
            case 2: v2 = newValue
            case 3: v3 = newValue
            case 4: v4 = newValue
            case 5: v5 = newValue
            case 6: v6 = newValue
            case 7: v7 = newValue
            case 8: v8 = newValue
            case 9: v9 = newValue
            case 10: v10 = newValue
            case 11: v11 = newValue
            case 12: v12 = newValue
            case 13: v13 = newValue
            case 14: v14 = newValue
            default: v15 = newValue
            }
        }
    }
}
