import Foundation
import Testing
import Recommender
import RecommenderTestSupport

// The one conformance suite: every algorithm of `AlgorithmCatalog.standard` (and every choice and
// flag of its table, one at a time) is fitted on a small generated data set and must pass every
// check below. An algorithm added to the catalog is picked up without editing this file, and
// fails here until it conforms.

/// One algorithm of the catalog with small settings (so a fit takes milliseconds) and at most
/// one choice or flag changed from its default.
struct ConformanceVariant: Sendable, Codable, CustomTestStringConvertible {
    /// The algorithm's name in ``AlgorithmCatalog/standard``.
    var algorithm: String
    /// The settings: the small ones plus the changed choice or flag.
    var settings: Hyperparameters
    /// `svd`, or `baseline[method=sgd]`.
    var label: String

    var testDescription: String { label }

    /// The algorithm.
    func resolve() throws -> any Algorithm { try AlgorithmCatalog.standard.algorithm(named: algorithm) }
}

enum Conformance {
    /// The variants whose fits use no randomness at all: a different seed gives the same model.
    /// Every other variant must give a different model for a different seed (so a seed that is
    /// silently ignored, or 0 treated as "no seed", fails).
    static let seedIndependent: Set<String> = [
        "baseline", "knn-baseline", "popularity", "item-knn", "ease",
        "item-knn[similarity=cosine]", "item-knn[similarity=jaccard]", "item-knn[similarity=conditional-probability]",
        "popularity[weighting=rating]", "item-knn[weighting=rating]", "ease[weighting=rating]",
    ]

    /// Variants known to give different models for different thread counts, with the reason.
    /// The check still runs and must still fail for them (`withKnownIssue`): remove an entry
    /// when its model becomes thread-count invariant.
    static let threadDependent: [String: String] = [:]

    /// Small values for the settings that make a fit expensive, applied when a table has them
    /// (and accepts the value).
    static let smallSettings: [String: HyperparameterValue] = [
        "embedding-dim": .integer(4), "epochs": .integer(3), "iterations": .integer(3), "samples": .integer(6),
        "burn-in": .integer(2), "thinning": .integer(1), "neighbours": .integer(5), "hidden-dims": .integers([4]),
        "batch-size": .integer(16), "test-batch-size": .integer(16), "evaluate-every": .integer(1),
    ]

    /// The small settings `algorithm`'s table accepts.
    static func small(_ algorithm: any Algorithm) -> Hyperparameters {
        var settings = Hyperparameters()
        for spec in algorithm.parameters {
            guard let value = smallSettings[spec.name], (try? spec.validate(value, algorithm: algorithm.name)) != nil else { continue }
            settings.set(spec.name, value)
        }
        return settings
    }

    /// Every algorithm of the standard catalog, then each other value of each of its choices and
    /// flags, one at a time.
    static var variants: [ConformanceVariant] {
        var out: [ConformanceVariant] = []
        for algorithm in AlgorithmCatalog.standard.algorithms {
            let base = small(algorithm)
            out.append(ConformanceVariant(algorithm: algorithm.name, settings: base, label: algorithm.name))
            for spec in algorithm.parameters {
                let others: [HyperparameterValue]
                switch (spec.kind, spec.defaultValue) {
                case let (.choice(names), .choice(current)?): others = names.filter { $0 != current }.map { .choice($0) }
                case let (.flag, .flag(current)?): others = [.flag(!current)]
                default: others = []
                }
                for value in others {
                    out.append(ConformanceVariant(algorithm: algorithm.name, settings: base.setting(spec.name, value),
                                                  label: "\(algorithm.name)[\(spec.name)=\(value)]"))
                }
            }
        }
        return out
    }

    /// Every algorithm of the standard catalog, by name.
    static var algorithmNames: [String] { AlgorithmCatalog.standard.names }

    /// The fixture: 30 users × 24 items, about a third of the cells rated 1...5 (whole stars),
    /// with a user table and a catalog with genres and years; some users and items have no
    /// rating at all.
    static let dataset = Fixtures.sideFeatureDataset(users: 30, items: 24, density: 0.35, seed: 5, scale: 1...5, rounded: true)

    /// A larger fixture (about 1,000 ratings) for the thread-count check: models split work
    /// among threads only above some size (blocked SGD needs 256 ratings per block, so 3
    /// threads need 768).
    static let largerDataset = Fixtures.sideFeatureDataset(users: 64, items: 40, density: 0.4, seed: 6, scale: 1...5, rounded: true)

