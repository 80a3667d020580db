import Foundation
import Testing
import ZIPFoundation
@testable import Recommender
import RecommenderTestSupport
@testable import RecommenderFetch

/// The unpacking half of `data fetch`, on small archives built here (no network in tests).
@Suite struct DataFetcherTests {
    func makeZip(at url: URL, files: [String: String]) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    @Test func groupLensArchiveIsUnpackedWithoutItsTopFolderAndLoads() throws {
        let folder = try TemporaryFolder("fetch")
        let zip = folder.path("ml-100k.zip")
        try makeZip(at: zip, files: [
            "ml-100k/u.data": "1\t50\t5\t881250949\n2\t50\t4\t881250950\n",
            "ml-100k/u.item": "50|Star Wars (1977)|01-Jan-1977||url|0|1|1|0|0|0|0|0|0|0|0|0|0|0|1|1|0|1|0\n",
            "ml-100k/u.user": "1|24|M|technician|85711\n2|53|F|other|94043\n",
            "ml-100k/README": "MovieLens\n",
        ])
        try DataFetcher.extractGroupLensArchive(zip, name: "ml-100k", into: folder.path("data/ml-100k"))
        let d = try DatasetLocator.load(name: "ml-100k", dataDirectory: folder.path("data"))
        #expect(d.interactions.count == 2 && d.catalog.displayTitle(0) == "Star Wars (1977)")
        #expect(FileManager.default.fileExists(atPath: folder.path("data/ml-100k/README").path))
    }

    @Test func groupLensArchiveMissingAFileIsRejected() throws {
        let folder = try TemporaryFolder("fetch")
        let zip = folder.path("ml-1m.zip")
        try makeZip(at: zip, files: ["ml-1m/ratings.dat": "1::2::3::4\n", "ml-1m/movies.dat": "2::X (1990)::Drama\n"])
        #expect(dataError { try DataFetcher.extractGroupLensArchive(zip, name: "ml-1m", into: folder.path("out")) }
                == .invalidInput("\(zip.path): the archive has no users.dat"))
    }

    @Test func unsafePathsAndNonArchivesAreRejected() throws {
        let folder = try TemporaryFolder("fetch")
        let zip = folder.path("evil.zip")
        try makeZip(at: zip, files: ["ml-20m/../../escape.csv": "x\n"])
        #expect(dataError { try DataFetcher.extractGroupLensArchive(zip, name: "ml-20m", into: folder.path("out")) }
                == .invalidInput("\(zip.path): unsafe path 'ml-20m/../../escape.csv' in the archive"))
        let text = try folder.write("not.zip", "hello")
        #expect(dataError { try DataFetcher.extractRecBoleWheel(text, into: folder.path("out")) }
                == .invalidInput("\(text.path) is not a readable zip archive"))
    }

    @Test func recBoleWheelFilesAreExtracted() throws {
        let folder = try TemporaryFolder("fetch")
        let wheel = folder.path("recbole-1.2.1-py3-none-any.whl")
        try makeZip(at: wheel, files: [
            "recbole/__init__.py": "",
            "recbole/dataset_example/ml-100k/ml-100k.inter": "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n",
            "recbole/dataset_example/ml-100k/ml-100k.item": "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n242\tKolya\t1996\tComedy\n",
            "recbole/dataset_example/ml-100k/ml-100k.user": "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n196\t49\tM\twriter\t55105\n",
            "recbole/dataset_example/ml-100k/ml-100k.kg": "ignored\n",
        ])
        try DataFetcher.extractRecBoleWheel(wheel, into: folder.path("data/ml-100k"))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path("data/ml-100k").path).sorted()
        #expect(names == ["ml-100k.inter", "ml-100k.item", "ml-100k.user"])
        let d = try DatasetLocator.load(name: "ml-100k", dataDirectory: folder.path("data"))
        #expect(d.catalog.displayTitle(0) == "Kolya (1996)" && d.userTable?.occupations == ["writer"])
        // A wheel without the data set.
        let empty = folder.path("empty.whl")
        try makeZip(at: empty, files: ["recbole/__init__.py": ""])
        #expect(dataError { try DataFetcher.extractRecBoleWheel(empty, into: folder.path("out")) }
                == .invalidInput("\(empty.path): the wheel has no recbole/dataset_example/ml-100k/ml-100k.inter"))
    }

    @Test func presentDataIsLeftAloneAndUnknownNamesAreRejected() throws {
        let folder = try TemporaryFolder("fetch")
        try folder.write("ml-100k/ml-100k.inter", "user_id:token\titem_id:token\n1\t2\n")
        let report = try DataFetcher.fetch(name: "ml-100k", dataDirectory: folder.url)
        #expect(report.source == .alreadyPresent)
        #expect(dataError { try DataFetcher.fetch(name: "ml-5k", dataDirectory: folder.url) }
                == .unknownDataset(name: "ml-5k", known: DataFetcher.knownDatasets))
    }
}
