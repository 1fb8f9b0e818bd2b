import Foundation
import GridGeometry
import GridProj
import GridStore

/// The features of an input file and the CRS they are in. A GeoJSON file is mapped into
/// memory and only outlined up front; each feature is decoded when asked for, on any thread,
/// and the pages of features already handled can be let go (`release(before:)`), so a file
/// of any size is read in bounded memory.
final class FeatureSource: @unchecked Sendable {
    // Immutable after init: the mapping is read-only and the outline a value.
    let crs: CRS
    let count: Int
    private let backing: Backing

    private enum Backing {
        case geojson(MappedFile, GeoJSON.Outline)
        case decoded([Result<Feature, GeometryError>])
    }

    /// Reads GeoJSON (`.geojson`, `.json`) or a GeoPackage layer, told apart by content.
    init(path: String, options: ImportOptions) throws(ImportError) {
        let file = try MappedFile(path: path)
        if file.bytes.starts(with: Array("SQLite format 3".utf8)) {
            let layer: GeoPackageReader.Layer
            layer = try GeoPackageReader.read(path: path, layer: options.layer)
            crs = options.crs ?? layer.epsg.map(CRS.epsg) ?? .wgs84
            count = layer.features.count
            backing = .decoded(layer.features)
            return
        }
        let outline: GeoJSON.Outline
        do { outline = try GeoJSON.outline(file.bytes) } catch {
            throw .unreadable("\(path) is not GeoJSON: \(error)")
        }
        if let override = options.crs {
            crs = override
        } else if let name = outline.crsName {
            do { crs = try CRS(parsing: name) } catch { throw .unreadable("\(path): \(error.message)") }
        } else {
            crs = .wgs84
        }
        count = outline.features.count
        backing = .geojson(file, outline)
        file.release(0..<file.bytes.count)
    }

    /// Feature `i`, decoded or refused.
    func feature(_ i: Int) -> Result<Feature, GeometryError> {
        switch backing {
        case .geojson(let file, let outline): outline.feature(i, in: file.bytes)
        case .decoded(let features): features[i]
        }
    }

    /// Every feature (for the small layers: regions, roads, households).
    var features: [Result<Feature, GeometryError>] { (0..<count).map(feature) }

    /// Lets the memory holding features before `i` go; they are read from the file again if
    /// asked for.
    func release(before i: Int) {
        guard case .geojson(let file, let outline) = backing, i > 0 else { return }
        file.release(0..<(i < count ? outline.features[i].lowerBound : file.bytes.count))
    }
}

/// A file mapped read-only into memory.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(path: String) throws(ImportError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadable("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .unreadable("cannot read \(path): not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw .unreadable("\(path) is empty") }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw .unreadable("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        madvise(base, size, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Drops the whole pages within `range` from this process's memory (they stay in the
    /// page cache and come back on the next read).
    func release(_ range: Range<Int>) {
        guard let base = bytes.baseAddress else { return }
        let from = (range.lowerBound + Self.page - 1) / Self.page * Self.page
        let to = range.upperBound == bytes.count ? range.upperBound : range.upperBound / Self.page * Self.page
        guard to > from else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + from), to - from, MADV_DONTNEED)
    }
}
