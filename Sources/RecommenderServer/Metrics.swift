import Foundation
import Hummingbird
import Recommender
import Synchronization

/// Request counts and latency histograms by route, method and status, in the Prometheus text
/// format (`GET /metrics`).
public final class ServerMetrics: Sendable {
    /// The histogram's upper bounds, seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

    struct Key: Hashable { var route: String; var method: String; var status: Int }
    struct Series {
        var count = 0, sum = 0.0, buckets = [Int](repeating: 0, count: ServerMetrics.buckets.count)
        mutating func merge(_ other: Series) {
            count += other.count
            sum += other.sum
            for i in buckets.indices { buckets[i] += other.buckets[i] }
        }
    }

    private let series = Locked<[Key: Series]>([:])
    private let fastRoute = Locked<Series>(Series())
    private let ratingsStored = Atomic<Int>(0)

    /// An empty registry.
    public init() {}

    /// Records one request.
    func observe(route: String, method: String, status: Int, seconds: Double) {
        let slot = Self.buckets.firstIndex { seconds <= $0 }
        let key = Key(route: route, method: method, status: status)
        series.withLock { s in
            // In place: no copy of the bucket array per request.
            s[key, default: Series()].count += 1
            s[key, default: Series()].sum += seconds
            if let slot { s[key, default: Series()].buckets[slot] += 1 }
        }
    }

    /// Records one 200 answer of ``FastRecommendationRoute`` (its own series: no key to hash).
    func observeFastRoute(seconds: Double) {
        let slot = Self.buckets.firstIndex { seconds <= $0 }
        fastRoute.withLock { s in
            s.count += 1
            s.sum += seconds
            if let slot { s.buckets[slot] += 1 }
        }
    }

    /// Counts a durable rating write.
    func ratingStored() { ratingsStored.add(1, ordering: .relaxed) }

    /// The Prometheus text exposition.
    func render(models: [ServedModel], failures: [String: String?]) -> String {
        // Router patterns (`:id`) in the `{id}` form of the OpenAPI document.
        var snapshot: [Key: Series] = [:]
        var all = series.withLock { $0 }
        let fast = fastRoute.withLock { $0 }
        if fast.count > 0 { all[Key(route: FastRecommendationRoute.routePattern, method: "GET", status: 200), default: Series()].merge(fast) }
        for (key, value) in all {
            var k = key
            k.route = MetricsMiddleware<BasicRequestContext>.pattern(key.route)
            snapshot[k, default: Series()].merge(value)
        }
        let keys = snapshot.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        var out = "# HELP recommender_http_requests_total HTTP requests by route, method and status.\n# TYPE recommender_http_requests_total counter\n"
        for k in keys {
            out += "recommender_http_requests_total{\(labels(k))} \(snapshot[k]?.count ?? 0)\n"
        }
        out += "# HELP recommender_http_request_duration_seconds Request latency by route, method and status.\n# TYPE recommender_http_request_duration_seconds histogram\n"
        for k in keys {
            guard let v = snapshot[k] else { continue }
            var cumulative = 0
            for (i, bound) in Self.buckets.enumerated() {
                cumulative += v.buckets[i]
                out += "recommender_http_request_duration_seconds_bucket{\(labels(k)),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "recommender_http_request_duration_seconds_bucket{\(labels(k)),le=\"+Inf\"} \(v.count)\n"
            out += "recommender_http_request_duration_seconds_sum{\(labels(k))} \(v.sum)\n"
            out += "recommender_http_request_duration_seconds_count{\(labels(k))} \(v.count)\n"
        }
        out += "# HELP recommender_model_version Version of each served model (1 at start, +1 per swap).\n# TYPE recommender_model_version gauge\n"
        for m in models {
            out += "recommender_model_version{model=\"\(Self.escape(m.name))\",kind=\"\(Self.escape(m.kind))\"} \(m.version)\n"
        }
        out += "# HELP recommender_model_last_update_failed 1 when the last reload or retraining of the model failed.\n# TYPE recommender_model_last_update_failed gauge\n"
        for m in models {
            let failed = (failures[m.name] ?? nil) != nil
            out += "recommender_model_last_update_failed{model=\"\(Self.escape(m.name))\"} \(failed ? 1 : 0)\n"
        }
        out += "# HELP recommender_ratings_stored_total Ratings written durably through the API since start.\n# TYPE recommender_ratings_stored_total counter\n"
        out += "recommender_ratings_stored_total \(ratingsStored.load(ordering: .relaxed))\n"
        return out
    }

    private func labels(_ k: Key) -> String {
        "route=\"\(Self.escape(k.route))\",method=\"\(k.method)\",status=\"\(k.status)\""
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Times every request and records it under its route pattern (`/v1/users/{id}/recommendations`),
/// never under the raw path, so the label set stays small.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        // The router's pattern (`/v1/users/:id/recommendations`) is kept as is here and rewritten
        // to `{id}` form only when /metrics is rendered, so a request costs no string work.
        metrics.observe(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code, seconds: seconds)
        return response
    }

    /// Hummingbird's `/v1/users/:id/x` as `/v1/users/{id}/x`.
    static func pattern(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }
}
