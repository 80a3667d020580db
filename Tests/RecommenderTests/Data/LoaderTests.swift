import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// A small ML-100K written in both the original and the RecBole layout.
enum ML100KFixture {
    static let ratings: [(Int, Int, Int, Int)] = [
        (196, 242, 3, 881250949), (186, 302, 3, 891717742), (22, 377, 1, 878887116), (196, 50, 5, 881250950),
        (22, 50, 4, 878887200), (186, 267, 2, 891717800), (196, 242, 4, 881251000), (22, 543, 5, 878887300),
    ]
    /// id, title as in u.item, release date, genres.
    static let items: [(Int, String, String, [String])] = [
        (242, "Kolya (1996)", "24-Jan-1997", ["Comedy"]),
        (302, "L.A. Confidential (1997)", "01-Jan-1997", ["Crime", "Film-Noir", "Mystery", "Thriller"]),
        (377, "Heavyweights (1994)", "01-Jan-1994", ["Children's", "Comedy"]),
        (50, "Star Wars (1977)", "01-Jan-1977", ["Action", "Adventure", "Romance", "Sci-Fi", "War"]),
        (267, "unknown", "", ["unknown"]),
        (543, "Misérables, Les (1995)", "01-Jan-1995", ["Drama", "Musical"]),
        (1, "Toy Story (1995)", "01-Jan-1995", ["Animation", "Children's", "Comedy"]),
    ]
    static let users = ["1|24|M|technician|85711", "22|25|M|writer|40206", "186|39|F|executive|00000", "196|49|M|writer|55105"]

    static func writeOriginal(in folder: TemporaryFolder, subfolder: String = "orig") throws {
        try folder.write("\(subfolder)/u.data", ratings.map { "\($0.0)\t\($0.1)\t\($0.2)\t\($0.3)" }.joined(separator: "\n") + "\n")
        let itemLines = items.map { id, title, date, genres -> String in
            let flags = MovieLensGenres.standard.map { genres.contains($0) ? "1" : "0" }.joined(separator: "|")
            return "\(id)|\(title)|\(date)||http://us.imdb.com/M/title-exact?x|\(flags)"
        }
        try folder.write("\(subfolder)/u.item", bytes: latin1(itemLines.joined(separator: "\n") + "\n"))
        try folder.write("\(subfolder)/u.user", users.joined(separator: "\n") + "\n")
    }

    static func writeRecBole(in folder: TemporaryFolder, subfolder: String = "ml-100k") throws {
        try folder.write("\(subfolder)/ml-100k.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
            + ratings.map { "\($0.0)\t\($0.1)\t\($0.2)\t\($0.3)" }.joined(separator: "\n") + "\n")
        let itemLines = items.map { id, title, _, genres -> String in
            if id == 267 { return "267\tunkonwn\tunkonwn\tunknown" }
            let (name, year) = splitTitleYear(title)
            return "\(id)\t\(name)\t\(year!)\t\(genres.joined(separator: " "))"
        }
        try folder.write("\(subfolder)/ml-100k.item", "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
            + itemLines.joined(separator: "\n") + "\n")
        try folder.write("\(subfolder)/ml-100k.user", "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
            + users.map { $0.replacingOccurrences(of: "|", with: "\t") }.joined(separator: "\n") + "\n")
    }
}

@Suite struct ML100KLayoutTests {
    @Test func originalFilesLoad() throws {
        let folder = try TemporaryFolder()
        try ML100KFixture.writeOriginal(in: folder)
        let d = try MovieLens100KLoader.load(directory: folder.path("orig"))
        #expect(d.userIDs.ids == ["196", "186", "22", "1"])
        #expect(d.itemIDs.ids == ["242", "302", "377", "50", "267", "543", "1"])
        #expect(d.interactions.count == 7)
        #expect(d.report.duplicatesDropped == 1 && d.report.linesRead == 8)
        // The duplicate (196, 242) keeps its last rating, 4, and the rows stay in file order.
        #expect(d.interactions.ratings == [3, 1, 5, 4, 2, 4, 5])
        #expect(d.interactions.timestamps?.first == 891717742)
        let starWars = try #require(d.itemIDs.index(of: "50"))
        #expect(d.catalog.titles[Int(starWars)] == "Star Wars")
        #expect(d.catalog.years[Int(starWars)] == 1977)
        #expect(d.catalog.displayTitle(starWars) == "Star Wars (1977)")
        #expect(d.catalog.genreNames(of: starWars) == ["Action", "Adventure", "Romance", "Sci-Fi", "War"])
        let miserables = try #require(d.itemIDs.index(of: "543"))
        #expect(d.catalog.titles[Int(miserables)] == "Misérables, Les")
        let unknown = try #require(d.itemIDs.index(of: "267"))
        #expect(d.catalog.titles[Int(unknown)] == "unknown" && d.catalog.years[Int(unknown)] == nil)
        #expect(d.catalog.genreNames == MovieLensGenres.standard)
        let table = try #require(d.userTable)
        #expect(table.ages == [49, 39, 25, 24])
        #expect(table.sexes == ["M", "F", "M", "M"])
        #expect(table.zipCodes[1] == "00000")
        #expect(d.ratingScale == 1...5 && d.hasExplicitRatings)
    }

