import Testing
@testable import Recommender

/// The parallel counting-sort CSR construction against a slow, obviously correct reference.
@Suite struct CSRBuildTests {
    func reference(rows: [Int32], columns: [Int32], values: [Float], rowCount: Int) -> [[(Int32, Float)]] {
        var out = [[(Int32, Float)]](repeating: [], count: rowCount)
        for k in rows.indices { out[Int(rows[k])].append((columns[k], values[k])) }
        // Stable sort by column keeps duplicates in input order.
        return out.map { row in row.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element) }
    }

    func check(_ m: SparseMatrix, against ref: [[(Int32, Float)]]) -> Bool {
        guard m.rowCount == ref.count else { return false }
        for r in 0..<m.rowCount {
            let row = ref[r]
            guard m.count(ofRow: r) == row.count else { return false }
            for (k, entry) in zip(m.range(ofRow: r), row) where m.columns[k] != entry.0 || m.values[k] != entry.1 { return false }
        }
        return true
    }

    @Test(arguments: [false, true])
    func matchesReferenceAndThreadCountDoesNotMatter(sortedUsers: Bool) {
        var g = SeededGenerator(seed: sortedUsers ? 5 : 6)
        let n = 210_000, users = 3_000, items = 1_500
        var u = (0..<n).map { _ in Int32(g.nextInt(below: users)) }
        if sortedUsers { u.sort() }
        let i = (0..<n).map { _ in Int32(g.nextInt(below: items)) }
        let r = (0..<n).map { _ in Float(g.nextInt(below: 10) + 1) / 2 }
        checkViews(users: u, items: i, ratings: r, userCount: users, itemCount: items)
    }

    /// Both CSR views of the triples against the sorted reference, and the same whatever the thread count.
    func checkViews(users u: [Int32], items i: [Int32], ratings r: [Float], userCount users: Int, itemCount items: Int) {
        let x = Interactions(users: u, items: i, ratings: r, userCount: users, itemCount: items)
        let views = x.csrViews(threads: 2)
        #expect(check(views.byUser, against: reference(rows: u, columns: i, values: r, rowCount: users)))
        #expect(check(views.byItem, against: reference(rows: i, columns: u, values: r, rowCount: items)))
        #expect(views.byUser == x.byUser(threads: 1) && views.byItem == x.byItem(threads: 1))
        #expect(views.byItem == views.byUser.transposed(threads: 1))
        #expect(x.csrViews(threads: 1).byUser == views.byUser)
    }

    /// More rows than the direct scatter handles (4,096): both views go through buckets of rows.
    @Test(arguments: [false, true])
    func manyRowsGoThroughBuckets(sortedUsers: Bool) {
        var g = SeededGenerator(seed: sortedUsers ? 7 : 8)
        let n = 300_000, users = 70_001, items = 9_000
        #expect(SparseMatrix.bucketShift(keyCount: users, entries: n) != nil && SparseMatrix.bucketShift(keyCount: items, entries: n) != nil)
        var u = (0..<n).map { _ in Int32(g.nextInt(below: users)) }
        if sortedUsers { u.sort() }
        // Duplicated (user, item) pairs too: they keep their input order.
        let i = (0..<n).map { k in Int32(g.nextInt(below: k % 3 == 0 ? 40 : items)) }
        let r = (0..<n).map { _ in Float(g.nextInt(below: 10) + 1) / 2 }
        checkViews(users: u, items: i, ratings: r, userCount: users, itemCount: items)
    }

    /// Rows ordered by user and, within a user, by item (duplicated pairs side by side, users
    /// with no rows at the start, in the middle and at the end): the per-user view is the
    /// columns themselves, shared rather than copied, and equal to the sorted reference.
    @Test(arguments: [1, 2])
    func sortedByUserThenItemSharesTheColumns(threads: Int) {
        var g = SeededGenerator(seed: 9)
        let users = 70_003, items = 9_000
        var pairs: [(Int32, Int32)] = []
        for user in 1..<(users - 1) where user % 7 != 3 {
            for _ in 0..<(1 + g.nextInt(below: 8)) { pairs.append((Int32(user), Int32(g.nextInt(below: user % 5 == 0 ? 4 : items)))) }
        }
        pairs.sort { $0 < $1 }
        let u = pairs.map(\.0), i = pairs.map(\.1)
        let r = (0..<pairs.count).map { _ in Float(g.nextInt(below: 10) + 1) / 2 }
        #expect(zip(i, i.dropFirst()).contains { $0 == $1 })   // duplicated pairs are present
        checkViews(users: u, items: i, ratings: r, userCount: users, itemCount: items)
        let x = Interactions(users: u, items: i, ratings: r, userCount: users, itemCount: items)
        let views = x.csrViews(threads: threads)
        #expect(views.byUser.rowOffsets.first == 0 && views.byUser.rowOffsets.last == pairs.count)
        let shared = views.byUser.columns.withUnsafeBufferPointer { c in x.items.withUnsafeBufferPointer { $0.baseAddress == c.baseAddress } }
            && views.byUser.values.withUnsafeBufferPointer { v in x.ratings.withUnsafeBufferPointer { $0.baseAddress == v.baseAddress } }
        #expect(shared)
    }

    /// Sorted by user, items in order within every user but one (the last pair of the last
    /// user swapped): the two-sort path, same views.
    @Test func sortedByUserOnlyIsNotMistakenForSortedByItem() {
        let u: [Int32] = [0, 0, 1, 1, 1, 3, 3, 3]
        let i: [Int32] = [1, 4, 0, 2, 2, 0, 5, 3]
        let r: [Float] = [1, 2, 3, 4, 5, 1.5, 2.5, 3.5]
        checkViews(users: u, items: i, ratings: r, userCount: 4, itemCount: 6)
        let views = Interactions(users: u, items: i, ratings: r, userCount: 4, itemCount: 6).csrViews(threads: 1)
        #expect(views.byUser.rowOffsets == [0, 2, 5, 5, 8])
        #expect(views.byUser.columns == [1, 4, 0, 2, 2, 0, 3, 5] && views.byUser.values == [1, 2, 3, 4, 5, 1.5, 3.5, 2.5])
    }

    /// Sorted by user only, with every kind of row the per-row sort meets: short rows (insertion
    /// sort), long rows over three column bytes (200,000 items), long rows whose high bytes are
    /// all equal (items below 256: passes skipped), a long row of one repeated item (no pass at
    /// all), rows already in order, and duplicated pairs, which keep their input order.
    @Test func sortedByUserOnlySortsEachRowLikeTheTranspose() {
        var g = SeededGenerator(seed: 11)
        let users = 60, items = 200_000
        var u: [Int32] = [], i: [Int32] = []
        for user in 0..<users where user % 9 != 4 {
            let length = [0, 1, 5, 31, 32, 33, 200, 3_000][user % 8]
            var row: [Int32]
            switch user % 5 {
            case 0: row = (0..<length).map { _ in Int32(g.nextInt(below: 256)) }
            case 1: row = [Int32](repeating: Int32(g.nextInt(below: items)), count: length)
            case 2: row = (0..<length).map { _ in Int32(g.nextInt(below: items)) }.sorted()
            case 3: row = (0..<length).map { _ in Int32(g.nextInt(below: 50)) }
            default: row = (0..<length).map { _ in Int32(g.nextInt(below: items)) }
            }
            u += [Int32](repeating: Int32(user), count: length)
            i += row
        }
        let r = (0..<u.count).map { _ in Float(g.nextInt(below: 10) + 1) / 2 }
        #expect(zip(u, zip(i, i.dropFirst())).contains { _, pair in pair.1 < pair.0 })   // out of order within a user
        checkViews(users: u, items: i, ratings: r, userCount: users, itemCount: items)
        let x = Interactions(users: u, items: i, ratings: r, userCount: users, itemCount: items)
        #expect(x.csrViews(threads: 2).byUser == x.csrViews(threads: 1).byItem.transposed(threads: 1))
    }

    /// One user, items in order; one user, items out of order; items in order but users decreasing.
    @Test func oneUserAndDecreasingUsers() {
        checkViews(users: [0, 0, 0], items: [0, 2, 5], ratings: [1, 2, 3], userCount: 1, itemCount: 6)
        checkViews(users: [0, 0, 0], items: [5, 2, 0], ratings: [1, 2, 3], userCount: 1, itemCount: 6)
        checkViews(users: [2, 1, 0], items: [0, 1, 2], ratings: [1, 2, 3], userCount: 3, itemCount: 3)
        let views = Interactions(users: [0, 0, 0], items: [0, 2, 5], ratings: [1, 2, 3], userCount: 1, itemCount: 6).csrViews()
        #expect(views.byUser.rowOffsets == [0, 3] && views.byItem.rowOffsets == [0, 1, 1, 2, 2, 2, 3])
    }

    @Test func emptyAndTinyMatrices() {
        let empty = Interactions.empty(userCount: 3, itemCount: 2)
        let views = empty.csrViews()
        #expect(views.byUser.rowOffsets == [0, 0, 0, 0] && views.byItem.rowOffsets == [0, 0, 0])
        let none = Interactions.empty(userCount: 0, itemCount: 0).csrViews(threads: 1)
        #expect(none.byUser.rowOffsets == [0] && none.byItem.rowOffsets == [0])
        let one = Interactions(users: [1], items: [0], ratings: [2], userCount: 2, itemCount: 1)
        #expect(one.csrViews().byItem.columns == [1])
    }
}
