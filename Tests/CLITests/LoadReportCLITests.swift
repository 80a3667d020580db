import Foundation
import Testing
import RecommenderTestSupport

/// Issues 10 (item 10) and 11 (items 2 and 3) through the binary: every load from `--ratings`
/// says what it read and how, and a generic items file gives titles and categories.
@Suite struct LoadReportCLITests {
    @Test func everyLoadPrintsWhatWasDetected() throws {
        let folder = try TemporaryFolder("cli-load-report")
        let ratings = try folder.write("books.csv", "isbn,reader,stars\nb1,r1,8\nb2,r1,3\nb1,r2,10\nb3,r2,7\nb2,r3,9\n")
        let items = try folder.write("titles.csv", "id,title,categories\nb1,Dune,Sci-Fi\nb2,Emma,Romance|Classics\nb3,Atonement,Drama\n")
        let r = try BinaryRunner.run(["train", "--algorithm", "popularity", "--ratings", ratings.path, "--items", items.path,
                                      "--output", folder.path("pop").path])
        #expect(r.status == 0, "\(r.stderr)")
        // No duplicates, and still a report: counts, kind and range of the ratings, the columns.
        #expect(r.stderr.contains("loaded books: 5 lines → 5 ratings, 3 users, 3 items; explicit ratings 3...10; no declared scale; no duplicate (user, item) pairs"), "\(r.stderr)")
        #expect(r.stderr.contains("read as: separator: comma; header: yes; user column 2 'reader', item column 1 'isbn', rating column 3 'stars'"), "\(r.stderr)")
        // The items' titles reach the answers.
        let top = try BinaryRunner.run(["recommend", "--model", folder.path("pop").path, "--user", "r3", "-k", "2"])
        #expect(top.status == 0, "\(top.stderr)")
        #expect(top.stdout.contains("Dune") || top.stdout.contains("Atonement"), "\(top.stdout)")
        // An ambiguous header is refused with the columns named, exit status 1, no signal.
        let ambiguous = try folder.write("amb.csv", "user,reader,book,stars\nu,r,b,3\n")
        let bad = try BinaryRunner.run(["train", "--algorithm", "popularity", "--ratings", ambiguous.path, "--output", folder.path("x").path])
        #expect(bad.status == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("column 1 'user' and column 2 'reader' could each be the user column"), "\(bad.stderr)")
    }
}