    @Test func recBoleAndOriginalLayoutsCompareEqual() throws {
        let folder = try TemporaryFolder()
        try ML100KFixture.writeOriginal(in: folder)
        try ML100KFixture.writeRecBole(in: folder)
        let original = try MovieLens100KLoader.load(directory: folder.path("orig"))
        let recBole = try RecBoleLoader.load(directory: folder.path("ml-100k"), name: "ml-100k")
        #expect(sameContent(original, recBole) == [])
        // And through the locator, which detects each layout.
        try FileManager.default.createDirectory(at: folder.path("other"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: folder.path("orig"), to: folder.path("other/ml-100k"))
        let located = try DatasetLocator.load(name: "ml-100k", dataDirectory: folder.path("other"))
        #expect(sameContent(located, recBole) == [])
        #expect(located.report.notes.first == "layout: ml-100k")
    }

    @Test func recBoleNonNumericYearGoesBackIntoTheTitle() throws {
        let folder = try TemporaryFolder()
        try folder.write("x/x.inter", "user_id:token\titem_id:token\n7\t1412\n")
        try folder.write("x/x.item", "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1412\tLand Before Time III: The Time of the Great Giving (1995)\tV\tAnimation Children's\n")
        let d = try RecBoleLoader.load(directory: folder.path("x"), name: "x")
        #expect(d.catalog.titles == ["Land Before Time III: The Time of the Great Giving (1995) (V)"])
        #expect(d.catalog.years == [nil])
        #expect(!d.hasExplicitRatings && d.interactions.ratings == [1] && d.interactions.timestamps == nil)
    }

    @Test func givenSplitsUseTheDataSetIndices() throws {
        let folder = try TemporaryFolder()
        try ML100KFixture.writeOriginal(in: folder)
        try folder.write("orig/u1.base", "196\t242\t3\t881250949\n22\t50\t4\t878887200\n")
        try folder.write("orig/u1.test", "186\t302\t3\t891717742\n")
        let d = try MovieLens100KLoader.load(directory: folder.path("orig"))
        let split = try MovieLens100KLoader.loadGivenSplit("u1", directory: folder.path("orig"), dataset: d)
        #expect(split.train.count == 2 && split.test.count == 1)
        #expect(split.train.userCount == d.userCount && split.train.itemCount == d.itemCount)
        #expect(split.train.users == [d.userIDs.index(of: "196")!.rawValue, d.userIDs.index(of: "22")!.rawValue])
        #expect(split.train.items == [d.itemIDs.index(of: "242")!.rawValue, d.itemIDs.index(of: "50")!.rawValue])
        #expect(split.test.items == [d.itemIDs.index(of: "302")!.rawValue])
        #expect(dataError { try MovieLens100KLoader.loadGivenSplit("u2", directory: folder.path("orig"), dataset: d) }
                == .missingFile(path: folder.path("orig/u2.base").path))
    }

    @Test(.enabled(if: TestData.hasML100K, TestData.missingML100K))
    func realML100K() throws {
        let d = try TestData.loadML100K()
        #expect(d.userCount == 943 && d.itemCount == 1682 && d.interactions.count == 100_000)
        #expect(d.report.duplicatesDropped == 0)
        let starWars = try #require(d.itemIDs.index(of: "50"))
        #expect(d.catalog.displayTitle(starWars) == "Star Wars (1977)")
        #expect(d.catalog.genreNames(of: starWars) == ["Action", "Adventure", "Romance", "Sci-Fi", "War"])
        #expect(d.interactions.byItem().count(ofRow: Int(starWars)) == 583)
        #expect(d.userTable?.count == 943)
        #expect(d.catalog.titles[Int(d.itemIDs.index(of: "267")!)] == "unknown")
        // Single-thread mode gives the same data set.
        let single = try DatasetLocator.load(name: "ml-100k", dataDirectory: TestData.directory, threads: 1)
        #expect(sameContent(d, single) == [])
    }
}