    static func fit(_ variant: ConformanceVariant, on data: TrainingData = TrainingData(dataset), seed: UInt64 = 0, threads: Int = 1) throws -> any FittedModel {
        try variant.resolve().fit(data, hyperparameters: variant.settings, context: FitContext(seed: seed, threads: threads))
    }

    /// Every user's scores, concatenated.
    static func allScores(_ model: any ItemScorer, users: Int) -> [Float] {
        (0..<users).flatMap { model.scores(forUser: UserIndex($0)) }
    }

    /// Fold-in scores of a few histories (training users' own ratings), concatenated; empty when
    /// the model does not fold in.
    static func foldInScores(_ model: any FittedModel) -> [Float] {
        guard let folding = model as? any HistoryScorer else { return [] }
        return [0, 3, 7, 11].flatMap { folding.scores(forHistory: model.metadata.history(of: UserIndex($0))) }
    }

    /// A description of what differs between two score lists, or `nil` when identical.
    static func difference(_ a: [Float], _ b: [Float]) -> String? {
        guard let k = firstDifference(a, b) else { return nil }
        if a.count != b.count { return "lengths \(a.count) vs \(b.count)" }
        let different = zip(a, b).filter { $0.0.bitPattern != $0.1.bitPattern }.count
        return "\(different) of \(a.count) scores differ, first at \(k): \(a[k]) vs \(b[k])"
    }
}

@Suite("Every catalogued algorithm conforms") struct CatalogConformanceTests {
    /// The catalog is well formed: unique names, a summary, hyper-parameter names unique and
    /// kebab-case, aliases that do not collide, every default within its own bounds, model kinds
    /// unique and one of them naming the algorithm.
    @Test(arguments: Conformance.algorithmNames)
    func tableIsWellFormed(_ name: String) throws {
        let algorithm = try AlgorithmCatalog.standard.algorithm(named: name)
        #expect(algorithm.name == name && AlgorithmCatalog.standard.names.filter { $0 == name }.count == 1)
        #expect(!algorithm.summary.isEmpty)
        let spellings = algorithm.parameters.flatMap { [$0.name] + $0.aliases }
        #expect(Set(spellings).count == spellings.count, "\(name): a name or alias is used twice: \(spellings)")
        for spec in algorithm.parameters {
            #expect(spec.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(name): '\(spec.name)' is not kebab-case")
            #expect(!spec.help.isEmpty, "\(name) \(spec.name): no help")
            expectDefaultWithinBounds(spec, algorithm: name)
            if spec.defaultValue == nil {
                #expect(spec.help.contains("default"), "\(name) \(spec.name): no default and the help does not say how it is chosen")
            }
        }
        // every alias names its parameter; two spellings of one parameter are refused, not resolved silently
        for spec in algorithm.parameters {
            guard let value = spec.defaultValue else { continue }
            for alias in spec.aliases {
                #expect(try algorithm.reader([alias: value]).explicit[spec.name] == value, "\(name): alias \(alias)")
                #expect(throws: TrainingError.self, "\(name): \(spec.name) set as itself and as \(alias)") {
                    try algorithm.reader([spec.name: value, alias: value])
                }
            }
        }
        // the defaults are read without error
        let reader = try algorithm.reader([:])
        #expect(reader.effective.count == algorithm.parameters.filter { $0.defaultValue != nil }.count)
        let kinds = algorithm.modelTypes.map { $0.kind }
        #expect(!kinds.isEmpty && Set(kinds).count == kinds.count)
        #expect(kinds.contains(name), "\(name): a saved model's kind names the algorithm; kinds: \(kinds)")
        if algorithm.task == .rating { #expect(algorithm.needsExplicitRatings) }
        #expect((0..<1).contains(algorithm.defaultValidationFraction))
    }

