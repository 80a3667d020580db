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

/// Dense, 0-based index of a user inside a data set or model (`0..<userCount`).
public typealias UserIndex = Int32
/// Dense, 0-based index of an item inside a data set or model (`0..<itemCount`).
public typealias ItemIndex = Int32

@inline(__always)
func idLess(_ a: String, _ b: String) -> Bool {
    if let x = Int64(a), let y = Int64(b) { return x < y }
    return a < b
}
