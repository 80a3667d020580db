import Foundation

/// The summary tables of an exploration as data (`recommender explore --format json`); its
/// schema is docs/schemas/explore.schema.json. ``csvLines()`` gives the same figures in one long
/// CSV table `table,row,column,value`.
public struct ExplorationDocument: Sendable, Codable, Equatable {
    /// A count per category (sex, occupation, zip code).
    public struct Count: Sendable, Codable, Equatable {
        /// The category ("" when unknown).
        public var name: String
        /// How many users.
        public var count: Int
    }

    /// Count, mean, standard deviation and quartiles of a column.
    public struct Summary: Sendable, Codable, Equatable {
        /// The number of values.
        public var count: Int
        /// Their mean.
        public var mean: Double
        /// Their standard deviation (as `NumericSummary`).
        public var std: Double
        /// The smallest value.
        public var min: Double
        /// The first quartile.
        public var q25: Double
        /// The median.
        public var median: Double
        /// The third quartile.
        public var q75: Double
        /// The largest value.
        public var max: Double

        init(_ s: NumericSummary) {
            count = s.count; mean = s.mean; std = s.standardDeviation; min = s.minimum
            q25 = s.firstQuartile; median = s.median; q75 = s.thirdQuartile; max = s.maximum
        }

        /// The figures in the order of the CSV (`count`, `mean`, `std`, `min`, `25%`, `50%`, `75%`, `max`).
        var named: [(String, Double)] {
            [("count", Double(count)), ("mean", mean), ("std", std), ("min", min), ("25%", q25), ("50%", median), ("75%", q75), ("max", max)]
        }
    }

    /// The users of the user table (when the data set has one).
    public struct Users: Sendable, Codable, Equatable {
        /// How many users are described.
        public var count: Int
        /// Ages of the users with a known age.
        public var age: Summary?
        /// Users per sex, most frequent first.
        public var sexes: [Count]
        /// Users per occupation, most frequent first.
        public var occupations: [Count]
        /// The most frequent zip codes (at most `top`).
        public var zipCodes: [Count]
        /// How many distinct zip codes there are.
        public var zipCodeCount: Int

        enum CodingKeys: String, CodingKey {
            case count, age, sexes, occupations
            case zipCodes = "zip_codes"
            case zipCodeCount = "zip_code_count"
        }
    }

    /// One item of a top list.
    public struct RankedItem: Sendable, Codable, Equatable {
        /// 1 for the first.
        public var rank: Int
        /// The raw id.
        public var item: String
        /// The display title.
        public var title: String
        /// Its number of ratings.
        public var ratings: Int
        /// Its mean rating.
        public var mean: Double
    }

    /// The tool and its version.
    public var tool: String
    /// The data set's name.
    public var dataset: String
    /// The occupation filter, if any.
    public var occupation: String?
    /// The genre filter, if any.
    public var genre: String?
    /// Users, items and ratings selected.
    public var userCount: Int, itemCount: Int, ratingCount: Int
    /// Whether the ratings are explicit (stars) rather than implicit (all 1).
    public var explicitRatings: Bool
    /// The user table's summary, when there is one.
    public var users: Users?
    /// The most rated items.
    public var topByCount: [RankedItem]
    /// The best rated items among those with more than ``minRatings`` ratings.
    public var topByMean: [RankedItem]
    /// The threshold of ``topByMean``.
    public var minRatings: Int
    /// Summaries of `ratings_per_user`, `mean_user_rating`, `ratings_per_item`, `mean_item_rating`
    /// and `rating_value` (absent when there is nothing to summarise).
    public var distributions: [String: Summary]

    enum CodingKeys: String, CodingKey {
        case tool, dataset, occupation, genre, users, distributions
        case userCount = "user_count", itemCount = "item_count", ratingCount = "rating_count"
        case explicitRatings = "explicit_ratings"
        case topByCount = "top_by_count", topByMean = "top_by_mean", minRatings = "min_ratings"
    }

