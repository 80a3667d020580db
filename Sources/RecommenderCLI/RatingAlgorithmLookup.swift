import Recommender

/// The rating algorithms the CLI knows, by `--algorithms` name. The `best` model plugs in here:
/// add `case "best": return ConfiguredRatingAlgorithm(BestModel.Configuration.default)` (or
/// any value conforming to `RatingAlgorithm`).
func ratingAlgorithm(named name: String) -> (any RatingAlgorithm)? {
    RatingAlgorithms.named(name)
}

/// Names accepted by `ratingAlgorithm(named:)`.
var knownRatingAlgorithmNames: [String] { RatingAlgorithms.names }
