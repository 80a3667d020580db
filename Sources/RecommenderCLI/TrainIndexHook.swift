import ArgumentParser
import Foundation
import Recommender

/// The approximate nearest-neighbour index `train --index` builds beside the model.
enum TrainIndexKind: String, CaseIterable, ExpressibleByArgument {
    /// An HNSW graph of the item embeddings (inner product), saved as model.hnsw.
    case hnsw
}

/// `train ... --index hnsw`: builds the index of the fitted model's item embeddings beside its
/// model file, with the default parameters (as `recommender index build` does).
enum TrainIndexHook {
    /// Builds and writes the index; returns the line to print, or `nil` when `kind` is `nil`.
    /// - Throws: ``DataError/invalidInput(_:)`` for a model without item embeddings.
    static func run(_ kind: TrainIndexKind?, model: any PersistableModel, modelURL: URL, threads: Int?) throws -> String? {
        guard kind != nil else { return nil }
        guard let embedded = model as? any ItemEmbeddingModel else {
            throw DataError.invalidInput("--index hnsw needs a model with item embeddings; '\(type(of: model).kind)' has none")
        }
        var parameters = HNSWParameters.default
        parameters.threads = threads
        let start = DispatchTime.now()
        let (index, url, choice) = try HNSWIndex.buildBesideChoosingGraph(model: embedded, modelURL: modelURL, parameters: parameters)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return String(format: "index: %@ (HNSW, %d items, M %d, efConstruction %d, %.2f s)", url.path, index.itemCount,
                      parameters.m, parameters.efConstruction, seconds) + (choice.map { "; " + IndexChoiceText.line($0) } ?? "")
    }
}
