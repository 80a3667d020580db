import Foundation

extension ModelRegistry {
    /// The file name `recommender train` gives the model inside its output folder.
    public static let modelFileName = "model.recmodel"

    /// The model file a user named: the path itself, or `model.recmodel` inside it when the
    /// path is a folder.
    /// - Throws: ``DataError/missingFile(path:)`` when neither exists.
    public static func modelFile(at path: String) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missingFile(path: path)
        }
        guard isDirectory.boolValue else { return URL(fileURLWithPath: path) }
        let file = URL(fileURLWithPath: path).appendingPathComponent(modelFileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw DataError.missingFile(path: file.path)
        }
        return file
    }

    /// Reads any registered model from a model file or from a folder holding `model.recmodel`.
    /// - Throws: ``DataError/missingFile(path:)``, or ``PersistenceError`` for a corrupt,
    ///   foreign or unknown-kind file.
    public static func load(path: String) throws -> any PersistableModel {
        try load(from: modelFile(at: path))
    }
}