    /// The names of ``distributions``, in table order.
    public static let distributionNames = ["ratings_per_user", "mean_user_rating", "ratings_per_item", "mean_item_rating", "rating_value"]

    /// Summarises `exploration` of `dataset`.
    /// - Parameters:
    ///   - top: the length of the top lists (and of the zip code list).
    ///   - minRatings: items need more ratings than this to enter the top by mean.
    public init(dataset: Dataset, exploration: DatasetExploration, top: Int, minRatings: Int) {
        tool = EvaluationDocument.toolVersion
        self.dataset = dataset.name
        occupation = exploration.filter.occupation
        genre = exploration.filter.genre
        userCount = exploration.userCount
        itemCount = exploration.itemCount
        ratingCount = exploration.ratingCount
        explicitRatings = dataset.hasExplicitRatings
        users = exploration.userSummary.map { s in
            func counts(_ c: [CategoryCount]) -> [Count] { c.map { Count(name: $0.name, count: $0.count) } }
            return Users(count: s.userCount, age: s.age.map(Summary.init), sexes: counts(s.sexes), occupations: counts(s.occupations),
                         zipCodes: counts(Array(s.zipCodes.prefix(top))), zipCodeCount: s.zipCodes.count)
        }
        func ranked(_ list: [ItemRatingStatistics]) -> [RankedItem] {
            list.enumerated().map { k, s in
                RankedItem(rank: k + 1, item: dataset.itemIDs.id(at: s.item).rawValue, title: exploration.displayName(of: s.item),
                           ratings: s.count, mean: s.mean)
            }
        }
        topByCount = ranked(exploration.topByCount(top))
        topByMean = ranked(exploration.topByMean(top, minimumRatings: minRatings))
        self.minRatings = minRatings
        let h = exploration.histograms
        var distributions: [String: Summary] = [:]
        for (name, values) in zip(Self.distributionNames, [h.ratingsPerUser, h.meanUserRating, h.ratingsPerItem, h.meanItemRating, h.ratingValues]) {
            if let s = NumericSummary(values) { distributions[name] = Summary(s) }
        }
        self.distributions = distributions
    }

    /// The CSV header of ``csvLines()``.
    public static let csvHeader = "table,row,column,value"

    /// Every figure as one row `table,row,column,value` (no header): tables `dataset`, `age`,
    /// `sex`, `occupation`, `zip_code`, `top_by_count`, `top_by_mean`, `distribution`.
    public func csvLines() -> [String] {
        var rows: [[String]] = []
        func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x) }
        rows.append(["dataset", "name", "value", dataset])
        rows.append(["dataset", "users", "value", String(userCount)])
        rows.append(["dataset", "items", "value", String(itemCount)])
        rows.append(["dataset", "ratings", "value", String(ratingCount)])
        rows.append(["dataset", "explicit_ratings", "value", String(explicitRatings)])
        if let occupation { rows.append(["dataset", "occupation_filter", "value", occupation]) }
        if let genre { rows.append(["dataset", "genre_filter", "value", genre]) }
        if let users {
            if let age = users.age { for (name, value) in age.named { rows.append(["age", "age", name, number(value)]) } }
            for c in users.sexes { rows.append(["sex", c.name, "users", String(c.count)]) }
            for c in users.occupations { rows.append(["occupation", c.name, "users", String(c.count)]) }
            for c in users.zipCodes { rows.append(["zip_code", c.name, "users", String(c.count)]) }
        }
        for (table, list) in [("top_by_count", topByCount), ("top_by_mean", topByMean)] {
            for r in list {
                rows.append([table, String(r.rank), "item", r.item])
                rows.append([table, String(r.rank), "title", r.title])
                rows.append([table, String(r.rank), "ratings", String(r.ratings)])
                rows.append([table, String(r.rank), "mean", String(r.mean)])
            }
        }
        for name in Self.distributionNames {
            guard let s = distributions[name] else { continue }
            for (statistic, value) in s.named { rows.append(["distribution", name, statistic, number(value)]) }
        }
        return rows.map(AnswerEncoding.csvLine)
    }
}
