import Hummingbird
import MultipartKit
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a `multipart/form-data` body as it arrives, with multipart-kit's parser: fields into
/// memory, files into memory up to the threshold and into a temporary file past it, so a large
/// upload is never held whole.
final class MultipartBody {
    struct Failure: Error { let status: Int; let message: String }

    private let threshold: Int
    private(set) var fields: [(name: String, value: String)] = []
    private(set) var files: [UploadedFileData] = []
    /// Every temporary file made, kept or not, for `removeTemporaryFiles`.
    private(set) var temporaryPaths: [String] = []
    private var headers: [(String, String)] = []
    private var bytes: [UInt8] = []
    private var size = 0
    private var descriptor: Int32 = -1
    private var path: String?
    private var inPart = false
    private var writeError: String?

    init(threshold: Int) { self.threshold = threshold }

    /// The boundary of a `multipart/form-data` content type, nil for any other type.
    static func boundary(of contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let item = parameter.trimmingSpaces
            if item.lowercased().hasPrefix("boundary=") {
                var value = String(item.dropFirst("boundary=".count))
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return value.isEmpty ? nil : value
            }
        }
        return ""
    }

    /// Parses the body; throws `Failure` (400 or 413) for a malformed or too large one.
    func read(_ body: RequestBody, boundary: String, limit: Int) async throws {
        guard !boundary.isEmpty else { throw Failure(status: 400, message: "the multipart/form-data content type has no boundary") }
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in inPart = true; headers.append((name, value)) }
        parser.onBody = { [unowned self] buffer in inPart = true; append(&buffer) }
        parser.onPartComplete = { [unowned self] in completePart() }
        var total = 0
        var headerGuard = MultipartHeaderGuard(boundary: boundary)
        for try await chunk in body {
            total += chunk.readableBytes
            if total > limit { throw Failure(status: 413, message: "the request body is larger than the server's limit of \(limit) bytes") }
            guard chunk.withUnsafeReadableBytes({ headerGuard.check($0) }) else {
                throw Failure(status: 400, message: "malformed multipart body: a part's header name holds a byte that is not ASCII")
            }
            do {
                try parser.execute(chunk)
            } catch {
                throw Failure(status: 400, message: "malformed multipart body: \(error)")
            }
            if let writeError { throw Failure(status: 500, message: "cannot store an upload: \(writeError)") }
        }
        if inPart || (fields.isEmpty && files.isEmpty && total > 0) {
            throw Failure(status: 400, message: "malformed multipart body: it ends before its closing boundary")
        }
    }

    /// Part bytes go to `bytes`; once a file passes the threshold, `bytes` is the write buffer
    /// of its temporary file, flushed every `writeChunk` bytes (the parser hands over small
    /// slices: one write each would be a system call per few hundred bytes).
    private func append(_ buffer: inout NIOCore.ByteBuffer) {
        size += buffer.readableBytes
        buffer.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        if path == nil && bytes.count <= threshold { return }
        if path == nil { openTemporaryFile() }
        if bytes.count >= Self.writeChunk { flush() }
    }

    private static let writeChunk = 1 << 16

    private func flush() {
        guard descriptor >= 0 else { bytes = []; return }
        writeAll(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    private func openTemporaryFile() {
        let dir = Environment.get("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((dir + "/rscript-upload-XXXXXX").utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            writeError = String(cString: strerror(errno))
            path = ""
            return
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        temporaryPaths.append(path!)
    }

    private func writeAll(_ data: [UInt8]) {
        var offset = 0
        while offset < data.count {
            let n = data[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                writeError = String(cString: strerror(errno))
                return
            }
            offset += n
        }
    }

    private func completePart() {
        let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
        let name = Self.parameter("name", in: disposition) ?? ""
        if let filename = Self.parameter("filename", in: disposition) {
            let type = headers.first { $0.0.lowercased() == "content-type" }?.1 ?? "application/octet-stream"
            if path != nil { flush() }
            if descriptor >= 0 { close(descriptor) }
            files.append(UploadedFileData(
                field: name, filename: filename, contentType: type, size: size,
                bytes: path == nil ? bytes : nil, temporaryPath: path))
        } else {
            fields.append((name, String(decoding: bytes, as: UTF8.self)))
        }
        headers = []
        bytes = []
        size = 0
        descriptor = -1
        path = nil
        inPart = false
    }

    /// `name="value"` (or `name=value`) in a Content-Disposition header.
    static func parameter(_ name: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.trimmingSpaces
            guard let equals = pair.firstIndex(of: "="), pair[..<equals].lowercased() == name else { continue }
            var value = String(pair[pair.index(after: equals)...])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// Removes the temporary files (the request has ended); and closes one left open by a failure.
    func removeTemporaryFiles() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        for path in temporaryPaths { unlink(path) }
    }
}

private extension Substring {
    /// Without the spaces and tabs around it (header parameters: `; name="x"`).
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
