import CKernels

/// The full-batch training kernel of ``MatrixFactorization`` (internal).
///
/// One step computes the loss and the exact gradients of the notebook's objective over all
/// training ratings and applies one optimizer update, in two phases run by a ``ComputeTeam`` (two fixed partitions):
///
/// 1. **users** (user-CSR order, one pass over the ratings): for each user i, apply the pending
///    update of Uᵢ from the previous step, then for each rating (i, j, r) compute eᵢⱼ = Uᵢ·Vⱼ − r,
///    accumulate ∂L/∂Uᵢ = (2/n)·Σⱼ eᵢⱼVⱼ + (2λ/N)·Uᵢ + (2γ/(NM))·Uᵢ(VᵀV) in registers and store it
///    as the pending update, and add eᵢⱼ·Uᵢ to the partition's item sums Sⱼ; accumulate the
///    partial Gram matrix UᵀU.
/// 2. **items**: for each item j, ∂L/∂Vⱼ = (2/n)·(S⁰ⱼ + S¹ⱼ) + (2λ/M)·Vⱼ + (2γ/(NM))·Vⱼ(UᵀU) from the
///    two partitions' item sums, update Vⱼ at once, accumulate VᵀV.
///
/// Each rating is read once (its residual is never stored): the users phase holds Uᵢ in registers
/// and scatters its share of ∂L/∂V into rows that stay in cache.
/// Users are cut into two partitions of about equal work, items into halves; member k of the team
/// always handles partition k and owns the item sums of its users, so every row is written by one
/// thread only and partial sums are combined in a fixed order: one and two threads give
/// bit-identical results.
/// Rows are padded to a multiple of 16 floats with zero columns, which stay zero (their
/// gradients are zero under every optimizer). The Gram matrices of the previous step's V are
/// double-buffered by step parity so that metrics can be read between steps.
final class MatrixFactorizationKernel: @unchecked Sendable {
    let userCount: Int, itemCount: Int, dim: Int, width: Int, chunks: Int
    let trainCount: Int, testCount: Int
    let regularization: Float, gravity: Float
    let optimizer: OptimizerKind

    // Parameters, pending user gradients and optimizer state (rows of `width` floats).
    let u: AlignedBuffer<Float>, v: AlignedBuffer<Float>, gradU: AlignedBuffer<Float>
    let uState0: AlignedBuffer<Float>?, uState1: AlignedBuffer<Float>?, vState0: AlignedBuffer<Float>?, vState1: AlignedBuffer<Float>?
    // Training ratings by user, and each user partition's item sums Σᵢ eᵢⱼUᵢ ((items + 1) rows).
    let userOffsets: AlignedBuffer<Int32>, userItems: AlignedBuffer<Int32>, userRatings: AlignedBuffer<Float>
    let itemSums: [AlignedBuffer<Float>]
    // Test ratings by user.
    let testOffsets: AlignedBuffer<Int32>, testItems: AlignedBuffer<Int32>, testRatings: AlignedBuffer<Float>
    // Partitions: [0, cut, count].
    let userCut: Int, itemCut: Int
    // Gram matrices: partial UᵀU per partition; partial VᵀV per parity × partition; per-member scaled copies and scratch rows.
    let gramU: [AlignedBuffer<Float>], gramV: [AlignedBuffer<Float>], scaledGram: [AlignedBuffer<Float>], scratch: [AlignedBuffer<Float>]
    // Squared-error sums per partition: [train, test] at stride 8 (separate cache lines).
    let sums: UnsafeMutablePointer<Double>
    /// When set, phase 2 also stores ∂L/∂V here (tests).
    var capturedGradV: AlignedBuffer<Float>?

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
        width = Kernels.paddedWidth(dim)
        chunks = width / 16
        trainCount = train.count
        testCount = test.count
        self.regularization = regularization
        self.gravity = gravity
        self.optimizer = optimizer
        let w = width

        u = AlignedBuffer<Float>(count: userCount * w)
        v = AlignedBuffer<Float>(count: (itemCount + 1) * w)  // + a zero row for padding entries
        gradU = AlignedBuffer<Float>(count: userCount * w)
        for r in 0..<userCount { for c in 0..<dim { u.pointer[r * w + c] = initialU[r * dim + c] } }
        for r in 0..<itemCount { for c in 0..<dim { v.pointer[r * w + c] = initialV[r * dim + c] } }
        let initialState: Float = optimizer == .adagrad ? OptimizerKind.adagradInitialAccumulator : 0
        uState0 = optimizer.stateSlots >= 1 ? AlignedBuffer<Float>(count: userCount * w, repeating: initialState) : nil
        vState0 = optimizer.stateSlots >= 1 ? AlignedBuffer<Float>(count: itemCount * w, repeating: initialState) : nil
        uState1 = optimizer.stateSlots >= 2 ? AlignedBuffer<Float>(count: userCount * w) : nil
        vState1 = optimizer.stateSlots >= 2 ? AlignedBuffer<Float>(count: itemCount * w) : nil

