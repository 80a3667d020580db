/// A dense, row-major matrix of `Float` values.
///
/// Used for embedding tables (one row per user or item) and small dense products. Element
/// (r, c) is `storage[r * columns + c]`; each row is contiguous, which is what gathers,
/// dot products and SIMD kernels want.
public struct Matrix: Sendable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements, row after row.
    public var storage: [Float]

    /// A matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0)
        self.rows = rows
        self.columns = columns
        storage = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major storage.
    /// - Precondition: `storage.count == rows * columns`.
    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(storage.count == rows * columns, "Matrix: storage size \(storage.count) != \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix whose entries are drawn from N(0, standardDeviation²).
    public init(rows: Int, columns: Int, normalStandardDeviation standardDeviation: Float, generator: inout SeededGenerator) {
        self.init(rows: rows, columns: columns)
        for i in storage.indices { storage[i] = generator.nextNormal() * standardDeviation }
    }

    /// Element access.
    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ r: Int) -> [Float] { Array(storage[r * columns ..< (r + 1) * columns]) }

    /// The Euclidean norm of each row.
    public func rowNorms() -> [Float] {
        (0..<rows).map { r in
            var s: Float = 0
            for c in 0..<columns { let v = storage[r * columns + c]; s += v * v }
            return s.squareRoot()
        }
    }
}
