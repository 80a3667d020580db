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
    /// The path exists but cannot be read as a data file (a folder, no permission, a symbolic
    /// link loop, a device, ...); `reason` says which.
    case unreadableFile(path: String, reason: String)

    /// The message, on one line, with control characters from file contents escaped
    /// (a `\r` read from a file cannot scramble the terminal line).
    public var description: String { escapingControlCharacters(rawDescription) }

    private var rawDescription: String {
        switch self {
        case .missingFile(let path): return "\(path): file not found"
        case .emptyFile(let path): return "\(path): file is empty (no data lines)"
        case let .malformedLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .unrecognizedLayout(dir, reason): return "\(dir): \(reason)"
        case let .unknownDataset(name, known): return "unknown data set '\(name)'; known: \(known.joined(separator: ", "))"
        case let .fetchFailed(name, reason): return "could not fetch \(name): \(reason)"
        case .invalidInput(let message): return message
        case let .unreadableFile(path, reason): return "\(path): \(reason)"
        }
    }
}

/// `text` with control characters (C0, DEL, C1) and bidirectional overrides written as escapes
/// (`\r`, `\n`, `\t`, `\0`, `\u{1B}`), so that text echoed from a file stays on one line and
/// cannot move the cursor or reorder what a terminal shows.
/// - Parameter text: any text, e.g. an error message quoting a line of a file.
/// - Returns: the text with every such character escaped; other characters unchanged.
public func escapingControlCharacters(_ text: String) -> String {
    func needsEscape(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value)
            || (0x2066...0x2069).contains(s.value) || s.value == 0x200E || s.value == 0x200F
    }
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var out = String.UnicodeScalarView()
    for s in text.unicodeScalars {
        guard needsEscape(s) else { out.append(s); continue }
        let escape: String
        switch s.value {
        case 0: escape = "\\0"
        case 9: escape = "\\t"
        case 10: escape = "\\n"
        case 13: escape = "\\r"
        default: escape = "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
        }
        out.append(contentsOf: escape.unicodeScalars)
    }
    return String(out)
}
