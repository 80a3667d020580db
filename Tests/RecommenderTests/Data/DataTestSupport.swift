import Foundation
@testable import Recommender

/// Latin-1 bytes of a string (every scalar must be < 256).
func latin1(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8($0.value) } }

/// Asserts two data sets hold the same content (ids, interactions, catalog, users, scale).
func sameContent(_ a: Dataset, _ b: Dataset) -> [String] {
    var differences: [String] = []
    if a.userIDs != b.userIDs { differences.append("user ids") }
    if a.itemIDs != b.itemIDs { differences.append("item ids") }
    if a.interactions != b.interactions { differences.append("interactions") }
    if a.catalog.titles != b.catalog.titles { differences.append("titles \(zip(a.catalog.titles, b.catalog.titles).filter { $0 != $1 })") }
    if a.catalog.years != b.catalog.years { differences.append("years") }
    if a.catalog.genres != b.catalog.genres { differences.append("genres") }
    if a.catalog.genreNames != b.catalog.genreNames { differences.append("genre names") }
    if a.userTable != b.userTable { differences.append("user table") }
    if a.ratingScale != b.ratingScale { differences.append("rating scale") }
    if a.hasExplicitRatings != b.hasExplicitRatings { differences.append("explicit") }
    if a.report.duplicatesDropped != b.report.duplicatesDropped { differences.append("duplicates") }
    return differences
}

/// The error a throwing expression raised, as a `DataError`.
func dataError(_ body: () throws -> Any) -> DataError? {
    do { _ = try body(); return nil } catch let error as DataError { return error } catch { return nil }
}