        // Training ratings by user, each user's run padded to a multiple of 8 entries that point at
        // the zero row `itemCount` with rating 0 (residual 0), so dot products go 8 at a time.
        let byUser = train.byUser()
        var padded = [Int32](repeating: 0, count: userCount + 1)
        for i in 0..<userCount { padded[i + 1] = padded[i] + Int32((byUser.count(ofRow: i) + 7) / 8 * 8) }
        let paddedCount = Int(padded[userCount])
        var paddedItems = [Int32](repeating: Int32(itemCount), count: paddedCount)
        let trainValues = AlignedBuffer<Float>(count: paddedCount)
        for i in 0..<userCount {
            let base = byUser.rowOffsets[i]
            for p in byUser.range(ofRow: i) {
                let q = Int(padded[i]) + p - base
                paddedItems[q] = byUser.columns[p]
                trainValues.pointer[q] = byUser.values[p]
            }
        }
        userOffsets = AlignedBuffer<Int32>(padded)
        userItems = AlignedBuffer<Int32>(paddedItems)
        userRatings = trainValues
        itemSums = (0..<2).map { _ in AlignedBuffer<Float>(count: (itemCount + 1) * w) }

        let testByUser = test.byUser()
        testOffsets = AlignedBuffer<Int32>(testByUser.rowOffsets.map { Int32($0) })
        testItems = AlignedBuffer<Int32>(testByUser.columns)
        let testValues = AlignedBuffer<Float>(count: testByUser.nonZeroCount)
        for (k, r) in testByUser.values.enumerated() { testValues.pointer[k] = r }
        testRatings = testValues

        // A balanced user cut: the work of a user ≈ its ratings + a fixed per-row cost.
        func cut(_ offsets: [Int], rows: Int) -> Int {
            let total = offsets[rows] + 8 * rows
            var best = rows / 2
            for r in 0...rows where offsets[r] + 8 * r >= total / 2 { best = r; break }
            return best
        }
        userCut = cut(byUser.rowOffsets, rows: userCount)
        itemCut = itemCount / 2  // the items phase costs the same for every item

        gramU = (0..<2).map { _ in AlignedBuffer<Float>(count: w * w) }
        gramV = (0..<4).map { _ in AlignedBuffer<Float>(count: w * w) }
        scaledGram = (0..<2).map { _ in AlignedBuffer<Float>(count: w * w) }
        scratch = (0..<2).map { _ in AlignedBuffer<Float>(count: w) }
        sums = UnsafeMutablePointer<Double>.allocate(capacity: 16)
        sums.initialize(repeating: 0, count: 16)

