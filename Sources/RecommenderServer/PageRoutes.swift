import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Recommender
import RecommenderCharts

/// The routes behind the page's Explore, Train and Map panels (the rest of the API is in
/// Server.swift):
/// - `GET /v1/explore?genre=&occupation=&top=`: the data set's tables and SVG charts for a subset;
/// - `GET /v1/models/{name}/map`: t-SNE map of the item embeddings, norms, popularity (cached per version);
/// - `POST /v1/training`, `GET /v1/training`, `GET /v1/training/{id}`, `GET /v1/training/{id}/events` (server-sent events).
func registerPageRoutes(_ v1: RouterGroup<BasicRequestContext>, state: ServerState) {
    let api = API(state: state)
    let page = state.page
    v1.get("explore") { request, _ in try await PageAPI.explore(state: state, query: request.uri.queryParameters, api: api) }
    v1.get("models/:name/map") { _, context in
        let model = try state.roster.model(context.parameters.get("name") ?? "")
        let (map, _) = try await page.map(of: model)
        return try JSONBody.response(map)
    }
    v1.get("training") { _, _ in try JSONBody.response(PageAPI.trainingOverview(state: state)) }
    v1.post("training") { request, _ in
        let body = try await JSONBody.decode(TrainingStartRequest.self, from: request)
        return try JSONBody.response(try await page.startTraining(body, state: state), status: .accepted)
    }
    v1.get("training/:id") { _, context in
        let id = try api.pathID(context, "id")
        guard let run = page.runs.run(id) else { throw APIError(.notFound, "unknown_run", "unknown training run '\(JSONBody.printable(id))'") }
        return try JSONBody.response(run)
    }
    v1.get("training/:id/events") { _, context in
        let id = try api.pathID(context, "id")
        guard page.runs.run(id) != nil else { throw APIError(.notFound, "unknown_run", "unknown training run '\(JSONBody.printable(id))'") }
        return PageAPI.events(of: id, runs: page.runs)
    }
}

enum PageAPI {
    // MARK: Explore

    struct Count: Encodable, Sendable { var name: String; var count: Int }
    struct Ranked: Encodable, Sendable { var rank: Int; var item: String; var title: String; var ratings: Int; var mean: Double }
    struct Chart: Encodable, Sendable { var name: String; var title: String; var svg: String }
    struct Explore: Encodable, Sendable {
        var dataset: String
        var genre: String?
        var occupation: String?
        var genres: [String]
        var occupations: [String]
        var users: Int
        var items: Int
        var ratings: Int
        var explicitRatings: Bool
        var minRatings: Int
        var topByCount: [Ranked]
        var topByMean: [Ranked]
        var ratingsPerGenre: [Count]
        var usersByOccupation: [Count]
        var charts: [Chart]
        enum CodingKeys: String, CodingKey {
            case dataset, genre, occupation, genres, occupations, users, items, ratings, explicitRatings = "explicit_ratings", minRatings = "min_ratings"
            case topByCount = "top_by_count", topByMean = "top_by_mean", ratingsPerGenre = "ratings_per_genre", usersByOccupation = "users_by_occupation", charts
        }
    }

