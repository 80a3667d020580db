import Foundation
import Testing
import RecommenderTestSupport

/// Issue 10: every numeric option of every command, walked with 0, −1, huge, NaN and inf.
///
/// The options are read from the binary itself (`--experimental-dump-help`), so a new option is
/// walked without editing this file; an option the walk cannot classify as numeric or not fails
/// the test until it is listed below. Each run must end by exiting (never a signal, never the
/// timeout); a refusal is a one-line `Error:` naming the option; NaN and inf are always refused.
/// The algorithms' hyper-parameters are walked once more through the table in
/// `CatalogConformanceTests`, the `--param` spelling included.
@Suite struct OptionBoundsCLITests {
    /// Options that take no number (files, names, choices, lists, flags with values).
    static let textOptions: Set<String> = [
        "data-dir", "dataset", "ratings", "items", "separator", "header", "user-column", "item-column", "rating-column",
        "timestamp-column", "rating-scale", "algorithm", "algorithms", "optimizer", "weighting", "similarity", "solver",
        "hidden-dims", "activation", "label-mode", "gemm", "param", "output", "add-ratings", "index", "task", "protocol",
        "json", "format", "train", "test", "save-splits", "grid", "occupation", "genre", "highlight", "model", "measure", "user",
        "pairs", "metric", "inner-product", "efs", "vectors-out", "vectors-in", "load-index", "index-path", "name", "backend", "user-side",
        "item-side", "user-implicit", "item-implicit", "implicit-normalization", "implicit-source", "split", "factors",
        "export", "cold", "host", "retrain-every", "store", "source", "page-models", "history", "index-order",
    ]
    /// Numeric options without a default value (the others are recognised by their numeric default).
    static let numericWithoutDefault: Set<String> = [
        "threads", "seed", "test-fraction", "patience", "ef", "filter-ef", "threshold", "embedding-dim", "init-stddev",
        "learning-rate", "iterations", "epochs", "regularization", "gravity", "alpha", "neighbours", "batch-size",
        "random", "timeout", "partitions",
    ]
    static let values = ["0", "-1", "9223372036854775807", "1e300", "nan", "inf"]

    /// One command's numeric options, from the binary's help dump.
    struct Walk: CustomTestStringConvertible, Sendable {
        let command: [String]
        let options: [String]
        var testDescription: String { command.joined(separator: " ") }
    }

