import Testing
@testable import Recommender

@Suite struct RatingMetricsTests {
    @Test func handComputed() {
        let p: [Float] = [3, 4, 5], t: [Float] = [4, 4, 2]
        #expect(abs(RatingMetrics.meanSquaredError(predictions: p, targets: t) - 10.0 / 3) < 1e-9)
        #expect(abs(RatingMetrics.rmse(predictions: p, targets: t) - (10.0 / 3).squareRoot()) < 1e-9)
        #expect(abs(RatingMetrics.mae(predictions: p, targets: t) - 4.0 / 3) < 1e-9)
    }
}
