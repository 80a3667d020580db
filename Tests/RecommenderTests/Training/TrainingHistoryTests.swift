import Foundation
import Testing
@testable import Recommender
@testable import RecommenderCharts

@Suite struct TrainingHistoryTests {
    func sample() -> TrainingHistory {
        var h = TrainingHistory()
        h.append(iteration: 0, ["train_error": 15.5, "test_error": 15.75])
        h.append(iteration: 10, ["train_error": 0.375, "test_error": 1.25])
        return h
    }

    @Test func csvRoundTripsAndKeepsColumnOrder() throws {
        let h = sample()
        #expect(h.csv() == "iteration,train_error,test_error\n0,15.5,15.75\n10,0.375,1.25\n")
        let parsed = try TrainingHistory(csv: h.csv())
        #expect(parsed == h)
        #expect(h.series("test_error").map(\.y) == [15.75, 1.25])
    }

    @Test func jsonListsMetricsAndRows() throws {
        let json = sample().json()
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["metrics"] as? [String] == ["train_error", "test_error"])
        let rows = object?["rows"] as? [[String: Any]]
        #expect(rows?.count == 2)
        #expect(rows?[1]["iteration"] as? Int == 10)
        #expect(rows?[1]["train_error"] as? Double == 0.375)
    }

    @Test func malformedCSVNamesTheLine() {
        #expect(throws: DataError.malformedLine(file: "h.csv", line: 3, reason: "'x' is not a number")) {
            try TrainingHistory(csv: "iteration,a\n0,1\n10,x\n", file: "h.csv")
        }
        #expect(throws: DataError.emptyFile(path: "h.csv")) { try TrainingHistory(csv: "", file: "h.csv") }
    }
}

@Suite struct TrainingHistoryChartTests {
    @Test func onePanelPerMetricGroupWithOneLinePerMetric() throws {
        var h = TrainingHistory()
        for i in stride(from: 0, through: 30, by: 10) {
            let x = Double(i)
            h.append(iteration: i, ["train_error_observed": 10 - x / 5, "test_error_observed": 11 - x / 6,
                                    "observed_loss": 10 - x / 5, "regularization_loss": x / 50, "gravity_loss": x / 40])
        }
        let groups = MatrixFactorization.Configuration.regularizedNotebook.metricGroups
        let svg = try #require(SVGInspector.parse(h.chart(groups: groups, title: "history")))
        #expect(svg.count("polyline", class: "series-line") == 5)
        #expect(svg.texts.contains("errors") && svg.texts.contains("loss components") && svg.texts.contains("history"))
        // The plain model: a single panel; metrics the history lacks are left out.
        let plain = try #require(SVGInspector.parse(h.chart(groups: [["train_error_observed", "missing_metric"]])))
        #expect(plain.count("polyline", class: "series-line") == 1)
    }
}
