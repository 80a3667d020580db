import Recommender
import Foundation

/// Colours for chart series and categories.
public enum ChartPalette {
    /// Twenty colours that stay distinguishable side by side: ten saturated hues, then their
    /// lighter variants (the widely used "category 20" scheme).
    public static let categorical: [String] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
        "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ]

    /// Ten colours that a reader can tell apart, and match to a legend, at a glance (the first ten
    /// of ``categorical`` with its grey replaced by a dark indigo, since grey means "other").
    /// Charts colour at most this many categories and draw the rest in ``other``.
    public static let distinct: [String] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79",
    ]

    /// The colour of points grouped as "other" (categories beyond the coloured ones).
    public static let other = "#c4c4c4"

    /// The colour of the `index`-th series or category: the 20 ``categorical`` colours, then
    /// hues spaced by the golden angle so that further colours remain distinct.
    /// - Parameter index: 0-based position of the series or category.
    /// - Returns: A CSS colour (`#rrggbb`).
    public static func color(_ index: Int) -> String {
        let i = max(index, 0)
        if i < categorical.count { return categorical[i] }
        let hue = (Double(i - categorical.count) * 137.508).truncatingRemainder(dividingBy: 360)
        return hsl(hue: hue, saturation: 0.55, lightness: i % 2 == 0 ? 0.45 : 0.62)
    }

    static func hsl(hue: Double, saturation: Double, lightness: Double) -> String {
        let c = (1 - abs(2 * lightness - 1)) * saturation
        let h = hue / 60
        let x = c * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1))
        let (r, g, b): (Double, Double, Double)
        switch h {
        case ..<1: (r, g, b) = (c, x, 0)
        case ..<2: (r, g, b) = (x, c, 0)
        case ..<3: (r, g, b) = (0, c, x)
        case ..<4: (r, g, b) = (0, x, c)
        case ..<5: (r, g, b) = (x, 0, c)
        default: (r, g, b) = (c, 0, x)
        }
        let m = lightness - c / 2
        func byte(_ v: Double) -> Int { min(255, max(0, Int(((v + m) * 255).rounded()))) }
        return String(format: "#%02x%02x%02x", byte(r), byte(g), byte(b))
    }
}
