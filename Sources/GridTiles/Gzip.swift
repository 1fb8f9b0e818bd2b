import CompressNIO
import NIOCore

/// gzip (RFC 1952) of bytes, as HTTP Content-Encoding, MBTiles and PMTiles want it.
public enum Gzip {
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        Array(compress(ByteBuffer(bytes: bytes)).readableBytesView)
    }

    static func compress(_ buffer: ByteBuffer) -> ByteBuffer {
        var input = buffer
        guard let out = try? input.compress(with: .gzip()) else { preconditionFailure("zlib failed to compress") }
        return out
    }
}
