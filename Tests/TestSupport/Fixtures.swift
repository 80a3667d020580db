import Foundation
import Recommender

/// Small synthetic data sets the tests create (seeded: the same every run).
public enum Fixtures {
    /// A data set over `interactions` with ids `"0"`, `"1"`, ... for users and items, placeholder
    /// titles and the rating scale `scale`.
    public static func dataset(_ interactions: Interactions, scale: ClosedRange<Float>? = 1...5, name: String = "synthetic") -> Dataset {
        let users = IDMap((0..<interactions.userCount).map { UserID($0) }), items = IDMap((0..<interactions.itemCount).map { ItemID($0) })
        return Dataset(name: name, userIDs: users, itemIDs: items, interactions: interactions,
                       catalog: ItemCatalog(placeholderFor: items), ratingScale: scale)
    }

    /// Training data over all of `interactions` (``dataset(_:scale:name:)``).
    public static func training(_ interactions: Interactions, scale: ClosedRange<Float>? = 1...5) -> TrainingData {
        TrainingData(dataset(interactions, scale: scale))
    }

    /// A data set whose ratings are `3 + ⟨p_u, q_i⟩` (+ noise) with rank-2 factors, with a user
    /// table (age, sex, occupation, zip) and a catalog (titles, years, two genres) so that every
    /// side feature exists. `rounded` rounds the ratings to whole stars clipped to 1...5.
    public static func sideFeatureDataset(users: Int = 40, items: Int = 30, density: Double = 0.5, noise: Float = 0.1,
                                          seed: UInt64 = 1, scale: ClosedRange<Float>? = nil, rounded: Bool = false) -> Dataset {
        var g = SeededGenerator(seed: seed)
        let p = (0..<users).map { _ in (g.nextNormal() * 0.7, g.nextNormal() * 0.7) }
        let q = (0..<items).map { _ in (g.nextNormal() * 0.7, g.nextNormal() * 0.7) }
        var us: [Int32] = [], its: [Int32] = [], rs: [Float] = []
        for u in 0..<users {
            for i in 0..<items where g.nextUnitDouble() < density {
                us.append(Int32(u)); its.append(Int32(i))
                let r = 3 + p[u].0 * q[i].0 + p[u].1 * q[i].1 + noise * g.nextNormal()
                rs.append(rounded ? min(5, max(1, r.rounded())) : r)
            }
        }
        let userIDs = IDMap((0..<users).map { UserID($0) }), itemIDs = IDMap((0..<items).map { ItemID($0) })
        let table = UserTable(ages: (0..<users).map { 15 + ($0 * 7) % 50 }, sexes: (0..<users).map { $0 % 2 == 0 ? "M" : "F" },
                              occupations: (0..<users).map { ["student", "writer", "other"][$0 % 3] },
                              zipCodes: (0..<users).map { String(10000 + $0 * 2311) })
        let catalog = ItemCatalog(titles: (0..<items).map { "Movie \($0)" }, years: (0..<items).map { 1990 + $0 % 5 },
                                  genres: (0..<items).map { GenreSet(rawValue: UInt64(1 + $0 % 3)) },
                                  genreNames: ["Action", "Comedy"])
        return Dataset(name: "synthetic", userIDs: userIDs, itemIDs: itemIDs,
                       interactions: Interactions(users: us, items: its, ratings: rs, userCount: users, itemCount: items),
                       catalog: catalog, userTable: table, ratingScale: scale)
    }

    /// `dataset` with its interactions replaced by `interactions` (same users and items, catalog,
    /// user table and scale).
    public static func replacingInteractions(of dataset: Dataset, with interactions: Interactions) -> Dataset {
        precondition(interactions.userCount == dataset.userCount && interactions.itemCount == dataset.itemCount)
        var copy = dataset
        copy.interactions = interactions
        return copy
    }
}

/// Synthetic rating data shared by the rating-model tests.
public enum RatingFixtures {
    /// A tiny hand-computable set: (user, item, rating).
    public static func tiny() -> Interactions {
        Interactions(users: [0, 0, 1], items: [0, 1, 0], ratings: [5, 4, 3], userCount: 3, itemCount: 3)
    }

    /// Ratings from an exact rank-2 model 3 + b_u + b_i + p_u·q_i on a random 60% of a
    /// 40 × 30 grid, split into a training part and a held-out part.
    public static func lowRank(seed: UInt64 = 7) -> (train: Interactions, test: Interactions) {
        var g = SeededGenerator(seed: seed)
        let nu = 40, ni = 30
        let p = (0..<nu).map { _ in (g.nextNormal() * 0.7, g.nextNormal() * 0.7) }
        let q = (0..<ni).map { _ in (g.nextNormal() * 0.7, g.nextNormal() * 0.7) }
        let bu = (0..<nu).map { _ in g.nextNormal() * 0.3 }, bi = (0..<ni).map { _ in g.nextNormal() * 0.3 }
        var train: (u: [Int32], i: [Int32], r: [Float]) = ([], [], []), test = train
        for u in 0..<nu {
            for i in 0..<ni {
                let x = g.nextUnitFloat()
                guard x < 0.6 else { continue }
                let r = 3 + bu[u] + bi[i] + p[u].0 * q[i].0 + p[u].1 * q[i].1
                if x < 0.5 { train.u.append(Int32(u)); train.i.append(Int32(i)); train.r.append(r) } else {
                    test.u.append(Int32(u)); test.i.append(Int32(i)); test.r.append(r)
                }
            }
        }
        return (Interactions(users: train.u, items: train.i, ratings: train.r, userCount: nu, itemCount: ni),
                Interactions(users: test.u, items: test.i, ratings: test.r, userCount: nu, itemCount: ni))
    }

    /// Random 1–5 ratings with user and item effects (for differential and determinism tests).
    public static func random(users: Int = 30, items: Int = 25, density: Float = 0.4, seed: UInt64 = 3) -> Interactions {
        var g = SeededGenerator(seed: seed)
        var u: [Int32] = [], i: [Int32] = [], r: [Float] = []
        let bu = (0..<users).map { _ in g.nextNormal() * 0.5 }, bi = (0..<items).map { _ in g.nextNormal() * 0.5 }
        for a in 0..<users {
            for b in 0..<items where g.nextUnitFloat() < density {
                u.append(Int32(a)); i.append(Int32(b))
                r.append(min(5, max(1, (3 + bu[a] + bi[b] + g.nextNormal() * 0.8).rounded())))
            }
        }
        return Interactions(users: u, items: i, ratings: r, userCount: users, itemCount: items)
    }

    /// The RMSE of `model` on `data` (unclipped predictions).
    public static func rmse(_ model: some RatingPredictor, _ data: Interactions) -> Double {
        let p = (0..<data.count).map { model.predict(user: data.user(at: $0), item: data.item(at: $0)) }
        return RatingMetrics.rmse(predictions: p, targets: data.ratings)
    }
}

extension Trainer {
    /// Fits on all of `interactions`, seen as a data set with ids `"0"`, `"1"`, ... and the rating
    /// scale `scale` (``Fixtures/dataset(_:scale:name:)``); `nil` clips to the range of the ratings.
    public func fit(_ interactions: Interactions, scale: ClosedRange<Float>? = 1...5, context: FitContext = FitContext()) throws -> Model {
        try fit(Fixtures.training(interactions, scale: scale), context: context)
    }
}
