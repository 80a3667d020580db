// libFuzzer harness: the ratings-file readers (layout detection, the fast parallel parser and
// the general parser). Any input must end in a dataset or a DataError, never a signal; when the
// fast path accepts a file, it must agree with the general parser.
import Foundation
@testable import Recommender

private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-ratings-\(getpid())")
private let file = scratch.appendingPathComponent("ratings.csv")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRatings(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes)) else { return 0 }
    // 1. The generic loader: everything detected.
    _ = try? DelimitedRatingsLoader.load(ratings: file, threads: 1)
    // 2. Options chosen by the first byte: separator, header, scale.
    let selector = bytes.first ?? 0
    let separators: [FieldSeparator?] = [nil, .comma, .tab, .semicolon, .doubleColon, .pipe]
    let options = DelimitedFileOptions(separator: separators[Int(selector) % separators.count],
                                       hasHeader: selector & 0x10 == 0 ? nil : selector & 0x20 != 0,
                                       ratingScale: selector & 0x40 != 0 ? 1...5 : nil)
    _ = try? DelimitedRatingsLoader.load(ratings: file, options: options, threads: 2)
    // 3. The MovieLens u.data layout: the fast path (2 threads) against the general parser.
    let uData = RatingsFileFormat(separator: .tab, hasHeader: false, userColumn: 0, itemColumn: 1, ratingColumn: 2,
                                  timestampColumn: 3, fieldCount: 4, ratingScale: 1...5, integerIDs: true, quoting: false)
    let general = try? RatingsReader.readGeneral(url: file, format: uData)
    if let fast = FastRatingsParser.parse(url: file, format: uData, threads: 2) {
        guard let general, general.interactions.count == fast.interactions.count,
              general.userIDs.count == fast.userIDs.count, general.itemIDs.count == fast.itemIDs.count else {
            fatalError("the fast parser accepted a file the general parser reads differently")
        }
    }
    return 0
}
