/// Error metrics for rating prediction.
public enum RatingMetrics {
    /// Root mean squared error between predictions and targets.
    /// - Precondition: both have the same, non-zero length.
    public static func rmse(predictions: [Float], targets: [Float]) -> Double {
        meanSquaredError(predictions: predictions, targets: targets).squareRoot()
    }

    /// Mean squared error between predictions and targets (what the notebook calls "error").
    /// - Precondition: both have the same, non-zero length.
    public static func meanSquaredError(predictions: [Float], targets: [Float]) -> Double {
        precondition(predictions.count == targets.count && !targets.isEmpty, "metrics need equal, non-empty inputs")
        var sum = 0.0
        for k in targets.indices { let d = Double(predictions[k]) - Double(targets[k]); sum += d * d }
        return sum / Double(targets.count)
    }

    /// Mean absolute error between predictions and targets.
    /// - Precondition: both have the same, non-zero length.
    public static func mae(predictions: [Float], targets: [Float]) -> Double {
        precondition(predictions.count == targets.count && !targets.isEmpty, "metrics need equal, non-empty inputs")
        var sum = 0.0
        for k in targets.indices { sum += abs(Double(predictions[k]) - Double(targets[k])) }
        return sum / Double(targets.count)
    }
}
