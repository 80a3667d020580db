import Recommender

extension SoftmaxTrainingHistory {
    /// The history as one SVG with two panels, as the notebook plots it: the losses
    /// (train, test) and the test metrics (precision@10, recall@10, NDCG@10) against iterations.
    public func chartSVG(title: String = "Softmax model training") -> String {
        let x = entries.map { Double($0.iteration) }
        let losses = LineChart(title: "Cross-entropy", xLabel: "iteration", yLabel: "loss", series: [
            ChartSeries(name: "train_loss", x: x, y: entries.map(\.trainLoss)),
            ChartSeries(name: "test_loss", x: x, y: entries.map(\.testLoss)),
        ])
        let metrics = LineChart(title: "Test metrics", xLabel: "iteration", yLabel: "value", series: [
            ChartSeries(name: "test_precision_at_10", x: x, y: entries.map(\.precisionAt10)),
            ChartSeries(name: "test_recall_at_10", x: x, y: entries.map(\.recallAt10)),
            ChartSeries(name: "test_ndcg_at_10", x: x, y: entries.map(\.ndcgAt10)),
        ])
        return SVGLayout.grid([losses.svg(), metrics.svg()], columns: 2, title: title)
    }
}
