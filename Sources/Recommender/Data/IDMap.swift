/// A stable two-way map between external ids and dense 0-based indices.
///
/// Indices are handed out in the order ids are first inserted, so a map built from the same
/// file is always the same. Lookups by index are O(1) array reads; lookups by id are hash
/// lookups and are meant for the edges of the system (CLI, API calls), not hot loops.
public struct IDMap<ID: ExternalID>: Sendable, Equatable {
    /// The external ids, in index order.
    public private(set) var ids: [ID]
    private var indexByID: [ID: Int32]

    /// Creates an empty map.
    public init() {
        ids = []
        indexByID = [:]
    }

    /// Creates a map whose index `i` is `ids[i]`.
    /// - Precondition: `ids` holds no duplicates.
    public init(_ ids: [ID]) {
        self.ids = ids
        indexByID = Dictionary(minimumCapacity: ids.count)
        for (i, id) in ids.enumerated() {
            let previous = indexByID.updateValue(Int32(i), forKey: id)
            precondition(previous == nil, "IDMap: duplicated id \(id)")
        }
    }

    /// The number of ids in the map.
    public var count: Int { ids.count }

    /// The dense index of `id` (a ``UserIndex`` for user ids, an ``ItemIndex`` for item ids),
    /// or `nil` when the id is unknown.
    /// - Complexity: O(1) on average.
    public func index(of id: ID) -> ID.Index? { indexByID[id].map(ID.Index.init) }

    /// The external id at dense index `index`.
    /// - Precondition: `0 <= index < count`.
    public func id(at index: ID.Index) -> ID { ids[Int(index.rawValue)] }

    /// Returns the index of `id`, inserting it at the end when it is new.
    @discardableResult
    public mutating func insert(_ id: ID) -> ID.Index {
        if let existing = indexByID[id] { return ID.Index(existing) }
        let index = Int32(ids.count)
        ids.append(id)
        indexByID[id] = index
        return ID.Index(index)
    }

    public static func == (lhs: IDMap, rhs: IDMap) -> Bool { lhs.ids == rhs.ids }
}
