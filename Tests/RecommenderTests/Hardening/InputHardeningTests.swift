import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// Regression tests for issue 10 (inputs): each case is an input that crashed, misled or was
/// silently misread by the release binary.
@Suite struct InputHardeningTests {
    func loadError(_ folder: TemporaryFolder, _ name: String, _ text: String,
                   options: DelimitedFileOptions = DelimitedFileOptions()) throws -> DataError? {
        let url = try folder.write(name, text)
        do { _ = try DelimitedRatingsLoader.load(ratings: url, options: options, threads: 1); return nil } catch let e as DataError { return e }
    }

    // Item 1: formatting a huge or infinite scale in the message trapped.
    @Test(arguments: [Float(0)...Float.greatestFiniteMagnitude, Float(1)...Float.infinity, Float(-1e38)...Float(3.5e37)])
    func hugeScalesGiveMessages(scale: ClosedRange<Float>) throws {
        let folder = try TemporaryFolder("hard")
        let error = try loadError(folder, "r.csv", "1,2,3\n1,3,-1e38\n2,2,4\n", options: DelimitedFileOptions(ratingScale: scale))
        guard case .malformedLine(_, 2, let reason)? = error else { Issue.record("expected line 2, got \(String(describing: error))"); return }
        #expect(reason.contains("too large") || reason.contains("outside the scale"))
        #expect(formatScale(scale).contains("..."))
        #expect(formatRatingValue(.nan) == "nan" && formatRatingValue(3e38) == "3e+38" && formatRatingValue(4) == "4")
    }

    // Item 13: 3e38 trained until "diverged", 1e40 said "not a number": both are too large, with their line.
    @Test(arguments: ["3e38", "1e40", "-2e9"]) func hugeRatingsAreRefusedWithTheirLine(value: String) throws {
        let folder = try TemporaryFolder("hard")
        let error = try loadError(folder, "r.csv", "1,2,3\n1,3,\(value)\n2,2,4\n2,3,5\n")
        guard case .malformedLine(_, 2, let reason)? = error else { Issue.record("expected line 2, got \(String(describing: error))"); return }
        #expect(reason.contains("too large"), "\(reason)")
    }

    // Item 7: one typo among the first lines switched the whole file to implicit feedback.
    @Test func oneBadRatingDoesNotDecideTheLayout() throws {
        let folder = try TemporaryFolder("hard")
        var lines = (1...20).map { "\($0)\t\($0 % 7 + 1)\t\($0 % 5 + 1)\t88125\($0)" }
        lines[2] = "3\t4\t4?\t881253"
        let error = try loadError(folder, "u.data", lines.joined(separator: "\n") + "\n")
        guard case .malformedLine(_, 3, let reason)? = error else { Issue.record("expected line 3, got \(String(describing: error))"); return }
        #expect(reason.contains("'4?'"))
        // A missing field on line 2 is a field-count error on line 2, not a failed detection.
        lines[2] = "3\t4\t4\t881253"
        lines[1] = "2\t3\t881252"
        guard case .malformedLine(_, 2, _)? = try loadError(folder, "u2.data", lines.joined(separator: "\n") + "\n") else {
            Issue.record("expected an error on line 2"); return
        }
        // A file with no rating column at all is still implicit feedback.
        let implicit = try DelimitedRatingsLoader.load(ratings: try folder.write("i.csv", "a,x\nb,y\na,y\n"), threads: 1)
        #expect(!implicit.hasExplicitRatings)
    }

    // Item 10: " 1 " was another user than "1"; NUL bytes were kept in ids.
    @Test func idsAreTrimmedAndControlCharactersRefused() throws {
        let folder = try TemporaryFolder("hard")
        let dataset = try DelimitedRatingsLoader.load(ratings: try folder.write("r.csv", "u,i,r\n 1 ,a,3\n1, a ,4\n1,b,2\n"), threads: 1)
        #expect(dataset.userCount == 1 && dataset.itemCount == 2)
        #expect(dataset.report.duplicatesDropped == 1)
        let error = try loadError(folder, "n.csv", "u,i,r\n1,a,3\n1,b\u{0}c,4\n")
        guard case .malformedLine(_, 3, let reason)? = error else { Issue.record("expected line 3, got \(String(describing: error))"); return }
        #expect(reason.contains("control character"))
        #expect(!(error?.description.contains("\u{0}") ?? true))
    }

    // Item 10: 500 identical lines are reported as duplicates.
    @Test func identicalLinesAreCountedAsDuplicates() throws {
        let folder = try TemporaryFolder("hard")
        let dataset = try DelimitedRatingsLoader.load(ratings: try folder.write("d.csv", String(repeating: "1,2,3\n", count: 500)), threads: 1)
        #expect(dataset.interactions.count == 1)
        #expect(dataset.report.linesRead == 500 && dataset.report.duplicatesDropped == 499)
    }

