import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// Every malformed input gets a `DataError` naming the file, the 1-based line and the problem.
@Suite struct BadInputTests {
    func loadUData(_ text: String) throws -> (URL, DataError?) {
        let folder = try TemporaryFolder("bad")
        let file = try folder.write("d/u.data", text)
        return (file, dataError { try MovieLens100KLoader.load(directory: folder.path("d")) })
    }

    @Test func wrongFieldCount() throws {
        let (file, error) = try loadUData("1\t2\t3\t100\n1\t3\t4\t101\n2\t2\t5\n")
        #expect(error == .malformedLine(file: file.path, line: 3, reason: "expected 4 fields separated by '\t', found 3"))
    }

    @Test func nonNumericRating() throws {
        let (file, error) = try loadUData("1\t2\t3\t100\n1\t3\tgood\t101\n")
        #expect(error == .malformedLine(file: file.path, line: 2, reason: "rating 'good' is not a number"))
    }

    @Test func nonNumericID() throws {
        let (file, error) = try loadUData("1\t2\t3\t100\nx7\t3\t4\t101\n")
        #expect(error == .malformedLine(file: file.path, line: 2, reason: "user id 'x7' is not a non-negative integer"))
    }

    @Test func nonNumericTimestamp() throws {
        let (file, error) = try loadUData("1\t2\t3\t100\n1\t3\t4\tyesterday\n")
        #expect(error == .malformedLine(file: file.path, line: 2, reason: "timestamp 'yesterday' is not an integer"))
    }

    @Test func ratingOutOfScale() throws {
        let (file, error) = try loadUData("1\t2\t3\t100\n\n1\t3\t6\t101\n")
        #expect(error == .malformedLine(file: file.path, line: 3, reason: "rating 6 is outside the scale 1...5"))
    }

    @Test func emptyAndBlankFiles() throws {
        let (emptyFile, emptyError) = try loadUData("")
        #expect(emptyError == .emptyFile(path: emptyFile.path))
        let (file, error) = try loadUData("\n  \n\r\n")
        #expect(error == .emptyFile(path: file.path))
        let folder = try TemporaryFolder("bad")
        let csv = try folder.write("ml-25m/ratings.csv", "userId,movieId,rating,timestamp\n")
        #expect(dataError { try MovieLensCSVLoader.load(directory: folder.path("ml-25m"), name: "ml-25m") } == .emptyFile(path: csv.path))
    }

    @Test func missingFilesAndFolders() throws {
        let folder = try TemporaryFolder("bad")
        #expect(dataError { try MovieLens100KLoader.load(directory: folder.url) } == .missingFile(path: folder.path("u.data").path))
        let error = dataError { try DatasetLocator.load(name: "ml-1m", dataDirectory: folder.url) }
        guard case .missingFile(let path) = error else { Issue.record("expected missingFile, got \(String(describing: error))"); return }
        #expect(path.contains("recommender data fetch ml-1m"))
        try folder.write("junk/readme.txt", "hello")
        guard case .unrecognizedLayout = dataError({ try DatasetLocator.load(name: "junk", dataDirectory: folder.url) }) else {
            Issue.record("expected unrecognizedLayout"); return
        }
        #expect(dataError { try DelimitedRatingsLoader.load(ratings: folder.path("nope.csv")) } == .missingFile(path: folder.path("nope.csv").path))
    }

    @Test func invalidUTF8InMoviesCSV() throws {
        let folder = try TemporaryFolder("bad")
        try folder.write("ml-25m/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,100\n")
        let movies = try folder.write("ml-25m/movies.csv", bytes: Array("movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Caf".utf8) + [0xE9] + Array(" (2001),Drama\n".utf8))
        let error = dataError { try DatasetLocator.load(name: "ml-25m", dataDirectory: folder.url) }
        #expect(error == .malformedLine(file: movies.path, line: 3, reason: "invalid UTF-8 (bad byte sequence at byte 4 of the field)"))
    }

    @Test func undecodableLatin1InUItem() throws {
        let folder = try TemporaryFolder("bad")
        try folder.write("d/u.data", "1\t2\t3\t100\n")
        let flags = Array(repeating: "0", count: 19).joined(separator: "|")
        let item = try folder.write("d/u.item", bytes: latin1("2|Good (1990)|01-Jan-1990||url|\(flags)\n3|Bad") + [0x01] + latin1(" (1990)|01-Jan-1990||url|\(flags)\n"))
        let error = dataError { try MovieLens100KLoader.load(directory: folder.path("d")) }
        #expect(error == .malformedLine(file: item.path, line: 2, reason: "undecodable Latin-1 text (control byte 0x1)"))
    }

