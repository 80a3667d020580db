// The README's Swift example: train the notebook's regularized matrix factorization on
// MovieLens 100K and ask it for neighbours of "Aladdin" and recommendations for user 42.
// Run it with `swift run -c release recommender-example` after `make data`.
import Recommender

let dataset = try DatasetLocator.load(name: "ml-100k")
let split = Splitter.randomHoldout(dataset.interactions, testFraction: 0.1, seed: 0)
let model = try MatrixFactorization(.regularizedNotebook)
    .fit(TrainingData(dataset, training: split.train), context: FitContext(validation: split.test))
if let last = model.history.last {
    print("after \(last.iteration) iterations:", last.values["train_error_observed"]!, last.values["test_error_observed"]!)
}

let aladdin = model.metadata.lookUpItem("Aladdin").chosen!
for neighbour in Recommendations.similarItems(to: aladdin, model: model, metadata: model.metadata, measure: .cosine) {
    print(neighbour.score, neighbour.title)
}
let user = model.metadata.userIndex(of: "42")!
for item in Recommendations.forUser(user, scorer: model, metadata: model.metadata, options: .init(count: 5)) {
    print(item.score, item.title)
}
