import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

extension SoftmaxModel.Activation: ExpressibleByArgument {}
extension SoftmaxModel.LabelMode: ExpressibleByArgument {}
extension SoftmaxModel.Optimizer: ExpressibleByArgument {}
extension Gemm.Backend: ExpressibleByArgument {}

/// One logged line of the softmax history, with the notebook's metric names.
func formatSoftmaxEntry(_ e: SoftmaxTrainingHistory.Entry) -> String {
    String(format: "iteration %d: train_loss=%.4f test_loss=%.4f precision@10=%.4f recall@10=%.4f ndcg@10=%.4f",
           e.iteration, e.trainLoss, e.testLoss, e.precisionAt10, e.recallAt10, e.ndcgAt10)
}
