import Foundation

/// Where a model lives on disk: a model file, or a training output folder holding one.
public enum ModelFile {
    /// The file name `recommender train` gives the model inside its output folder.
    public static let name = "model.recmodel"

    /// The model file a user named: the path itself, or `model.recmodel` inside it when the
    /// path is a folder.
    /// - Throws: ``DataError/missingFile(path:)`` when neither exists.
    public static func url(at path: String) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missingFile(path: path)
        }
        guard isDirectory.boolValue else { return URL(fileURLWithPath: path) }
        let file = URL(fileURLWithPath: path).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw DataError.missingFile(path: file.path)
        }
        return file
    }
}
