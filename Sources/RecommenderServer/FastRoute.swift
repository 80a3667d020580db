import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Recommender
import Synchronization

/// The hot route, `GET /v1/users/{id}/recommendations`, answered on the event loop that read it.
///
/// A channel handler placed after the HTTP decoder (Hummingbird's `additionalChannelHandlers`).
/// Through Hummingbird a request crosses from the channel to an async task and back several
/// times (the request head, its end, the response head, body and end); this handler answers the
/// recommendation route in the read event itself, with the same handler code, the same JSON
/// bytes and the same headers (`Content-Type`, `Content-Length`, `Date`, `Server`), and records
/// the request in ``ServerMetrics`` under the route's pattern as the middleware does.
///
/// Everything else goes on to Hummingbird untouched, and so does a recommendation request that
/// is not plainly answerable here: another method, a body, `Connection: close`, a path that is
/// not exactly `/v1/users/{id}/recommendations`, or any error (unknown user, bad parameter, ...),
/// so every error answer is written by the one error path. Responses stay in request order on a
/// connection: while a request passed on to Hummingbird has not been answered (its response's
/// end has not been written), later requests are passed on too.
final class FastRecommendationRoute: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The route's pattern as the router names it (the metrics' label).
    static let routePattern = "/v1/users/:id/recommendations"
    /// Requests answered here since the process started (tests).
    static let answered = Atomic<Int>(0)

    private let api: API
    private let serverName: String
    /// A recommendation request held back from Hummingbird until its end arrives.
    private var held: HTTPRequest?
    /// Requests passed on to Hummingbird and not answered yet (head seen, response end not).
    private var passedOn = 0

    init(api: API, serverName: String) {
        self.api = api
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if passedOn == 0, let _ = Self.userID(of: head) {
                held = head
            } else {
                passOn(.head(head), context: context)
            }
        case .body:
            if let head = held {
                // A GET with a body: Hummingbird's business.
                held = nil
                passOn(.head(head), context: context)
            }
            context.fireChannelRead(data)
        case .end:
            guard let head = held else { context.fireChannelRead(data); return }
            held = nil
            let start = ContinuousClock.now
            guard let id = Self.userID(of: head), let body = try? answer(head, id: id) else {
                passOn(.head(head), context: context)
                context.fireChannelRead(data)
                return
            }
            var headers = HTTPFields()
            headers.reserveCapacity(4)
            headers[.contentType] = "application/json"
            headers[.contentLength] = String(body.readableBytes)
            headers[.date] = HTTPDate.now()
            headers[.server] = serverName
            context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            Self.answered.add(1, ordering: .relaxed)
            let elapsed = ContinuousClock.now - start
            api.state.metrics.observeFastRoute(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), passedOn > 0 { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    private func passOn(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        if case .head = part { passedOn += 1 }
        context.fireChannelRead(wrapInboundOut(part))
    }

    /// The JSON body of the answer, as the routed handler writes it (throws where it would).
    private func answer(_ head: HTTPRequest, id raw: Substring) throws -> ByteBuffer {
        let uri = URI(head.path ?? "")
        let id = String(raw)
        try API.checkID(id, name: "id")
        return try api.userRecommendationsJSON(id, query: uri.queryParameters)
    }

    /// The user id of a plain `GET /v1/users/{id}/recommendations[?query]` on a kept-alive
    /// HTTP/1.1 connection, or `nil` for anything else (which then goes to the router).
    static func userID(of head: HTTPRequest) -> Substring? {
        guard head.method == .get, let path = head.path, head.headerFields[.connection] == nil else { return nil }
        // Bytes, not characters: no grapheme breaking on the hot path. The prefix and suffix are
        // ASCII, so the id's bounds fall on scalar boundaries.
        let u = path.utf8
        let end = u.firstIndex(of: UInt8(ascii: "?")) ?? u.endIndex
        let prefix = "/v1/users/".utf8, suffix = "/recommendations".utf8
        guard u.distance(from: u.startIndex, to: end) > prefix.count + suffix.count, u.starts(with: prefix) else { return nil }
        let idStart = u.index(u.startIndex, offsetBy: prefix.count), idEnd = u.index(end, offsetBy: -suffix.count)
        guard u[idEnd..<end].elementsEqual(suffix) else { return nil }
        let id = u[idStart..<idEnd]
        // One plain segment: no '/', and no '%' (percent-decoding is the router's).
        guard !id.contains(UInt8(ascii: "/")), !id.contains(UInt8(ascii: "%")) else { return nil }
        return Substring(id)
    }
}

/// The `Date` header's value (RFC 9110 IMF-fixdate), formatted once a second.
enum HTTPDate {
    private static let cache = Locked<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var t = time(nil)
        let second = Int(t)
        if let text = cache.withLock({ $0.second == second ? $0.text : nil }) { return text }
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        cache.withLock { $0 = (second, text) }
        return text
    }
}
