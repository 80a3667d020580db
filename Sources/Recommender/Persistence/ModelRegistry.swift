import Foundation

/// The model types that can be read back from a file without knowing their kind in advance.
public enum ModelRegistry {
    /// Every persistable model type, looked up by ``PersistableModel/kind``.
    public static let types: [any PersistableModel.Type] = [
        MatrixFactorizationModel.self,
        BaselineModel.self,
        SVDModel.self,
        SVDppModel.self,
        ALSModel.self,
        KNNBaselineModel.self,
        PopularityModel.self,
        ItemKNNModel.self,
        EASEModel.self,
        ImplicitALSModel.self,
        BPRModel.self,
        BayesianFactorizationMachineModel.self,
        SoftmaxModel.self,
    ]

    /// Reads any registered model from a file, by the kind named in its header.
    /// - Throws: ``PersistenceError`` for a corrupt, foreign or unknown-kind file.
    public static func load(from url: URL) throws -> any PersistableModel {
        let archive = try ModelArchive(contentsOf: url)
        guard let type = types.first(where: { $0.kind == archive.kind }) else {
            throw PersistenceError.wrongKind(path: url.path, found: archive.kind,
                                             expected: "one of " + types.map { $0.kind }.joined(separator: ", "))
        }
        return try type.decode(archive, path: url.path)
    }
}

extension PersistableModel {
    /// Opens the existential: `Self(archive:path:)` as `any PersistableModel`.
    /// (Calling `init` through an existential metatype crashes the Swift 6.3 compiler.)
    static func decode(_ archive: ModelArchive, path: String) throws -> any PersistableModel {
        try Self(archive: archive, path: path)
    }
}
