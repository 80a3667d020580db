import Testing
@testable import Recommender

@Suite struct SplitsTests {
    /// 6 users × 10 items, user u rates items (u ... u+k) with timestamps increasing by item.
    func fixture() -> Interactions {
        var users: [Int32] = [], items: [Int32] = [], ratings: [Float] = [], times: [Int64] = []
        for u in 0..<6 {
            for k in 0..<(u + 2) {
                users.append(Int32(u)); items.append(Int32((u + k) % 10)); ratings.append(Float(k % 5 + 1)); times.append(Int64(100 * k + u))
            }
        }
        return Interactions(users: users, items: items, ratings: ratings, timestamps: times, userCount: 6, itemCount: 10)
    }

    func isPartition(_ s: Split, of n: Int) -> Bool {
        Set(s.trainRows).isDisjoint(with: s.testRows) && s.trainRows.count + s.testRows.count == n && Set(s.trainRows + s.testRows).count == n
    }

    @Test func randomHoldoutIsSeededAndSized() {
        let x = fixture()
        let a = Splitter.randomHoldout(x, testFraction: 0.25, seed: 3), b = Splitter.randomHoldout(x, testFraction: 0.25, seed: 3)
        let c = Splitter.randomHoldout(x, testFraction: 0.25, seed: 4)
        #expect(a.testRows == b.testRows)
        #expect(a.testRows != c.testRows)
        #expect(a.testRows.count == Int((Double(x.count) * 0.25).rounded()))
        #expect(isPartition(a, of: x.count))
        #expect(a.test.ratings == a.testRows.map { x.ratings[$0] })
    }

    @Test func kFoldTestsEveryRowExactlyOnce() {
        let x = fixture()
        let folds = Splitter.kFold(x, folds: 5, seed: 0)
        #expect(folds.count == 5)
        var seen = [Int](repeating: 0, count: x.count)
        for f in folds {
            #expect(isPartition(f, of: x.count))
            for r in f.testRows { seen[r] += 1 }
            #expect(abs(f.testRows.count - x.count / 5) <= 1)
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test func userStratifiedHoldsOutAShareOfEachUser() {
        let x = fixture()
        let s = Splitter.userStratified(x, testFraction: 0.25, seed: 42)
        #expect(isPartition(s, of: x.count))
        for u in 0..<6 {
            let n = x.users.filter { $0 == u }.count
            let t = s.testRows.filter { x.users[$0] == u }.count
            #expect(t == min(n - 1, Int((Double(n) * 0.25).rounded())))
            #expect(n - t >= 1)
        }
    }

    @Test func itemStratifiedGroupsByItem() {
        let x = fixture()
        let s = Splitter.itemStratified(x, testFraction: 0.5, seed: 1)
        #expect(isPartition(s, of: x.count))
        for i in 0..<10 {
            let n = x.items.filter { $0 == i }.count
            let t = s.testRows.filter { x.items[$0] == i }.count
            #expect(n <= 1 ? t == 0 : t == min(n - 1, Int((Double(n) * 0.5).rounded())))
        }
    }

    @Test func leaveLastOutTakesTheLatest() throws {
        let x = fixture()
        let s = try Splitter.leaveLastOut(x, count: 1)
        #expect(s.testRows.count == 6)
        for row in s.testRows {
            let u = x.users[row]
            let latest = x.users.indices.filter { x.users[$0] == u }.max { x.timestamps![$0] < x.timestamps![$1] }!
            #expect(row == latest)
        }
        let noTime = Interactions(users: [0], items: [0], ratings: [1], userCount: 1, itemCount: 1)
        #expect(throws: DataError.self) { try Splitter.leaveLastOut(noTime) }
    }

    @Test func timeCutSplitsByTime() throws {
        let x = fixture()
        let s = try Splitter.timeCut(x, at: 300)
        #expect(s.test.timestamps!.allSatisfy { $0 >= 300 })
        #expect(s.train.timestamps!.allSatisfy { $0 < 300 })
        let f = try Splitter.timeCut(x, testFraction: 0.2)
        #expect(f.testRows.count == Int((Double(x.count) * 0.2).rounded()))
        #expect(f.train.timestamps!.max()! <= f.test.timestamps!.min()!)
    }

    @Test func userHoldoutKeepsUsersWhole() {
        let x = fixture()
        let s = Splitter.userHoldout(x, testFraction: 0.34, seed: 9)
        let testUsers = Set(s.test.users), trainUsers = Set(s.train.users)
        #expect(testUsers.isDisjoint(with: trainUsers))
        #expect(testUsers.count == 2)
        #expect(isPartition(s, of: x.count))
    }
}
