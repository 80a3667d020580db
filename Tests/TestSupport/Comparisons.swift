import Testing

// Comparisons of sequences that check lengths first: `zip` stops silently at the shorter
// sequence, so `zip(a, b).allSatisfy(...)` passes when `b` is empty.

/// The pairs of `a` and `b`, after recording an issue when their lengths differ (so a loop over
/// the pairs cannot pass by comparing fewer elements than there are).
public func zipEqualLength<A: Collection, B: Collection>(_ a: A, _ b: B, _ comment: Comment? = nil,
                                                         sourceLocation: SourceLocation = #_sourceLocation) -> Zip2Sequence<A, B> {
    if a.count != b.count {
        Issue.record("lengths differ: \(a.count) vs \(b.count)\(suffix(comment))", sourceLocation: sourceLocation)
    }
    return zip(a, b)
}

/// The first index where `a` and `b` are not close, or where one ends; `nil` when they have the
/// same length and every pair satisfies |x − y| ≤ absolute + relative·|y|.
public func firstMismatch<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], absolute: T, relative: T = 0) -> Int? {
    for k in 0..<min(a.count, b.count) {
        let x = a[k], y = b[k]
        if x == y { continue }   // equal infinities too
        if !(abs(x - y) <= absolute + relative * abs(y)) { return k }   // NaN fails
    }
    return a.count == b.count ? nil : min(a.count, b.count)
}

/// Expects `a` and `b` to have the same length and every pair to be within
/// `absolute + relative·|b[k]|`; names the first index that is not.
public func expectClose<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], absolute: T, relative: T = 0, _ comment: Comment? = nil,
                                                sourceLocation: SourceLocation = #_sourceLocation) {
    guard let k = firstMismatch(a, b, absolute: absolute, relative: relative) else { return }
    let what = a.count != b.count ? "lengths differ: \(a.count) vs \(b.count)" : "element \(k): \(a[k]) vs \(b[k])"
    Issue.record("not close (absolute \(absolute), relative \(relative)): \(what)\(suffix(comment))",
                 sourceLocation: sourceLocation)
}

/// Expects `a` and `b` to be identical: the same length and bit-for-bit equal elements
/// (NaN equals NaN of the same payload; 0 and −0 differ); names the first index that is not.
public func expectIdentical(_ a: [Float], _ b: [Float], _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let k = firstDifference(a, b) else { return }
    let what = a.count != b.count ? "lengths differ: \(a.count) vs \(b.count)" : "element \(k): \(a[k]) vs \(b[k])"
    Issue.record("not identical: \(what)\(suffix(comment))", sourceLocation: sourceLocation)
}

/// The first index where `a` and `b` differ bit for bit, or where one ends; `nil` when identical.
public func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
    for k in 0..<min(a.count, b.count) where a[k].bitPattern != b[k].bitPattern { return k }
    return a.count == b.count ? nil : min(a.count, b.count)
}

private func suffix(_ comment: Comment?) -> String { comment.map { ": " + $0.rawValue } ?? "" }
