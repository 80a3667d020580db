import Testing
@testable import Recommender

/// Counts how often each (member, phase) pair ran; member m writes only slots 8m…8m+2 (own cache line).
final class PhaseLog: @unchecked Sendable {
    let slots = UnsafeMutablePointer<Int>.allocate(capacity: 16)
    init() { slots.initialize(repeating: 0, count: 16) }
    deinit { slots.deallocate() }
    var counts: [[Int]] { [[slots[0], slots[1]], [slots[8], slots[9]]] }
    var sums: [Int] { [slots[2], slots[10]] }
}

@Suite struct WorkerTeamTests {
    @Test(arguments: [1, 2])
    func everyPhaseRunsEachMemberExactlyOnce(threads: Int) {
        let log = PhaseLog()
        let team = WorkerTeam(threads: threads) { member, phase in
            log.slots[8 * member + phase] += 1
            // Some work so that both threads overlap; member results go to separate slots.
            var s = 0
            for k in 0..<(200 * (member + 1)) { s &+= k &* (phase + 1) }
            log.slots[8 * member + 2] &+= s
        }
        for round in 0..<2000 { team.run(phase: round % 2) }
        team.shutDown()
        #expect(log.counts == [[1000, 1000], [1000, 1000]])
        var expected = [0, 0]
        for round in 0..<2000 { for member in 0..<2 {
            var s = 0
            for k in 0..<(200 * (member + 1)) { s &+= k &* (round % 2 + 1) }
            expected[member] &+= s
        } }
        #expect(log.sums == expected)
        #expect(team.threadCount == (threads == 2 && Parallelism.availableCores >= 2 ? 2 : 1))
    }

    @Test func shutDownIsIdempotent() {
        let team = WorkerTeam(threads: 2) { _, _ in }
        team.run(phase: 0)
        team.shutDown()
        team.shutDown()
    }
}
