import Foundation

extension EvaluationDocument {
    /// The metric names of the document's entries that hold one number (not the `_per_fold`
    /// lists), in a stable order: the first entry's order of ``RankingReport/named`` or `rmse`,
    /// `mae`, then their `_std`, then any other name sorted.
    public var scalarMetricNames: [String] {
        var names = Set<String>()
        for entry in results {
            for (name, value) in entry.metrics { if case .value = value { names.insert(name) } }
        }
        let preferred = ["rmse", "mae", "rmse_std", "mae_std"]
            + (k.map { k in ["ndcg@\(k)", "precision@\(k)", "recall@\(k)", "map@\(k)", "hit_rate@\(k)", "mrr@\(k)", "coverage@\(k)"] } ?? [])
        let ordered = preferred.filter { names.contains($0) }
        return ordered + names.subtracting(ordered).sorted()
    }

    /// The CSV header of ``csvLines()``.
    public var csvHeader: String {
        AnswerEncoding.csvLine(["model", "algorithm", "task", "dataset", "folds", "k"] + scalarMetricNames
                               + ["fit_seconds_per_fold", "predict_seconds_per_fold"])
    }

    /// One CSV row per algorithm (no header): names, task, data set, folds, k (empty for the
    /// rating task), every scalar metric (``scalarMetricNames``; empty when an entry lacks it)
    /// and the mean seconds per fold; numbers at full precision.
    public func csvLines() -> [String] {
        let metricNames = scalarMetricNames
        return results.map { entry in
            var fields = [entry.model, entry.algorithm, task, dataset, String(folds), k.map(String.init) ?? ""]
            for name in metricNames {
                if case .value(let v)? = entry.metrics[name] { fields.append(String(v)) } else { fields.append("") }
            }
            fields += [String(entry.fit_seconds_per_fold), String(entry.predict_seconds_per_fold)]
            return AnswerEncoding.csvLine(fields)
        }
    }
}
