import Recommender

extension SoftmaxTrainingHistory {
    /// The history as one SVG with two panels, as the notebook plots it: the losses
    /// (train, test) and the test metrics (precision@10, recall@10, NDCG@10) against iterations.
    /// - Parameters:
    ///   - title: A title above the panels.
    ///   - skippingFirst: The share of the iterations left out of each panel's vertical range
    ///     (default 0.05), the clipped start shaded and labelled; 0 fits every point.
    public func chartSVG(title: String = "Softmax model training", skippingFirst: Double = 0.05) -> String {
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
        let skip = skippingFirst > 0 ? skippingFirst : nil
        var panels = [losses, metrics]
        for k in panels.indices { panels[k].yRangeSkipsFirst = skip }
        return SVGLayout.grid(panels.map { $0.svg() }, columns: 2, title: title)
    }
}
