/// Requests and latency per route: `rag_http_requests_total{route,method,status}` and
/// `rag_http_request_duration_seconds{route,method}` (time to the response head; streams go on after it).
import Hummingbird
import Metrics

struct RouteMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The error middleware sits inside this one; anything reaching here is still reported.
            response = APIError.from(error).response
        }
        let route = context.endpointPath ?? "unmatched"
        let label = route == "NotFound" ? "unmatched" : route
        let method = request.method.rawValue
        Counter(label: "rag_http_requests_total", dimensions: [("route", label), ("method", method), ("status", String(response.status.code))]).increment()
        Timer(label: "rag_http_request_duration_seconds", dimensions: [("route", label), ("method", method)])
            .recordInterval(since: start)
        return response
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        record(duration: ContinuousClock.now - start)
    }
    func recordSeconds(_ s: Double) {
        recordNanoseconds(Int64(max(0, s) * 1e9))
    }
}
