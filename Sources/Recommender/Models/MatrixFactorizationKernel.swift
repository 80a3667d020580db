import CKernels

/// The full-batch training kernel of ``MatrixFactorization`` (internal).
///
/// One step computes the loss and the exact gradients of the notebook's objective over all
/// training ratings and applies one optimizer update to U and V, in two phases run by a
/// ``ComputeTeam`` (two fixed partitions). The items are cut in two halves of about equal numbers
/// of ratings; member k of the team owns item half k.
///
/// 1. **gradients** (member k: every user, the ratings of item half k, in user-CSR order; one pass):
///    for each rating (i, j, r), eᵢⱼ = Uᵢ·Vⱼ − r; the partial sum Gᵏᵢ = Σⱼ eᵢⱼVⱼ is kept in registers
///    and stored, and eᵢⱼ·Uᵢ is added to the item sums Sⱼ, which only member k writes.
/// 2. **update** (member k: its share of the users and the items of half k): ∂L/∂Uᵢ =
///    (2/n)·(G⁰ᵢ + G¹ᵢ) + (2λ/N)·Uᵢ + (2γ/(NM))·Uᵢ(VᵀV) and ∂L/∂Vⱼ = (2/n)·Sⱼ + (2λ/M)·Vⱼ +
///    (2γ/(NM))·Vⱼ(UᵀU), the optimizer update of each row, and the partial Gram matrices of the
///    updated rows (double-buffered by step parity, for the next step's gravity and the metrics).
///
/// Each rating is read once (its residual is never stored), V and the item sums a member touches
/// are its own half, and only U and the partial sums G cross between the cores. Every row is
/// written by one member, and partial sums are combined in a fixed order: one and two threads give
/// bit-identical results. Rows are padded to a multiple of 16 floats with zero columns, which stay
/// zero (their gradients are zero under every optimizer).
final class MatrixFactorizationKernel: @unchecked Sendable {
    let userCount: Int, itemCount: Int, dim: Int, width: Int
    let trainCount: Int, testCount: Int
    let regularization: Float, gravity: Float
    let optimizer: OptimizerKind

    // Parameters and optimizer state (rows of `width` floats); V has a zero row for padding entries.
    let u: AlignedBuffer<Float>, v: AlignedBuffer<Float>
    let uState0: AlignedBuffer<Float>?, uState1: AlignedBuffer<Float>?, vState0: AlignedBuffer<Float>?, vState1: AlignedBuffer<Float>?
    /// Per item half: the training ratings by user (runs padded to 8), the test ratings by user.
    let halves: [Half]
    /// Per item half: the partial ∂L/∂U sums Gᵏ (users × width) and the item sums Sᵏ ((items + 1) × width).
    let partialU: [AlignedBuffer<Float>], itemSums: [AlignedBuffer<Float>]
    // Partitions: items [0, itemCut) and [itemCut, items); users of the update phase [0, userCut) and [userCut, users).
    let userCut: Int, itemCut: Int
    // Gram matrices: partial UᵀU and VᵀV per parity × member; per-member scaled copies (U's and V's) and scratch rows.
    let gramU: [AlignedBuffer<Float>], gramV: [AlignedBuffer<Float>], scaledGram: [AlignedBuffer<Float>], scratch: [AlignedBuffer<Float>]
    // Squared-error sums per member: [train, test] at stride 8 (separate cache lines).
    let sums: UnsafeMutablePointer<Double>
    /// When set, the update phase also stores ∂L/∂U and ∂L/∂V here (tests).
    private var captured: (u: AlignedBuffer<Float>, v: AlignedBuffer<Float>)?

    /// The ratings of one half of the items, by user.
    struct Half {
        let offsets: AlignedBuffer<Int32>, items: AlignedBuffer<Int32>, ratings: AlignedBuffer<Float>
        let testOffsets: AlignedBuffer<Int32>, testItems: AlignedBuffer<Int32>, testRatings: AlignedBuffer<Float>
    }

    // Per-step settings, written by the driver before each step and copied by the members.
    private var settings = StepSettings()
    private var team: ComputeTeam?

    struct StepSettings {
        var step = 0
        var update = true
        var logging = false
        var optimizerStep = OptimizerStep(kind: .gradientDescent, learningRate: 0, step: 1)
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
        trainCount = train.count
        testCount = test.count
        self.regularization = regularization
        self.gravity = gravity
        self.optimizer = optimizer
        let w = width

        u = AlignedBuffer<Float>(count: userCount * w)
        v = AlignedBuffer<Float>(count: (itemCount + 1) * w)
        for r in 0..<userCount { for c in 0..<dim { u.pointer[r * w + c] = initialU[r * dim + c] } }
        for r in 0..<itemCount { for c in 0..<dim { v.pointer[r * w + c] = initialV[r * dim + c] } }
        let initialState: Float = optimizer == .adagrad ? OptimizerKind.adagradInitialAccumulator : 0
        uState0 = optimizer.stateSlots >= 1 ? AlignedBuffer<Float>(count: userCount * w, repeating: initialState) : nil
        vState0 = optimizer.stateSlots >= 1 ? AlignedBuffer<Float>(count: itemCount * w, repeating: initialState) : nil
        uState1 = optimizer.stateSlots >= 2 ? AlignedBuffer<Float>(count: userCount * w) : nil
        vState1 = optimizer.stateSlots >= 2 ? AlignedBuffer<Float>(count: itemCount * w) : nil