    /// Fit, score every user, recommend through the library's one ranking path (seen items
    /// excluded, best first, filters), fold in, and answer unknown ids.
    @Test(arguments: Conformance.variants)
    func fitsScoresAndRecommends(_ variant: ConformanceVariant) throws {
        let algorithm = try variant.resolve()
        let dataset = Conformance.dataset
        let model = try Conformance.fit(variant)
        #expect(algorithm.modelTypes.contains { ObjectIdentifier($0) == ObjectIdentifier(type(of: model)) },
                "\(variant.label): fitted a \(type(of: model)), not one of the algorithm's model types")
        // the model keeps the data set's ids, catalog and training items
        let metadata = model.metadata
        #expect(metadata.userIDs == dataset.userIDs && metadata.itemIDs == dataset.itemIDs)
        #expect(metadata.catalog.titles == dataset.catalog.titles)
        #expect(metadata.seen == dataset.interactions.byUser(threads: 1))
        #expect(model.itemCount == dataset.itemCount)
        for u in 0..<dataset.userCount {
            let scores = model.scores(forUser: UserIndex(u))
            #expect(scores.count == dataset.itemCount && scores.allSatisfy(\.isFinite), "\(variant.label): user \(u)")
        }
        if let predictor = model as? any RatingPredictor {
            for k in stride(from: 0, to: dataset.interactions.count, by: 7) {
                let p = predictor.predict(user: dataset.interactions.user(at: k), item: dataset.interactions.item(at: k))
                #expect(p.isFinite, "\(variant.label): prediction \(k)")
            }
        }

        // Seen items are excluded by the recommend path; best first; the best unseen item first.
        for u in 0..<dataset.userCount {
            let user = UserIndex(u)
            let scores = model.scores(forUser: user)
            let seen = Set(metadata.seen.columns(ofRow: u).map(ItemIndex.init))
            let top = Recommendations.forUser(user, scorer: model, metadata: metadata, options: .init(count: 5))
            #expect(top.count == min(5, dataset.itemCount - seen.count), "\(variant.label): user \(u)")
            #expect(top.allSatisfy { !seen.contains($0.item) }, "\(variant.label): recommended a seen item to user \(u)")
            #expect(zip(top, top.dropFirst()).allSatisfy { $0.score >= $1.score }, "\(variant.label): not best first")
            let bestUnseen = scores.indices.filter { !seen.contains(ItemIndex($0)) }.map { scores[$0] }.max()
            #expect(top.first?.score == bestUnseen, "\(variant.label): user \(u)")
            #expect(top.allSatisfy { $0.score == scores[Int($0.item)] && $0.id == metadata.itemIDs.id(at: $0.item) })
            let all = Recommendations.forUser(user, scorer: model, metadata: metadata, options: .init(count: 5, excludeRated: false))
            #expect(all.count == 5 && all.first?.score == scores.max())
        }
        let genre = try #require(metadata.catalog.genreNames.first)
        let filter = try ItemFilter.genres(named: [genre], in: metadata.catalog)
        let filtered = Recommendations.forUser(1, scorer: model, metadata: metadata, options: .init(count: 24, filter: filter))
        #expect(!filtered.isEmpty && filtered.allSatisfy { $0.genres.contains(genre) })

        // Fold-in, when the model conforms: a user known only by ratings gets finite scores,
        // and the items of the history are not recommended back.
        if let folding = model as? any HistoryScorer {
            for u in [0, 3, 7] {
                let history = metadata.history(of: UserIndex(u))
                let folded = folding.scores(forHistory: history)
                #expect(folded.count == dataset.itemCount && folded.allSatisfy(\.isFinite), "\(variant.label): fold-in of user \(u)")
                let recommended = Recommendations.forHistory(history, scorer: folding, metadata: metadata, options: .init(count: 5))
                let rated = Set(history.map(\.item))
                #expect(recommended.count == min(5, dataset.itemCount - rated.count) && recommended.allSatisfy { !rated.contains($0.item) })
            }
            let nothing = folding.scores(forHistory: [])
            #expect(nothing.count == dataset.itemCount && nothing.allSatisfy(\.isFinite), "\(variant.label): fold-in of an empty history")
        }
        if let embeddings = model as? any ItemEmbeddingModel {
            #expect(embeddings.itemEmbeddings.rows == dataset.itemCount)
            #expect(embeddings.itemEmbeddings.storage.allSatisfy { $0.isFinite })
        }

