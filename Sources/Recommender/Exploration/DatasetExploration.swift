/// Which users and movies an exploration looks at.
///
/// An occupation keeps the users with that occupation (and only their ratings); a genre keeps
/// the movies of that genre (and only their ratings). Both together keep the ratings given by
/// those users to those movies. Names match case-insensitively.
public struct ExplorationFilter: Sendable, Equatable {
    /// Keep only users with this occupation (`nil`: all users).
    public var occupation: String?
    /// Keep only movies of this genre (`nil`: all movies).
    public var genre: String?

    /// Creates a filter; the default keeps everything.
    public init(occupation: String? = nil, genre: String? = nil) {
        self.occupation = occupation
        self.genre = genre
    }
}

/// How often, and how well, one movie was rated.
public struct ItemRatingStatistics: Sendable, Equatable {
    /// The movie.
    public var item: ItemIndex
    /// Its number of ratings.
    public var count: Int
    /// Its mean rating.
    public var mean: Double

    /// Creates the statistics of one movie.
    public init(item: ItemIndex, count: Int, mean: Double) {
        self.item = item
        self.count = count
        self.mean = mean
    }
}

/// How often, and how generously, one user rated.
public struct UserRatingStatistics: Sendable, Equatable {
    /// The user.
    public var user: UserIndex
    /// The user's number of ratings.
    public var count: Int
    /// The user's mean rating.
    public var mean: Double

    /// Creates the statistics of one user.
    public init(user: UserIndex, count: Int, mean: Double) {
        self.user = user
        self.count = count
        self.mean = mean
    }
}

/// The user table described column by column (`users.describe()` and `value_counts()`).
public struct UserTableSummary: Sendable, Equatable {
    /// The number of users described.
    public var userCount: Int
    /// Ages (users with a known age only); `nil` when no age is known.
    public var age: NumericSummary?
    /// Users per sex, most frequent first.
    public var sexes: [CategoryCount]
    /// Users per occupation, most frequent first.
    public var occupations: [CategoryCount]
    /// Users per zip code, most frequent first.
    public var zipCodes: [CategoryCount]

    /// Summarises the users at `rows` of `table`.
    /// - Complexity: O(n log n) in the number of users.
    public init(table: UserTable, rows: [Int]) {
        userCount = rows.count
        age = NumericSummary(rows.compactMap { table.ages[$0] }.map(Double.init))
        sexes = CategoryCount.counts(of: rows.map { table.sexes[$0] })
        occupations = CategoryCount.counts(of: rows.map { table.occupations[$0] })
        zipCodes = CategoryCount.counts(of: rows.map { table.zipCodes[$0] })
    }
}

/// The value arrays behind the exploration histograms (one value per user, movie or rating).
public struct ExplorationHistograms: Sendable, Equatable {
    /// The number of ratings of each user (users with at least one rating).
    public var ratingsPerUser: [Double]
    /// The mean rating of each user.
    public var meanUserRating: [Double]
    /// The number of ratings of each movie (movies with at least one rating).
    public var ratingsPerItem: [Double]
    /// The mean rating of each movie.
    public var meanItemRating: [Double]
    /// Every rating value.
    public var ratingValues: [Double]
}

/// Section I of the notebook: what the data looks like, as values (the library never prints).
///
/// Built once from a ``Dataset`` and an ``ExplorationFilter``: the user table summary,
/// per-user and per-movie rating counts and means, the top movies by count and by mean, and
/// the data of the distribution histograms.
///
/// ```swift
/// let exploration = try DatasetExploration(dataset: try DatasetLocator.load(name: "ml-100k"))
/// exploration.topByCount(5).map { exploration.displayName(of: $0.item) }
/// // ["Star Wars (1977)", "Contact (1997)", "Fargo (1996)", "Return of the Jedi (1983)", "Liar Liar (1997)"]
/// ```
public struct DatasetExploration: Sendable {
    /// The filter applied.
    public let filter: ExplorationFilter
    /// The number of users selected (every user of the data set without an occupation filter).
    public let userCount: Int
    /// The number of movies selected (every movie of the catalog without a genre filter).
    public let itemCount: Int
    /// The number of ratings between the selected users and movies.
    public let ratingCount: Int
    /// The user table summary of the selected users; `nil` when the data set has no user table.
    public let userSummary: UserTableSummary?
    /// Statistics of every selected movie with at least one rating, in index order.
    public let items: [ItemRatingStatistics]
    /// Statistics of every selected user with at least one rating, in index order.
    public let users: [UserRatingStatistics]
    /// Every selected rating value, in data set order.
    public let ratingValues: [Double]
    /// The occupations of the data set, sorted (the valid values of ``ExplorationFilter/occupation``).
    public let occupationNames: [String]
    /// The genres of the data set in catalog order (the valid values of ``ExplorationFilter/genre``).
    public let genreNames: [String]
    private let itemNames: [String]

