/// Errors raised while finding, reading or parsing data.
///
/// Every case carries enough to act on: the file, the 1-based line number and what is wrong.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be opened.
    case missingFile(path: String)
    /// The file exists but holds no data lines.
    case emptyFile(path: String)
    /// A line could not be parsed.
    case malformedLine(file: String, line: Int, reason: String)
    /// The folder does not contain a layout this library recognises.
    case unrecognizedLayout(directory: String, reason: String)
    /// A data set name that is not known.
    case unknownDataset(name: String, known: [String])
    /// Fetching a data set failed from every source.
    case fetchFailed(name: String, reason: String)
    /// Any other invalid input (an unknown id, a bad option value, ...).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): file not found"
        case .emptyFile(let path): return "\(path): file is empty (no data lines)"
        case let .malformedLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .unrecognizedLayout(dir, reason): return "\(dir): \(reason)"
        case let .unknownDataset(name, known): return "unknown data set '\(name)'; known: \(known.joined(separator: ", "))"
        case let .fetchFailed(name, reason): return "could not fetch \(name): \(reason)"
        case .invalidInput(let message): return message
        }
    }
}
