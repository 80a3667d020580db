import Foundation

/// The metrics a softmax training run logs every ``SoftmaxModel/Configuration/evaluationInterval``
/// iterations (and at the last one).
public struct SoftmaxTrainingHistory: Sendable, Equatable {
    /// One logged iteration.
    public struct Entry: Sendable, Equatable, Codable {
        /// The iteration (0 = before the first update, as the notebook logs it).
        public var iteration: Int
        /// Mean cross-entropy of this iteration's training batch (before its update).
        public var trainLoss: Double
        /// Mean cross-entropy of one random test batch.
        public var testLoss: Double
        /// The notebook's `test_precision_at_10`: a running (streaming) precision@10 of the
        /// sampled test label over every test batch evaluated so far, as
        /// `tf.metrics.precision_at_k` computes it (at most 0.1: one relevant movie per example).
        public var precisionAt10: Double
        /// Recall@k of the held-out users measured without leakage (see ``SoftmaxModel``).
        public var recallAt10: Double
        /// NDCG@k of the held-out users measured without leakage.
        public var ndcgAt10: Double
        /// Creates an entry.
        public init(iteration: Int, trainLoss: Double, testLoss: Double, precisionAt10: Double, recallAt10: Double, ndcgAt10: Double) {
            self.iteration = iteration
            self.trainLoss = trainLoss
            self.testLoss = testLoss
            self.precisionAt10 = precisionAt10
            self.recallAt10 = recallAt10
            self.ndcgAt10 = ndcgAt10
        }
    }

    /// The logged entries, by increasing iteration.
    public var entries: [Entry] = []

    /// Creates an empty history.
    public init(entries: [Entry] = []) { self.entries = entries }

    /// The last entry, if any.
    public var last: Entry? { entries.last }

    /// The history as CSV with a header line
    /// (`iteration,train_loss,test_loss,test_precision_at_10,test_recall_at_10,test_ndcg_at_10`).
    public func csv() -> String {
        var out = "iteration,train_loss,test_loss,test_precision_at_10,test_recall_at_10,test_ndcg_at_10\n"
        for e in entries {
            out += "\(e.iteration),\(e.trainLoss),\(e.testLoss),\(e.precisionAt10),\(e.recallAt10),\(e.ndcgAt10)\n"
        }
        return out
    }

    /// The history as a JSON array of entries (keys as in ``csv()``).
    public func json() -> String {
        let rows = entries.map { e in
            "{\"iteration\":\(e.iteration),\"train_loss\":\(jsonNumber(e.trainLoss)),\"test_loss\":\(jsonNumber(e.testLoss)),"
                + "\"test_precision_at_10\":\(jsonNumber(e.precisionAt10)),\"test_recall_at_10\":\(jsonNumber(e.recallAt10)),"
                + "\"test_ndcg_at_10\":\(jsonNumber(e.ndcgAt10))}"
        }
        return "[\n" + rows.joined(separator: ",\n") + "\n]\n"
    }

    private func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}
