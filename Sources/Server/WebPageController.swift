/// GET / and its own files: the web page, embedded in the binary (no build step, no CDN, works offline).
///
/// The page's files are served without an API key (like /healthz: the page must load to ask for the key), but
/// behind the Host check; the page then calls the API with the key the user gives it. Its Content-Security-Policy
/// allows only the page's own files: no inline scripts or styles, no other origins.
import HTTPTypes
import Hummingbird
import NIOCore

struct WebPageController: RouteController {
    struct Asset: Sendable {
        let path: String
        let contentType: String
        let body: String
    }

    static let assets: [Asset] = [
        Asset(path: "/", contentType: "text/html; charset=utf-8", body: WebAssets.html),
        Asset(path: "/app.js", contentType: "text/javascript; charset=utf-8", body: WebAssets.javascript),
        Asset(path: "/app.css", contentType: "text/css; charset=utf-8", body: WebAssets.css),
        Asset(path: "/favicon.svg", contentType: "image/svg+xml", body: WebAssets.favicon),
    ]

    /// The page's paths: served without an API key.
    static var paths: Set<String> { Set(assets.map(\.path)) }

    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let endpoints: [Endpoint<Self>] = assets.map { asset in
        Endpoint(.get, asset.path) { _, _ in WebPageController.serve(asset) }
    }

    static func serve(_ asset: Asset) -> Response {
        Response(status: .ok, headers: [
            .contentType: asset.contentType,
            .contentSecurityPolicy: contentSecurityPolicy,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            .cacheControl: "no-cache",
        ], body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }
}

/// The page's files as text (WebAssets/*.swift).
enum WebAssets {}
