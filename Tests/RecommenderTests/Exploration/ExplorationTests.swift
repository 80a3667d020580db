import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// Four users, four movies (two share the title "Alpha (1990)", one has no rating), eight ratings.
/// Every expected figure below is computed by hand.
private func fixture() -> Dataset {
    let userIDs = IDMap<UserID>(["1", "2", "3", "4"])
    let itemIDs = IDMap<ItemID>(["10", "20", "30", "40"])
    //            u1 i10 5, u1 i20 3, u2 i10 4, u2 i30 2, u3 i10 3, u3 i20 4, u3 i30 5, u4 i20 1
    let interactions = Interactions(users: [0, 0, 1, 1, 2, 2, 2, 3], items: [0, 1, 0, 2, 0, 1, 2, 1],
                                    ratings: [5, 3, 4, 2, 3, 4, 5, 1], userCount: 4, itemCount: 4)
    let comedy = GenreSet(index: 0), drama = GenreSet(index: 1)
    let catalog = ItemCatalog(titles: ["Alpha", "Beta", "Alpha", "Gamma"], years: [1990, 1995, 1990, 2000],
                              genres: [comedy, drama, comedy.union(drama), drama], genreNames: ["Comedy", "Drama"])
    let users = UserTable(ages: [20, 30, 40, 55], sexes: ["M", "F", "M", "M"],
                          occupations: ["student", "artist", "student", "other"],
                          zipCodes: ["11111", "22222", "11111", "33333"])
    return Dataset(name: "tiny", userIDs: userIDs, itemIDs: itemIDs, interactions: interactions,
                   catalog: catalog, userTable: users, ratingScale: 1...5)
}

@Suite("Exploration")
struct ExplorationTests {
    @Test func describeMatchesPandas() throws {
        // Ages 20, 30, 40, 55: mean 36.25; squared deviations sum to 668.75, / 3 -> std 14.9304;
        // quartile positions 0.75, 1.5, 2.25 -> 27.5, 35, 43.75.
        let s = try #require(NumericSummary([20, 30, 40, 55]))
        #expect(s.count == 4)
        #expect(abs(s.mean - 36.25) < 1e-12)
        #expect(abs(s.standardDeviation - (668.75 / 3).squareRoot()) < 1e-12)
        #expect(abs(s.standardDeviation - 14.9304) < 1e-4)
        #expect(s.minimum == 20 && s.maximum == 55)
        #expect(abs(s.firstQuartile - 27.5) < 1e-12)
        #expect(abs(s.median - 35) < 1e-12)
        #expect(abs(s.thirdQuartile - 43.75) < 1e-12)
        #expect(NumericSummary([]) == nil)
        #expect(NumericSummary([.nan]) == nil)
        let single = try #require(NumericSummary([7, .infinity]))
        #expect(single.count == 1 && single.median == 7 && single.standardDeviation.isNaN)
    }

    @Test func valueCountsAreSortedByCountThenName() {
        let counts = CategoryCount.counts(of: ["b", "a", "c", "b", "c", "c"])
        #expect(counts == [CategoryCount(name: "c", count: 3), CategoryCount(name: "b", count: 2), CategoryCount(name: "a", count: 1)])
    }

    @Test func summarisesTheUserTable() throws {
        let e = try DatasetExploration(dataset: fixture())
        #expect(e.userCount == 4 && e.itemCount == 4 && e.ratingCount == 8)
        let users = try #require(e.userSummary)
        #expect(users.userCount == 4)
        #expect(abs((users.age?.mean ?? 0) - 36.25) < 1e-12)
        #expect(users.sexes == [CategoryCount(name: "M", count: 3), CategoryCount(name: "F", count: 1)])
        #expect(users.occupations.map(\.name) == ["student", "artist", "other"])
        #expect(users.occupations.map(\.count) == [2, 1, 1])
        #expect(users.zipCodes.first == CategoryCount(name: "11111", count: 2))
        #expect(e.occupationNames == ["artist", "other", "student"])
    }

    @Test func perMovieAndPerUserStatistics() throws {
        let e = try DatasetExploration(dataset: fixture())
        // i10: 5, 4, 3 -> 3 ratings, mean 4; i20: 3, 4, 1 -> mean 8/3; i30: 2, 5 -> mean 3.5; i40 unrated.
        #expect(e.items.map(\.item) == [0, 1, 2])
        #expect(e.items.map(\.count) == [3, 3, 2])
        let means = e.items.map(\.mean)
        #expect(abs(means[0] - 4) < 1e-12 && abs(means[1] - 8.0 / 3) < 1e-12 && abs(means[2] - 3.5) < 1e-12)
        // u1: 5, 3; u2: 4, 2; u3: 3, 4, 5; u4: 1.
        #expect(e.users.map(\.count) == [2, 2, 3, 1])
        expectClose(e.users.map(\.mean), [4.0, 3, 4, 1], absolute: 1e-12)
        let h = e.histograms
        #expect(h.ratingsPerUser == [2, 2, 3, 1])
        #expect(h.ratingsPerItem == [3, 3, 2])
        #expect(h.ratingValues == [5, 3, 4, 2, 3, 4, 5, 1])
        #expect(h.meanItemRating.count == 3 && h.meanUserRating.count == 4)
    }

