import Recommender
extension TrainingHistory {
    /// The history as one SVG: a line-chart panel per metric group, side by side, as the notebook
    /// plots it (e.g. `[["train_error", "test_error"]]`, or for the regularized model the observed
    /// errors in one panel and the three loss components in another).
    /// - Parameters:
    ///   - groups: The metrics of each panel; metrics absent from the history are left out, and so
    ///     are panels left empty.
    ///   - title: A title above the panels.
    ///   - skippingFirst: The share of the iterations left out of each panel's vertical range
    ///     (default 0.05: the first 5 %), so that the range that matters is visible; the clipped
    ///     start is shaded and labelled (``LineChart/yRangeSkipsFirst``). 0 fits every point.
    ///   - logY: Whether the vertical axes are logarithmic.
    /// - Returns: Standalone SVG markup.
    public func chart(groups: [[String]], title: String? = nil, skippingFirst: Double = 0.05, logY: Bool = false) -> String {
        let panels = groups.compactMap { names -> String? in
            let series = names.filter { metricNames.contains($0) }.map { ChartSeries(name: $0, points: self.series($0)) }
            guard !series.isEmpty else { return nil }
            let present = series.map(\.name)
            let panelTitle: String
            if present.allSatisfy({ $0.hasSuffix("_loss") }) {
                // train/test losses are one loss on two sets; other *_loss names are its components.
                panelTitle = Set(present).isSubset(of: ["train_loss", "test_loss"]) ? "loss" : "loss components"
            } else if present.allSatisfy({ $0.contains("_at_") }) {
                panelTitle = "ranking metrics"
            } else {
                panelTitle = "errors"
            }
            var chart = LineChart(title: panelTitle, xLabel: "iteration", yLabel: "value", series: series)
            chart.yRangeSkipsFirst = skippingFirst > 0 ? skippingFirst : nil
            chart.logY = logY
            return chart.svg(width: 560, height: 380)
        }
        return SVGLayout.grid(panels, columns: max(1, panels.count), title: title)
    }
}
