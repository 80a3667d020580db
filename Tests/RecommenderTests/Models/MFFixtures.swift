import Foundation
@testable import Recommender

/// Small synthetic data for the matrix-factorization tests.
enum MFFixtures {
    /// A random partially observed matrix: each (user, item) is observed with probability `density`.
    static func interactions(users: Int, items: Int, density: Double, seed: UInt64) -> Interactions {
        var g = SeededGenerator(seed: seed)
        var us: [Int32] = [], its: [Int32] = [], rs: [Float] = []
        for u in 0..<users {
            for i in 0..<items where g.nextUnitDouble() < density {
                us.append(Int32(u)); its.append(Int32(i)); rs.append(Float(1 + g.nextInt(below: 5)))
            }
        }
        return Interactions(users: us, items: its, ratings: rs, userCount: users, itemCount: items)
    }

    /// Metadata with ids "u0"…, items "1"…, titles "Movie k", genres alternating Comedy/Drama.
    static func metadata(users: Int, items: Int, train: Interactions) -> ModelMetadata {
        let catalog = ItemCatalog(titles: (0..<items).map { "Movie \($0)" }, years: (0..<items).map { _ in 1990 },
                                  genres: (0..<items).map { GenreSet(index: $0 % 2) }, genreNames: ["Comedy", "Drama"])
        return ModelMetadata(userIDs: IDMap((0..<users).map { UserID("u\($0)") }), itemIDs: IDMap((1...items).map { ItemID($0) }),
                             catalog: catalog, seen: train.byUser(), ratingScale: 1...5)
    }

    /// The data set of ``metadata(users:items:train:)``, with `train` as its interactions.
    static func dataset(users: Int, items: Int, train: Interactions) -> Dataset {
        let m = metadata(users: users, items: items, train: train)
        return Dataset(name: "mf-fixture", userIDs: m.userIDs, itemIDs: m.itemIDs, interactions: train, catalog: m.catalog, ratingScale: 1...5)
    }

    /// `train` as training data, with the ids of ``metadata(users:items:train:)``.
    static func data(users: Int, items: Int, train: Interactions) -> TrainingData {
        TrainingData(dataset(users: users, items: items, train: train))
    }

    /// The initial U and V `fit` draws for a seed.
    static func initial(users: Int, items: Int, dim: Int, stddev: Float, seed: UInt64) -> (u: [Float], v: [Float]) {
        var g = SeededGenerator(seed: seed)
        let u = (0..<(users * dim)).map { _ in g.nextNormal() * stddev }
        let v = (0..<(items * dim)).map { _ in g.nextNormal() * stddev }
        return (u, v)
    }
}

/// A slow, obviously correct Double-precision reference of the notebook's objective: the gravity
/// term through the dense U·Vᵀ product, not the Gram matrices.
struct ReferenceMF {
    var users: Int, items: Int, dim: Int
    var train: Interactions
    var regularization: Double, gravity: Double

    func loss(_ u: [Double], _ v: [Double]) -> Double {
        func dot(_ i: Int, _ j: Int) -> Double { (0..<dim).reduce(0) { $0 + u[i * dim + $1] * v[j * dim + $1] } }
        var mse = 0.0
        for k in 0..<train.count {
            let e = dot(Int(train.users[k]), Int(train.items[k])) - Double(train.ratings[k])
            mse += e * e
        }
        mse /= Double(train.count)
        let reg = u.reduce(0) { $0 + $1 * $1 } / Double(users) + v.reduce(0) { $0 + $1 * $1 } / Double(items)
        var grav = 0.0
        for i in 0..<users { for j in 0..<items { let p = dot(i, j); grav += p * p } }
        grav /= Double(users * items)
        return mse + regularization * reg + gravity * grav
    }

    /// Central finite differences of ``loss(_:_:)``.
    func numericGradients(_ u: [Double], _ v: [Double], h: Double = 1e-6) -> (u: [Double], v: [Double]) {
        var gu = [Double](repeating: 0, count: u.count), gv = [Double](repeating: 0, count: v.count)
        for k in u.indices {
            var a = u, b = u
            a[k] += h; b[k] -= h
            gu[k] = (loss(a, v) - loss(b, v)) / (2 * h)
        }
        for k in v.indices {
            var a = v, b = v
            a[k] += h; b[k] -= h
            gv[k] = (loss(u, a) - loss(u, b)) / (2 * h)
        }
        return (gu, gv)
    }
}