        // Unknown ids: the id maps answer nil (the caller's clear error), never an index; rating
        // models fall back to the baseline for ids they do not know.
        #expect(metadata.userIndex(of: "no-such-user") == nil)
        #expect(metadata.lookUpItem("no-such-item").matches.isEmpty)
        if let rating = model as? any RatingModel {
            let p = rating.predict(userID: "no-such-user", itemID: "no-such-item")
            #expect(p.isFinite && rating.ratingRange.contains(p))
            let newUser = rating.predictedRatings(forNewUser: [("no-such-item", 5), (metadata.itemIDs.id(at: 2), 4)])
            #expect(newUser.count == dataset.itemCount && newUser.allSatisfy { rating.ratingRange.contains($0.rating) })
            for (u, i) in [(-1, 0), (0, -1), (dataset.userCount, 0), (0, dataset.itemCount), (Int(Int32.max), Int(Int32.max))] {
                let q = rating.predict(user: UserIndex(u), item: ItemIndex(i))
                #expect(q.isFinite && rating.ratingRange.contains(q), "\(variant.label): predict(\(u), \(i)) = \(q)")
            }
            let unknownUser = rating.scores(forUser: UserIndex(dataset.userCount))
            #expect(unknownUser.count == dataset.itemCount && unknownUser.allSatisfy(\.isFinite))
        }
    }

    /// Save, load through the catalog: the same type, metadata, archive bytes and identical
    /// scores, predictions and fold-in.
    @Test(arguments: Conformance.variants)
    func saveLoadRoundTrip(_ variant: ConformanceVariant) throws {
        let model = try Conformance.fit(variant)
        let folder = try TemporaryFolder("conformance")
        let url = folder.path(ModelFile.name)
        try model.save(to: url)
        let loaded = try AlgorithmCatalog.standard.loadModel(path: folder.url.path)
        #expect(ObjectIdentifier(type(of: loaded)) == ObjectIdentifier(type(of: model)))
        #expect(loaded.metadata == model.metadata)
        #expect(loaded.archive().encoded() == model.archive().encoded(), "\(variant.label): saving the loaded model writes other bytes")
        let scorer = try #require(loaded as? any ItemScorer)
        let users = Conformance.dataset.userCount
        if let d = Conformance.difference(Conformance.allScores(model, users: users), Conformance.allScores(scorer, users: users)) {
            Issue.record("\(variant.label): scores change through save/load: \(d)")
        }
        if let d = Conformance.difference(Conformance.foldInScores(model), Conformance.foldInScores(try #require(loaded as? any FittedModel))) {
            Issue.record("\(variant.label): fold-in changes through save/load: \(d)")
        }
        if let a = model as? any RatingPredictor, let b = loaded as? any RatingPredictor {
            let x = Conformance.dataset.interactions
            let before = (0..<x.count).map { a.predict(user: x.user(at: $0), item: x.item(at: $0)) }
            let after = (0..<x.count).map { b.predict(user: x.user(at: $0), item: x.item(at: $0)) }
            expectIdentical(before, after, "\(variant.label): predictions")
        } else {
            #expect(!(model is any RatingPredictor) && !(loaded is any RatingPredictor))
        }
    }

    /// The same seed gives the same model (bit for bit); a different seed a different one unless
    /// the algorithm uses no randomness; 0 is a seed like any other.
    @Test(arguments: Conformance.variants)
    func seeds(_ variant: ConformanceVariant) throws {
        let users = Conformance.dataset.userCount
        let a = try Conformance.fit(variant, seed: 0), b = try Conformance.fit(variant, seed: 0)
        #expect(a.archive().encoded() == b.archive().encoded(), "\(variant.label): the same seed gave another model")
        expectIdentical(Conformance.allScores(a, users: users), Conformance.allScores(b, users: users), "\(variant.label)")
        let other = try Conformance.fit(variant, seed: 1)
        let differs = Conformance.difference(Conformance.allScores(a, users: users), Conformance.allScores(other, users: users))
        if Conformance.seedIndependent.contains(variant.label) {
            #expect(differs == nil, "\(variant.label) is listed as using no randomness, but seeds 0 and 1 differ: \(differs ?? "")")
        } else {
            #expect(differs != nil, "\(variant.label): seeds 0 and 1 give the same model (a seed ignored, or 0 taken as no seed?); if the algorithm uses no randomness, list it in Conformance.seedIndependent")
        }
    }

    /// Results do not depend on the thread count: 1, 2 and 3 threads give identical scores.
    @Test(arguments: Conformance.variants)
    func threadCountInvariance(_ variant: ConformanceVariant) throws {
        let data = TrainingData(Conformance.largerDataset)
        let users = data.dataset.userCount
        let one = try Conformance.fit(variant, on: data, threads: 1)
        let reference = Conformance.allScores(one, users: users) + Conformance.foldInScores(one)
        var differences: [String] = []
        for threads in [2, 3] {
            let model = try Conformance.fit(variant, on: data, threads: threads)
            if let d = Conformance.difference(reference, Conformance.allScores(model, users: users) + Conformance.foldInScores(model)) {
                differences.append("\(threads) threads: \(d)")
            }
        }
        let check = {
            #expect(differences.isEmpty, "\(variant.label): results depend on the thread count: \(differences.joined(separator: "; "))")
        }
        if let reason = Conformance.threadDependent[variant.algorithm] ?? Conformance.threadDependent[variant.label] {
            withKnownIssue(Comment(rawValue: reason)) { check() }
        } else {
            check()
        }
    }

    /// Bad data and bad settings give a ``TrainingError`` and never trap. Each algorithm runs in
    /// a child process, so a trap is reported as a failure of this algorithm instead of ending
    /// the test run; the child lists every problem on standard error.
    @Test(arguments: Conformance.algorithmNames)
    func badInputThrowsTrainingErrorAndNeverTraps(_ name: String) async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent], "\(name): see the child's report") { [name] in
            let problems = BadInputProbe.run(name)
            for line in problems { FileHandle.standardError.write(Data(("problem: " + line + "\n").utf8)) }
            exit(problems.isEmpty ? 0 : 1)
        }
        guard let result else { return }
        let report = String(decoding: result.standardErrorContent, as: UTF8.self)
        if result.exitStatus != .exitCode(0) {
            // the problems, or the case that was running when the child trapped
            let lines = report.split(separator: "\n")
            let shown = lines.filter { $0.hasPrefix("problem: ") } + (lines.last.map { ["last: " + $0] } ?? [])
            Issue.record("\(name): \(result.exitStatus)\n\(shown.joined(separator: "\n"))")
        }
        // the child did run every group of cases
        for marker in ["case: no interactions", "case: one user", "case: unknown hyper-parameter"] {
            #expect(report.contains(marker), "\(name): the child did not run '\(marker)'")
        }
    }
}

