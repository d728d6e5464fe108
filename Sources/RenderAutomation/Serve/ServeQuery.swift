import Foundation

/// The list filters and the log tail, read from the query and checked: a bad value is a 400 that
/// says which parameter and what it takes, never a silently ignored filter.
enum ServeQuery {
    static func filter(_ request: ServeRequest, states: [String], textParameter: String? = nil) throws -> ServeDatabase.Filter {
        var filter = ServeDatabase.Filter()
        let known = Set(["state", "limit", "before", "token"] + (textParameter.map { [$0] } ?? []))
        if let unknown = request.query.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServeError.badRequest("unknown parameter '\(unknown)' (this list takes: \(known.subtracting(["token"]).sorted().joined(separator: ", ")))")
        }
        if let state = request.query["state"] {
            guard states.contains(state) else {
                throw ServeError.badRequest("state must be one of \(states.joined(separator: ", ")) (got '\(state)')")
            }
            filter.state = state
        }
        if let name = textParameter, let text = request.query[name], !text.isEmpty { filter.text = text }
        if let limit = request.query["limit"] {
            guard let n = Int(limit), (1...1000).contains(n) else {
                throw ServeError.badRequest("limit must be a whole number from 1 to 1000 (got '\(limit)')")
            }
            filter.limit = n
        }
        if let before = request.query["before"] {
            guard let id = Int64(before), id > 0 else {
                throw ServeError.badRequest("before must be a positive id (got '\(before)')")
            }
            filter.before = id
        }
        return filter
    }

    static func tail(_ request: ServeRequest, default lines: Int = 200) throws -> Int {
        guard let text = request.query["tail"] else { return lines }
        guard let n = Int(text), (1...100_000).contains(n) else {
            throw ServeError.badRequest("tail must be a whole number of lines from 1 to 100000 (got '\(text)')")
        }
        return n
    }

    /// `a=1&b=2`, percent-decoded; `+` is a space (as forms send it).
    static func parse(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}
