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
struct OptimizerStep: Sendable {
    var kind: OptimizerKind
    var learningRate: Float
    /// Adam's effective step size η·√(1−β₂ᵗ)/(1−β₁ᵗ) for the current step.
    var adamStep: Float

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

    /// Updates `count` parameters at `w` with gradient `g` and state `s0`, `s1` (the accumulator of
    /// Adagrad; the moments of Adam), through the C kernel of the active instruction set.
    @inline(__always)
    func apply(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, s0: UnsafeMutablePointer<Float>?,
               s1: UnsafeMutablePointer<Float>?, count: Int) {
        let code: Int32 = switch kind {
        case .gradientDescent: 0
        case .adagrad: 1
        case .adam: 2
        }
        precondition(kind.stateSlots < 1 || s0 != nil, "OptimizerStep: missing state")
        precondition(kind.stateSlots < 2 || s1 != nil, "OptimizerStep: missing second state")
        Kernels.Table.active.optimizer(kind: code, learningRate: learningRate, step: adamStep, w: w, g: g, s0: s0, s1: s1, n: count)
    }
}

#if canImport(Glibc)
import Glibc
func Foundation_pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
#else
import Foundation
func Foundation_pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
#endif