        // The item cut: the first item at which half of the training ratings are on its left.
        let byUser = train.byUser()
        var perItem = [Int](repeating: 0, count: itemCount)
        for j in byUser.columns { perItem[Int(j)] += 1 }
        var cutAt = itemCount, seen = 0
        for j in 0..<itemCount {
            seen += perItem[j]
            if 2 * seen >= byUser.nonZeroCount { cutAt = j + 1; break }
        }
        if byUser.nonZeroCount == 0 { cutAt = itemCount / 2 }
        itemCut = cutAt
        // Each U row of the update phase reads one partial sum from the other core, and the next
        // gradients phase reads the other member's updated rows: halves keep both even.
        userCut = userCount / 2

        // Each half's ratings by user, each user's run padded to a multiple of 8 entries that point at
        // the zero row `itemCount` with rating 0 (residual 0), so dot products go 8 at a time.
        let testByUser = test.byUser()
        halves = (0..<2).map { half in
            let inHalf = { (j: Int32) in (Int(j) >= cutAt) == (half == 1) }
            var offsets = [Int32](repeating: 0, count: userCount + 1)
            for i in 0..<userCount {
                var count = 0
                for p in byUser.range(ofRow: i) where inHalf(byUser.columns[p]) { count += 1 }
                offsets[i + 1] = offsets[i] + Int32((count + 7) / 8 * 8)
            }
            var items = [Int32](repeating: Int32(itemCount), count: Int(offsets[userCount]))
            let ratings = AlignedBuffer<Float>(count: max(1, Int(offsets[userCount])))
            for i in 0..<userCount {
                var q = Int(offsets[i])
                for p in byUser.range(ofRow: i) where inHalf(byUser.columns[p]) {
                    items[q] = byUser.columns[p]
                    ratings.pointer[q] = byUser.values[p]
                    q += 1
                }
            }
            var testOffsets = [Int32](repeating: 0, count: userCount + 1)
            var testItems: [Int32] = []
            var testValues: [Float] = []
            for i in 0..<userCount {
                for p in testByUser.range(ofRow: i) where inHalf(testByUser.columns[p]) {
                    testItems.append(testByUser.columns[p])
                    testValues.append(testByUser.values[p])
                }
                testOffsets[i + 1] = Int32(testItems.count)
            }
            return Half(offsets: AlignedBuffer<Int32>(offsets), items: AlignedBuffer<Int32>(items), ratings: ratings,
                        testOffsets: AlignedBuffer<Int32>(testOffsets), testItems: AlignedBuffer<Int32>(testItems),
                        testRatings: AlignedBuffer<Float>(testValues))
        }
        partialU = (0..<2).map { _ in AlignedBuffer<Float>(count: userCount * w) }
        itemSums = (0..<2).map { _ in AlignedBuffer<Float>(count: (itemCount + 1) * w) }

        gramU = (0..<4).map { _ in AlignedBuffer<Float>(count: w * w) }
        gramV = (0..<4).map { _ in AlignedBuffer<Float>(count: w * w) }
        scaledGram = (0..<4).map { _ in AlignedBuffer<Float>(count: w * w) }
        scratch = (0..<2).map { _ in AlignedBuffer<Float>(count: w) }
        sums = UnsafeMutablePointer<Double>.allocate(capacity: 16)
        sums.initialize(repeating: 0, count: 16)

        if usesGram {
            // UᵀU and VᵀV of the initial parameters, for step 0 (parity 0), partitioned as the update phase.
            for member in 0..<2 {
                let users = member == 0 ? 0..<userCut : userCut..<userCount
                let items = member == 0 ? 0..<itemCut : itemCut..<itemCount
                for i in users { Self.accumulateGram(gramU[member].pointer, row: u.pointer + i * w, dim: dim, width: w) }
                for j in items { Self.accumulateGram(gramV[member].pointer, row: v.pointer + j * w, dim: dim, width: w) }
            }
        }
        team = ComputeTeam(threads: min(threads, 2))
    }

    /// Runs `phase` (0 gradients, 1 update) as one task per member (two, fixed: results do not
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

    /// Runs training step `step` (0-based): loss and gradients at the current parameters, then the
    /// update of U and V (the optimizer's step `step + 1`).
    func step(_ step: Int, learningRate: Float, logging: Bool) {
        settings.step = step
        settings.update = true
        settings.logging = logging
        settings.optimizerStep = OptimizerStep(kind: optimizer, learningRate: learningRate, step: step + 1)
        runPhase(0)
        runPhase(1)
    }

