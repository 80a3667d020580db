import Foundation
import Testing

/// `recommender store import|export|info`, `--store` as a data source of the training commands,
/// and the argument checks of `serve` (the server itself is tested in ServerTests and by
/// scripts/serve-checks.sh).
@Suite struct StoreCommandTests {
    /// A folder with a small generated ratings file (20 users × 15 items) and a store CSV.
    final class Fixture {
        let folder: URL
        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("recommender-cli-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var text = "user,item,rating\n"
            var state: UInt64 = 99
            for u in 0..<20 {
                for i in 0..<15 {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    if (state >> 33) % 2 == 0 { text += "u\(u),i\(i),\(1 + (state >> 40) % 5)\n" }
                }
            }
            try text.write(toFile: path("ratings.csv"), atomically: true, encoding: .utf8)
            try "user,item,rating,timestamp,source\nnewbie,i1,5,1000,test\nnewbie,i2,4,1001,test\nnewbie,i3,5,1002,test\n"
                .write(toFile: path("stored.csv"), atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    }

    func errorLine(_ r: BinaryRunner.Result) -> String {
        r.stderr.split(separator: "\n").first { $0.hasPrefix("Error:") }.map(String.init) ?? ""
    }

    @Test func importInfoExportRoundTrip() throws {
        let f = try Fixture()
        let imported = try BinaryRunner.run(["store", "import", f.path("stored.csv"), "--store", f.path("s.sqlite")])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout == "imported 3 ratings into \(f.path("s.sqlite")) (3 in all)\n")
        let info = try BinaryRunner.run(["store", "info", "--store", f.path("s.sqlite")])
        #expect(info.stdout == "\(f.path("s.sqlite")): 3 ratings; schema: v1: users, items, rating events\n")
        let exported = try BinaryRunner.run(["store", "export", f.path("out.csv"), "--store", f.path("s.sqlite")])
        #expect(exported.stdout == "exported 3 ratings to \(f.path("out.csv"))\n")
        let text = try String(contentsOfFile: f.path("out.csv"), encoding: .utf8)
        #expect(text == "user,item,rating,timestamp,source\nnewbie,i1,5.0,1000,test\nnewbie,i2,4.0,1001,test\nnewbie,i3,5.0,1002,test\n")
    }

    @Test func trainingOnDataPlusStoreKnowsTheStoredUser() throws {
        let f = try Fixture()
        _ = try BinaryRunner.run(["store", "import", f.path("stored.csv"), "--store", f.path("s.sqlite")])
        let common = ["--algorithm", "ials", "--embedding-dim", "4", "--iterations", "2", "--ratings", f.path("ratings.csv")]
        let with = try BinaryRunner.run(["train"] + common + ["--store", f.path("s.sqlite"), "--output", f.path("with")])
        #expect(with.status == 0, "\(with.stderr)")
        #expect(with.stderr.contains("merged 3 stored ratings (1 new users)"), "\(with.stderr)")
        let recommended = try BinaryRunner.run(["recommend", "--model", f.path("with"), "--user", "newbie", "-k", "3", "--format", "csv"])
        #expect(recommended.status == 0, "\(recommended.stderr)")
        let rows = recommended.stdoutLines.dropFirst().filter { !$0.isEmpty }
        #expect(rows.count == 3)
        #expect(!rows.contains { $0.contains(",i1,") || $0.contains(",i2,") || $0.contains(",i3,") })  // rated in the store: excluded
        // Without the store the user does not exist.
        let without = try BinaryRunner.run(["train"] + common + ["--output", f.path("without")])
        #expect(without.status == 0, "\(without.stderr)")
        let unknown = try BinaryRunner.run(["recommend", "--model", f.path("without"), "--user", "newbie", "-k", "3"])
        #expect(unknown.status != 0)
    }

    @Test func refusals() throws {
        let f = try Fixture()
        let missing = try BinaryRunner.run(["train", "--algorithm", "ials", "--ratings", f.path("ratings.csv"),
                                            "--store", f.path("absent.sqlite"), "--output", f.path("m")])
        #expect(missing.status != 0 && missing.status < 128)
        #expect(errorLine(missing).contains("no ratings store at"), "\(missing.stderr)")
        try "user,item,rating\nnewbie,i1,five\n".write(toFile: f.path("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try BinaryRunner.run(["store", "import", f.path("bad.csv"), "--store", f.path("s.sqlite")])
        #expect(bad.status != 0 && bad.status < 128)
        #expect(errorLine(bad).contains("bad.csv:2: rating 'five' is not a finite number"), "\(bad.stderr)")
        let noExport = try BinaryRunner.run(["store", "export", f.path("x.csv"), "--store", f.path("absent.sqlite")])
        #expect(noExport.status != 0 && errorLine(noExport).contains("no store at"))
        for arguments in [["serve"], ["serve", "--model", f.path("m"), "--retrain-every", "soon"],
                          ["serve", "--model", f.path("m"), "--port", "70000"],
                          ["serve", "--model", f.path("m"), "--algorithm", "ials"]] {
            let r = try BinaryRunner.run(arguments)
            #expect(r.status != 0 && r.status < 128, "\(arguments)")
            #expect(!errorLine(r).isEmpty, "\(arguments): \(r.stderr)")
        }
    }
}
