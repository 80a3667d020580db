import Foundation
import Testing
import Recommender
import RecommenderTestSupport

/// Issue 11 item 2: header names decide the roles, whatever their order; a header that could
/// swap roles is refused with a message naming the columns; item 3: generic items files.
@Suite struct ColumnRolesTests {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch let error as DataError { return error.description } catch { return "\(error)" }
    }

    @Test func bookHeadersFindTheirRoles() throws {
        let folder = try TemporaryFolder()
        // Books first, readers second: the readers are the users.
        let books = try DelimitedRatingsLoader.load(ratings: folder.write("books.csv", "isbn,reader,stars\nb1,r1,8\nb2,r1,3\nb1,r2,10\n"))
        #expect(books.userIDs.ids == ["r1", "r2"] && books.itemIDs.ids == ["b1", "b2"])
        #expect(books.interactions.ratings == [8, 3, 10])
        #expect(books.report.notes.first?.contains("user column 2 'reader', item column 1 'isbn', rating column 3 'stars'") == true,
                "\(books.report.notes)")
        // Four reordered columns, the timestamp first.
        let reordered = try DelimitedRatingsLoader.load(ratings: folder.write("r.tsv", "ts\tisbn\tstars\treader\n100\tb1\t8\tr1\n101\tb2\t3\tr2\n"))
        #expect(reordered.userIDs.ids == ["r1", "r2"] && reordered.itemIDs.ids == ["b1", "b2"])
        #expect(reordered.interactions.timestamps == [100, 101] && reordered.interactions.ratings == [8, 3])
        // Plays of songs by listeners: implicit strength in a count column.
        let plays = try DelimitedRatingsLoader.load(ratings: folder.write("p.csv", "listener,track,plays\nl1,t1,12\nl2,t1,1\n"))
        #expect(plays.userIDs.ids == ["l1", "l2"] && plays.interactions.ratings == [12, 1])
    }

    @Test func ambiguousHeadersAreRefusedNamingColumns() throws {
        let folder = try TemporaryFolder()
        let twoUsers = try folder.write("a.csv", "user_id,customer,item,rating\n1,2,3,4\n")
        let m1 = message { _ = try DelimitedRatingsLoader.load(ratings: twoUsers) }
        #expect(m1.contains("column 1 'user_id' and column 2 'customer' could each be the user column") && m1.contains("--user-column"), "\(m1)")
        // No user name; the first column is named like a timestamp: no silent guess.
        let noUser = try folder.write("b.csv", "ts,product,stars\n100,p1,4\n")
        let m2 = message { _ = try DelimitedRatingsLoader.load(ratings: noUser) }
        #expect(m2.contains("which column holds the user ids") && m2.contains("column 1 'ts' looks like the timestamp column"), "\(m2)")
        // Two roles on one column name both roles and the column.
        let same = try folder.write("c.csv", "user,item,rating\nu,i,3\n")
        let m3 = message { _ = try DelimitedRatingsLoader.load(ratings: same, options: DelimitedFileOptions(item: .name("user"))) }
        #expect(m3.contains("the user and the item would both be column 1 'user'"), "\(m3)")
        // The same names chosen explicitly load.
        let chosen = try DelimitedRatingsLoader.load(ratings: noUser, options: DelimitedFileOptions(user: .name("ts"), timestamp: .none))
        #expect(chosen.userIDs.ids == ["100"] && chosen.interactions.ratings == [4])
    }

    @Test func unknownHeaderNamesFallBackToPositions() throws {
        let folder = try TemporaryFolder()
        let d = try DelimitedRatingsLoader.load(ratings: folder.write("x.csv", "a,b,c\nu1,i1,3\nu2,i1,4\n"))
        #expect(d.userIDs.ids == ["u1", "u2"] && d.interactions.ratings == [3, 4])
        #expect(d.report.notes.first?.contains("user column 1 'a', item column 2 'b'") == true, "\(d.report.notes)")
        // A header with a user name and a timestamp where the rating would be: implicit, not swapped.
        let clicks = try DelimitedRatingsLoader.load(ratings: folder.write("y.csv", "user,item,ts\nu1,i1,100\nu2,i2,200\n"))
        #expect(!clicks.hasExplicitRatings && clicks.interactions.timestamps == [100, 200])
    }

    @Test func genericItemsFiles() throws {
        let folder = try TemporaryFolder()
        let ratings = try folder.write("ratings.csv", "reader,isbn,stars\nr1,b1,8\nr1,b2,3\nr2,b3,10\n")
        // A header in any order, categories separated by '|' or ';', an empty year.
        let items = try folder.write("books.csv", "year,isbn,title,categories\n1998,b1,\"Dune, Messiah\",Sci-Fi|Classics\n,b2,Emma,Romance; Classics\n2001,b3,Atonement,\n")
        let d = try DelimitedRatingsLoader.load(ratings: ratings, items: items)
        #expect(d.itemNoun == "item")
        #expect(d.catalog.titles == ["Dune, Messiah", "Emma", "Atonement"])
        #expect(d.catalog.years == [1998, nil, 2001])
        #expect(d.catalog.genreNames == ["Sci-Fi", "Classics", "Romance"])
        #expect(d.catalog.genreNames(of: ItemIndex(0)) == ["Sci-Fi", "Classics"])
        #expect(d.catalog.genreNames(of: ItemIndex(1)) == ["Classics", "Romance"])
        // Tab-separated without a header: id, title, categories.
        let tsv = try folder.write("items.tsv", "b1\tDune\tSci-Fi\nb2\tEmma\tRomance|Classics\n")
        let t = try DelimitedRatingsLoader.load(ratings: ratings, items: tsv)
        #expect(t.catalog.titles.prefix(2) == ["Dune", "Emma"] && t.catalog.genreNames == ["Sci-Fi", "Romance", "Classics"])
        // MovieLens items keep the "movie" noun.
        let movieRatings = try folder.write("mr.csv", "userId,movieId,rating\n1,7,4\n")
        let movies = try folder.write("movies.csv", "movieId,title,genres\n7,Toy Story (1995),Animation|Children\n")
        let m = try DelimitedRatingsLoader.load(ratings: movieRatings, items: movies)
        #expect(m.itemNoun == "movie" && m.catalog.years == [1995] && m.catalog.genreNames(of: ItemIndex(0)) == ["Animation", "Children's"])
    }

    @Test func badGenericItemsLinesNameTheLine() throws {
        let folder = try TemporaryFolder()
        let ratings = try folder.write("ratings.csv", "reader,isbn,stars\nr1,b1,8\n")
        let badYear = try folder.write("a.csv", "id,title,year\nb1,Dune,19x8\n")
        let m1 = message { _ = try DelimitedRatingsLoader.load(ratings: ratings, items: badYear) }
        #expect(m1.contains("a.csv:2:") && m1.contains("year '19x8'"), "\(m1)")
        let noTitle = try folder.write("b.csv", "id,genre\nb1,Drama\n")
        let m2 = message { _ = try DelimitedRatingsLoader.load(ratings: ratings, items: noTitle) }
        #expect(m2.contains("b.csv:1:") && m2.contains("needs an id and a title column"), "\(m2)")
        let twice = try folder.write("c.csv", "b1,Dune\nb1,Emma\n")
        let m3 = message { _ = try DelimitedRatingsLoader.load(ratings: ratings, items: twice) }
        #expect(m3.contains("c.csv:2:") && m3.contains("appears twice"), "\(m3)")
    }
}
