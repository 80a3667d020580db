// libFuzzer harness: the model-file reader and every model's decoder.
//
// The input is a model file without its magic bytes and checksum: the harness adds both (a
// checksum is no defence against a forged file, so the fuzzer must get past it), decodes the
// archive, decodes it as every model kind of the standard catalog, and queries any model that loads.
import Foundation
@testable import Recommender

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = ModelArchive.magic + Array(UnsafeBufferPointer(start: data, count: size))
    let crc = CRC32.checksum(bytes)
    withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
    guard let archive = try? ModelArchive(decoding: bytes, path: "fuzz") else { return 0 }
    _ = archive.encoded()
    for type in AlgorithmCatalog.standard.modelTypes {
        guard let model = try? type.decode(archive, path: "fuzz") else { continue }
        let metadata = model.metadata
        if let scorer = model as? any ItemScorer, metadata.userIDs.count > 0 {
            _ = scorer.scores(forUser: 0)
        }
        if let rating = model as? any RatingModel, metadata.userIDs.count > 0, metadata.itemIDs.count > 0 {
            _ = rating.predict(user: 0, item: 0)
        }
        if let embeddings = model as? any ItemEmbeddingModel, metadata.itemIDs.count > 0 {
            let m = embeddings.itemEmbeddings
            _ = Recommendations.similarItems(to: 0, model: embeddings, metadata: metadata, measure: .cosine)
            _ = m.rows
        }
        _ = model.archive().encoded()
    }
    return 0
}
