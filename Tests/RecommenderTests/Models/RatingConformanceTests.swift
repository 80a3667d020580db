import Testing
@testable import Recommender

/// The shared model conformance checks over every rating model.
@Suite struct RatingConformanceTests {
    static let data = RatingFixtures.random()
    static var options: RatingFitOptions {
        RatingFitOptions(metadata: ModelMetadata(dataset: RatingEvaluationTests.dataset(data), training: data), ratingScale: 1...5)
    }

    @Test func baselineConforms() throws {
        try ModelConformance.check(try BaselineModel.Configuration.default.fit(Self.data, options: Self.options))
        try ModelConformance.check(try BaselineModel.Configuration.defaultSGD.fit(Self.data, options: Self.options))
    }
    @Test func svdConforms() throws { try ModelConformance.check(try SVDModel.Configuration(factors: 6, epochs: 5).fit(Self.data, options: Self.options)) }
    @Test func svdppConforms() throws { try ModelConformance.check(try SVDppModel.Configuration(factors: 6, epochs: 5).fit(Self.data, options: Self.options)) }
    @Test func alsConforms() throws { try ModelConformance.check(try ALSModel.Configuration(factors: 6, iterations: 3).fit(Self.data, options: Self.options)) }
    @Test func knnBaselineConforms() throws { try ModelConformance.check(try KNNBaselineModel.Configuration.default.fit(Self.data, options: Self.options)) }
}
