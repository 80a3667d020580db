/// The external identifier of a user, exactly as it appears in the data files.
///
/// External ids are strings so that any data set can be loaded (MovieLens uses integers,
/// other data sets use hashes or names). Inside models users are addressed by a dense
/// ``UserIndex`` instead; an ``IDMap`` converts between the two.
public struct UserID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral, Codable {
    /// The id as written in the source file.
    public var rawValue: String
    /// Creates an id from its textual form.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Creates an id from an integer (MovieLens style).
    public init(_ value: Int) { self.rawValue = String(value) }
    /// Creates an id from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    /// Orders numerically when both ids are integers, otherwise lexicographically.
    public static func < (lhs: UserID, rhs: UserID) -> Bool { idLess(lhs.rawValue, rhs.rawValue) }
}

/// The external identifier of an item (a movie), exactly as it appears in the data files.
public struct ItemID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral, Codable {
    /// The id as written in the source file.
    public var rawValue: String
    /// Creates an id from its textual form.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Creates an id from an integer (MovieLens style).
    public init(_ value: Int) { self.rawValue = String(value) }
    /// Creates an id from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    /// Orders numerically when both ids are integers, otherwise lexicographically.
    public static func < (lhs: ItemID, rhs: ItemID) -> Bool { idLess(lhs.rawValue, rhs.rawValue) }
}

/// What ``UserIndex`` and ``ItemIndex`` share: a dense, 0-based position that wraps an `Int32`.
///
/// The two index types are distinct so that the compiler rejects a user index where an item
/// index is expected (`model.predict(user: item, item: user)` does not compile) and an index
/// where a plain integer is expected. They cost nothing at run time: each is a struct holding
/// one `Int32`, with the same size, stride and alignment as `Int32`. Storage that feeds the
/// kernels (the columns of ``Interactions`` and ``SparseMatrix``) stays raw `Int32`; the typed
/// indices appear where an API takes or returns one user or item.
///
/// Conversions are explicit: ``rawValue`` (`Int32`), ``int`` (`Int`, also `Int(index)`),
/// `init(_: Int32)` and `init(_: Int)`. An integer literal converts too, so
/// `model.predict(user: 0, item: 3)` reads naturally. In JSON and every other `Codable` form
/// an index is the bare integer, exactly as when the types were aliases of `Int32`.
public protocol DenseIndex: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
                            ExpressibleByIntegerLiteral where IntegerLiteralType == Int32 {
    /// The position as stored in the data structures (`Int32`).
    var rawValue: Int32 { get }
    /// Wraps a stored position.
    init(_ rawValue: Int32)
}

extension DenseIndex {
    /// Wraps a position given as `Int`.
    /// - Precondition: `value` fits in `Int32` (data sets are limited to 2³¹ − 1 users and items).
    @inlinable @inline(__always)
    public init(_ value: Int) { self.init(Int32(value)) }

    /// Creates an index from an integer literal (`let first: ItemIndex = 0`).
    @inlinable @inline(__always)
    public init(integerLiteral value: Int32) { self.init(value) }

    /// The position as an `Int`, for subscripting arrays.
    @inlinable @inline(__always)
    public var int: Int { Int(rawValue) }

    /// Orders by position.
    @inlinable @inline(__always)
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The position in decimal, as `Int32` prints it.
    public var description: String { String(rawValue) }

    /// Decodes a bare integer.
    /// - Throws: `DecodingError` when the value is not an integer that fits in `Int32`.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(Int32.self))
    }

    /// Encodes the bare integer (as `Int32` encodes itself).
    /// - Throws: whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Dense, 0-based index of a user inside a data set or model (`0..<userCount`).
///
/// Distinct from ``ItemIndex``: passing one where the other is expected does not compile.
/// Same memory layout as `Int32`; see ``DenseIndex`` for the conversions.
@frozen
public struct UserIndex: DenseIndex {
    /// The position as stored in the data structures.
    public var rawValue: Int32
    /// Wraps a stored position.
    @inlinable @inline(__always)
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// Dense, 0-based index of an item inside a data set or model (`0..<itemCount`).
///
/// Distinct from ``UserIndex``: passing one where the other is expected does not compile.
/// Same memory layout as `Int32`; see ``DenseIndex`` for the conversions.
@frozen
public struct ItemIndex: DenseIndex {
    /// The position as stored in the data structures.
    public var rawValue: Int32
    /// Wraps a stored position.
    @inlinable @inline(__always)
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

extension Int {
    /// The position of a user or item index, for subscripting arrays (same as `index.int`).
    @inlinable @inline(__always)
    public init(_ index: some DenseIndex) { self = Int(index.rawValue) }
}

/// An external identifier type and the dense index type an ``IDMap`` gives it.
public protocol ExternalID: Hashable, Sendable {
    /// The dense index of this kind of id (``UserIndex`` for ``UserID``).
    associatedtype Index: DenseIndex
}

extension UserID: ExternalID {
    /// User ids map to user indices.
    public typealias Index = UserIndex
}

extension ItemID: ExternalID {
    /// Item ids map to item indices.
    public typealias Index = ItemIndex
}

@inline(__always)
func idLess(_ a: String, _ b: String) -> Bool {
    if let x = Int64(a), let y = Int64(b) { return x < y }
    return a < b
}
