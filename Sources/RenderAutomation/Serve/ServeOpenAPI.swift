/// `/api/v1/openapi.json`, made from the route table itself: each route, its `{id}` path
/// parameters, its query parameters, its body and its answers.
enum ServeOpenAPI {
    static func document(_ routes: [ServeRoute]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in routes {
            var operations = paths[route.pattern]?.objectValue ?? [:]
            var parameters: [JSONValue] = route.segments.filter { $0.hasPrefix("{") }.map { segment in
                .object([
                    "name": .string(String(segment.dropFirst().dropLast())), "in": "path", "required": true,
                    "schema": .object(["type": "integer", "minimum": 1]),
                ])
            }
            parameters += route.query.map { query in
                .object(["name": .string(query.name), "in": "query", "required": false, "description": .string(query.about),
                         "schema": .object(["type": "string"])])
            }
            var responses: [String: JSONValue] = [
                "200": .object(["description": "success", "content": .object([route.produces: .object([:])])]),
                "401": .object(["description": "a token is needed (server not on loopback)"]),
            ]
            if !parameters.isEmpty || route.method == .post {
                responses["400"] = .object(["description": "a bad parameter or body"])
                responses["404"] = .object(["description": "no such item"])
            }
            if route.method == .post { responses["409"] = .object(["description": "the item's state does not allow it"]) }
            var operation: [String: JSONValue] = [
                "summary": .string(route.summary),
                "operationId": .string(operationID(route)),
                "parameters": .array(parameters),
                "responses": .object(responses),
            ]
            if let body = route.body {
                operation["requestBody"] = .object(["required": true, "description": .string(body),
                                                    "content": .object(["application/json": .object([:])])])
            }
            operations[route.method.rawValue.lowercased()] = .object(operation)
            paths[route.pattern] = .object(operations)
        }
        return .object([
            "openapi": "3.0.3",
            "info": .object([
                "title": "rscript serve", "version": .string(RenderAutomationVersion.string),
                "description": "The render gallery, the job queue and frame renders of one rscript database. `/api` (no version) is Houdini's hwebserver RPC endpoint for Lua apiFunctions.",
            ]),
            "paths": .object(paths),
        ])
    }

    /// `GET /api/v1/renders/{id}/image` → `getRendersIdImage`.
    static func operationID(_ route: ServeRoute) -> String {
        var name = route.method.rawValue.lowercased()
        for segment in route.segments where segment != "api" && segment != "v1" {
            let word = segment.filter { $0 != "{" && $0 != "}" && $0 != "-" && $0 != "." }
            name += word.prefix(1).uppercased() + word.dropFirst()
        }
        return name
    }
}
