import Dispatch
import Synchronization

extension ThumbnailCache {
    /// The long side of a contact sheet's tiles when none is asked for.
    public static let defaultTileSize = 160
    /// The most columns a sheet gets when none are asked for.
    public static let defaultColumns = 8
    /// The most frames a sheet shows (the first ones): a thousand 160 px tiles already make an
    /// image some 14,000 px tall, decoded in memory as it is made.
    public static let maximumSheetFrames = 1000
    /// Pixels between a sheet's tiles.
    static let tileGap = 4

    /// A contact sheet: each frame's thumbnail (`size` px on its long side) with its frame number
    /// below it, tiled left to right, `columns` per row (default: up to 8). Every cell is the size
    /// of the largest thumbnail: a frame range's frames share one aspect, so the cells fit them.
    /// The tiles come from the thumbnail cache, so a sheet of frames already seen is cheap; the
    /// sheet itself is made each time. A frame whose image cannot be read gets a placeholder tile,
    /// and its reason joins the sheet's `reason`; the sheet is a placeholder only when there are
    /// no frames or libvips cannot make it. At most `maximumSheetFrames` frames are shown (the
    /// `reason` says so). Blocks the calling thread.
    public func contactSheet(
        _ frames: [(frame: Int, path: String)], columns: Int? = nil, size: Int = defaultTileSize
    ) -> Thumbnail {
        let size = Self.clamped(size)
        guard !frames.isEmpty else {
            return Placeholder.thumbnail(size: size, reason: "a contact sheet of no frames")
        }
        var problems: [String] = []
        if frames.count > Self.maximumSheetFrames {
            problems.append("the sheet shows the first \(Self.maximumSheetFrames) of \(frames.count) frames")
        }
        let shown = Array(frames.prefix(Self.maximumSheetFrames))
        let across = min(max(columns ?? Self.defaultColumns, 1), shown.count)
        let tiles = tileThumbnails(shown, size: size)
        problems += tiles.compactMap { tile in tile.thumbnail.reason.map { "frame \(tile.frame): \($0)" } }
        do throws(VipsFailure) {
            let labelHeight = Self.labelHeight(forTile: size)
            // Decoded first, to size the cells from the real thumbnails; a frame without one
            // gets a placeholder of the cell's size rather than a square one.
            var images: [VipsImage?] = []
            for tile in tiles {
                if tile.thumbnail.isPlaceholder {
                    images.append(nil)
                } else {
                    images.append(try VipsImage.decode(tile.thumbnail.bytes))
                }
            }
            let width = images.compactMap { $0?.width }.max() ?? size
            let height = images.compactMap { $0?.height }.max() ?? size
            var cells: [VipsImage] = []
            for (tile, decoded) in zip(tiles, images) {
                let image: VipsImage
                if let decoded {
                    image = decoded
                } else {
                    image = try VipsImage.placeholder(width: width, height: height, text: "no image")
                }
                cells.append(try image.cell(width: width, height: height, labelHeight: labelHeight,
                                            label: String(tile.frame)))
            }
            let bytes = try VipsImage.grid(cells, across: across, gap: Self.tileGap).png()
            // The tiles' tags say what is on the sheet; the layout says how.
            let tags = tiles.map { "\($0.frame)=\($0.thumbnail.etag)" }.joined(separator: ",")
            return Thumbnail(bytes: bytes, etag: "sheet-" + hex(fnv1a("\(across)x\(size):" + tags)),
                             isPlaceholder: false, reason: problems.isEmpty ? nil : problems.joined(separator: "; "))
        } catch {
            let reason = (problems + ["cannot make the contact sheet: \(error.reason)"]).joined(separator: "; ")
            return Placeholder.thumbnail(size: size, reason: reason)
        }
    }

    /// Each frame's thumbnail, in order, made on several threads at once (a sheet of frames not
    /// seen yet is that many decodes; libvips is thread-safe).
    private func tileThumbnails(_ frames: [(frame: Int, path: String)], size: Int) -> [(frame: Int, thumbnail: Thumbnail)] {
        let made = Mutex<[Int: Thumbnail]>([:])
        DispatchQueue.concurrentPerform(iterations: frames.count) { i in
            let thumb = thumbnail(of: frames[i].path, size: size)
            made.withLock { $0[i] = thumb }
        }
        let byIndex = made.withLock { $0 }
        return frames.indices.map { (frames[$0].frame, byIndex[$0]!) }  // concurrentPerform ran every index
    }

    /// The height of the strip under a tile that holds its frame number.
    static func labelHeight(forTile size: Int) -> Int {
        max(12, size / 8)
    }
}
