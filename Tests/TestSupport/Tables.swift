import Recommender
import Testing

/// Checks an algorithm's hyper-parameter table against its documented defaults.
///
/// `expected` must name every parameter of the table (a parameter added without a documented
/// default fails), with `nil` for those whose default depends on other settings. Each default
/// must equal the documented value (reals at the Float32 precision the models store), print as
/// that decimal (what help texts and reports show), and be accepted by its own bounds.
public func expectTableDefaults(_ algorithm: any Algorithm, _ expected: [String: HyperparameterValue?],
                                sourceLocation: SourceLocation = #_sourceLocation) {
    let names = algorithm.parameters.map(\.name)
    #expect(Set(names) == Set(expected.keys), "\(algorithm.name): table \(names.sorted()) vs documented \(expected.keys.sorted())",
            sourceLocation: sourceLocation)
    for spec in algorithm.parameters {
        guard let documented = expected[spec.name] else { continue }
        switch (spec.defaultValue, documented) {
        case (nil, nil):
            break
        case let (.real(a)?, .real(b)?):
            #expect(Float(a) == Float(b), "\(algorithm.name) \(spec.name): table default \(a), documented \(b)", sourceLocation: sourceLocation)
            #expect(HyperparameterValue.real(a).description == HyperparameterValue.real(b).description,
                    "\(algorithm.name) \(spec.name): the default prints as \(HyperparameterValue.real(a)), documented \(HyperparameterValue.real(b))",
                    sourceLocation: sourceLocation)
        default:
            #expect(spec.defaultValue == documented, "\(algorithm.name) \(spec.name): table default \(String(describing: spec.defaultValue)), documented \(String(describing: documented))",
                    sourceLocation: sourceLocation)
        }
        expectDefaultWithinBounds(spec, algorithm: algorithm.name, sourceLocation: sourceLocation)
    }
}

/// Expects `spec`'s default (when it has one) to pass its own validation unchanged.
public func expectDefaultWithinBounds(_ spec: HyperparameterSpec, algorithm: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let value = spec.defaultValue else { return }
    do {
        let checked = try spec.validate(value, algorithm: algorithm)
        #expect(checked == value, "\(algorithm) \(spec.name): default \(value) is read back as \(checked)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(algorithm) \(spec.name): default \(value) is outside its own bounds (\(spec.accepted)): \(error)",
                     sourceLocation: sourceLocation)
    }
}
