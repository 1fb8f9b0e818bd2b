import CGEOS
import GridGeometry

/// One GEOS context: owns the C handle and collects the library's error messages.
///
/// Not thread-safe, like GEOS itself: create one per thread or per task, and hand only
/// `GridGeometry` values across concurrency boundaries.
public final class GEOSContext {
    let handle: GEOSContextHandle_t
    private let messages = MessageBox()

    public init() {
        handle = GEOS_init_r()
        let box = Unmanaged.passUnretained(messages).toOpaque()
        GEOSContext_setErrorMessageHandler_r(handle, { message, userdata in
            guard let message, let userdata else { return }
            Unmanaged<MessageBox>.fromOpaque(userdata).takeUnretainedValue().last = String(cString: message)
        }, box)
    }

    deinit { GEOS_finish_r(handle) }

    /// The error for a failed call, with GEOS's last message.
    func error(_ operation: String) -> GEOSError {
        defer { messages.last = nil }
        return GEOSError(operation: operation, message: messages.last ?? "no message")
    }

    /// Wraps a pointer GEOS returned (nil means failure) so it is freed once.
    func own(_ pointer: OpaquePointer?, _ operation: String) throws(GEOSError) -> GEOSGeometryHandle {
        guard let pointer else { throw error(operation) }
        return GEOSGeometryHandle(self, pointer)
    }
}

private final class MessageBox {
    var last: String?
}

/// Owns one GEOS geometry pointer. The pointer is only lent out through `with`, which keeps
/// the owner (and so the geometry) alive while the C library uses it.
final class GEOSGeometryHandle {
    let context: GEOSContext
    private let pointer: OpaquePointer

    func with<R, E: Error>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
        try body(pointer)
    }

    init(_ context: GEOSContext, _ pointer: OpaquePointer) {
        self.context = context
        self.pointer = pointer
    }

    deinit { GEOSGeom_destroy_r(context.handle, pointer) }
}