    @Test func badGenreFlagAndReleaseDate() throws {
        let folder = try TemporaryFolder("bad")
        try folder.write("d/u.data", "1\t2\t3\t100\n")
        let flags = Array(repeating: "0", count: 18).joined(separator: "|")
        let item = try folder.write("d/u.item", "2|Good (1990)|01-Jan-1990||url|\(flags)|2\n")
        #expect(dataError { try MovieLens100KLoader.load(directory: folder.path("d")) }
                == .malformedLine(file: item.path, line: 1, reason: "genre flag 19 (Western) is '2', expected 0 or 1"))
        try folder.write("d/u.item", "2|Good (1990)|Jan 1990||url|\(flags)|0\n")
        #expect(dataError { try MovieLens100KLoader.load(directory: folder.path("d")) }
                == .malformedLine(file: item.path, line: 1, reason: "release date 'Jan 1990' is not a date like 01-Jan-1995"))
    }

    @Test func unterminatedQuoteAndWrongMovieFields() throws {
        let folder = try TemporaryFolder("bad")
        try folder.write("ml-20m/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,100\n")
        let movies = try folder.write("ml-20m/movies.csv", "movieId,title,genres\n1,\"Heat, The (1995),Action\n")
        #expect(dataError { try DatasetLocator.load(name: "ml-20m", dataDirectory: folder.url) }
                == .malformedLine(file: movies.path, line: 2, reason: "unterminated quoted field"))
        try folder.write("ml-20m/movies.csv", "movieId,title,genres\n1,Heat (1995)\n")
        #expect(dataError { try DatasetLocator.load(name: "ml-20m", dataDirectory: folder.url) }
                == .malformedLine(file: movies.path, line: 2, reason: "expected 3 fields (id, title, genres) separated by ',', found 2"))
    }

    @Test func recBoleHeaderWithoutIDColumns() throws {
        let folder = try TemporaryFolder("bad")
        let inter = try folder.write("x/x.inter", "uid:token\tiid:token\n1\t2\n")
        guard case .malformedLine(let file, let line, _) = dataError({ try RecBoleLoader.load(directory: folder.path("x"), name: "x") }) else {
            Issue.record("expected malformedLine"); return
        }
        #expect(file == inter.path && line == 1)
    }

    /// A bad line deep inside a large file, found by the parallel path's hand-over to the general parser.
    @Test func badLineInALargeFileIsReportedWithItsLineNumber() throws {
        let folder = try TemporaryFolder("bad")
        var text = "userId,movieId,rating,timestamp\n"
        for k in 0..<20_000 { text += k == 12_345 ? "5,7,4.0,12x\n" : "\(k % 500 + 1),\(k % 977 + 1),\(Double(k % 10 + 1) / 2),\(1_000_000 + k)\n" }
        let file = try folder.write("ml-latest-small/ratings.csv", text)
        let format = MovieLensCSVLoader.ratingsFormat(scale: 0.5...5)
        #expect(FastRatingsParser.parse(url: file, format: format, threads: 2, parallelThreshold: 1, blockSize: 4096) == nil)
        #expect(dataError { try DatasetLocator.load(name: "ml-latest-small", dataDirectory: folder.url) }
                == .malformedLine(file: file.path, line: 12_347, reason: "timestamp '12x' is not an integer"))
    }
}

extension ParsedRatings: Equatable {
    public static func == (a: ParsedRatings, b: ParsedRatings) -> Bool {
        a.userIDs == b.userIDs && a.itemIDs == b.itemIDs && a.interactions == b.interactions
            && a.linesRead == b.linesRead && a.duplicatesDropped == b.duplicatesDropped
    }
}

