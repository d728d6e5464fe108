/// A JSON column of the database holds text that does not parse (a hand-edited or damaged
/// row). Reads report it, naming the table, the row and the column, instead of handing the text
/// back as if it were a string value: a render's options or a job's result that silently
/// turned into a string would be wrong data, not an error anyone sees.
///
/// Thrown inside a read transaction; the store's `read` turns it into
/// `GalleryError.corruptRow` (or `JobError` with that `databaseKind`), which adds the file.
struct StoredJSONError: Error, CustomStringConvertible, Sendable {
    /// `renders`, `render_metadata`, `jobs`...
    var table: String
    /// How the row is named: `id 12`, or `render 12, key 'tiles'` for a keyed table.
    var row: String
    var column: String
    var reason: String

    var description: String { "\(table) row \(row): \(column) is not valid JSON (\(reason))" }

    /// Parses `text`, the `column` of the row `row` of `table`.
    static func decode(_ text: String, table: String, row: String, column: String) throws -> JSONValue {
        do {
            return try JSONValue(jsonText: text)
        } catch {
            throw StoredJSONError(table: table, row: row, column: column, reason: "\(error)")
        }
    }
}