    static func explore(state: ServerState, query: FlatDictionary<Substring, Substring>, api: API) async throws -> Response {
        let dataset = try await state.page.dataset()
        let top = try api.int(query, "top", default: 10, range: 1...50)
        func text(_ name: String) throws -> String? {
            guard let value = API.string(query, name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.count <= 100 else { throw APIError.badParameter(name, "at most 100 characters") }
            return value
        }
        let genre = try text("genre"), occupation = try text("occupation")
        let exploration: DatasetExploration
        do { exploration = try DatasetExploration(dataset: dataset, filter: ExplorationFilter(occupation: occupation, genre: genre)) } catch {
            let code = occupation != nil && "\(error)".contains("occupation") ? "unknown_occupation" : "unknown_genre"
            throw APIError(.unprocessableContent, code, "\(error)".replacingOccurrences(of: "invalid input: ", with: ""))
        }
        let response = Explore(dataset: dataset.name, genre: genre.flatMap { g in exploration.genreNames.first { $0.lowercased() == g.lowercased() } },
                               occupation: occupation.flatMap { o in exploration.occupationNames.first { $0.lowercased() == o.lowercased() } },
                               genres: exploration.genreNames, occupations: exploration.occupationNames,
                               users: exploration.userCount, items: exploration.itemCount, ratings: exploration.ratingCount,
                               explicitRatings: dataset.hasExplicitRatings, minRatings: 20,
                               topByCount: [], topByMean: [], ratingsPerGenre: [], usersByOccupation: [], charts: [])
        // As an Altair selection: the genre table and chart keep every genre (under the occupation
        // filter only) so another can be picked, and the occupation table keeps every occupation.
        let genreBase: DatasetExploration? = genre == nil ? exploration : try? DatasetExploration(dataset: dataset, filter: ExplorationFilter(occupation: occupation))
        let occupationBase: DatasetExploration? = occupation == nil ? exploration : try? DatasetExploration(dataset: dataset, filter: ExplorationFilter(genre: genre))
        return try JSONBody.response(fill(response, exploration: exploration, genreBase: genreBase ?? exploration,
                                          occupationBase: occupationBase ?? exploration, dataset: dataset, top: top))
    }

    static func fill(_ base: Explore, exploration: DatasetExploration, genreBase: DatasetExploration, occupationBase: DatasetExploration,
                     dataset: Dataset, top: Int) -> Explore {
        var out = base
        let ranked = { (list: [ItemRatingStatistics]) in
            list.enumerated().map { k, s in
                Ranked(rank: k + 1, item: dataset.itemIDs.id(at: s.item).rawValue, title: exploration.displayName(of: s.item), ratings: s.count, mean: s.mean)
            }
        }
        let popular = exploration.topByCount(top)
        out.topByCount = ranked(popular)
        let best = dataset.hasExplicitRatings ? exploration.topByMean(top, minimumRatings: out.minRatings) : []
        out.topByMean = ranked(best)
        // Ratings per genre (an item counts once per genre it has).
        let catalog = dataset.catalog
        var perGenre = [Int](repeating: 0, count: catalog.genreNames.count)
        for s in genreBase.items {
            for g in catalog.genres[Int(s.item)].indices where g < perGenre.count { perGenre[g] += s.count }
        }
        out.ratingsPerGenre = catalog.genreNames.indices.map { Count(name: catalog.genreNames[$0], count: perGenre[$0]) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        if let users = occupationBase.userSummary { out.usersByOccupation = users.occupations.map { Count(name: $0.name, count: $0.count) } }

        let noun = dataset.itemNoun
        let subset = [base.genre, base.occupation].compactMap { $0 }.joined(separator: ", ")
        let suffix = subset.isEmpty ? "" : " — \(subset)"
        var charts: [Chart] = []
        let h = exploration.histograms
        if dataset.hasExplicitRatings && !h.ratingValues.isEmpty {
            var counts: [Double: Int] = [:]
            for v in h.ratingValues { counts[v, default: 0] += 1 }
            let values = counts.keys.sorted()
            if values.count <= 20 {
                var bars = BarChart(title: "Rating values" + suffix, xLabel: "rating", yLabel: "ratings",
                                    labels: values.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }, values: values.map { Double(counts[$0] ?? 0) })
                bars.valueAxisStart = .zero
                charts.append(Chart(name: "rating-values", title: "Rating values", svg: bars.svg(width: 480, height: 320)))
            } else {
                charts.append(Chart(name: "rating-values", title: "Rating values",
                                    svg: Histogram(title: "Rating values" + suffix, xLabel: "rating", values: h.ratingValues).svg(width: 480, height: 320)))
            }
        }
        let rated = out.ratingsPerGenre.filter { $0.count > 0 }
        if !rated.isEmpty {
            let scope = base.occupation.map { " — \($0)" } ?? ""
            var bars = BarChart(title: "Ratings per genre" + scope, xLabel: "", yLabel: "ratings",
                                labels: rated.map(\.name), values: rated.map { Double($0.count) })
            bars.orientation = .horizontal
            bars.valueAxisStart = .zero
            charts.append(Chart(name: "ratings-per-genre", title: "Ratings per genre",
                                svg: bars.svg(width: 560, height: max(240, 70 + 22 * rated.count))))
        }
        if !out.usersByOccupation.isEmpty {
            var bars = BarChart(title: "Users by occupation", xLabel: "", yLabel: "users",
                                labels: out.usersByOccupation.map(\.name), values: out.usersByOccupation.map { Double($0.count) })
            bars.orientation = .horizontal
            bars.valueAxisStart = .zero
            charts.append(Chart(name: "users-by-occupation", title: "Users by occupation",
                                svg: bars.svg(width: 560, height: max(240, 70 + 22 * out.usersByOccupation.count))))
        }
        if let table = dataset.userTable {
            let wanted = exploration.filter.occupation?.lowercased()
            let ages = table.ages.indices.compactMap { u -> Double? in
                guard wanted == nil || table.occupations[u].lowercased() == wanted else { return nil }
                return table.ages[u].map(Double.init)
            }
            if !ages.isEmpty {
                var histogram = Histogram(title: "Age of the users" + suffix, xLabel: "age (years)", values: ages, bins: 20)
                histogram.yLabel = "users"
                charts.append(Chart(name: "user-age", title: "Age of the users", svg: histogram.svg(width: 480, height: 320)))
            }
        }
        if !h.ratingsPerUser.isEmpty {
            var perUser = Histogram(title: "Number of ratings per user" + suffix, xLabel: "ratings", values: h.ratingsPerUser)
            perUser.yLabel = "users"
            charts.append(Chart(name: "ratings-per-user", title: "Ratings per user", svg: perUser.svg(width: 480, height: 320)))
        }
        if !h.ratingsPerItem.isEmpty {
            var perItem = Histogram(title: "Number of ratings per \(noun)" + suffix, xLabel: "ratings", values: h.ratingsPerItem)
            perItem.yLabel = "\(noun)s"
            charts.append(Chart(name: "ratings-per-item", title: "Ratings per \(noun)", svg: perItem.svg(width: 480, height: 320)))
        }
        if dataset.hasExplicitRatings && !h.meanItemRating.isEmpty {
            var meanItem = Histogram(title: "Mean rating per \(noun)" + suffix, xLabel: "mean rating", values: h.meanItemRating)
            meanItem.yLabel = "\(noun)s"
            charts.append(Chart(name: "mean-item-rating", title: "Mean rating per \(noun)", svg: meanItem.svg(width: 480, height: 320)))
        }
        if !popular.isEmpty {
            var byCount = BarChart(title: "Top \(popular.count) \(noun)s by number of ratings" + suffix, xLabel: "", yLabel: "ratings",
                                   labels: popular.map { exploration.displayName(of: $0.item) }, values: popular.map { Double($0.count) })
            byCount.orientation = .horizontal
            byCount.showsValues = true
            byCount.valueAxisStart = .zero
            charts.append(Chart(name: "top-by-count", title: "Top by number of ratings", svg: byCount.svg(width: 720, height: max(240, 80 + 26 * popular.count))))
        }
        out.charts = charts
        return out
    }

    // MARK: Train

    struct TrainingOverview: Encodable, Sendable {
        struct Limits: Encodable, Sendable {
            var maxSteps: Int
            var maxEmbeddingDim: Int
            var maxNeighbours: Int
            var maxPageModels: Int
            var threads: Int
            var stepParameters: [String]
            var dimensionParameters: [String]
            enum CodingKeys: String, CodingKey {
                case maxSteps = "max_steps", maxEmbeddingDim = "max_embedding_dim", maxNeighbours = "max_neighbours", maxPageModels = "max_page_models"
                case threads, stepParameters = "step_parameters", dimensionParameters = "dimension_parameters"
            }
        }
        var data: Bool
        var dataMessage: String?
        var running: String?
        var limits: Limits
        var runs: [TrainingRunInfo]
        enum CodingKeys: String, CodingKey { case data, dataMessage = "data_message", running, limits, runs }
    }

    static func trainingOverview(state: ServerState) -> TrainingOverview {
        let page = state.page, l = page.limits
        return TrainingOverview(data: page.hasData, dataMessage: page.hasData ? page.dataDescription : PageServices.noDataMessage,
                                running: page.runs.running,
                                limits: .init(maxSteps: l.maxSteps, maxEmbeddingDim: l.maxEmbeddingDim, maxNeighbours: l.maxNeighbours,
                                              maxPageModels: l.maxPageModels, threads: l.threads,
                                              stepParameters: TrainingLimits.stepParameters.sorted(),
                                              dimensionParameters: TrainingLimits.dimensionParameters.sorted()),
                                runs: page.runs.all)
    }

    /// The data of the final `done` event.
    struct Done: Encodable, Sendable {
        var status: String
        var name: String
        var message: String?
        var modelVersion: Int?
        var seconds: Double?
        enum CodingKeys: String, CodingKey { case status, name, message, modelVersion = "model_version", seconds }
    }

    /// The run's events as server-sent events: every `progress` event so far (a late reader
    /// gets the whole curve), the new ones as they come, then one `done` event, then the end.
    static func events(of id: String, runs: TrainingRuns) -> Response {
        let body = ResponseBody { writer in
            var sent = 0
            let encoder = JSONBody.encoder
            func frame(_ event: String, _ data: Data) -> ByteBuffer {
                var buffer = ByteBufferAllocator().buffer(capacity: data.count + 32)
                buffer.writeString("event: \(event)\ndata: ")
                buffer.writeBytes(data)
                buffer.writeString("\n\n")
                return buffer
            }
            var buffer = ByteBufferAllocator().buffer(capacity: 16)
            buffer.writeString(": training run \(id)\n\n")
            try await writer.write(buffer)
            while true {
                guard let info = runs.run(id) else { break }
                if info.events.count > sent {
                    for event in info.events[sent...] { try await writer.write(frame("progress", try encoder.encode(event))) }
                    sent = info.events.count
                }
                if info.status != "running" {
                    try await writer.write(frame("done", try encoder.encode(Done(status: info.status, name: info.name, message: info.message,
                                                                                  modelVersion: info.modelVersion, seconds: info.seconds))))
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"], body: body)
    }
}