/// The parallel fast path gives exactly what the general parser gives.
@Suite struct FastPathTests {
    func randomFile(seed: UInt64, lines: Int, header: Bool, crlf: Bool, trailingNewline: Bool, blankLines: Bool) -> String {
        var g = SeededGenerator(seed: seed)
        var out = header ? "userId,movieId,rating,timestamp" + (crlf ? "\r\n" : "\n") : ""
        for k in 0..<lines {
            let user = g.nextInt(below: 300) * 7 + 1, item = g.nextInt(below: 2000) * 3
            let rating = Double(g.nextInt(below: 10) + 1) / 2
            // Rating and timestamp spellings the fused parser treats differently: "4.0", "4", "4.50", "4.5e0"; "123", "123.0".
            let variants = [String(rating), rating == rating.rounded() ? String(Int(rating)) : String(rating), String(format: "%.2f", rating), "\(rating)e0"]
            let time = 1_100_000_000 + g.nextInt(below: 1_000_000)
            out += "\(user),\(item),\(variants[g.nextInt(below: 4)]),\(g.nextInt(below: 5) == 0 ? "\(time).0" : "\(time)")"
            if k < lines - 1 || trailingNewline { out += crlf ? "\r\n" : "\n" }
            if blankLines && k % 997 == 0 { out += "\n" }
        }
        return out
    }

    @Test(arguments: [(1, true, false, true, false), (2, true, true, false, false), (3, false, false, true, true), (4, false, true, false, true)])
    func fastEqualsGeneral(seed: Int, header: Bool, crlf: Bool, trailingNewline: Bool, blankLines: Bool) throws {
        let folder = try TemporaryFolder("fast")
        let file = try folder.write("r.csv", randomFile(seed: UInt64(seed), lines: 30_000, header: header, crlf: crlf,
                                                         trailingNewline: trailingNewline, blankLines: blankLines))
        var format = MovieLensCSVLoader.ratingsFormat(scale: 0.5...5)
        format.hasHeader = header
        let general = try RatingsReader.readGeneral(url: file, format: format)
        #expect(general.duplicatesDropped > 0)
        for (threads, block) in [(1, 1 << 20), (2, 4096), (2, 333)] {
            let fast = try #require(FastRatingsParser.parse(url: file, format: format, threads: threads, parallelThreshold: 1, blockSize: block))
            #expect(fast == general, "threads \(threads), block \(block)")
        }
    }

    /// Long files of mostly plain lines with unusual ones sprinkled in (ids of 9–10 digits, long,
    /// negative or fractional timestamps, `4.50` ratings, CRLF endings), with and without a
    /// timestamp column, comma- and tab-separated: the C loop's structured pass (separator bit
    /// masks) leaves each unusual line to the line-by-line loop and picks up after it, and the
    /// result is the general parser's, at any block size.
    @Test(arguments: [(",", true), ("\t", true), (",", false)])
    func structuredAndLineLoopsAgree(separator: String, timestamps: Bool) throws {
        var g = SeededGenerator(seed: timestamps ? 13 : 14)
        var text = ""
        for _ in 0..<20_000 {
            let odd = g.nextInt(below: 10) == 0
            let kind = odd ? g.nextInt(below: 6) : -1
            let user = kind == 0 ? 1_000_000_000 + g.nextInt(below: 1_000_000_000) : 1 + g.nextInt(below: 99_999_999)
            let item = kind == 1 ? 100_000_000 + g.nextInt(below: 100_000) : g.nextInt(below: 5_000)
            let rating = kind == 2 ? "4.50" : ["4.5", "3", "0.5", "5.0"][g.nextInt(below: 4)]
            let time = kind == 3 ? "-\(g.nextInt(below: 1_000_000))" : kind == 4 ? "12345678901234567" : kind == 5 ? "1234567890.5"
                : String(1_000_000_000 + g.nextInt(below: 1_000_000_000))
            let fields = timestamps ? ["\(user)", "\(item)", rating, time] : ["\(user)", "\(item)", rating]
            text += fields.joined(separator: separator) + (odd && g.nextInt(below: 3) == 0 ? "\r\n" : "\n")
        }
        let folder = try TemporaryFolder("fast")
        let file = try folder.write("r.txt", text)
        let format = RatingsFileFormat(separator: separator == "," ? .comma : .tab, hasHeader: false, userColumn: 0, itemColumn: 1,
                                       ratingColumn: 2, timestampColumn: timestamps ? 3 : nil, fieldCount: timestamps ? 4 : 3,
                                       ratingScale: 0.5...5, integerIDs: true, quoting: separator == ",")
        let general = try RatingsReader.readGeneral(url: file, format: format)
        #expect(general.interactions.count > 15_000)
        for (threads, block) in [(1, 1 << 20), (2, 4096), (2, 150)] {
            let fast = try #require(FastRatingsParser.parse(url: file, format: format, threads: threads, parallelThreshold: 1, blockSize: block))
            #expect(fast == general, "threads \(threads), block \(block)")
        }
    }

