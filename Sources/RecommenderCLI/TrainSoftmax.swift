import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

extension SoftmaxModel.Activation: ExpressibleByArgument {}
extension SoftmaxModel.LabelMode: ExpressibleByArgument {}
extension SoftmaxModel.Optimizer: ExpressibleByArgument {}
extension Gemm.Backend: ExpressibleByArgument {}
