import Foundation
import Hummingbird
import NIOCore
import Recommender
@testable import RecommenderServer
import Testing

/// `GET /v1/users/{id}/recommendations` on a kept-alive connection is answered by
/// ``FastRecommendationRoute`` on the event loop; with `Connection: close` it goes through the
/// router. Both must give the same status, headers and bytes for every request, valid or not,
/// and answers must come back in request order on a connection.
@Suite struct FastRouteTests {
    /// Sends `requests` (request lines' targets, all GET) on one connection, the last with
    /// `Connection: close`, in one write (pipelined), and splits the answers.
    static func pipelined(_ targets: [String], port: Int, closeEach: Bool = false) throws -> [LiveResponse] {
        var bytes: [UInt8] = []
        for (k, target) in targets.enumerated() {
            let close = closeEach || k == targets.count - 1 ? "Connection: close\r\n" : ""
            bytes += Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(close)\r\n".utf8)
        }
        var raw = try LiveClient.exchange(bytes, port: port)[...]
        var out: [LiveResponse] = []
        let separator: [UInt8] = [13, 10, 13, 10]
        while !raw.isEmpty {
            guard let end = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else {
                throw LiveClient.Failure(description: "malformed answer: \(String(decoding: raw.prefix(200), as: UTF8.self))")
            }
            let head = String(decoding: raw[..<end], as: UTF8.self).lowercased()
            guard let line = head.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                  let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else {
                throw LiveClient.Failure(description: "an answer without Content-Length: \(head)")
            }
            let stop = end + 4 + length
            guard stop <= raw.endIndex else { throw LiveClient.Failure(description: "a short answer") }
            out.append(try LiveClient.parse(Array(raw[..<stop])))
            raw = raw[stop...]
        }
        return out
    }

    static let targets = [
        "/v1/users/1/recommendations?k=5",
        "/v1/users/2/recommendations",
        "/v1/users/3/recommendations?k=3&explain=true&exclude_rated=false",
        "/v1/users/4/recommendations?k=4&genre=Drama",
        "/v1/users/5/recommendations?model=svd&k=2",
        "/v1/users/6/recommendations?k=2&exact=true",
        "/v1/users/nobody/recommendations",           // 404 unknown_user
        "/v1/users/1/recommendations?k=0",            // 400 k out of range
        "/v1/users/1/recommendations?k=abc",
        "/v1/users/1/recommendations?model=nope",
        "/v1/users/1/recommendations?genre=Western",  // unknown genre
        "/v1/users/1/recommendations?explain=maybe",
        "/v1/users/%31/recommendations?k=2",          // percent-encoded: the router's
        "/v1/users/1/recommendations/",
        "/v1/users//recommendations",
    ]

    @Test func keptAliveAnswersEqualTheRoutersAnswers() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            let port = client.port
            let before = FastRecommendationRoute.answered.load(ordering: .relaxed)
            let (fast, routed) = try await withCheckedThrowingContinuation { (c: CheckedContinuation<([LiveResponse], [LiveResponse]), any Error>) in
                Thread.detachNewThread {
                    c.resume(with: Result {
                        // Each target kept alive (all but the last answered by the fast route when valid),
                        // then each with Connection: close (the router).
                        let fast = try Self.targets.map { try Self.pipelined([$0, "/healthz"], port: port)[0] }
                        let routed = try Self.targets.map { try Self.pipelined([$0], port: port, closeEach: true)[0] }
                        return (fast, routed)
                    })
                }
            }
            #expect(fast.count == Self.targets.count && routed.count == Self.targets.count)
            var answeredOK = 0
            for (k, target) in Self.targets.enumerated() where k < fast.count && k < routed.count {
                #expect(fast[k].status == routed[k].status, "\(target)")
                #expect(Array(fast[k].body.readableBytesView) == Array(routed[k].body.readableBytesView), "\(target)")
                var a = fast[k].headers, b = routed[k].headers
                a["date"] = nil; b["date"] = nil
                #expect(a == b, "\(target)")
                #expect(fast[k].headers["date"]?.hasSuffix(" GMT") == true, "\(target)")
                if fast[k].status == .ok { answeredOK += 1 }
            }
            // Six valid requests, and two the router accepts but the fast route leaves to it
            // (a percent-encoded id, a trailing slash).
            #expect(answeredOK == 8)
            // The six were answered by the fast route (other tests may add to the count meanwhile).
            #expect(FastRecommendationRoute.answered.load(ordering: .relaxed) - before >= 6)
        }
    }

    @Test func answersStayInRequestOrderOnAConnection() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            let port = client.port
            // An error (passed on to the router) between fast-route requests: the later ones must wait for it.
            let sequence = ["/v1/users/1/recommendations?k=1", "/v1/users/nobody/recommendations", "/v1/users/1/recommendations?k=2",
                            "/healthz", "/v1/users/1/recommendations?k=3", "/v1/users/1/recommendations?k=4"]
            let answers = try await withCheckedThrowingContinuation { (c: CheckedContinuation<[LiveResponse], any Error>) in
                Thread.detachNewThread { c.resume(with: Result { try Self.pipelined(sequence, port: port) }) }
            }
            #expect(answers.map(\.status.code) == [200, 404, 200, 200, 200, 200])
            let counts = try answers.map { r -> Int in
                let o = try json(r.body)
                return (o["recommendations"] as? [Any])?.count ?? -1
            }
            #expect(counts == [1, -1, 2, -1, 3, 4])
        }
    }

    @Test func fastAnswersAreCountedInMetrics() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            let port = client.port
            let answers = try await withCheckedThrowingContinuation { (c: CheckedContinuation<[LiveResponse], any Error>) in
                Thread.detachNewThread {
                    c.resume(with: Result { try Self.pipelined(Array(repeating: "/v1/users/1/recommendations?k=2", count: 5) + ["/metrics"], port: port) })
                }
            }
            #expect(answers.count == 6)
            let text = String(decoding: answers.last?.body.readableBytesView ?? ByteBuffer().readableBytesView, as: UTF8.self)
            #expect(text.contains(#"recommender_http_requests_total{route="/v1/users/{id}/recommendations",method="GET",status="200"} 5"#))
        }
    }

    @Test func onlyPlainRecommendationPathsAreTaken() {
        func id(_ path: String, method: HTTPRequest.Method = .get, close: Bool = false) -> String? {
            var head = HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
            if close { head.headerFields[.connection] = "close" }
            return FastRecommendationRoute.userID(of: head).map(String.init)
        }
        #expect(id("/v1/users/196/recommendations") == "196")
        #expect(id("/v1/users/a.b-c/recommendations?k=3&genre=Drama") == "a.b-c")
        #expect(id("/v1/users/196/recommendations", method: .post) == nil)
        #expect(id("/v1/users/196/recommendations", close: true) == nil)
        #expect(id("/v1/users/%31/recommendations") == nil)
        #expect(id("/v1/users/1/2/recommendations") == nil)
        #expect(id("/v1/users//recommendations") == nil)
        #expect(id("/v1/users/recommendations") == nil)
        #expect(id("/v1/users/1/recommendations/") == nil)
        #expect(id("/v1/items/1/similar") == nil)
        #expect(id("/V1/users/1/recommendations") == nil)
    }
}
