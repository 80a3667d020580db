/// A set of genres, stored as a bit mask over ``ItemCatalog/genreNames`` (at most 64 genres).
public struct GenreSet: OptionSet, Hashable, Sendable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// The set holding only the genre at `index` in ``ItemCatalog/genreNames``.
    public init(index: Int) {
        precondition(index >= 0 && index < 64, "GenreSet holds at most 64 genres")
        rawValue = 1 << UInt64(index)
    }
    /// The genre indices in the set, ascending.
    public var indices: [Int] {
        var out: [Int] = []
        out.reserveCapacity(rawValue.nonzeroBitCount)
        forEachIndex { out.append($0) }
        return out
    }
    /// Calls `body` with each genre index in the set, ascending, without building an array.
    @inlinable
    public func forEachIndex(_ body: (Int) throws -> Void) rethrows {
        var bits = rawValue
        while bits != 0 {
            try body(bits.trailingZeroBitCount)
            bits &= bits - 1
        }
    }
    /// Whether the genre at `index` is in the set.
    public func contains(index: Int) -> Bool { index < 64 && rawValue & (1 << UInt64(index)) != 0 }
}

/// What is known about each item: its title, release year and genres.
///
/// Indexed by ``ItemIndex``, parallel to the item ``IDMap`` of the ``Dataset``. Data sets
/// without an item file get a catalog whose titles are the item ids and that has no genres.
public struct ItemCatalog: Sendable, Equatable {
    /// The title of each item, without the year (e.g. `"Aladdin"`).
    public var titles: [String]
    /// The release year of each item, when known.
    public var years: [Int?]
    /// The genres of each item.
    public var genres: [GenreSet]
    /// The names of the genres, in bit order.
    public var genreNames: [String]

    /// Creates a catalog from parallel columns.
    public init(titles: [String], years: [Int?], genres: [GenreSet], genreNames: [String]) {
        precondition(titles.count == years.count && years.count == genres.count, "ItemCatalog: columns differ in length")
        precondition(genreNames.count <= 64, "ItemCatalog: at most 64 genres")
        self.titles = titles
        self.years = years
        self.genres = genres
        self.genreNames = genreNames
    }

    /// A catalog that only knows the ids: titles are the ids, no years, no genres.
    public init(placeholderFor ids: IDMap<ItemID>) {
        self.init(titles: ids.ids.map(\.rawValue), years: Array(repeating: nil, count: ids.count),
                  genres: Array(repeating: [], count: ids.count), genreNames: [])
    }

    /// The number of items.
    public var count: Int { titles.count }

    /// The title followed by the year in parentheses, as MovieLens writes it: `"Aladdin (1992)"`.
    public func displayTitle(_ item: ItemIndex) -> String {
        let i = Int(item)
        if let year = years[i] { return "\(titles[i]) (\(year))" }
        return titles[i]
    }

    /// The names of the genres of `item`.
    public func genreNames(of item: ItemIndex) -> [String] {
        let set = genres[Int(item)]
        var names: [String] = []
        names.reserveCapacity(set.rawValue.nonzeroBitCount)
        set.forEachIndex { names.append(genreNames[$0]) }
        return names
    }

    /// The index of a genre by name (case-insensitive), or `nil`.
    public func genreIndex(named name: String) -> Int? {
        genreNames.firstIndex { $0.lowercased() == name.lowercased() }
    }

    /// Items whose title contains `text` (case-insensitive), in index order.
    public func items(titleContaining text: String) -> [ItemIndex] {
        let needle = text.lowercased()
        return titles.indices.filter { displayTitle(ItemIndex($0)).lowercased().contains(needle) }.map { ItemIndex($0) }
    }
}

/// Demographics of each user (MovieLens `u.user`), indexed by ``UserIndex``.
public struct UserTable: Sendable, Equatable {
    /// Age in years, when known.
    public var ages: [Int?]
    /// Sex as written in the file (`"M"`/`"F"`), or `""`.
    public var sexes: [String]
    /// Occupation name, or `""`.
    public var occupations: [String]
    /// Zip code, or `""`.
    public var zipCodes: [String]

    /// Creates a user table from parallel columns.
    public init(ages: [Int?], sexes: [String], occupations: [String], zipCodes: [String]) {
        precondition(ages.count == sexes.count && sexes.count == occupations.count && occupations.count == zipCodes.count,
                     "UserTable: columns differ in length")
        self.ages = ages
        self.sexes = sexes
        self.occupations = occupations
        self.zipCodes = zipCodes
    }

    /// The number of users.
    public var count: Int { ages.count }
}