    /// Numbers at the edges of the C loop's eight-digit steps (ids of 1 to 10 digits up to 2³¹−1,
    /// timestamps of up to 18 digits, signed, with fractions), separators at the end of a block.
    @Test func edgeNumbersOfThePlainLayout() throws {
        var g = SeededGenerator(seed: 11)
        let ids: [Int] = [0, 1, 9, 10, 99, 12_345_678, 99_999_999, 100_000_000, 123_456_789, 1_000_000_000, 2_147_483_647]
        let times = ["0", "-1", "7", "12345678", "123456789", "-1234567890", "1234567890.25", "123456789012345678", "-99999999", "42.",
                     "1234567890123456", "123456789012345", "12345678901234567", "9999999999999999"]
        var text = "userId,movieId,rating,timestamp\n"
        for k in 0..<5_000 {
            let rating = ["4.5", "3", "0.5", "5.0", "2.50", "1e0"][g.nextInt(below: 6)]
            text += "\(ids[g.nextInt(below: ids.count)]),\(ids[(k * 7) % ids.count]),\(rating),\(times[g.nextInt(below: times.count)])\n"
        }
        let folder = try TemporaryFolder("fast")
        let file = try folder.write("r.csv", text)
        let format = MovieLensCSVLoader.ratingsFormat(scale: 0.5...5)
        let general = try RatingsReader.readGeneral(url: file, format: format)
        for (threads, block) in [(1, 1 << 20), (2, 4096), (2, 61)] {
            let fast = try #require(FastRatingsParser.parse(url: file, format: format, threads: threads, parallelThreshold: 1, blockSize: block))
            #expect(fast == general, "threads \(threads), block \(block)")
        }
        // Lines the general parser refuses or reads differently make the fast path give up.
        for bad in ["1,2147483648,4.0,1\n", "1,12345678901,4.0,1\n", "01,2,4.0,1\n", "1,2,5.5,1\n", "1,2,4.0,1234567890123456789\n", "1,2,4.0\n"] {
            let badFile = try folder.write("bad.csv", "userId,movieId,rating,timestamp\n1,2,3.0,4\n" + bad)
            #expect(FastRatingsParser.parse(url: badFile, format: format, threads: 1) == nil, "\(bad)")
        }
    }

    @Test func textIDsFallBackToTheGeneralParser() throws {
        let folder = try TemporaryFolder("fast")
        let file = try folder.write("r.csv", "u1,7,4\n007,8,3\n")
        let format = RatingsFileFormat(separator: .comma, hasHeader: false, userColumn: 0, itemColumn: 1, ratingColumn: 2,
                                       timestampColumn: nil, fieldCount: 3, ratingScale: nil, integerIDs: false, quoting: true)
        #expect(FastRatingsParser.parse(url: file, format: format, threads: 2) == nil)
        let parsed = try RatingsReader.read(url: file, format: format)
        #expect(parsed.userIDs.ids == ["u1", "007"])
    }

    @Test func duplicatesKeepTheLastOccurrenceWhateverTheOrder() {
        // Users not sorted: the counting-sort path.
        let users: [Int32] = [2, 0, 1, 0, 2, 0, 2]
        let items: [Int32] = [5, 1, 1, 1, 5, 2, 5]
        #expect(duplicateRowsToDrop(users: users, items: items, userCount: 3, itemCount: 6) == [0, 1, 4])
        // Users sorted: the direct path.
        #expect(duplicateRowsToDrop(users: [0, 0, 0, 1, 1], items: [3, 3, 4, 3, 3], userCount: 2, itemCount: 5) == [0, 3])
        #expect(duplicateRowsToDrop(users: [0, 1], items: [0, 0], userCount: 2, itemCount: 1) == [])
        // Users sorted, pairs interleaved (A, B, B, A): still ascending (the merge that drops them needs it).
        #expect(duplicateRowsToDrop(users: [0, 0, 0, 0, 1], items: [1, 2, 2, 1, 1], userCount: 2, itemCount: 3) == [0, 1])
    }

