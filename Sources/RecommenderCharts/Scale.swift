import Recommender
import Foundation

/// A numeric axis: its domain, its ticks and their labels, linear or logarithmic.
/// Internal to the chart types.
struct Axis {
    var lower: Double
    var upper: Double
    var isLog: Bool
    var ticks: [Double]
    var labels: [String]

    /// Position of `value` along the axis as a fraction of its length (0 at `lower`).
    func fraction(_ value: Double) -> Double {
        if isLog {
            let lo = log10(lower), hi = log10(upper)
            return hi > lo ? (log10(value) - lo) / (hi - lo) : 0.5
        }
        return upper > lower ? (value - lower) / (upper - lower) : 0.5
    }

    /// A "nice" number close to `x` (1, 2 or 5 times a power of ten), after Heckbert (Graphics Gems, 1990).
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = floor(log10(x))
        let fraction = x / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    /// A linear axis whose ends are multiples of a nice step, covering `minimum...maximum`,
    /// with about `targetTicks` ticks.
    static func linear(minimum: Double, maximum: Double, targetTicks: Int, includeZero: Bool = false,
                       wholeSteps: Bool = false) -> Axis {
        var lo = minimum, hi = maximum
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
            if includeZero && minimum >= 0 { lo = max(lo, 0) }
        }
        var step = niceNumber((hi - lo) / Double(max(targetTicks - 1, 1)), round: true)
        if wholeSteps { step = max(step, 1) }
        let first = floor(lo / step + 1e-9), last = ceil(hi / step - 1e-9)
        var ticks: [Double] = []
        var k = first
        while k <= last + 0.5 {
            ticks.append(k * step)
            k += 1
        }
        let lower = first * step, upper = last * step
        return Axis(lower: lower, upper: upper, isLog: false, ticks: ticks, labels: labels(for: ticks, step: step))
    }

    /// A base-10 logarithmic axis covering `minimum...maximum` (both > 0), from one power of ten to another.
    static func logarithmic(minimum: Double, maximum: Double, maxTicks: Int = 12) -> Axis {
        var lo = minimum, hi = maximum
        if !(lo > 0) || !lo.isFinite { lo = 1 }
        if !(hi > 0) || !hi.isFinite { hi = max(lo * 10, 10) }
        let loExp = Int(floor(log10(lo) + 1e-9))
        var hiExp = Int(ceil(log10(hi) - 1e-9))
        if hiExp <= loExp { hiExp = loExp + 1 }
        let decades = hiExp - loExp
        var ticks: [Double] = []
        let every = max(1, Int((Double(decades + 1) / Double(max(maxTicks, 2))).rounded(.up)))
        for e in stride(from: loExp, through: hiExp, by: every) {
            let base = pow(10, Double(e))
            ticks.append(base)
            if decades <= 3 && e < hiExp {
                ticks.append(2 * base)
                ticks.append(5 * base)
            }
        }
        return Axis(lower: pow(10, Double(loExp)), upper: pow(10, Double(hiExp)), isLog: true,
                    ticks: ticks, labels: ticks.map(logLabel))
    }

    static func logLabel(_ value: Double) -> String {
        let e = log10(value)
        if value >= 1 {
            return compactLabel(value, decimals: 0)
        }
        if e >= -4 {
            let decimals = Int(ceil(-e - 1e-9))
            return String(format: "%.\(decimals)f", value)
        }
        return String(format: "%.0e", value)
    }

    /// Tick labels with just enough decimals to show the step; thousands as `k`, millions as `M`.
    static func labels(for ticks: [Double], step: Double) -> [String] {
        var decimals = 0
        while decimals < 8 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, abs(scaled)) { break }
            decimals += 1
        }
        let largest = ticks.map(abs).max() ?? 0
        if largest >= 1e7 && (step / 1e6).rounded() * 1e6 == step {
            return ticks.map { abs($0) < 1e-12 ? "0" : trimmed($0 / 1e6) + "M" }
        }
        if largest >= 1e4 && (step / 1e3).rounded() * 1e3 == step {
            return ticks.map { abs($0) < 1e-12 ? "0" : trimmed($0 / 1e3) + "k" }
        }
        return ticks.map { String(format: "%.\(decimals)f", abs($0) < 1e-12 ? 0 : $0) }
    }

    static func compactLabel(_ value: Double, decimals: Int, step: Double? = nil) -> String {
        let v = abs(value) < 1e-12 ? 0 : value
        let step = step ?? v
        if abs(v) >= 1e6, (step / 1e6).rounded() * 1e6 == step || step == v {
            return trimmed(v / 1e6) + "M"
        }
        if abs(v) >= 1e4, (step / 1e3).rounded() * 1e3 == step || step == v {
            return trimmed(v / 1e3) + "k"
        }
        return String(format: "%.\(decimals)f", v)
    }

    private static func trimmed(_ v: Double) -> String {
        var s = String(format: "%.2f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// Labels for arbitrary values (e.g. histogram bin edges): the fewest decimals (≤ 4) that
    /// keep every label within 1% of `spacing` of its value.
    static func edgeLabels(_ values: [Double], spacing: Double) -> [String] {
        var decimals = 0
        while decimals < 4 {
            let factor = pow(10, Double(decimals))
            if values.allSatisfy({ abs(($0 * factor).rounded() / factor - $0) <= 0.01 * spacing }) { break }
            decimals += 1
        }
        return values.map { v in
            let av = abs(v)
            if decimals == 0 && av >= 1e4 && (av / 1e3).rounded() * 1e3 == av { return compactLabel(v, decimals: 0) }
            return String(format: "%.\(decimals)f", abs(v) < 1e-12 ? 0 : v)
        }
    }

    /// A horizontal axis whose labels do not overlap: tries fewer ticks until they fit in `length` points.
    static func fittedLinear(minimum: Double, maximum: Double, length: Double, fontSize: Double,
                             includeZero: Bool = false) -> Axis {
        var target = max(3, Int(length / 60))
        while true {
            let axis = linear(minimum: minimum, maximum: maximum, targetTicks: target, includeZero: includeZero)
            let widest = axis.labels.map { TextMetrics.width($0, size: fontSize) }.max() ?? 0
            let spacing = length / Double(max(axis.ticks.count - 1, 1))
            if widest + 8 <= spacing || target <= 2 { return axis }
            target -= 1
        }
    }

    /// Which of `count` evenly spaced labels to draw so that none overlap: every `k`-th.
    static func labelStride(count: Int, spacing: Double, widest: Double) -> Int {
        guard count > 1, spacing > 0 else { return 1 }
        return max(1, Int(((widest + 6) / spacing).rounded(.up)))
    }
}

/// A finite number of the data, kept for drawing (non-finite values are skipped).
@inline(__always) func isDrawable(_ v: Double, log: Bool) -> Bool {
    v.isFinite && (!log || v > 0)
}
