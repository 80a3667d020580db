import ArgumentParser
import Foundation
import Recommender

/// `recommender algorithms [NAME]`: the catalog and each algorithm's hyper-parameter table.
struct AlgorithmsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "algorithms",
        abstract: "List the algorithms, or one algorithm's hyper-parameters with bounds, defaults and symbols.")

    @Argument(help: "An algorithm name (default: list them all).")
    var name: String?

    @Option(help: "table (aligned text), markdown or json.")
    var format: CatalogFormat = .table

    func run() async throws {
        let catalog = AlgorithmCatalog.standard
        let algorithms = try name.map { [try catalog.algorithm(named: $0)] } ?? catalog.algorithms
        switch format {
        case .json:
            print(try CatalogDescription(algorithms).json())
        case .markdown:
            for a in algorithms {
                print("### `\(a.name)` (\(a.task.rawValue))\n\n\(a.summary)\n")
                print("| hyper-parameter | symbol | values | default | meaning |\n|---|---|---|---|---|")
                for p in a.parameters {
                    print("| `\(p.name)` | \(p.symbol ?? "") | \(p.accepted) | \(p.defaultValue?.description ?? "see meaning") | \(p.help) |")
                }
                print("")
            }
        case .table:
            if name == nil {
                let width = algorithms.map(\.name.count).max() ?? 0
                for a in algorithms {
                    print(a.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + a.task.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0) + "  " + a.summary)
                }
                for (alias, targets) in catalog.aliases.sorted(by: { $0.key < $1.key }) {
                    print("\(alias): " + targets.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) for \($0.key.rawValue)" }.joined(separator: ", "))
                }
                return
            }
            for a in algorithms {
                print("\(a.name) (\(a.task.rawValue)): \(a.summary)")
                for p in a.parameters {
                    let symbol = p.symbol.map { " (\($0))" } ?? ""
                    let aliases = p.aliases.isEmpty ? "" : "; also \(p.aliases.joined(separator: ", "))"
                    print("  --\(p.name)\(symbol): \(p.help); \(p.accepted); default \(p.defaultValue?.description ?? "see help")\(aliases)")
                }
            }
        }
    }
}

/// How `algorithms` prints.
enum CatalogFormat: String, CaseIterable, ExpressibleByArgument { case table, markdown, json }
