/// A fixed-size, 64-byte-aligned buffer for hot loops (`AlignedBuffer<Float>` for rows and
/// parameters, `AlignedBuffer<Int32>` for indices).
///
/// `[Float]` storage is not 64-byte aligned and pays exclusivity checks when stored in a class;
/// kernels keep their working arrays in these buffers and address them through ``pointer``.
/// At least 16 elements are allocated (so a 16-lane load from the start is always valid) and
/// every element is initialised. The memory is owned by the buffer and freed when it is released.
package final class AlignedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// The first element; valid for ``count`` elements while the buffer is alive.
    package let pointer: UnsafeMutablePointer<Element>
    /// The number of elements.
    package let count: Int

    /// Allocates `count` elements set to `value`, aligned to 64 bytes.
    package init(count: Int, repeating value: Element) {
        precondition(count >= 0, "AlignedBuffer: negative count")
        let capacity = max(count, 16)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: capacity)
        pointer.initialize(repeating: value, count: capacity)
        self.count = count
    }

    /// Allocates a 64-byte-aligned copy of `values`.
    package convenience init(_ values: [Element]) where Element: ExpressibleByIntegerLiteral {
        self.init(count: values.count, repeating: 0)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// Sets every element to `value`.
    package func fill(_ value: Element) { pointer.update(repeating: value, count: count) }

    /// A copy of the elements as an array.
    package var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

extension AlignedBuffer where Element: ExpressibleByIntegerLiteral {
    /// Allocates `count` zeros, aligned to 64 bytes.
    package convenience init(count: Int) { self.init(count: count, repeating: 0) }
}

/// `[T](unsafeUninitializedCapacity: capacity, initializingWith: fill)`, except for a capacity of
/// 0: then `fill` gets an empty buffer of this function's own and the result is `[]`. The standard
/// library's initializer, given 0, writes the count of the one empty-array storage that every
/// empty array in the process shares (a 0 over a 0, but ThreadSanitizer reports it, rightly, as a
/// race with any thread reading an empty array).
/// - Parameters:
///   - capacity: the elements `fill` may initialize.
///   - fill: initializes the first elements of the buffer and sets the count to how many.
func arrayFilledInPlace<T>(capacity: Int, _ fill: (inout UnsafeMutableBufferPointer<T>, inout Int) throws -> Void) rethrows -> [T] {
    if capacity > 0 { return try [T](unsafeUninitializedCapacity: capacity, initializingWith: fill) }
    return try withUnsafeTemporaryAllocation(of: T.self, capacity: 1) { scratch in
        var empty = UnsafeMutableBufferPointer(start: scratch.baseAddress, count: 0), count = 0
        try fill(&empty, &count)
        precondition(count == 0, "arrayFilledInPlace: initialized \(count) elements of an empty array")
        return []
    }
}
