import LuaBridge

/// One file part of a multipart body: held in memory while small, in a temporary file (removed
/// when the request ends) once it passes `max_in_memory_file_upload_size`.
struct UploadedFileData: Sendable {
    var field: String
    var filename: String
    var contentType: String
    var size: Int
    var bytes: [UInt8]?
    var temporaryPath: String?

    var luaValue: LuaValue {
        var fields: [String: LuaValue] = [
            "field": .string(field), "filename": .string(filename),
            "contentType": .string(contentType), "size": .int(Int64(size)),
        ]
        if let bytes { fields["bytes"] = .bytes(bytes) }
        if let temporaryPath { fields["path"] = .string(temporaryPath) }
        return .object(fields)
    }
}
