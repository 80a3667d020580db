import Testing
@testable import Recommender

@Suite struct IDMapTests {
    @Test func indicesAreDenseAndStable() {
        var map = IDMap<UserID>()
        #expect(map.insert("196") == 0)
        #expect(map.insert("186") == 1)
        #expect(map.insert("196") == 0)
        #expect(map.count == 2)
        #expect(map.id(at: 1) == "186")
        #expect(map.index(of: "22") == nil)
    }

    @Test func numericIDsSortNumerically() {
        #expect(UserID("9") < UserID("10"))
        #expect(ItemID("b") > ItemID("a"))
    }
}

@Suite struct SparseMatrixTests {
    @Test func csrFromTripletsSortsColumnsWithinRows() {
        let m = SparseMatrix(rows: [1, 0, 1, 0], columns: [2, 1, 0, 0], values: [5, 4, 3, 2], rowCount: 3, columnCount: 3)
        #expect(m.rowOffsets == [0, 2, 4, 4])
        #expect(Array(m.columns(ofRow: 0)) == [0, 1])
        #expect(Array(m.values(ofRow: 0)) == [2, 4])
        #expect(Array(m.columns(ofRow: 1)) == [0, 2])
        #expect(m.value(row: 1, column: 2) == 5)
        #expect(m.value(row: 2, column: 0) == nil)
    }

    @Test func byUserAndByItemAreTransposes() {
        let x = Interactions(users: [0, 0, 1, 2], items: [1, 2, 0, 1], ratings: [1, 2, 3, 4], userCount: 3, itemCount: 3)
        let u = x.byUser(), i = x.byItem()
        for row in 0..<3 {
            for k in u.range(ofRow: row) {
                #expect(i.value(row: Int(u.columns[k]), column: Int32(row)) == u.values[k])
            }
        }
        #expect(u.nonZeroCount == 4 && i.nonZeroCount == 4)
    }
}

@Suite struct SeededGeneratorTests {
    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
        let xa = (0..<5).map { _ in a.next() }, xb = (0..<5).map { _ in b.next() }, xc = (0..<5).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test func normalSamplesHaveUnitVariance() {
        var g = SeededGenerator(seed: 1)
        let n = 200_000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<n { let z = Double(g.nextNormal()); sum += z; sumSquares += z * z }
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test func boundedIntegersStayInRange() {
        var g = SeededGenerator(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 { let v = g.nextInt(below: 7); #expect((0..<7).contains(v)); seen.insert(v) }
        #expect(seen.count == 7)
    }
}

@Suite struct TopKTests {
    @Test func keepsTheBestInOrderWithDeterministicTies() {
        let scores: [Float] = [0.5, 2, 1, 2, .nan, -1, 3]
        let best = topK(scores, k: 3)
        #expect(best.map(\.index) == [6, 1, 3])
        #expect(topK(scores, k: 3, excluding: { $0 == 6 }).map(\.index) == [1, 3, 2])
        #expect(topK(scores, k: 0).isEmpty)
        #expect(topK(scores, k: 100).count == 6)
    }

    @Test func matchesSortingOnRandomInput() {
        var g = SeededGenerator(seed: 11)
        let scores = (0..<1000).map { _ in Float(g.nextInt(below: 50)) }
        let expected = scores.enumerated().sorted { ($0.element, -$0.offset) > ($1.element, -$1.offset) }.prefix(25).map { Int32($0.offset) }
        #expect(topK(scores, k: 25).map(\.index.rawValue) == expected)
    }
}
