import Foundation
import Hummingbird
import NIOCore

/// A client's mistake (or a refused operation) as an HTTP status and a JSON body
/// `{"error": {"code": ..., "message": ...}}`.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// The HTTP status (4xx for client mistakes).
    public var status: HTTPResponse.Status
    /// A stable machine-readable code, e.g. `unknown_user`.
    public var code: String
    /// What went wrong and what to change.
    public var message: String

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON error response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.errorResponse(status: status, code: code, message: message)
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func badParameter(_ name: String, _ message: String) -> APIError { APIError(.badRequest, "invalid_parameter", "\(name): \(message)") }
    static func unknownUser(_ id: String) -> APIError { APIError(.notFound, "unknown_user", "unknown user '\(JSONBody.printable(id))'") }
    static func unknownItem(_ id: String, status: HTTPResponse.Status = .notFound) -> APIError {
        APIError(status, "unknown_item", "unknown item '\(JSONBody.printable(id))'")
    }
    static func unknownModel(_ name: String, known: [String]) -> APIError {
        APIError(.notFound, "unknown_model", "unknown model '\(JSONBody.printable(name))'; served: \(known.joined(separator: ", "))")
    }
    static func unsupported(_ message: String) -> APIError { APIError(.unprocessableContent, "not_supported", message) }
}

/// Turns every error escaping a route (the router's 404, a body over the limit, a library error)
/// into the JSON error body; anything not classified as the client's mistake is a 500 with a
/// generic message, logged.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONBody.errorResponse(status: error.status, code: error.code, message: error.message)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // No route: a documented path asked with another method (TRACE, PUT, QUERY, ...) is a 405.
            let path = request.uri.path
            if let allow = DocumentedRoutes.allowedMethods(for: path) {
                var response = JSONBody.errorResponse(status: .methodNotAllowed, code: "method_not_allowed",
                                                      message: "\(request.method) is not allowed on \(path); allowed: \(allow)")
                response.headers[.allow] = allow
                return response
            }
            return JSONBody.errorResponse(status: .notFound, code: "not_found", message: "no route for \(request.method) \(path)")
        } catch let error as HTTPError {
            let code: String
            switch error.status {
            case .notFound: code = "not_found"
            case .contentTooLarge: code = "body_too_large"
            case .methodNotAllowed: code = "method_not_allowed"
            case .badRequest: code = "bad_request"
            default: code = error.status.code >= 500 ? "internal" : "bad_request"
            }
            let message = error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return JSONBody.errorResponse(status: error.status, code: code, message: message)
        } catch let error as any HTTPResponseError {
            let code = error.status == .contentTooLarge ? "body_too_large" : error.status.code >= 500 ? "internal" : "bad_request"
            return JSONBody.errorResponse(status: error.status, code: code, message: error.status.reasonPhrase)
        } catch {
            context.logger.error("internal error on \(request.method) \(request.uri.path): \(error)")
            return JSONBody.errorResponse(status: .internalServerError, code: "internal", message: "internal error")
        }
    }
}

/// JSON bodies in and out.
enum JSONBody {
    /// The most bytes a request body may have.
    static let maxRequestBytes = 1 << 20

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// A JSON response of `value`.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return raw(data, status: status)
    }

    /// A JSON response of bytes written by ``JSONWriter``.
    static func response(_ buffer: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }

    /// A response with bytes that already are JSON.
    static func raw(_ data: some Collection<UInt8>, status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        var buffer = ByteBufferAllocator().buffer(capacity: data.count)
        buffer.writeBytes(data)
        return Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: buffer))
    }

    static func errorResponse(status: HTTPResponse.Status, code: String, message: String) -> Response {
        struct Envelope: Encodable { struct Inner: Encodable { var code: String; var message: String }; var error: Inner }
        let data = (try? encoder.encode(Envelope(error: .init(code: code, message: message)))) ?? Data("{\"error\":{\"code\":\"internal\",\"message\":\"\"}}".utf8)
        return raw(data, status: status)
    }

    /// Decodes the request body as `T`: 413 over ``maxRequestBytes``, 400 for malformed JSON or wrong types.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxRequestBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "body_too_large", "the request body is larger than \(maxRequestBytes) bytes")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "malformed_json", "the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, decodingCode(error), describe(error))
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, "malformed_json", "the request body is not valid JSON")
        }
    }

    static func decodingCode(_ error: DecodingError) -> String {
        if case .dataCorrupted(let c) = error, c.codingPath.isEmpty { return "malformed_json" }
        return "invalid_body"
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: [any CodingKey]) -> String {
            var out = ""
            for key in c {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? "body" : out
        }
        switch error {
        case let .typeMismatch(type, c): return "\(path(c.codingPath)): expected \(jsonType(type))"
        case let .valueNotFound(type, c): return "\(path(c.codingPath)): expected \(jsonType(type)), found null"
        case let .keyNotFound(key, c): return "\(path(c.codingPath + [key])): missing"
        case let .dataCorrupted(c):
            return c.codingPath.isEmpty ? "the request body is not valid JSON" : "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "invalid request body"
        }
    }

    static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Bool.Type: return "a boolean"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            return "an object"
        }
    }

    /// `text` shortened and without control characters, for messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return cleaned.count > 80 ? String(cleaned.prefix(80)) + "…" : cleaned
    }
}
