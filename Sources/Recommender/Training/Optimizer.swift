/// The first-order optimizers of full-batch training, with TensorFlow 1's update rules and defaults.
///
/// With learning rate η, gradient g and parameter w (element-wise):
/// - ``gradientDescent``: w ← w − η·g (TF1 `GradientDescentOptimizer`, the notebook's default).
/// - ``adagrad``: a ← a + g²; w ← w − η·g/√a, with the accumulator a starting at 0.1
///   (TF1 `AdagradOptimizer`'s `initial_accumulator_value`).
/// - ``adam``: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε),
///   with β₁ = 0.9, β₂ = 0.999, ε = 1e−8 at step t = 1, 2, … (TF1 `AdamOptimizer`).
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
    /// Plain gradient descent (command-line name `sgd`).
    case gradientDescent = "sgd"
    /// Adagrad.
    case adagrad
    /// Adam.
    case adam

    /// TF1's initial Adagrad accumulator value.
    public static let adagradInitialAccumulator: Float = 0.1
    /// TF1's Adam β₁.
    public static let adamBeta1: Float = 0.9
    /// TF1's Adam β₂.
    public static let adamBeta2: Float = 0.999
    /// TF1's Adam ε.
    public static let adamEpsilon: Float = 1e-8

    /// How many state slots each parameter needs (0 for gradient descent, 1 for Adagrad, 2 for Adam).
    public var stateSlots: Int {
        switch self {
        case .gradientDescent: 0
        case .adagrad: 1
        case .adam: 2
        }
    }
}

/// Per-step constants of an optimizer update (the bias-corrected Adam step size changes every step).
@usableFromInline
struct OptimizerStep: Sendable {
    @usableFromInline var kind: OptimizerKind
    @usableFromInline var learningRate: Float
    /// Adam's effective step size η·√(1−β₂ᵗ)/(1−β₁ᵗ) for the current step.
    @usableFromInline var adamStep: Float

    init(kind: OptimizerKind, learningRate: Float, step t: Int) {
        self.kind = kind
        self.learningRate = learningRate
        if kind == .adam {
            let b1t = Foundation_pow(Double(OptimizerKind.adamBeta1), Double(t))
            let b2t = Foundation_pow(Double(OptimizerKind.adamBeta2), Double(t))
            adamStep = Float(Double(learningRate) * (1 - b2t).squareRoot() / (1 - b1t))
        } else {
            adamStep = learningRate
        }
    }

    /// Updates `width` parameters at `w` (a multiple of 16) with gradient `g` and state `s0`, `s1`.
    @inlinable @inline(__always)
    func apply(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, s0: UnsafeMutablePointer<Float>?,
               s1: UnsafeMutablePointer<Float>?, width: Int) {
        switch kind {
        case .gradientDescent:
            let lr = SIMD16<Float>(repeating: -learningRate)
            var c = 0
            while c < width {
                SIMDKernels.store(SIMDKernels.load(w + c).addingProduct(lr, SIMDKernels.load(g + c)), w + c)
                c += 16
            }
        case .adagrad:
            let lr = SIMD16<Float>(repeating: learningRate)
            let a = s0!
            var c = 0
            while c < width {
                let gv = SIMDKernels.load(g + c)
                let acc = SIMDKernels.load(a + c).addingProduct(gv, gv)
                SIMDKernels.store(acc, a + c)
                SIMDKernels.store(SIMDKernels.load(w + c) - lr * gv / acc.squareRoot(), w + c)
                c += 16
            }
        case .adam:
            let m = s0!, v = s1!
            let b1 = SIMD16<Float>(repeating: OptimizerKind.adamBeta1), c1 = SIMD16<Float>(repeating: 1 - OptimizerKind.adamBeta1)
            let b2 = SIMD16<Float>(repeating: OptimizerKind.adamBeta2), c2 = SIMD16<Float>(repeating: 1 - OptimizerKind.adamBeta2)
            let eps = SIMD16<Float>(repeating: OptimizerKind.adamEpsilon), step = SIMD16<Float>(repeating: adamStep)
            var c = 0
            while c < width {
                let gv = SIMDKernels.load(g + c)
                let mv = (b1 * SIMDKernels.load(m + c)).addingProduct(c1, gv)
                let vv = (b2 * SIMDKernels.load(v + c)).addingProduct(c2 * gv, gv)
                SIMDKernels.store(mv, m + c)
                SIMDKernels.store(vv, v + c)
                SIMDKernels.store(SIMDKernels.load(w + c) - step * mv / (vv.squareRoot() + eps), w + c)
                c += 16
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func Foundation_pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
#else
import Foundation
@usableFromInline func Foundation_pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
#endif