@Suite struct MovieLensLargerLayoutTests {
    @Test func ml1mDatFilesWithLatin1Titles() throws {
        let folder = try TemporaryFolder()
        try folder.write("ml-1m/ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n")
        try folder.write("ml-1m/movies.dat", bytes: latin1("1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children's|Musical\n3::Misérables, Les (1995)::Drama|Musical\n"))
        try folder.write("ml-1m/users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n")
        let d = try DatasetLocator.load(name: "ml-1m", dataDirectory: folder.url)
        #expect(d.itemIDs.ids == ["1193", "661", "3"] && d.userIDs.ids == ["1", "2"])
        #expect(d.catalog.titles == ["One Flew Over the Cuckoo's Nest", "James and the Giant Peach", "Misérables, Les"])
        #expect(d.catalog.years == [1975, 1996, 1995])
        #expect(d.catalog.genreNames(of: 1) == ["Animation", "Children's", "Musical"])
        #expect(d.userTable?.occupations == ["K-12 student", "self-employed"])
        #expect(d.userTable?.ages == [1, 56])
        #expect(d.ratingScale == 1...5)
    }

    @Test func ml10mDatFilesAreUTF8WithHalfStars() throws {
        let folder = try TemporaryFolder()
        try folder.write("ml-10m/ratings.dat", "1::122::5::838985046\n1::185::4.5::838983525\n")
        try folder.write("ml-10m/movies.dat", "122::Boomerang (1992)::Comedy|Romance\n185::Net, The (1995)::Action|Crime|Thriller|IMAX\n5::Café (2001)::Children\n")
        let d = try DatasetLocator.load(name: "ml-10m", dataDirectory: folder.url)
        #expect(d.interactions.ratings == [5, 4.5])
        #expect(d.catalog.titles[2] == "Café")
        #expect(d.catalog.genreNames.last == "IMAX")
        #expect(d.catalog.genreNames(of: 1) == ["Action", "Crime", "Thriller", "IMAX"])
        #expect(d.catalog.genreNames(of: 2) == ["Children's"])
        #expect(d.ratingScale == 0.5...5)
    }

    @Test func aFolderHoldingOneSubfolderIsLookedInto() throws {
        let folder = try TemporaryFolder()
        try folder.write("ml-10m/ml-10M100K/ratings.dat", "1::122::5::838985046\n")
        let found = try DatasetLocator.detectLayout(in: folder.path("ml-10m"))
        #expect(found.layout == .movieLensDat && found.folder.lastPathComponent == "ml-10M100K")
        #expect(try DatasetLocator.load(name: "ml-10m", dataDirectory: folder.url).interactions.count == 1)
    }

