// libFuzzer harness: the items files (movies.csv, movies.dat, u.item, RecBole .item, detected)
// and the users files (u.user, users.dat, RecBole .user). Errors are fine; signals are not.
import Foundation
@testable import Recommender

private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-catalog-\(getpid())")
private let file = scratch.appendingPathComponent("items.txt")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCatalog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes: data, count: size)) else { return 0 }
    if let items = try? ItemsFileLoader.read(url: file) {
        var ids = IDMap<ItemID>()
        _ = items.build(itemIDs: &ids)
    }
    _ = try? MovieLens100KLoader.readItems(url: file)
    for users in [try? MovieLens100KLoader.readUsers(url: file), try? MovieLensDatLoader.readUsers(url: file)] {
        var ids = IDMap<UserID>()
        _ = users?.build(userIDs: &ids)
    }
    _ = try? RecBoleLoader.readTable(url: file, required: ["user_id"])
    return 0
}
