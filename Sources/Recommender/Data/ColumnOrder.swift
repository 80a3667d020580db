/// Order checks over the user and item columns, sixteen rows at a time.
///
/// Loading a large file sorted by user (as MovieLens ships them) asks these questions of 25 M
/// rows more than once: whether the users never decrease, whether the items never decrease
/// within a user, and where each user's run starts. Row by row they cost a compare and a branch
/// per row; here each block of sixteen rows is compared with the block one row before it (two
/// unaligned loads), and only the blocks where something changes are looked at row by row.
enum ColumnOrder {
    typealias Block = SIMD16<Int32>
    static let width = Block.scalarCount

    @inline(__always)
    static func block(_ p: UnsafePointer<Int32>, _ k: Int) -> Block {
        UnsafeRawPointer(p + k).loadUnaligned(as: Block.self)
    }

    /// Whether `u[k] >= u[k - 1]` for every `k` in `range` (`k = 0` is not compared).
    static func isNonDecreasing(_ column: UnsafeBufferPointer<Int32>, _ range: Range<Int>) -> Bool {
        order(users: column, items: nil, range).byUser
    }

    /// Over `range` (each row compared with the row before it; row 0 with nothing): whether the
    /// users never decrease, and whether, in addition, the items never decrease within a user
    /// (without items, only the users are checked and the second answer is `false`). Several
    /// blocks run between exits: their masks are OR-ed and the branch is taken once.
    static func order(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>?,
                      _ range: Range<Int>) -> (byUser: Bool, byItemWithinUser: Bool) {
        guard !range.isEmpty, let u = users.baseAddress else { return (true, items != nil) }
        let it = items?.baseAddress
        var k = max(range.lowerBound, 1)
        let end = range.upperBound
        var itemsInOrder = it != nil
        while k + width <= end {
            let stop = min(end - width + 1, k + 64 * width)
            var userDecreased = SIMDMask<Block>(repeating: false), itemDecreased = userDecreased
            while k < stop {
                let a = block(u, k), b = block(u, k - 1)
                userDecreased .|= a .< b
                if itemsInOrder, let it { itemDecreased .|= (a .== b) .& (block(it, k) .< block(it, k - 1)) }
                k += width
            }
            if any(userDecreased) { return (false, false) }
            if any(itemDecreased) { itemsInOrder = false }
        }
        while k < end {
            if u[k] < u[k - 1] { return (false, false) }
            if itemsInOrder, let it, u[k] == u[k - 1] && it[k] < it[k - 1] { itemsInOrder = false }
            k += 1
        }
        return (true, itemsInOrder)
    }

    /// For a user column that never decreases: writes `offsets[r] = k` for every user `r` whose
    /// run starts at row `k` of `range` (users without rows between two runs start where the next
    /// run does). Row 0 starts users `0...u[0]`.
    static func runStarts(_ column: UnsafeBufferPointer<Int32>, _ range: Range<Int>, into offsets: UnsafeMutablePointer<Int>) {
        guard !range.isEmpty, let u = column.baseAddress else { return }
        @inline(__always) func mark(_ k: Int) {
            let previous = k == 0 ? -1 : Int(u[k - 1]), user = Int(u[k])
            if user > previous { for r in (previous + 1)...user { offsets[r] = k } }
        }
        var k = range.lowerBound
        let end = range.upperBound
        if k == 0 && k < end { mark(0); k = 1 }
        while k + width <= end {
            if any(block(u, k) .!= block(u, k - 1)) {
                for j in k..<(k + width) { mark(j) }
            }
            k += width
        }
        while k < end { mark(k); k += 1 }
    }
}
