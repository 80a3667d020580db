/// The categorical side features of every movie that the softmax model's user bags use:
/// genre tokens and a release-year token.
///
/// Built as the notebook does:
/// - **Genres.** The notebook gives each movie one genre drawn at random among its genres
///   (`movies["genre"]`, "Other" when it has none) and uses the set of those drawn genres as
///   the vocabulary of the genre embedding column; the user's genre bag, however, holds
///   *all* the genres of each rated movie (`all_genres`), and a genre that was never drawn is
///   out of vocabulary and dropped. We do the same with a seeded draw (on ML-100K every genre
///   is drawn for some movie, so nothing is dropped in practice).
/// - **Years.** The release year is a categorical token; an unknown year is a token of its
///   own (the notebook's `"nan"`).
public struct SoftmaxFeatures: Sendable, Equatable {
    /// Names of the genre tokens (vocabulary order).
    public var genreVocabulary: [String]
    /// Names of the year tokens (vocabulary order; `"unknown"` for the missing year).
    public var yearVocabulary: [String]
    /// `itemCount + 1` offsets into ``genreTokens``: movie `i`'s tokens are
    /// `genreTokens[genreOffsets[i] ..< genreOffsets[i + 1]]`.
    public var genreOffsets: [Int32]
    /// The genre tokens of every movie, concatenated.
    public var genreTokens: [Int32]
    /// The year token of each movie.
    public var yearTokens: [Int32]

    /// Creates features from their parts.
    public init(genreVocabulary: [String], yearVocabulary: [String], genreOffsets: [Int32], genreTokens: [Int32], yearTokens: [Int32]) {
        self.genreVocabulary = genreVocabulary
        self.yearVocabulary = yearVocabulary
        self.genreOffsets = genreOffsets
        self.genreTokens = genreTokens
        self.yearTokens = yearTokens
    }

    /// Builds the features of every movie of `catalog`.
    /// - Parameter seed: seeds the draw of each movie's single genre (which decides the vocabulary).
    public init(catalog: ItemCatalog, seed: UInt64) {
        var generator = SeededGenerator(seed: seed ^ 0x6765_6E72_6573)
        let otherIndex = catalog.genreNames.count // "Other": a movie without genres
        var drawn = Set<Int>()
        var allGenres: [[Int]] = []
        allGenres.reserveCapacity(catalog.count)
        for genres in catalog.genres {
            let active = genres.indices.isEmpty ? [otherIndex] : genres.indices
            drawn.insert(active[generator.nextInt(below: active.count)])
            allGenres.append(active)
        }
        let vocabulary = drawn.sorted()
        var tokenOf = [Int32](repeating: -1, count: otherIndex + 1)
        for (t, g) in vocabulary.enumerated() { tokenOf[g] = Int32(t) }
        genreVocabulary = vocabulary.map { $0 == otherIndex ? "Other" : catalog.genreNames[$0] }
        genreOffsets = [0]
        genreTokens = []
        for active in allGenres {
            for g in active where tokenOf[g] >= 0 { genreTokens.append(tokenOf[g]) }
            genreOffsets.append(Int32(genreTokens.count))
        }
        let years = Set(catalog.years.compactMap { $0 }).sorted()
        var yearIndex: [Int: Int32] = [:]
        for (t, y) in years.enumerated() { yearIndex[y] = Int32(t) }
        let unknown = Int32(years.count)
        yearVocabulary = years.map(String.init) + (catalog.years.contains(where: { $0 == nil }) ? ["unknown"] : [])
        yearTokens = catalog.years.map { $0.flatMap { yearIndex[$0] } ?? unknown }
    }

    /// The number of movies described.
    public var itemCount: Int { yearTokens.count }

    /// Whether the arrays are consistent (used when reading a model file).
    var isConsistent: Bool {
        genreOffsets.count == itemCount + 1 && genreOffsets.first == 0 && Int(genreOffsets.last ?? -1) == genreTokens.count
            && zip(genreOffsets, genreOffsets.dropFirst()).allSatisfy { $0 <= $1 }
            && genreTokens.allSatisfy { $0 >= 0 && Int($0) < genreVocabulary.count }
            && yearTokens.allSatisfy { $0 >= 0 && Int($0) < yearVocabulary.count }
    }
}
