import Foundation

/// A train/test division of one set of interactions over the same id maps.
public struct Split: Sendable {
    /// The interactions to fit on.
    public var train: Interactions
    /// The held-out interactions to evaluate on.
    public var test: Interactions
    /// The row numbers (in the source interactions) of ``train``.
    public var trainRows: [Int]
    /// The row numbers (in the source interactions) of ``test``.
    public var testRows: [Int]

    /// Builds a split from row numbers of `source`.
    public init(source: Interactions, trainRows: [Int], testRows: [Int]) {
        self.trainRows = trainRows
        self.testRows = testRows
        train = source.subset(trainRows)
        test = source.subset(testRows)
    }
}

/// Seeded, reproducible ways to divide interactions into training and test sets.
///
/// Every function is deterministic for a given seed, and every row of the input ends up in
/// exactly one side of each split it returns. Rows keep their original relative order on
/// each side.
public enum Splitter {
    /// Holds out a random fraction of all interactions (the notebook's `split_dataframe`).
    ///
    /// The test set has `round(testFraction × count)` rows, chosen uniformly without replacement.
    /// - Parameters:
    ///   - interactions: what to split.
    ///   - testFraction: the share held out, in `0...1` (default 0.1, as the notebook).
    ///   - seed: the random seed.
    public static func randomHoldout(_ interactions: Interactions, testFraction: Double = 0.1, seed: UInt64) -> Split {
        precondition((0...1).contains(testFraction), "testFraction must be in 0...1")
        let n = interactions.count
        var generator = SeededGenerator(seed: seed)
        let order = generator.permutation(n)
        let testCount = Int((Double(n) * testFraction).rounded())
        var isTest = [Bool](repeating: false, count: n)
        for row in order.prefix(testCount) { isTest[row] = true }
        return split(interactions, isTest: isTest)
    }

    /// The number of folds to use for `requested` folds over `count` rows: at most one row per
    /// fold (more folds than rows is clamped to the rows), and no more folds than this machine's
    /// memory can hold (every fold keeps its own copy of the training rows).
    /// - Throws: ``DataError/invalidInput(_:)`` for fewer than 2 folds or rows, or folds whose
    ///   copies would exceed half of the memory (`--folds 100000` on 100,000 ratings: 200 GB).
    public static func checkedFoldCount(_ requested: Int, count: Int) throws -> Int {
        guard requested >= 2 else { throw DataError.invalidInput("k-fold needs at least 2 folds, got \(requested)") }
        guard count >= 2 else { throw DataError.invalidInput("k-fold needs at least 2 ratings, have \(count)") }
        let folds = min(requested, count)
        // Each fold holds `count` rows of user, item, rating and timestamp (20 bytes).
        let bytes = Double(folds) * Double(count) * 20
        let budget = Double(ProcessInfo.processInfo.physicalMemory) / 2
        guard bytes <= budget else {
            let most = max(2, Int(budget / (Double(count) * 20)))
            throw DataError.invalidInput(String(format: "%d folds of %d ratings would hold %.3g GB of copies, more than half of this machine's memory; use at most %d folds (5 or 10 is usual)",
                                                folds, count, bytes / 1e9, most))
        }
        return folds
    }

    /// K-fold cross-validation (Surprise style): rows are shuffled once and cut into `folds`
    /// nearly equal parts; fold `f` tests on part `f` and trains on the rest, so every row is
    /// tested exactly once.
    /// - Precondition: `2 <= folds <= count`.
    public static func kFold(_ interactions: Interactions, folds: Int = 5, seed: UInt64) -> [Split] {
        let n = interactions.count
        precondition(folds >= 2 && folds <= max(n, 2), "kFold needs 2 <= folds <= number of interactions")
        var generator = SeededGenerator(seed: seed)
        let order = generator.permutation(n)
        var fold = [Int](repeating: 0, count: n)
        for f in 0..<folds {
            for position in (n * f / folds)..<(n * (f + 1) / folds) { fold[order[position]] = f }
        }
        return (0..<folds).map { f in split(interactions, isTest: fold.map { $0 == f }) }
    }

    /// Per-user stratified split: each user's interactions are shuffled and
    /// `round(testFraction × n)` of them are held out, keeping at least one in training.
    /// Users with a single interaction keep it in training.
    public static func userStratified(_ interactions: Interactions, testFraction: Double = 0.25, seed: UInt64) -> Split {
        stratified(interactions, keys: interactions.users, keyCount: interactions.userCount, testFraction: testFraction, seed: seed)
    }

    /// Per-item stratified split: like ``userStratified(_:testFraction:seed:)`` but grouped by item.
    public static func itemStratified(_ interactions: Interactions, testFraction: Double = 0.25, seed: UInt64) -> Split {
        stratified(interactions, keys: interactions.items, keyCount: interactions.itemCount, testFraction: testFraction, seed: seed)
    }

