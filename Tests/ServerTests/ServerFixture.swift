import Foundation
import Hummingbird
import NIOCore
import Recommender
import RecommenderServer
import Testing

/// A small generated data set: 60 users in two taste groups over 40 movies of two genres
/// (group A, odd ids, watches mostly the Comedy movies 0..<20 and rates them high; group B, even
/// ids, the Drama movies 20..<40), fixed seed.
func serverFixtureDataset(seed: UInt64 = 7) -> Dataset {
    var rng = SplitMix(seed)
    let users = 60, items = 40
    var u: [Int32] = [], i: [Int32] = [], r: [Float] = []
    for user in 0..<users {
        let group = user % 2
        for item in 0..<items {
            let liked = (item < 20) == (group == 0)
            guard rng.next() % 100 < (liked ? 60 : 8) else { continue }
            u.append(Int32(user)); i.append(Int32(item))
            r.append(liked ? Float(4 + rng.next() % 2) : Float(1 + rng.next() % 2))
        }
    }
    let comedy = GenreSet(index: 0), drama = GenreSet(index: 1)
    let catalog = ItemCatalog(titles: (0..<items).map { $0 < 20 ? "Comedy Movie \($0)" : "Drama Movie \($0)" },
                              years: (0..<items).map { 1990 + $0 % 10 },
                              genres: (0..<items).map { $0 < 20 ? comedy : drama }, genreNames: ["Comedy", "Drama"])
    return Dataset(name: "server-fixture", userIDs: IDMap((1...users).map { UserID($0) }), itemIDs: IDMap((0..<items).map { ItemID(100 + $0) }),
                   interactions: Interactions(users: u, items: i, ratings: r, userCount: users, itemCount: items),
                   catalog: catalog, ratingScale: 1...5)
}

struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A temporary folder removed at the end.
final class TempFolder: @unchecked Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Trains `algorithm` on the fixture and writes it with its training record into `folder/name`.
@discardableResult
func trainFixtureModel(_ algorithm: String, hyperparameters: Hyperparameters, into folder: URL, name: String,
                       dataset: Dataset = serverFixtureDataset()) throws -> URL {
    let algo = try AlgorithmCatalog.standard.algorithm(named: algorithm)
    let result = try TrainingSession.run(TrainingRequest(algorithm: algo, hyperparameters: hyperparameters, dataset: dataset, seed: 3, threads: 1))
    return try TrainingOutput.write(model: result.model, record: result.record, history: result.history, chart: nil,
                                    to: folder.appendingPathComponent(name))
}

let ialsSettings: Hyperparameters = ["embedding-dim": .integer(8), "iterations": .integer(6)]
let svdSettings: Hyperparameters = ["embedding-dim": .integer(4), "epochs": .integer(10)]

/// A server over an ials model ("ials", default) and an svd model ("svd"), with a store; ``live(_:)``
/// runs it on 127.0.0.1.
struct ServerUnderTest {
    let folder: TempFolder
    let state: ServerState

    init(store: Bool = true, retrain: Retrainer.Schedule? = nil, page: PageServices? = nil) throws {
        folder = try TempFolder()
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "ials")
        try trainFixtureModel("svd", hyperparameters: svdSettings, into: folder.url, name: "svd")
        let ials = ModelSlot(model: try ServedModel(name: "ials", path: folder.url.appendingPathComponent("ials").path),
                             path: folder.url.appendingPathComponent("ials").path)
        let svd = ModelSlot(model: try ServedModel(name: "svd", path: folder.url.appendingPathComponent("svd").path),
                            path: folder.url.appendingPathComponent("svd").path)
        let db = store ? try RatingsStore(path: folder.url.appendingPathComponent("ratings.sqlite").path) : nil
        var retrainer: Retrainer?
        if let retrain {
            retrainer = Retrainer(slot: ials, algorithm: try AlgorithmCatalog.standard.algorithm(named: "ials"), hyperparameters: ialsSettings,
                                  schedule: retrain, store: db, threads: 1, seed: 3, loadBase: { serverFixtureDataset() })
        }
        state = ServerState(roster: ModelRoster([ials, svd]), store: db, retrainer: retrainer, configuration: ServerConfiguration(port: 0),
                            page: page ?? PageServices())
    }
}

/// A decoded JSON body.
func json(_ buffer: ByteBuffer) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
    return try #require(object as? [String: Any])
}

func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

let jsonHeaders: HTTPFields = [.contentType: "application/json"]

/// The error code of an error body, or nil.
func errorCode(_ buffer: ByteBuffer) -> String? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any],
          let error = object["error"] as? [String: Any], error["message"] is String else { return nil }
    return error["code"] as? String
}

func items(_ object: [String: Any], _ key: String = "recommendations") -> [String] {
    ((object[key] as? [[String: Any]]) ?? []).compactMap { $0["item"] as? String }
}
