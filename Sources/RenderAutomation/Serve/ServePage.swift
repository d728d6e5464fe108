/// The web page of `rscript serve`: plain HTML, CSS and JavaScript (no build step, no CDN: the
/// machines it runs on may have no internet), compiled into the binary by SwiftPM's
/// `embedInCode` resources (`PackageResources`, see Package.swift). Edit the files in `Page/`.
public enum ServePage {
    /// The bytes and `Content-Type` of the page's file at URL `path`: `/` and `/index.html` are the
    /// page, `/app/NAME` its scripts and styles. A query (`?v=2`) is ignored. Nil for any other path,
    /// so the router answers 404 (the page has no other files, and no path reaches the disk).
    public static func asset(_ path: String) -> (bytes: [UInt8], contentType: String)? {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        switch bare {
        case "/", "/index.html": return (PackageResources.index_html, "text/html; charset=utf-8")
        case "/app/app.js": return (PackageResources.app_js, "text/javascript; charset=utf-8")
        case "/app/app.css": return (PackageResources.app_css, "text/css; charset=utf-8")
        default: return nil
        }
    }

    /// Every path `asset` answers, for tests and the OpenAPI description.
    public static let paths = ["/", "/index.html", "/app/app.js", "/app/app.css"]
}
