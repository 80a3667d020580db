import Foundation

/// Reads the process's peak resident memory (Linux: `VmHWM` in `/proc/self/status`; Apple
/// platforms: `ru_maxrss` of `getrusage`).
package enum PeakMemory {
    /// Peak resident set size in megabytes, or 0 when the platform does not report it.
    package static func megabytes() -> Int {
        #if canImport(Darwin)
        var usage = rusage()
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) / (1024 * 1024)  // bytes on Apple platforms
        #else
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            if let kb = digits.first { return kb / 1024 }
        }
        return 0
        #endif
    }

    /// Resets the peak counter to the current resident size (Linux ≥ 4.0: writes `5` to
    /// `/proc/self/clear_refs`), so a later ``megabytes()`` reports the peak of what follows.
    /// - Returns: whether the platform supports it.
    @discardableResult
    package static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Array("5".utf8)) } catch { return false }
        return true
    }
}
