import Testing
@testable import Recommender

/// The block-at-a-time order checks against row-by-row definitions, around every block edge.
@Suite struct ColumnOrderTests {
    /// Row-by-row definitions over `range` (each row compared with the one before it).
    func reference(_ u: [Int32], _ it: [Int32], _ range: Range<Int>) -> (nonDecreasing: Bool, itemsInOrder: Bool) {
        var byUser = true, byItem = true
        for k in range where k > 0 {
            if u[k] < u[k - 1] { byUser = false }
            if u[k] == u[k - 1] && it[k] < it[k - 1] { byItem = false }
        }
        return (byUser, byUser && byItem)
    }

    func check(_ u: [Int32], _ it: [Int32], _ range: Range<Int>) -> Bool {
        let expected = reference(u, it, range)
        return u.withUnsafeBufferPointer { ub in
            it.withUnsafeBufferPointer { ib in
                let order = ColumnOrder.order(users: ub, items: ib, range)
                return ColumnOrder.isNonDecreasing(ub, range) == expected.nonDecreasing
                    && order.byUser == expected.nonDecreasing && order.byItemWithinUser == expected.itemsInOrder
            }
        }
    }

    /// Users in runs, items ascending within each run: then one user or item is broken at each
    /// position in turn (the first rows, the block edges, the tail), and every range is checked.
    @Test(arguments: [0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 1_040, 1_041, 1_100])
    func blocksAgreeWithRowByRow(count n: Int) {
        var g = SeededGenerator(seed: UInt64(n) + 11)
        var u = [Int32](), it = [Int32]()
        var user: Int32 = 0, item: Int32 = 0
        for _ in 0..<n {
            if g.nextInt(below: 5) == 0 { user += Int32(g.nextInt(below: 3) + 1); item = 0 }
            item += Int32(g.nextInt(below: 3))
            u.append(user); it.append(item)
        }
        let ranges = [0..<n, min(1, n)..<n, (n / 3)..<n, 0..<(n / 2), (n / 4)..<(3 * n / 4)]
        for range in ranges { #expect(check(u, it, range)) }
        for k in stride(from: 1, to: n, by: n > 200 ? 7 : 1) {
            var brokenUser = u, brokenItem = it
            brokenUser[k] = u[k - 1] - 1
            brokenItem[k] = it[k - 1] - 1
            for range in ranges {
                #expect(check(brokenUser, it, range), "user broken at \(k), rows \(range)")
                #expect(check(u, brokenItem, range), "item broken at \(k), rows \(range)")
            }
        }
    }

    /// Run starts, cut into parts at arbitrary rows as the parallel CSR build cuts them, against
    /// the starts found row by row (users with no rows start where the next run does).
    @Test(arguments: [1, 16, 17, 50, 1_000])
    func runStartsAgreeWithRowByRow(count n: Int) {
        var g = SeededGenerator(seed: UInt64(n) + 3)
        var u = [Int32](), user: Int32 = Int32(g.nextInt(below: 3))
        for _ in 0..<n {
            if g.nextInt(below: 6) == 0 { user += Int32(g.nextInt(below: 3) + 1) }
            u.append(user)
        }
        let userCount = Int(user) + 2
        var expected = [Int](repeating: n, count: userCount + 1)
        for r in stride(from: userCount, through: 0, by: -1) {
            if let k = u.firstIndex(where: { Int($0) >= r }) { expected[r] = k }
        }
        for cuts in [[n], [n / 2, n], [1, 17, n / 3, n]] {
            var offsets = [Int](repeating: n, count: userCount + 1)
            u.withUnsafeBufferPointer { ub in
                offsets.withUnsafeMutableBufferPointer { o in
                    var from = 0
                    for cut in Set(cuts.map { min($0, n) }).sorted() {
                        ColumnOrder.runStarts(ub, from..<cut, into: o.baseAddress!)
                        from = cut
                    }
                }
            }
            // Users after the last run keep the `n` the caller writes.
            #expect(offsets == expected, "cuts \(cuts)")
        }
    }
}