        if gravity != 0 || regularization != 0 {
            // VᵀV of the initial V, for step 0 (parity 0).
            for p in 0..<2 {
                let g = gramV[p].pointer
                let rows = p == 0 ? 0..<itemCut : itemCut..<itemCount
                for j in rows { Self.accumulateGram(g, row: v.pointer + j * w, dim: dim, width: w) }
            }
        }
        team = ComputeTeam(threads: min(threads, 2))
    }

    /// Runs `phase` (0 users, 1 items) as one task per partition (two, fixed: results do not
    /// depend on the thread count).
    private func runPhase(_ phase: Int) {
        if let team {
            team.run(tasks: 2) { member in run(member: member, phase: phase) }
        } else {
            for member in 0..<2 { run(member: member, phase: phase) }
        }
    }

    deinit {
        team?.shutDown()
        sums.deallocate()
    }

    /// Stops the worker thread; call when training ends.
    func shutDown() { team?.shutDown(); team = nil }

    /// The number of threads the kernel runs on.
    var threadCount: Int { team?.threadCount ?? 1 }

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
                               s1: uState1.map { $0.pointer + i * w }, count: w)
        }
    }

    /// Computes loss terms and gradients at the current parameters without changing them (tests).
    func gradients() -> (gradU: [Float], gradV: [Float]) {
        let captured = AlignedBuffer<Float>(count: itemCount * width)
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
    var trainSquaredError: Double { sums[0] + sums[8] }
    /// Sum of squared test errors of the last logged step.
    var testSquaredError: Double { sums[1] + sums[9] }

    /// The regularization sum (1/N)Σ‖Uᵢ‖² + (1/M)Σ‖Vⱼ‖² and the gravity sum (1/(NM))Σ(UᵀU)∘(VᵀV) at
    /// the parameters of the last step (NaN for the plain model, which keeps no Gram matrices).
    func regularizationTerms() -> (regularization: Double, gravity: Double) {
        let w = width
        if usesGram {
            let parity = settings.step & 1
            var traceU = 0.0, traceV = 0.0, hadamard = 0.0
            let gu0 = gramU[0].pointer, gu1 = gramU[1].pointer
            let gv0 = gramV[2 * parity].pointer, gv1 = gramV[2 * parity + 1].pointer
            for k in 0..<dim {
                for l in 0..<dim {
                    let a = Double(gu0[k * w + l]) + Double(gu1[k * w + l])
                    let b = Double(gv0[k * w + l]) + Double(gv1[k * w + l])
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
        Kernels.gramRankOne(g, row: x, dim: dim, width: width)
    }

    // MARK: phases

    private func run(member: Int, phase: Int) {
        phase == 0 ? usersPhase(member) : itemsPhase(member)
    }

    /// Sum over the two partial Gram matrices, times `scale`, into this member's scaled copy.
    @inline(__always)
    private func combineGram(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, scale: Float, into out: UnsafeMutablePointer<Float>) {
        let s = SIMD16<Float>(repeating: scale)
        var c = 0
        while c < dim * width {
            Kernels.store(s * (Kernels.load(a + c) + Kernels.load(b + c)), out + c)
            c += 16
        }
    }

    /// The C kernels' optimizer code of ``optimizer``.
    private var optimizerCode: Int32 {
        switch optimizer {
        case .gradientDescent: 0
        case .adagrad: 1
        case .adam: 2
        }
    }

    /// Phase 1 for this member's users (the loop runs in the C kernels).
    private func usersPhase(_ member: Int) {
        let s = settings
        let w = width
        let rows = member == 0 ? 0..<userCut : userCut..<userCount
        let useGram = usesGram, useGravity = gravity != 0
        let gramOut = gramU[member].pointer, gravityGram = scaledGram[member].pointer
        if useGram { gramOut.update(repeating: 0, count: w * w) }
        let partial = itemSums[member].pointer
        partial.update(repeating: 0, count: (itemCount + 1) * w)
        if useGravity {
            let parity = s.step & 1
            combineGram(gramV[2 * parity].pointer, gramV[2 * parity + 1].pointer,
                        scale: 2 * gravity / (Float(userCount) * Float(itemCount)), into: gravityGram)
        }
        var args = ck_mf_phase(
            begin: rows.lowerBound, end: rows.upperBound, dim: dim, width: w,
            rows: u.pointer, other: v.pointer, grad: gradU.pointer,
            offsets: userOffsets.pointer, index: userItems.pointer, values: userRatings.pointer,
            item_sums: partial, other_item_sums: nil,
            test_offsets: testOffsets.pointer, test_index: testItems.pointer, test_values: testRatings.pointer,
            apply_update: s.applyPendingU ? 1 : 0, optimizer: optimizerCode, learning_rate: s.uStep.learningRate,
            adam_step: s.uStep.adamStep, state0: uState0?.pointer, state1: uState1?.pointer,
            data_scale: trainCount > 0 ? 2 / Float(trainCount) : 0, reg_scale: 2 * regularization / Float(userCount),
            use_reg: regularization != 0 ? 1 : 0, use_gravity: useGravity ? 1 : 0, use_gram: useGram ? 1 : 0,
            logging: s.logging ? 1 : 0, gram_out: gramOut, gravity_gram: gravityGram, captured: nil,
            train_sum: 0, test_sum: 0)
        Kernels.Table.active.mfUsers(&args)
        sums[8 * member] = args.train_sum
        if s.logging { sums[8 * member + 1] = args.test_sum }
    }

    /// Phase 2 for this member's items (the loop runs in the C kernels).
    private func itemsPhase(_ member: Int) {
        let s = settings
        let w = width
        let rows = member == 0 ? 0..<itemCut : itemCut..<itemCount
        let useGram = usesGram, useGravity = gravity != 0
        let gravityGram = scaledGram[member].pointer
        let gramOut = gramV[2 * ((s.step + 1) & 1) + member].pointer
        if useGravity {
            combineGram(gramU[0].pointer, gramU[1].pointer, scale: 2 * gravity / (Float(userCount) * Float(itemCount)), into: gravityGram)
        }
        if useGram && s.updateV { gramOut.update(repeating: 0, count: w * w) }
        var args = ck_mf_phase(
            begin: rows.lowerBound, end: rows.upperBound, dim: dim, width: w,
            rows: v.pointer, other: u.pointer, grad: scratch[member].pointer,
            offsets: nil, index: nil, values: nil,
            item_sums: itemSums[0].pointer, other_item_sums: itemSums[1].pointer, test_offsets: nil, test_index: nil, test_values: nil,
            apply_update: s.updateV ? 1 : 0, optimizer: optimizerCode, learning_rate: s.vStep.learningRate,
            adam_step: s.vStep.adamStep, state0: vState0?.pointer, state1: vState1?.pointer,
            data_scale: trainCount > 0 ? 2 / Float(trainCount) : 0, reg_scale: 2 * regularization / Float(itemCount),
            use_reg: regularization != 0 ? 1 : 0, use_gravity: useGravity ? 1 : 0, use_gram: useGram && s.updateV ? 1 : 0,
            logging: 0, gram_out: gramOut, gravity_gram: gravityGram, captured: capturedGradV?.pointer,
            train_sum: 0, test_sum: 0)
        Kernels.Table.active.mfItems(&args)
    }
}