    /// Computes loss terms and gradients at the current parameters without changing them (tests).
    func gradients() -> (gradU: [Float], gradV: [Float]) {
        let gradU = AlignedBuffer<Float>(count: userCount * width), gradV = AlignedBuffer<Float>(count: itemCount * width)
        captured = (gradU, gradV)
        settings.update = false
        settings.logging = true
        settings.step = 0
        runPhase(0)
        runPhase(1)
        captured = nil
        return (Self.unpad(gradU.pointer, rows: userCount, dim: dim, width: width),
                Self.unpad(gradV.pointer, rows: itemCount, dim: dim, width: width))
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
            let gu0 = gramU[2 * parity].pointer, gu1 = gramU[2 * parity + 1].pointer
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
        phase == 0 ? gradientsPhase(member) : updatePhase(member)
    }

    /// Sum over the two partial Gram matrices, times `scale`, into `out`.
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

    /// Phase 1 for item half `member`: every user (the loop runs in the C kernels).
    private func gradientsPhase(_ member: Int) {
        let s = settings
        let w = width, half = halves[member]
        let partial = itemSums[member].pointer
        var args = ck_mf_phase(
            begin: 0, end: userCount, dim: dim, width: w,
            rows: u.pointer, other: v.pointer, grad: partialU[member].pointer,
            offsets: half.offsets.pointer, index: half.items.pointer, values: half.ratings.pointer,
            item_sums: partial, other_item_sums: nil, zero_sums: 0,
            test_offsets: half.testOffsets.pointer, test_index: half.testItems.pointer, test_values: half.testRatings.pointer,
            apply_update: 0, optimizer: 0, learning_rate: 0, adam_step: 1, state0: nil, state1: nil,
            data_scale: 1, reg_scale: 0, use_reg: 0, use_gravity: 0, use_gram: 0,
            logging: s.logging ? 1 : 0, gram_out: partial, gravity_gram: partial, captured: nil,
            train_sum: 0, test_sum: 0)
        Kernels.Table.active.mfGradients(&args)
        sums[8 * member] = args.train_sum
        if s.logging { sums[8 * member + 1] = args.test_sum }
    }

    /// Phase 2 for member `member`: its users, then the items of its half (the loops run in the C kernels).
    private func updatePhase(_ member: Int) {
        let s = settings
        let w = width
        let useGram = usesGram && s.update, useGravity = gravity != 0
        let parity = s.step & 1, next = 1 - parity
        let gravityScale = 2 * gravity / (Float(userCount) * Float(itemCount))
        let dataScale: Float = trainCount > 0 ? 2 / Float(trainCount) : 0
        let uGravity = scaledGram[2 * member].pointer, vGravity = scaledGram[2 * member + 1].pointer
        if useGravity {
            combineGram(gramV[2 * parity].pointer, gramV[2 * parity + 1].pointer, scale: gravityScale, into: uGravity)
            combineGram(gramU[2 * parity].pointer, gramU[2 * parity + 1].pointer, scale: gravityScale, into: vGravity)
        }
        let uGram = gramU[2 * next + member].pointer, vGram = gramV[2 * next + member].pointer
        if useGram {
            uGram.update(repeating: 0, count: w * w)
            vGram.update(repeating: 0, count: w * w)
        }
        let step = s.optimizerStep
        func update(rows: Range<Int>, of parameters: UnsafeMutablePointer<Float>, first: UnsafeMutablePointer<Float>,
                    second: UnsafeMutablePointer<Float>?, zero: Bool, regScale: Float, gravityGram: UnsafeMutablePointer<Float>,
                    gramOut: UnsafeMutablePointer<Float>, state0: AlignedBuffer<Float>?, state1: AlignedBuffer<Float>?,
                    capture: UnsafeMutablePointer<Float>?) {
            var args = ck_mf_phase(
                begin: rows.lowerBound, end: rows.upperBound, dim: dim, width: w,
                rows: parameters, other: parameters, grad: scratch[member].pointer,
                offsets: nil, index: nil, values: nil,
                item_sums: first, other_item_sums: second, zero_sums: zero ? 1 : 0,
                test_offsets: nil, test_index: nil, test_values: nil,
                apply_update: s.update ? 1 : 0, optimizer: optimizerCode, learning_rate: step.learningRate,
                adam_step: step.adamStep, state0: state0?.pointer, state1: state1?.pointer,
                data_scale: dataScale, reg_scale: regScale,
                use_reg: regularization != 0 ? 1 : 0, use_gravity: useGravity ? 1 : 0, use_gram: useGram ? 1 : 0,
                logging: 0, gram_out: gramOut, gravity_gram: gravityGram, captured: capture,
                train_sum: 0, test_sum: 0)
            Kernels.Table.active.mfUpdate(&args)
        }
        update(rows: member == 0 ? 0..<userCut : userCut..<userCount, of: u.pointer,
               first: partialU[0].pointer, second: partialU[1].pointer, zero: false,
               regScale: 2 * regularization / Float(userCount), gravityGram: uGravity, gramOut: uGram,
               state0: uState0, state1: uState1, capture: captured?.u.pointer)
        update(rows: member == 0 ? 0..<itemCut : itemCut..<itemCount, of: v.pointer,
               first: itemSums[member].pointer, second: nil, zero: true,
               regScale: 2 * regularization / Float(itemCount), gravityGram: vGravity, gramOut: vGram,
               state0: vState0, state1: vState1, capture: captured?.v.pointer)
    }
}