/// The bad-input checks of one algorithm, run inside a child process (see
/// ``CatalogConformanceTests/badInputThrowsTrainingErrorAndNeverTraps(_:)``). Each case is
/// announced on standard error before it runs, so the report names the case that trapped.
enum BadInputProbe {
    static func run(_ name: String) -> [String] {
        var problems: [String] = []
        func announce(_ what: String) { FileHandle.standardError.write(Data("case: \(what)\n".utf8)) }
        guard let algorithm = try? AlgorithmCatalog.standard.algorithm(named: name) else { return ["\(name) is not in the catalog"] }
        let small = Conformance.small(algorithm)
        let dataset = Conformance.dataset

        /// Fitting must throw a TrainingError.
        func expectTrainingError(_ what: String, _ data: TrainingData, _ settings: Hyperparameters, where accept: (TrainingError) -> Bool = { _ in true }) {
            announce(what)
            do {
                _ = try algorithm.fit(data, hyperparameters: settings, context: FitContext(seed: 0, threads: 2))
                problems.append("\(what): fitted without error")
            } catch let error as TrainingError {
                if !accept(error) { problems.append("\(what): unexpected \(error)") }
                if error.description.isEmpty { problems.append("\(what): an empty message") }
            } catch {
                problems.append("\(what): threw \(type(of: error)) (\(error)), not a TrainingError")
            }
        }
        /// Fitting must either succeed with finite scores or throw a TrainingError.
        func expectModelOrTrainingError(_ what: String, _ data: TrainingData, _ settings: Hyperparameters) {
            announce(what)
            do {
                let model = try algorithm.fit(data, hyperparameters: settings, context: FitContext(seed: 0, threads: 2))
                for u in 0..<data.dataset.userCount where !model.scores(forUser: UserIndex(u)).allSatisfy(\.isFinite) {
                    problems.append("\(what): user \(u) has scores that are not finite")
                    break
                }
            } catch is TrainingError {
            } catch {
                problems.append("\(what): threw \(type(of: error)) (\(error)), not a TrainingError")
            }
        }

        // Empty data: no interactions at all, or none in the training part; no users and items.
        let empty = Interactions.empty(userCount: dataset.userCount, itemCount: dataset.itemCount)
        expectTrainingError("no interactions", TrainingData(Fixtures.replacingInteractions(of: dataset, with: empty)), small)
        if let data = try? TrainingData(dataset, training: empty) { expectTrainingError("empty training part", data, small) }
        let nothing = Dataset(name: "nothing", userIDs: IDMap([]), itemIDs: IDMap([]), interactions: .empty(userCount: 0, itemCount: 0),
                              catalog: ItemCatalog(titles: [], years: [], genres: [], genreNames: []), ratingScale: 1...5)
        expectTrainingError("no users and no items", TrainingData(nothing), small)

        // One user; one item; one rating; all ratings equal: a model with finite scores or a clear error.
        let oneUser = Interactions(users: [0, 0, 0, 0], items: [0, 2, 3, 5], ratings: [5, 3, 4, 1], userCount: 1, itemCount: 6)
        expectModelOrTrainingError("one user", TrainingData(Fixtures.dataset(oneUser)), small)
        let rowsOfUser0 = (0..<dataset.interactions.count).filter { dataset.interactions.users[$0] == 0 }
        if let data = try? TrainingData(dataset, training: dataset.interactions.subset(rowsOfUser0)) {
            expectModelOrTrainingError("one user of many rated", data, small)
        }
        let oneItem = Interactions(users: [0, 1, 2], items: [0, 0, 0], ratings: [5, 3, 4], userCount: 3, itemCount: 1)
        expectModelOrTrainingError("one item", TrainingData(Fixtures.dataset(oneItem)), small)
        let oneRating = Interactions(users: [0], items: [0], ratings: [4], userCount: 1, itemCount: 1)
        expectModelOrTrainingError("one rating", TrainingData(Fixtures.dataset(oneRating)), small)
        let x = dataset.interactions
        let constant = Interactions(users: x.users, items: x.items, ratings: [Float](repeating: 3, count: x.count),
                                    userCount: x.userCount, itemCount: x.itemCount)
        expectModelOrTrainingError("all ratings equal", TrainingData(Fixtures.replacingInteractions(of: dataset, with: constant)), small)

        // Settings: an unknown name, then out-of-bounds and wrongly typed values of each parameter.
        let data = TrainingData(dataset)
        expectTrainingError("unknown hyper-parameter", data, small.setting("no-such-parameter", .integer(1))) {
            if case .unknownHyperparameter(_, "no-such-parameter", let known) = $0 { return known == algorithm.parameters.map(\.name) }
            return false
        }
        for spec in algorithm.parameters {
            var candidates: [HyperparameterValue]
            switch spec.kind {
            case .integer:
                candidates = [.integer(0), .integer(-1), .integer(Int.max), .integer(Int.min), .real(.nan), .real(.infinity),
                              .real(-.infinity), .real(1e300), .real(0.5), .choice("x"), .flag(true), .integers([1, 2])]
            case .real:
                candidates = [.real(0), .real(-1), .real(1e300), .real(-1e300), .real(.nan), .real(.infinity), .real(-.infinity),
                              .integer(Int.max), .integer(-1), .choice("x"), .flag(true)]
            case .choice:
                candidates = [.choice("no-such-choice"), .choice(""), .integer(1), .flag(true)]
            case .flag:
                candidates = [.integer(2), .choice("maybe"), .real(.nan)]
            case .integers(_, let maxCount):
                candidates = [.integers([]), .integers([0]), .integers([-1]), .integers([Int.max]),
                              .integers([Int](repeating: 2, count: maxCount + 1)), .integer(4), .real(.nan)]
            }
            for value in candidates {
                let what = "\(spec.name) = \(value) (\(caseName(value)))"
                let settings = small.setting(spec.name, value)
                if (try? spec.validate(value, algorithm: name)) == nil {
                    expectTrainingError(what, data, settings) {
                        if case .invalidHyperparameter(_, let n, _) = $0 { return n == spec.name }
                        return false
                    }
                } else if isHuge(value) {
                    problems.append("\(what): accepted by the table's bounds (\(spec.accepted)); a fit would not finish")
                } else {
                    expectModelOrTrainingError(what, data, settings)
                }
            }
            // The text path (command line, HTTP): parse errors are TrainingErrors too.
            for text in ["nan", "inf", "-inf", "1e999", "-1", "", "abc", "9223372036854775808", "1,2,x"] {
                announce("\(spec.name) parsed from '\(text)'")
                do {
                    _ = try spec.parse(text, algorithm: name)
                } catch is TrainingError {
                } catch {
                    problems.append("\(spec.name) parsed from '\(text)': threw \(type(of: error)), not a TrainingError")
                }
            }
        }
        return problems
    }

    static func isHuge(_ value: HyperparameterValue) -> Bool {
        switch value {
        case .integer(let v): return abs(Double(v)) > 1e12
        case .real(let v): return !v.isFinite || abs(v) > 1e12
        case .integers(let v): return v.contains { abs(Double($0)) > 1e12 } || v.count > 64
        default: return false
        }
    }

    static func caseName(_ value: HyperparameterValue) -> String {
        switch value {
        case .integer: return "integer"
        case .real: return "real"
        case .choice: return "choice"
        case .flag: return "flag"
        case .integers: return "integers"
        }
    }
}