    /// A file sorted by user whose duplicated pairs interleave (items 10, 20, 20, 10): both pairs
    /// keep only their last rating (until session 12, the list of rows to drop came out of order
    /// here and the first (1, 10) line stayed), through the fast path and the general parser alike.
    @Test func interleavedDuplicatesAreAllDropped() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("r.csv", "userId,movieId,rating\n1,10,1\n1,20,2\n1,20,3\n1,10,4\n2,10,5\n")
        let d = try DelimitedRatingsLoader.load(ratings: file)
        #expect(d.report.duplicatesDropped == 2 && d.interactions.count == 3)
        #expect(d.interactions.ratings == [3, 4, 5])
        let format = RatingsFileFormat(separator: .comma, hasHeader: true, userColumn: 0, itemColumn: 1, ratingColumn: 2,
                                       timestampColumn: nil, fieldCount: 3, ratingScale: nil, integerIDs: true, quoting: true)
        let general = try RatingsReader.read(url: file, format: format, allowFastPath: false)
        #expect(general.duplicatesDropped == 2 && general.interactions.ratings == [3, 4, 5])
    }

    /// Over a million rows sorted by user: the parts checked in parallel (cut at user
    /// boundaries, one user's run straddling the middle) give the one-thread list, which is the
    /// obvious reference's; a part without duplicates and a part with some both occur.
    @Test func duplicatesInParallelPartsMatchTheReference() {
        var g = SeededGenerator(seed: 3)
        let n = 1_100_000, users = 5_000, items = 700
        var u = (0..<n).map { _ in Int32(g.nextInt(below: users)) }
        u.sort()
        // Duplicates only in the second half's users, plus a long run of user 2,500 over the middle.
        for k in 540_000..<560_000 { u[k] = Int32(2_500) }
        u.sort()
        let i = (0..<n).map { k in Int32(u[k] < 2_500 ? (k % items) : g.nextInt(below: items)) }
        var lastRow: [Int: Int] = [:], reference: [Int] = []
        for k in 0..<n {
            let key = Int(u[k]) * items + Int(i[k])
            if let previous = lastRow[key] { reference.append(previous) }
            lastRow[key] = k
        }
        reference.sort()
        #expect(!reference.isEmpty && reference.first! >= 500_000)
        // (Compared as Booleans: a failure's message would print two million-row lists.)
        let two = duplicateRowsToDrop(users: u, items: i, userCount: users, itemCount: items, threads: 2)
        let one = duplicateRowsToDrop(users: u, items: i, userCount: users, itemCount: items, threads: 1)
        #expect(two.count == reference.count)
        #expect(two == reference ? true : false)
        #expect(one == reference ? true : false)
    }

    /// The rating range: empty, a count that is not a multiple of the 16-lane pass, the extremes
    /// in the tail and in the body.
    @Test func ratingRangeFindsTheExtremesAnywhere() {
        #expect(Interactions.empty(userCount: 1, itemCount: 1).ratingRange == nil)
        for count in [1, 15, 16, 17, 100, 1_003] {
            var r = (0..<count).map { Float($0 % 7) / 2 }
            r[count / 2] = -3
            r[count - 1] = 9.5
            let x = Interactions(users: [Int32](repeating: 0, count: count), items: [Int32](repeating: 0, count: count), ratings: r,
                                 userCount: 1, itemCount: 1)
            #expect(x.ratingRange == r.min()!...r.max()!, "\(count)")
        }
    }

    @Test func numberParsingAgreesWithTheStandardLibrary() {
        for text in ["4.0", "3.5", "0.5", "5", "-2.25", ".5", "1e1", "2.5E-1", "0.1", "123456.789"] {
            #expect(NumberParsing.decimal(ArraySlice(Array(text.utf8))) == Float(Double(text)!), "\(text)")
        }
        for text in ["", "-", ".", "1.2.3", "4,0", "nan", "inf", "1e", "4 "] {
            #expect(NumberParsing.decimal(ArraySlice(Array(text.utf8))) == nil, "\(text)")
        }
        #expect(NumberParsing.timestamp(ArraySlice(Array("881250949.0".utf8))) == 881250949)
        #expect(NumberParsing.canonicalID(ArraySlice(Array("007".utf8))) == nil)
        #expect(NumberParsing.canonicalID(ArraySlice(Array("0".utf8))) == 0)
    }
}
