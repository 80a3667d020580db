import Foundation
import NIOCore
import Recommender
@testable import RecommenderServer
import Testing

/// The hand-written JSON of the hot routes is byte for byte what `JSONEncoder` (sorted keys, slashes
/// unescaped) writes for the same values, so clients see one format whichever path answered.
@Suite("JSON writer")
struct JSONWriterTests {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    static let awkwardStrings = ["", "Aladdin (1992)", "quote \" back\\slash / slash", "tab\tnew\nline\r\u{08}\u{0C}\u{01}\u{1F}",
                                 "Amélie — 東京 🎬", "\u{7F}\u{85}\u{2028}"]
    static let awkwardNumbers: [Float] = [0, -0.0, 1, 5, -3, 4.25, 0.1, 1e-7, 3.4e38, -1.17549435e-38, 123456.78, 1e20, 0.30000001]

    @Test func recommendationsMatchJSONEncoder() throws {
        var rows: [WireItem] = []
        for (n, s) in Self.awkwardStrings.enumerated() {
            let because: [WireItem.Reason]? = n % 2 == 0 ? nil : [.init(item: s, title: "t\(n)", contribution: Self.awkwardNumbers[n])]
            rows.append(WireItem(item: "\(n)", title: s, genres: n == 0 ? [] : [s, "Drama"], score: Self.awkwardNumbers[n], because: because))
        }
        for user in [nil, "196", "weird \"user\""] as [String?] {
            for foldIn in [false, true] {
                let value = RecommendationsResponse(model: "ials", modelVersion: 3, user: user, foldIn: foldIn, recommendations: rows)
                #expect(Self.bytes(try value.json()) == Array(try Self.encoder.encode(value)))
            }
        }
        let empty = RecommendationsResponse(model: "m", modelVersion: 1, user: "1", foldIn: false, recommendations: [])
        #expect(Self.bytes(try empty.json()) == Array(try Self.encoder.encode(empty)))
    }

    @Test func everyNumberMatchesJSONEncoder() throws {
        for x in Self.awkwardNumbers {
            let row = WireItem(item: "1", title: "t", genres: [], score: x, because: nil)
            let value = SimilarResponse(model: "m", modelVersion: 1, item: "1", title: "t", measure: "dot", similar: [row])
            #expect(Self.bytes(try value.json()) == Array(try Self.encoder.encode(value)), "score \(x)")
        }
    }

    @Test func nonFiniteScoreIsAnErrorNotInvalidJSON() {
        for x in [Float.nan, .infinity, -.infinity] {
            let value = RecommendationsResponse(model: "m", modelVersion: 1, user: nil, foldIn: false,
                                                recommendations: [WireItem(item: "1", title: "t", genres: [], score: x, because: nil)])
            #expect(throws: APIError.self) { _ = try value.json() }
        }
    }

    /// The hot route writes rows straight from the metadata (ids, titles with years, genres in bit
    /// order): the same bytes as the rows described and encoded by `JSONEncoder`.
    @Test func indexedRowsMatchDescribedRows() throws {
        let n = Self.awkwardStrings.count
        let catalog = ItemCatalog(titles: Self.awkwardStrings, years: (0..<n).map { $0 % 3 == 0 ? nil : 1990 + $0 },
                                  genres: (0..<n).map { GenreSet(rawValue: UInt64(($0 * 5) % 16)) }, genreNames: ["Action", "Drama \"noir\"", "Comedy", "Sci-Fi"])
        var ids = IDMap<ItemID>()
        for i in 0..<n { _ = ids.insert(ItemID(i == 2 ? "quoted \"id\"" : "\(100 + i)")) }
        var users = IDMap<UserID>()
        _ = users.insert(UserID("u"))
        let metadata = ModelMetadata(userIDs: users, itemIDs: ids, catalog: catalog,
                                     seen: SparseMatrix(rowCount: 1, columnCount: n, rowOffsets: [0, 0], columns: [], values: []), ratingScale: nil)
        let rows = (0..<n).reversed().map { ScoredIndex(index: ItemIndex($0), score: Self.awkwardNumbers[$0]) }
        let reasons: [[[WireItem.Reason]]?] = [nil, rows.indices.map { [WireItem.Reason(item: "r\($0)", title: Self.awkwardStrings[$0], contribution: 0.5)] }]
        for because in reasons {
            let indexed = IndexedRows(rows: rows, because: because, metadata: metadata)
            let described = RecommendationsResponse(model: "ials", modelVersion: 2, user: "u", foldIn: false, recommendations: indexed.items)
            let written = Self.bytes(try RecommendationsResponse.json(model: "ials", modelVersion: 2, user: "u", foldIn: false, rows: indexed))
            let encoded = Array(try Self.encoder.encode(described))
            #expect(written == encoded)
            #expect(indexed.items.map(\.title) == rows.map { catalog.displayTitle($0.index) })
        }
    }
}
