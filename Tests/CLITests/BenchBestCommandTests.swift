import Testing
@testable import RecommenderCLI
@testable import Recommender

@Suite struct BenchBestCommandTests {
    @Test func parsesOptionsAndDefaultsToTheModelDefaults() throws {
        let command = try BenchBestCommand.parse(["--rank", "8", "--samples", "30", "--implicit-source", "all",
                                                  "--implicit-normalization", "count"])
        #expect(command.rank == 8)
        #expect(command.samples == 30)
        #expect(command.implicitSource == .all)
        #expect(command.implicitNormalization == .count)
        #expect(command.burnIn == BayesianFactorizationMachine.Configuration.default.burnIn)
        #expect(command.folds == 5)
        #expect(command.seed == 0)
    }

    @Test func rejectsAnUnknownImplicitSource() {
        #expect(throws: (any Error).self) { try BenchBestCommand.parse(["--implicit-source", "test"]) }
    }
}