    @Test func topListsAndAmbiguousTitles() throws {
        let e = try DatasetExploration(dataset: fixture())
        // Count tie between i10 and i20 (3 each) is broken by the higher mean.
        #expect(e.topByCount(2).map(\.item) == [0, 1])
        #expect(e.topByCount(10).count == 3)
        // More than 1 rating: all three, by mean 4 > 3.5 > 2.67; more than 2: i30 (2 ratings) drops out.
        #expect(e.topByMean(5, minimumRatings: 1).map(\.item) == [0, 2, 1])
        #expect(e.topByMean(5, minimumRatings: 2).map(\.item) == [0, 1])
        #expect(e.topByMean(5).isEmpty)   // default: more than 20
        #expect(e.displayName(of: 0) == "Alpha (1990) [id 10]")
        #expect(e.displayName(of: 2) == "Alpha (1990) [id 30]")
        #expect(e.displayName(of: 1) == "Beta (1995)")
    }

    @Test func filtersByOccupationAndGenre() throws {
        let students = try DatasetExploration(dataset: fixture(), filter: ExplorationFilter(occupation: "Student"))
        // u1 and u3: 2 + 3 ratings.
        #expect(students.userCount == 2 && students.ratingCount == 5 && students.itemCount == 4)
        #expect(students.userSummary?.userCount == 2)
        #expect(abs((students.userSummary?.age?.mean ?? 0) - 30) < 1e-12)
        #expect(students.users.map(\.user) == [0, 2])
        let drama = try DatasetExploration(dataset: fixture(), filter: ExplorationFilter(genre: "drama"))
        // i20, i30, i40: ratings 3, 4, 1 and 2, 5.
        #expect(drama.itemCount == 3 && drama.ratingCount == 5)
        #expect(drama.items.map(\.item) == [1, 2])
        #expect(drama.userCount == 4 && drama.users.map(\.user) == [0, 1, 2, 3])
        let both = try DatasetExploration(dataset: fixture(), filter: ExplorationFilter(occupation: "student", genre: "Drama"))
        // u1 i20 3; u3 i20 4, u3 i30 5.
        #expect(both.ratingCount == 3)
        #expect(both.items.map(\.count) == [2, 1])
    }

    @Test func unknownFilterNamesListTheValidOnes() {
        #expect(throws: DataError.invalidInput("unknown occupation 'pilot'; valid: artist, other, student")) {
            try DatasetExploration(dataset: fixture(), filter: ExplorationFilter(occupation: "pilot"))
        }
        #expect(throws: DataError.invalidInput("unknown genre 'Opera'; valid: Comedy, Drama")) {
            try DatasetExploration(dataset: fixture(), filter: ExplorationFilter(genre: "Opera"))
        }
        var noUsers = fixture()
        noUsers.userTable = nil
        #expect(throws: DataError.self) {
            try DatasetExploration(dataset: noUsers, filter: ExplorationFilter(occupation: "student"))
        }
        #expect((try? DatasetExploration(dataset: noUsers))?.userSummary == nil)
    }
}

// MARK: - MovieLens 100K (the notebook's published figures)

@Suite("Exploration on ML-100K", .enabled(if: TestData.hasML100K, TestData.missingML100K))
struct ML100KExplorationTests {
    @Test func matchesTheNotebook() throws {
        let dataset = try TestData.loadML100K()
        let e = try DatasetExploration(dataset: dataset)
        #expect(e.userCount == 943)
        #expect(e.itemCount == 1682)
        #expect(e.ratingCount == 100_000)

        let users = try #require(e.userSummary)
        let age = try #require(users.age)
        #expect(age.count == 943)
        #expect(abs(age.mean - 34.052) < 5e-4)
        #expect(abs(age.standardDeviation - 12.193) < 5e-4)
        #expect(age.minimum == 7 && age.maximum == 73)
        #expect(age.firstQuartile == 25 && age.median == 31 && age.thirdQuartile == 43)
        #expect(users.sexes.first { $0.name == "M" }?.count == 670)
        #expect(users.occupations.count == 21)
        #expect(users.occupations.first == CategoryCount(name: "student", count: 196))

        let byCount = e.topByCount(5)
        #expect(byCount.map { e.displayName(of: $0.item) } ==
                ["Star Wars (1977)", "Contact (1997)", "Fargo (1996)", "Return of the Jedi (1983)", "Liar Liar (1997)"])
        #expect(byCount.map(\.count) == [583, 509, 508, 507, 485])
        #expect(abs(byCount[0].mean - 4.358) < 5e-4)

        let byMean = e.topByMean(4, minimumRatings: 20)
        #expect(byMean.map { dataset.catalog.titles[Int($0.item)] } ==
                ["Close Shave, A", "Schindler's List", "Wrong Trousers, The", "Casablanca"])
        expectClose(byMean.map(\.mean), [4.491, 4.466, 4.466, 4.457], absolute: 5e-4)
        #expect(byMean.allSatisfy { $0.count > 20 })

        // Titles that appear twice under different ids are kept apart and labelled with their id.
        let names = (0..<dataset.itemCount).map { e.displayName(of: ItemIndex($0)) }
        #expect(Set(names).count == names.count)
        #expect(names.contains { $0.hasSuffix("]") && $0.contains("[id ") })
    }
}
