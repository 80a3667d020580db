extension AlgorithmCatalog {
    /// Every algorithm of this library, one line each, with `best` standing for the most
    /// accurate model of each task (measured in the README): the Bayesian factorization machine
    /// for ratings, iALS for rankings. It also reads ``SparkALSModel`` files (imported, not fitted here).
    public static let standard: AlgorithmCatalog = {
        var catalog = AlgorithmCatalog([
            Baseline(),
            SVD(),
            SVDpp(),
            ALS(),
            KNNBaseline(),
            BayesianFactorizationMachine(),
            MatrixFactorization(),
            Popularity(),
            ItemKNN(),
            EASE(),
            ImplicitALS(),
            BPR(),
            Softmax(),
        ])
        catalog.alias("best", task: .rating, to: "bayesian-fm")
        catalog.alias("best", task: .ranking, to: "ials")
        // Trained by Apache Spark, imported with `recommender import spark-als`.
        catalog.registerImported(SparkALSModel.self)
        return catalog
    }()
}