    static func walks() throws -> [Walk] {
        let dump = try BinaryRunner.run(["--experimental-dump-help"], timeout: 60)
        guard dump.status == 0, let root = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any],
              let top = root["command"] as? [String: Any] else { return [] }
        var result: [Walk] = []
        func visit(_ command: [String: Any], path: [String]) {
            let arguments = (command["arguments"] as? [[String: Any]]) ?? []
            var numeric: [String] = []
            for argument in arguments where argument["kind"] as? String == "option" {
                guard let names = argument["names"] as? [[String: Any]], let name = names.first?["name"] as? String else { continue }
                let isNumericDefault = (argument["defaultValue"] as? String).flatMap(Double.init) != nil
                if isNumericDefault || numericWithoutDefault.contains(name) {
                    numeric.append(name)
                } else if !textOptions.contains(name) {
                    numeric.append("UNCLASSIFIED:" + name)
                }
            }
            if !numeric.isEmpty { result.append(Walk(command: path, options: numeric)) }
            for sub in (command["subcommands"] as? [[String: Any]]) ?? [] {
                if let name = sub["commandName"] as? String { visit(sub, path: path + [name]) }
            }
        }
        visit(top, path: [])
        return result
    }

    /// A folder with a small ratings file, a trained model and a pairs file.
    final class Fixture: @unchecked Sendable {
        let folder: TemporaryFolder
        let ratings: String, model: String, pairs: String
        init() throws {
            folder = try TemporaryFolder("cli-bounds")
            var text = "user,item,rating\n"
            var state: UInt64 = 99
            for u in 0..<30 {
                for i in 0..<25 {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    if (state >> 33) % 3 == 0 { text += "u\(u),i\(i),\(1 + (state >> 40) % 5)\n" }
                }
            }
            ratings = try folder.write("ratings.csv", text).path
            pairs = try folder.write("pairs.csv", "user,item\nu1,i2\nu3,i4\n").path
            model = folder.path("model").path
            let train = try BinaryRunner.run(["train", "--algorithm", "svd", "--embedding-dim", "4", "--epochs", "2",
                                              "--ratings", ratings, "--output", model], timeout: 120)
            precondition(train.status == 0, train.stderr)
        }

        /// A quick, valid invocation of `command` that the walked option is appended to.
        func base(_ command: [String], run: Int) -> [String]? {
            let out = folder.path("out-\(run)").path
            switch command.joined(separator: " ") {
            case "data fetch": return ["data", "fetch", "ml-100k", "--data-dir", folder.path("fetch-\(run)").path]
            case "train": return ["train", "--ratings", ratings, "--iterations", "20", "--learning-rate", "1", "--embedding-dim", "3",
                                  "--output", out]
            case "evaluate": return ["evaluate", "--ratings", ratings, "--algorithms", "baseline", "--folds", "2", "--output", out]
            case "bench load": return ["bench", "load", "--ratings", ratings, "--repeats", "1"]
            case "bench mf": return ["bench", "mf", "--ratings", ratings, "--iterations", "2", "--repeats", "1"]
            case "bench rating": return ["bench", "rating", "--ratings", ratings, "--algorithms", "baseline", "--folds", "2"]
            case "bench best": return ["bench", "best", "--ratings", ratings, "--folds", "2", "--only-folds", "1", "--samples", "4",
                                       "--burn-in", "1", "--thinning", "1", "--rank", "2"]
            case "bench tsne": return ["bench", "tsne", "--points", "40", "--dimension", "4", "--repeats", "1"]
            case "bench ials": return ["bench", "ials", "--users", "40", "--items", "30", "--interactions", "300", "--factors", "4",
                                       "--iterations", "1"]
            case "bench ranking": return ["bench", "ranking", "--ratings", ratings, "--algorithms", "popularity", "--repeats", "1"]
            case "bench softmax": return ["bench", "softmax", "--ratings", ratings, "--iterations", "2", "--embedding-dim", "4"]
            case "bench gemm": return ["bench", "gemm", "--repeats", "1"]
            case "bench ann": return ["bench", "ann", "--items", "300", "--queries", "10", "--filter-queries", "10", "--dimension", "8",
                                      "--efs", "10", "--ef-construction", "20"]
            case "tune": return ["tune", "--ratings", ratings, "--algorithm", "baseline", "--grid", "epochs=1,2", "--random", "2", "--folds", "2"]
            case "explore": return ["explore", "--ratings", ratings, "--output", out]
            case "similar": return ["similar", "i3", "--model", model]
            case "recommend": return ["recommend", "--model", model, "--user", "u1"]
            case "predict": return ["predict", "--model", model, "--pairs", pairs]
            case "map": return ["map", "--model", model, "--output", out + ".svg", "--iterations", "10", "--perplexity", "5"]
            case "norms": return ["norms", "--model", model, "--output", out + ".svg"]
            // A model that does not exist: the server never starts, and a valid value fails as
            // the base invocation does (the walk accepts that); bad values are refused first.
            case "serve": return ["serve", "--model", folder.path("no-such-model").path]
            case "export spark": return ["export", "spark", "--ratings", ratings, "--output", out]
            case "index build": return ["index", "build", "--model", model, "--ef-construction", "20"]
            default: return nil
            }
        }
    }

    static let fixture = Result { try Fixture() }

    @Test(arguments: try walks()) func everyNumericOptionIsBounded(walk: Walk) throws {
        let unclassified = walk.options.filter { $0.hasPrefix("UNCLASSIFIED:") }
        #expect(unclassified.isEmpty, "classify in OptionBoundsCLITests: \(unclassified)")
        let f = try Self.fixture.get()
        // What the base invocation alone says when it fails (a serve without a model): a run
        // failing with that same message failed for the base's reason, not the option's.
        let baseError: String? = try f.base(walk.command, run: 0).flatMap { arguments in
            let r = try BinaryRunner.run(arguments, timeout: 60)
            return r.status == 0 ? nil : r.stderr.split(separator: "\n").first { $0.hasPrefix("Error:") }.map(String.init)
        }
        var run = 0
        for option in walk.options where !option.hasPrefix("UNCLASSIFIED:") {
            for value in Self.values {
                run += 1
                guard var arguments = f.base(walk.command, run: run) else {
                    Issue.record("no base invocation for '\(walk.command.joined(separator: " "))': add one to the fixture")
                    return
                }
                // The walked option replaces the base's own value for it.
                if let k = arguments.firstIndex(of: "--\(option)") { arguments.removeSubrange(k...k + 1) }
                arguments += ["--\(option)", value]
                let r = try BinaryRunner.run(arguments, timeout: 60)
                let label = arguments.joined(separator: " ")
                #expect(!r.signalled && !r.timedOut, "\(label): signalled \(r.signalled), timed out \(r.timedOut); \(r.stderr.suffix(300))")
                if value == "nan" || value == "inf" {
                    #expect(r.status != 0, "\(label) was accepted")
                }
                if r.status != 0 && !(baseError != nil && r.stderr.contains(baseError!)) {
                    let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
                    #expect(errors.count == 1 && r.status < 64 + 1, "\(label): status \(r.status), \(r.stderr.suffix(300))")
                    #expect(errors.first.map { $0.contains(option) || $0.contains(option.replacingOccurrences(of: "-", with: "_")) } == true,
                            "\(label): the refusal does not name --\(option): \(errors.first ?? "")")
                }
            }
        }
    }
}
