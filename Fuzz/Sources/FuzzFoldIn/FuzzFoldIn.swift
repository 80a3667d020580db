// libFuzzer harness: a new user's ratings file (`recommend --ratings`, `train --add-ratings`),
// read from a file and from text, against a small catalog with a rating scale.
import Foundation
@testable import Recommender

private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-foldin-\(getpid())")
private let file = scratch.appendingPathComponent("mine.csv")
private let metadata: ModelMetadata = {
    let interactions = Interactions(users: [0, 0, 1], items: [0, 1, 2], ratings: [4, 5, 3], userCount: 2, itemCount: 3)
    var m = ModelMetadata(anonymous: interactions)
    m.ratingScale = 1...5
    return m
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFoldIn(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let bytes = Data(bytes: data, count: size)
    if FileManager.default.createFile(atPath: file.path, contents: bytes) {
        if let read = try? UserRatingsFile(contentsOf: file, catalog: metadata) { _ = read.history }
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if let read = try? UserRatingsFile(text: text, file: "fuzz", metadata: metadata) { _ = read.history }
    return 0
}
