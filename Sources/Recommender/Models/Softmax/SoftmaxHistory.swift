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

        /// The entry as the metrics of a ``TrainingEvent``: `train_loss`, `test_loss`,
        /// `precision_at_10`, `recall_at_10`, `ndcg_at_10`.
        public var metrics: [TrainingMetric] {
            [TrainingMetric("train_loss", trainLoss), TrainingMetric("test_loss", testLoss),
             TrainingMetric("precision_at_10", precisionAt10), TrainingMetric("recall_at_10", recallAt10),
             TrainingMetric("ndcg_at_10", ndcgAt10)]
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

    /// Parses the output of ``csv()``.
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` naming `file` and the line.
    public init(csv text: String, file: String = "history.csv") throws {
        let header = "iteration,train_loss,test_loss,test_precision_at_10,test_recall_at_10,test_ndcg_at_10"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first, first == header else {
            throw DataError.malformedLine(file: file, line: 1, reason: "expected the header '\(header)'")
        }
        var entries: [Entry] = []
        for (k, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == 6, let iteration = Int(cells[0]) else {
                throw DataError.malformedLine(file: file, line: k + 2, reason: "expected 6 fields starting with an iteration number")
            }
            let values = cells.dropFirst().compactMap { Double($0) }
            guard values.count == 5 else { throw DataError.malformedLine(file: file, line: k + 2, reason: "a metric is not a number") }
            entries.append(Entry(iteration: iteration, trainLoss: values[0], testLoss: values[1], precisionAt10: values[2],
                                 recallAt10: values[3], ndcgAt10: values[4]))
        }
        self.init(entries: entries)
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