    @Test func ml25mCSVFilesWithQuotedTitles() throws {
        let folder = try TemporaryFolder()
        try folder.write("ml-25m/ratings.csv", "userId,movieId,rating,timestamp\r\n1,296,5.0,1147880044\r\n1,306,3.5,1147868817\r\n2,1,0.5,1141415820\r\n")
        try folder.write("ml-25m/movies.csv", #"""
            movieId,title,genres
            1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
            296,"Pulp Fiction, The (1994)",Comedy|Crime|Drama|Thriller
            306,"Three Colors: Red (Trois couleurs: Rouge) (1994)",Drama
            7,"Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1964)",Comedy|War
            8,"""Great Performances"" Cats (1998)",Musical
            9,Babylon 5,Sci-Fi
            10,Some Film (2019),(no genres listed)

            """#)
        let d = try DatasetLocator.load(name: "ml-25m", dataDirectory: folder.url)
        #expect(d.interactions.count == 3 && d.interactions.ratings == [5, 3.5, 0.5])
        #expect(d.itemIDs.ids.prefix(3) == ["296", "306", "1"])
        let titles = Dictionary(uniqueKeysWithValues: zipEqualLength(d.itemIDs.ids.map(\.rawValue), d.catalog.titles))
        let years = Dictionary(uniqueKeysWithValues: zipEqualLength(d.itemIDs.ids.map(\.rawValue), d.catalog.years))
        #expect(titles["296"] == "Pulp Fiction, The" && years["296"] == 1994)
        #expect(titles["8"] == "\"Great Performances\" Cats" && years["8"] == 1998)
        #expect(titles["9"] == "Babylon 5" && years["9"] == .some(nil))
        let none = try #require(d.itemIDs.index(of: "10"))
        #expect(d.catalog.genreNames(of: none) == ["unknown"])
        let toy = try #require(d.itemIDs.index(of: "1"))
        #expect(d.catalog.genreNames(of: toy) == ["Adventure", "Animation", "Children's", "Comedy", "Fantasy"])
        #expect(d.catalog.genreNames == MovieLensGenres.standard)
    }
}

@Suite struct OwnFileTests {
    @Test(arguments: [FieldSeparator.comma, .tab, .semicolon, .doubleColon, .pipe])
    func separatorsAndHeaderAreDetected(separator: FieldSeparator) throws {
        let folder = try TemporaryFolder()
        let s = separator.text
        let file = try folder.write("r.txt", ["user\(s)item\(s)rating\(s)timestamp", "u1\(s)i1\(s)4\(s)100", "u2\(s)i1\(s)2.5\(s)101", "u1\(s)i2\(s)5\(s)102"].joined(separator: "\n"))
        let d = try DelimitedRatingsLoader.load(ratings: file)
        #expect(d.userIDs.ids == ["u1", "u2"] && d.itemIDs.ids == ["i1", "i2"])
        #expect(d.interactions.ratings == [4, 2.5, 5] && d.interactions.timestamps == [100, 101, 102])
        #expect(d.hasExplicitRatings && d.name == "r")
        #expect(d.report.notes.first?.contains("separator: \(separator.rawValue); header: yes") == true)
    }

    @Test func noHeaderPositionalColumns() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("r.csv", "10,20,3\n10,21,4\n11,20,5\n")
        let d = try DelimitedRatingsLoader.load(ratings: file)
        #expect(d.interactions.count == 3 && d.interactions.timestamps == nil)
        #expect(d.report.notes.first?.contains("header: no") == true)
    }

    @Test func unnamedColumnsAreUsedOnlyWhenNumeric() throws {
        let folder = try TemporaryFolder()
        let implicit = try DelimitedRatingsLoader.load(ratings: folder.write("a.csv", "alice,book,gift\nbob,pen,self\n"))
        #expect(!implicit.hasExplicitRatings && implicit.interactions.ratings == [1, 1])
        let explicit = try DelimitedRatingsLoader.load(ratings: folder.write("b.tsv", "alice\tbook\t3\t1700000000\nbob\tpen\t4.5\t1700000001\n"))
        #expect(explicit.interactions.ratings == [3, 4.5] && explicit.interactions.timestamps == [1_700_000_000, 1_700_000_001])
    }

    @Test func implicitFeedbackWithChosenColumns() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("clicks.csv", "session,product,customer\ns1,p1,alice\ns2,p2,bob\ns3,p1,bob\n")
        let options = DelimitedFileOptions(user: .name("customer"), item: .position(2), rating: .none, timestamp: .none)
        let d = try DelimitedRatingsLoader.load(ratings: file, options: options)
        #expect(!d.hasExplicitRatings && d.ratingScale == nil)
        #expect(d.interactions.ratings == [1, 1, 1])
        #expect(d.userIDs.ids == ["alice", "bob"] && d.itemIDs.ids == ["p1", "p2"])
    }

    @Test func quotedTextIdsAndAnItemsFile() throws {
        let folder = try TemporaryFolder()
        let ratings = try folder.write("r.csv", "userId,movieId,rating\n\"Smith, Jo\",1,4\nann,2,3\n")
        let items = try folder.write("movies.csv", "movieId,title,genres\n1,Heat (1995),Action|Crime\n2,\"Net, The (1995)\",Action\n3,Unrated (2000),Drama\n")
        let d = try DelimitedRatingsLoader.load(ratings: ratings, items: items)
        #expect(d.userIDs.ids == ["Smith, Jo", "ann"])
        #expect(d.catalog.titles == ["Heat", "Net, The", "Unrated"] && d.itemCount == 3)
    }

    @Test func ratingScaleIsChecked() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("r.csv", "a,x,4\nb,y,7\n")
        let error = dataError { try DelimitedRatingsLoader.load(ratings: file, options: DelimitedFileOptions(ratingScale: 1...5)) }
        #expect(error == .malformedLine(file: file.path, line: 2, reason: "rating 7 is outside the scale 1...5"))
    }
}
