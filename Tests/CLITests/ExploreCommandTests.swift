import Foundation
import Testing

/// Golden tests of `recommender explore` on a tiny RecBole-layout data set written by the test:
/// four users, four movies (two titled "Alpha (1990)"; "Gamma" unrated), eight ratings.
@Suite("recommender explore")
struct ExploreCommandTests {
    /// Writes DIR/tiny/tiny.inter, .item, .user and returns DIR.
    static func writeFixture() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("explore-cli-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let inter = """
        user_id:token\titem_id:token\trating:float\ttimestamp:float
        1\t10\t5\t100
        1\t20\t3\t101
        2\t10\t4\t102
        2\t30\t2\t103
        3\t10\t3\t104
        3\t20\t4\t105
        3\t30\t5\t106
        4\t20\t1\t107

        """
        let item = """
        item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq
        10\tAlpha\t1990\tComedy
        20\tBeta\t1995\tDrama
        30\tAlpha\t1990\tComedy Drama
        40\tGamma\t2000\tDrama

        """
        let user = """
        user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token
        1\t20\tM\tstudent\t11111
        2\t30\tF\tartist\t22222
        3\t40\tM\tstudent\t11111
        4\t55\tM\tother\t33333

        """
        try inter.write(to: folder.appendingPathComponent("tiny.inter"), atomically: true, encoding: .utf8)
        try item.write(to: folder.appendingPathComponent("tiny.item"), atomically: true, encoding: .utf8)
        try user.write(to: folder.appendingPathComponent("tiny.user"), atomically: true, encoding: .utf8)
        return root
    }

    @Test func printsTablesAndWritesCharts() throws {
        let root = try Self.writeFixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("out")
        let result = try BinaryRunner.run(["explore", "--data-dir", root.path, "--dataset", "tiny",
                                           "--min-ratings", "1", "--top", "3", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // Hand-computed: ages 20, 30, 40, 55; item means 4, 8/3, 3.5; the two "Alpha (1990)" show their ids;
        // ratings sorted 1 2 3 3 4 4 5 5 -> quartiles 2.75 / 3.5 / 4.25, sample std sqrt(13.875 / 7) = 1.408.
        // A distribution row prints integers only when all its order statistics are integers.
        let expected = """
        Data set tiny: 4 users, 4 movies, 8 ratings

        Age of the users
                    age
          count       4
          mean   36.250
          std    14.930
          min        20
          25%    27.500
          50%        35
          75%    43.750
          max        55

        Sex
          sex  users
          M        3
          F        1

        Occupations (3)
          occupation  users
          student         2
          artist          1
          other           1

        Zip codes (3 distinct; top 3)
          zip code  users
          11111         2
          22222         1
          33333         1

        Top 3 movies by number of ratings
          #  movie                 ratings   mean
          1  Alpha (1990) [id 10]        3  4.000
          2  Beta (1995)                 3  2.667
          3  Alpha (1990) [id 30]        2  3.500

        Top 3 movies by mean rating (more than 1 rating)
          #  movie                 ratings   mean
          1  Alpha (1990) [id 10]        3  4.000
          2  Alpha (1990) [id 30]        2  3.500
          3  Beta (1995)                 3  2.667

        Distributions
                             count   mean    std    min    25%    50%    75%    max
          ratings per user       4  2.000  0.816  1.000  1.750  2.000  2.250  3.000
          mean user rating       4  3.000  1.414  1.000  2.500  3.500  4.000  4.000
          ratings per movie      3  2.667  0.577  2.000  2.500  3.000  3.000  3.000
          mean movie rating      3  3.389  0.674  2.667  3.083  3.500  3.750  4.000
          rating value           8  3.375  1.408  1.000  2.750  3.500  4.250  5.000

        """
        let lines = result.stdoutLines
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(expectedLines.count)) == expectedLines)
        #expect(lines.contains { $0.hasPrefix("Wrote 11 SVG charts to \(output.path)/") })
        #expect(lines.contains("Open \(output.path)/index.html to see them all."))

        let files = try FileManager.default.contentsOfDirectory(atPath: output.path)
        #expect(files.filter { $0.hasSuffix(".svg") }.count == 11)
        let html = try String(contentsOf: output.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg xmlns=").count - 1 == 11)
        #expect(html.contains("Alpha (1990) [id 30]"))
        let top = try String(contentsOf: output.appendingPathComponent("top-by-count.svg"), encoding: .utf8)
        #expect(top.components(separatedBy: "class=\"bar\"").count - 1 == 3)
    }

    /// Clicks without rating values: no rating charts or tables, and the text output says so.
    @Test func implicitDataWritesNoRatingCharts() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("explore-implicit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let clicks = root.appendingPathComponent("clicks.csv")
        var lines = ["reader,book"]
        for u in 0..<30 { for i in 0..<(1 + u % 7) { lines.append("r\(u),b\((u * 3 + i * 5) % 40)") } }
        try (lines.joined(separator: "\n") + "\n").write(to: clicks, atomically: true, encoding: .utf8)
        let output = root.appendingPathComponent("out")
        let result = try BinaryRunner.run(["explore", "--ratings", clicks.path, "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdoutLines.contains { $0.hasPrefix("No rating values (implicit feedback)") })
        #expect(!result.stdoutLines.contains { $0.hasPrefix("Top 10 items by mean rating") || $0.hasPrefix("  mean user rating")
            || $0.hasPrefix("  rating value") })
        #expect(result.stdoutLines.contains { $0.hasPrefix("  ratings per user") })
        #expect(result.stdoutLines.contains("Top 10 items by number of ratings"))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".svg") })
        #expect(files == ["ratings-per-user.svg", "ratings-per-movie.svg", "top-by-count.svg"])
        let html = try String(contentsOf: output.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("No rating values (implicit feedback)"))
    }

    @Test func highlightNamesAKnownGenre() throws {
        let root = try Self.writeFixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("out")
        let ok = try BinaryRunner.run(["explore", "--data-dir", root.path, "--dataset", "tiny", "--min-ratings", "1",
                                       "--highlight", "drama", "--output", output.path])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        let scatter = try String(contentsOf: output.appendingPathComponent("movies-count-vs-mean.svg"), encoding: .utf8)
        #expect(scatter.contains(">Drama (2)<"))   // movies 20 and 30 have Drama; 10 (Comedy) is grey
        let bad = try BinaryRunner.run(["explore", "--data-dir", root.path, "--dataset", "tiny", "--highlight", "Jazz"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("no genre 'Jazz'"))
    }

    @Test func filtersByOccupationAndGenre() throws {
        let root = try Self.writeFixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try BinaryRunner.run(["explore", "--data-dir", root.path, "--dataset", "tiny", "--occupation", "student",
                                           "--genre", "drama", "--top", "2", "--output", root.appendingPathComponent("out").path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // Students u1, u3 and dramas i20, i30, i40: u1-i20 3, u3-i20 4, u3-i30 5.
        #expect(Array(result.stdoutLines.prefix(2)) ==
                ["Data set tiny: 2 users, 3 movies, 3 ratings", "Filter: occupation = student, genre = drama"])
    }

    @Test func unknownGenreFailsWithOneLine() throws {
        let root = try Self.writeFixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try BinaryRunner.run(["explore", "--data-dir", root.path, "--dataset", "tiny", "--genre", "Opera",
                                           "--output", root.appendingPathComponent("out").path])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        let errorLines = result.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("loaded tiny: ") }
        // The RecBole loader maps genres onto MovieLens 100K's fixed genre list, so all 19 are valid names.
        #expect(errorLines.count == 1)
        #expect(errorLines.first?.hasPrefix("Error: unknown genre 'Opera'; valid: ") == true)
        #expect(errorLines.first?.contains("Comedy") == true && errorLines.first?.contains("Drama") == true)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
    }

    @Test func unknownOccupationFailsWithOneLine() throws {
        let root = try Self.writeFixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try BinaryRunner.run(["explore", "--data-dir", root.path, "--dataset", "tiny", "--occupation", "pilot",
                                           "--output", root.appendingPathComponent("out").path])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").filter { !$0.hasPrefix("loaded tiny: ") } == ["Error: unknown occupation 'pilot'; valid: artist, other, student"])
    }
}