    /// Leave-last-n-out: each user's `count` most recent interactions (by timestamp; ties broken
    /// by file order) are held out, keeping at least one interaction in training.
    /// - Throws: ``DataError/invalidInput(_:)`` when the interactions have no timestamps.
    public static func leaveLastOut(_ interactions: Interactions, count: Int = 1) throws -> Split {
        precondition(count >= 1, "leaveLastOut needs count >= 1")
        guard let timestamps = interactions.timestamps else {
            throw DataError.invalidInput("leave-last-out needs timestamps, and these interactions have none")
        }
        let groups = groupRows(by: interactions.users, keyCount: interactions.userCount)
        var isTest = [Bool](repeating: false, count: interactions.count)
        for key in 0..<interactions.userCount {
            var rows = Array(groups.rows[groups.offsets[key]..<groups.offsets[key + 1]])
            guard rows.count > 1 else { continue }
            rows.sort { (timestamps[$0], $0) < (timestamps[$1], $1) }
            for row in rows.suffix(min(count, rows.count - 1)) { isTest[row] = true }
        }
        return split(interactions, isTest: isTest)
    }

    /// A global time cut: interactions at or after `time` (Unix seconds) are the test set.
    /// - Throws: ``DataError/invalidInput(_:)`` when the interactions have no timestamps.
    public static func timeCut(_ interactions: Interactions, at time: Int64) throws -> Split {
        guard let timestamps = interactions.timestamps else {
            throw DataError.invalidInput("a time cut needs timestamps, and these interactions have none")
        }
        return split(interactions, isTest: timestamps.map { $0 >= time })
    }

    /// A global time cut that puts the latest `testFraction` of interactions in the test set.
    /// - Throws: ``DataError/invalidInput(_:)`` when the interactions have no timestamps.
    public static func timeCut(_ interactions: Interactions, testFraction: Double) throws -> Split {
        guard let timestamps = interactions.timestamps else {
            throw DataError.invalidInput("a time cut needs timestamps, and these interactions have none")
        }
        let order = interactions.users.indices.sorted { (timestamps[$0], $0) < (timestamps[$1], $1) }
        let testCount = Int((Double(order.count) * testFraction).rounded())
        var isTest = [Bool](repeating: false, count: order.count)
        for row in order.suffix(testCount) { isTest[row] = true }
        return split(interactions, isTest: isTest)
    }

    /// Holds out whole users: a random `testFraction` of the users (among those with
    /// interactions) and all their interactions form the test set (the softmax model's protocol).
    public static func userHoldout(_ interactions: Interactions, testFraction: Double = 0.1, seed: UInt64) -> Split {
        var active = [Bool](repeating: false, count: interactions.userCount)
        for u in interactions.users { active[Int(u)] = true }
        var users = (0..<interactions.userCount).filter { active[$0] }
        var generator = SeededGenerator(seed: seed)
        generator.shuffle(&users)
        let testCount = Int((Double(users.count) * testFraction).rounded())
        var isTestUser = [Bool](repeating: false, count: interactions.userCount)
        for u in users.prefix(testCount) { isTestUser[u] = true }
        return split(interactions, isTest: interactions.users.map { isTestUser[Int($0)] })
    }

    // MARK: helpers

    static func split(_ interactions: Interactions, isTest: [Bool]) -> Split {
        var trainRows: [Int] = [], testRows: [Int] = []
        trainRows.reserveCapacity(interactions.count)
        for (row, test) in isTest.enumerated() {
            if test { testRows.append(row) } else { trainRows.append(row) }
        }
        return Split(source: interactions, trainRows: trainRows, testRows: testRows)
    }

    static func stratified(_ interactions: Interactions, keys: [Int32], keyCount: Int, testFraction: Double, seed: UInt64) -> Split {
        precondition((0...1).contains(testFraction), "testFraction must be in 0...1")
        let groups = groupRows(by: keys, keyCount: keyCount)
        var generator = SeededGenerator(seed: seed)
        var isTest = [Bool](repeating: false, count: interactions.count)
        for key in 0..<keyCount {
            var rows = Array(groups.rows[groups.offsets[key]..<groups.offsets[key + 1]])
            guard rows.count > 1 else { continue }
            generator.shuffle(&rows)
            let testCount = min(rows.count - 1, Int((Double(rows.count) * testFraction).rounded()))
            for row in rows.prefix(testCount) { isTest[row] = true }
        }
        return split(interactions, isTest: isTest)
    }

    /// Row numbers grouped by key (counting sort): rows of key `k` are `rows[offsets[k]..<offsets[k+1]]`, ascending.
    static func groupRows(by keys: [Int32], keyCount: Int) -> (offsets: [Int], rows: [Int]) {
        var offsets = [Int](repeating: 0, count: keyCount + 1)
        for k in keys { offsets[Int(k) + 1] += 1 }
        for k in 0..<keyCount { offsets[k + 1] += offsets[k] }
        var cursor = offsets
        var rows = [Int](repeating: 0, count: keys.count)
        for (row, k) in keys.enumerated() {
            rows[cursor[Int(k)]] = row
            cursor[Int(k)] += 1
        }
        return (offsets, rows)
    }
}