    // Item 12: precise messages instead of "file not found" / "file is empty".
    @Test func unreadablePathsSayWhatTheyAre() throws {
        let folder = try TemporaryFolder("hard")
        func error(_ url: URL) -> DataError? {
            do { _ = try DelimitedRatingsLoader.load(ratings: url, threads: 1); return nil } catch let e as DataError { return e } catch { return nil }
        }
        let dir = folder.path("sub")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        #expect(error(dir) == .unreadableFile(path: dir.path, reason: "is a folder, not a file"))
        let loop = folder.path("loop1")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: folder.path("loop2").path)
        try FileManager.default.createSymbolicLink(atPath: folder.path("loop2").path, withDestinationPath: loop.path)
        guard case .unreadableFile(_, let reason)? = error(loop) else { Issue.record("expected unreadableFile"); return }
        #expect(reason.contains("symbolic link loop"))
        let dangling = folder.path("dangling")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: folder.path("nowhere").path)
        guard case .unreadableFile(_, let broken)? = error(dangling) else { Issue.record("expected unreadableFile"); return }
        #expect(broken.contains("broken symbolic link"))
        #expect(error(folder.path("absent.csv")) == .missingFile(path: folder.path("absent.csv").path))
        let null = folder.path("null")
        try FileManager.default.createSymbolicLink(atPath: null.path, withDestinationPath: "/dev/null")
        #expect(error(null) == .emptyFile(path: null.path))
        #expect(mkfifo(folder.path("fifo").path, 0o600) == 0)
        #expect(FileKind.of(folder.path("fifo").path) == .stream("a FIFO (named pipe)"))
        // A file whose lines end with CR only.
        guard case .malformedLine(_, 1, let cr)? = try loadError(folder, "cr.csv", "1,2,3\r1,3,4\r2,2,5\r") else {
            Issue.record("expected a CR-only message"); return
        }
        #expect(cr.contains("carriage return"))
    }

    // Item 12: a stream (pipe, FIFO) is read once, through a temporary copy, and named in messages.
    @Test func streamsAreSpooled() throws {
        let folder = try TemporaryFolder("hard")
        let fifo = folder.path("ratings.fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo.path) { handle.write(Data("u,i,r\n1,2,3\n1,3,4\n2,2,x\n".utf8)); try? handle.close() }
        }
        writer.start()
        do {
            _ = try DelimitedRatingsLoader.load(ratings: fifo, threads: 1)
            Issue.record("expected an error on line 4")
        } catch let e as DataError {
            guard case .malformedLine(fifo.path, 4, let reason) = e else { Issue.record("expected \(fifo.path):4, got \(e)"); return }
            #expect(reason.hasPrefix("rating 'x' is not a number"))
        }
    }

    // Item 14: control characters read from a file are escaped in every message.
    @Test func messagesEscapeControlCharacters() {
        let e = DataError.malformedLine(file: "f.csv", line: 3, reason: "rating '4\r\u{1B}[2J' is not a number")
        #expect(e.description == "f.csv:3: rating '4\\r\\u{1B}[2J' is not a number")
        #expect(escapingControlCharacters("a\u{202E}b\tc\u{0}") == "a\\u{202E}b\\tc\\0")
        #expect(PersistenceError.notAModelFile(path: "x\ny").description.hasPrefix("x\\ny"))
    }

    // Item 11: a first fold-in line whose rating is NaN is an error, not a header.
    @Test func foldInNaNIsNotAHeader() throws {
        let interactions = Interactions(users: [0, 0], items: [0, 1], ratings: [4, 5], userCount: 1, itemCount: 2)
        var metadata = ModelMetadata(anonymous: interactions)
        metadata.ratingScale = 1...5
        for bad in ["0,NaN\n1,4\n", "0,inf\n", "0,1e40\n"] {
            #expect(throws: DataError.self) { try UserRatingsFile(text: bad, file: "mine.csv", metadata: metadata) }
        }
        let read = try UserRatingsFile(text: "title,rating\n0,4\n", file: "mine.csv", metadata: metadata)
        #expect(read.entries.count == 1)
    }

    // Item 2: a huge k segfaulted while reserving the heap.
    @Test func hugeKIsTheWholeList() {
        #expect(topK([3, 1, 2], k: Int.max).map(\.index) == [0, 2, 1])
        var selector = TopKSelector(k: Int.max)
        selector.offer(index: 4, score: 1)
        #expect(selector.sorted().count == 1)
    }

    // Item 4: folds are clamped to the ratings, and fold copies beyond memory are refused.
    @Test func foldCountsAreBounded() throws {
        #expect(try Splitter.checkedFoldCount(Int.max, count: 40) == 40)
        #expect(try Splitter.checkedFoldCount(5, count: 100_000) == 5)
        #expect(throws: DataError.self) { try Splitter.checkedFoldCount(100_000, count: 100_000_000) }
        #expect(throws: DataError.self) { try Splitter.checkedFoldCount(1, count: 100) }
        #expect(throws: DataError.self) { try Splitter.checkedFoldCount(-3, count: 100) }
    }

    // Item 9: a threshold above every rating gave all-zero scores with exit 0.
    @Test func thresholdAboveEveryRatingIsRefused() throws {
        let interactions = Interactions(users: [0, 1], items: [0, 1], ratings: [1, 5], userCount: 2, itemCount: 2)
        #expect(throws: TrainingError.invalidInput("no positive interactions at threshold 99 (ratings range 1...5); choose a threshold at most the largest rating")) {
            try ImplicitFeedback(threshold: 99).checkHasPositives(interactions)
        }
        #expect(throws: TrainingError.self) { try ImplicitALS(.init(feedback: ImplicitFeedback(threshold: 6))).fit(interactions, scale: nil) }
        try ImplicitFeedback(threshold: 5).checkHasPositives(interactions)
    }
}
