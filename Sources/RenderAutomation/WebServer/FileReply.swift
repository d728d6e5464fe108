import Hummingbird
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// `webServer.fileResponse`: a file streamed from disk in chunks, never read whole, with a
/// single `Range: bytes=...` honoured (206, or 416 when it lies outside the file).
enum FileReply {
    static let chunk = 128 * 1024

    /// The response for `reply.filePath`; `range` is the request's Range header.
    static func response(_ reply: WebReply, path: String, range: String?) -> Response {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        var info = stat()
        guard descriptor >= 0, fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            if descriptor >= 0 { close(descriptor) }
            return WebReply.error(404, "no file to send").response
        }
        // delete_file: gone from the folder now, readable through the descriptor until closed.
        if reply.deleteFile { unlink(path) }
        let size = Int(info.st_size)
        var reply = reply
        reply.headers.append(("accept-ranges", "bytes"))
        var first = 0, last = size - 1
        if let range {
            guard let (a, b) = parseRange(range, size: size) else {
                close(descriptor)
                var refused = WebReply.error(416, "the range \(range) is outside the file's \(size) bytes")
                refused.headers.append(("content-range", "bytes */\(size)"))
                return refused.response
            }
            (first, last) = (a, b)
            reply.status = 206
            reply.headers.append(("content-range", "bytes \(a)-\(b)/\(size)"))
        }
        reply.body = []
        var response = reply.response
        let (start, end) = (first, last)
        let length = max(0, end - start + 1)
        response.body = ResponseBody(contentLength: length) { writer in
            defer { close(descriptor) }
            var offset = start
            var buffer = ByteBufferAllocator().buffer(capacity: chunk)
            while offset <= end {
                buffer.clear()
                let wanted = min(chunk, end - offset + 1)
                let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { raw in
                    max(0, pread(descriptor, raw.baseAddress, wanted, off_t(offset)))
                }
                if n == 0 { break }  // the file shrank: the client sees a short body
                offset += n
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
        return response
    }

    /// `bytes=A-B`, `bytes=A-` or `bytes=-N` as inclusive offsets; nil when unsatisfiable.
    /// Several ranges are not supported: the first is served.
    static func parseRange(_ header: String, size: Int) -> (Int, Int)? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).split(separator: ",").first.map(String.init) ?? ""
        let parts = spec.split(separator: "-", omittingEmptySubsequences: false).map { $0.filter { $0 != " " } }
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let n = Int(parts[1]), n > 0 else { return nil }
            return (max(0, size - n), size - 1)
        }
        guard let a = Int(parts[0]), a < size else { return nil }
        if parts[1].isEmpty { return (a, size - 1) }
        guard let b = Int(parts[1]), b >= a else { return nil }
        return (a, min(b, size - 1))
    }
}