    /// Explores `dataset` through `filter`.
    /// - Parameters:
    ///   - dataset: A loaded data set.
    ///   - filter: Which users and movies to keep (default: all).
    /// - Throws: ``DataError/invalidInput(_:)`` naming the valid values when the occupation or
    ///   genre is unknown, or when the data set has no user table (occupation) or no genres.
    /// - Complexity: O(ratings + users log users + items log items).
    public init(dataset: Dataset, filter: ExplorationFilter = ExplorationFilter()) throws(DataError) {
        self.filter = filter
        let table = dataset.userTable
        occupationNames = Array(Set(table?.occupations ?? []).filter { !$0.isEmpty }).sorted()
        genreNames = dataset.catalog.genreNames

        var keepUser = [Bool](repeating: true, count: dataset.userCount)
        if let wanted = filter.occupation {
            guard let table else {
                throw .invalidInput("--occupation: the data set '\(dataset.name)' has no user table")
            }
            guard let name = occupationNames.first(where: { $0.lowercased() == wanted.lowercased() }) else {
                throw .invalidInput("unknown occupation '\(wanted)'; valid: \(occupationNames.joined(separator: ", "))")
            }
            for u in keepUser.indices { keepUser[u] = table.occupations[u] == name }
        }
        var keepItem = [Bool](repeating: true, count: dataset.itemCount)
        if let wanted = filter.genre {
            guard !genreNames.isEmpty else {
                throw .invalidInput("--genre: the data set '\(dataset.name)' has no genres")
            }
            guard let g = dataset.catalog.genreIndex(named: wanted) else {
                throw .invalidInput("unknown genre '\(wanted)'; valid: \(genreNames.joined(separator: ", "))")
            }
            for i in keepItem.indices { keepItem[i] = dataset.catalog.genres[i].contains(index: g) }
        }
        let selectedUsers = keepUser.indices.filter { keepUser[$0] }
        userCount = selectedUsers.count
        itemCount = keepItem.lazy.filter { $0 }.count
        userSummary = table.map { UserTableSummary(table: $0, rows: selectedUsers) }

        var userCounts = [Int](repeating: 0, count: dataset.userCount), userSums = [Double](repeating: 0, count: dataset.userCount)
        var itemCounts = [Int](repeating: 0, count: dataset.itemCount), itemSums = [Double](repeating: 0, count: dataset.itemCount)
        var values: [Double] = []
        values.reserveCapacity(dataset.interactions.count)
        let interactions = dataset.interactions
        for row in 0..<interactions.count {
            let u = Int(interactions.users[row]), i = Int(interactions.items[row])
            guard keepUser[u] && keepItem[i] else { continue }
            let r = Double(interactions.ratings[row])
            userCounts[u] += 1; userSums[u] += r
            itemCounts[i] += 1; itemSums[i] += r
            values.append(r)
        }
        ratingCount = values.count
        ratingValues = values
        items = itemCounts.indices.filter { itemCounts[$0] > 0 }.map {
            ItemRatingStatistics(item: ItemIndex($0), count: itemCounts[$0], mean: itemSums[$0] / Double(itemCounts[$0]))
        }
        users = userCounts.indices.filter { userCounts[$0] > 0 }.map {
            UserRatingStatistics(user: UserIndex($0), count: userCounts[$0], mean: userSums[$0] / Double(userCounts[$0]))
        }

        // Display titles, with the id appended where two movies share one (ML-100K has a few).
        let catalog = dataset.catalog
        let titles = (0..<catalog.count).map { catalog.displayTitle(ItemIndex($0)) }
        var seen: [String: Int] = [:]
        for t in titles { seen[t, default: 0] += 1 }
        itemNames = titles.indices.map { i in
            seen[titles[i]]! > 1 ? "\(titles[i]) [id \(dataset.itemIDs.id(at: ItemIndex(i)).rawValue)]" : titles[i]
        }
    }

    /// The movie's title and year (`"Star Wars (1977)"`), followed by `[id N]` when another
    /// movie of the data set has the same title and year.
    public func displayName(of item: ItemIndex) -> String { itemNames[Int(item)] }

    /// The `count` movies with the most ratings, most first (ties: higher mean, then lower index).
    /// - Complexity: O(m log m) for m rated movies.
    public func topByCount(_ count: Int) -> [ItemRatingStatistics] {
        Array(items.sorted {
            $0.count != $1.count ? $0.count > $1.count : $0.mean != $1.mean ? $0.mean > $1.mean : $0.item < $1.item
        }.prefix(max(count, 0)))
    }

    /// The `count` movies with the highest mean rating among those with **more than**
    /// `minimumRatings` ratings, best first (ties: more ratings, then lower index).
    /// - Parameters:
    ///   - count: How many movies to return.
    ///   - minimumRatings: Movies need strictly more ratings than this (default 20, as in the notebook).
    /// - Complexity: O(m log m) for m rated movies.
    public func topByMean(_ count: Int, minimumRatings: Int = 20) -> [ItemRatingStatistics] {
        Array(items.filter { $0.count > minimumRatings }.sorted {
            $0.mean != $1.mean ? $0.mean > $1.mean : $0.count != $1.count ? $0.count > $1.count : $0.item < $1.item
        }.prefix(max(count, 0)))
    }

    /// The values behind the five distribution histograms.
    public var histograms: ExplorationHistograms {
        ExplorationHistograms(ratingsPerUser: users.map { Double($0.count) },
                              meanUserRating: users.map(\.mean),
                              ratingsPerItem: items.map { Double($0.count) },
                              meanItemRating: items.map(\.mean),
                              ratingValues: ratingValues)
    }
}
