import Foundation
import HummingbirdCore
import Logging
import GridWire
import NIOCore

/// Mends the request line that OsmAnd-protocol device scripts send without the path's
/// slash (`GET ?id=1&lat=… HTTP/1.1`), which Traccar accepts and SwiftNIO's parser refuses:
/// it sits before the HTTP decoder, finds each request head on the connection (keep-alive
/// and pipelined requests included, bodies skipped by Content-Length) and inserts the "/".
/// A chunked request body ends the mending for that connection (devices send none).
///
/// It also gives each request body a deadline, as Apache's mod_reqtimeout and nginx's
/// `client_body_timeout` do, so that a client trickling a byte at a time (within the idle
/// timeout) cannot hold a connection for ever: the body must arrive within `patience` of the
/// head's end, extended by a second for every 500 bytes; past it the connection is closed
/// (the handler reading the body sees the client gone: a 499 in the log). A head needs no
/// deadline of its own: its bytes stay here until it is whole, so the idle timeout behind this
/// handler sees no read and closes a connection trickling one.
final class RequestLineRepair: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum State { case head, body(remaining: Int), passthrough }

    static let maxHead = 64 * 1024
    /// The bytes a second a slow client must at least send to keep extending its deadline.
    static let minRate = 500
    private var state = State.head
    private var pending: ByteBuffer?
    private let patience: TimeAmount
    /// When the body being received must be whole (nil: none is being received).
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?

    init(patience: TimeAmount = .seconds(30)) {
        self.patience = patience
    }
    /// How much of `pending` has been searched for the end of the head.
    private var scanned = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let received = buffer.readableBytes
        let wasBody: Bool = if case .head = state { false } else { true }
        defer { watch(context, received: received, wasBody: wasBody) }
        while buffer.readableBytes > 0 {
            switch state {
            case .passthrough:
                context.fireChannelRead(wrapInboundOut(buffer))
                return
            case .body(let remaining):
                let n = min(remaining, buffer.readableBytes)
                context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: n)!))
                state = remaining > n ? .body(remaining: remaining - n) : .head
            case .head:
                if pending == nil { pending = buffer } else { pending!.writeBuffer(&buffer) }
                buffer = ByteBuffer()
                guard let end = RequestHead.end(pending!, from: scanned) else {
                    if pending!.readableBytes > Self.maxHead {  // not HTTP as we know it: let the decoder say so
                        state = .passthrough
                        context.fireChannelRead(wrapInboundOut(pending!))
                        pending = nil
                        return
                    }
                    scanned = max(0, pending!.readableBytes - 2)
                    return
                }
                var rest = pending!
                let head = rest.readSlice(length: end)!
                pending = nil
                scanned = 0
                buffer = rest
                let (mended, bodyLength) = RequestHead.mend(head)
                context.fireChannelRead(wrapInboundOut(mended))
                switch bodyLength {
                case nil: state = .passthrough
                case 0?: state = .head
                case let n?: state = .body(remaining: n)
                }
            }
        }
    }

    // MARK: Deadlines

    /// After bytes arrived: the deadline starts with a body, moves on with its bytes and ends
    /// with it. A chunked body's end is not seen here: its deadline runs on until the
    /// connection closes, idle or not, after it.
    private func watch(_ context: ChannelHandlerContext, received: Int, wasBody: Bool) {
        switch state {
        case .head:
            deadline = nil
            timer?.cancel()
            timer = nil
        case .body, .passthrough:
            if wasBody, let d = deadline {
                deadline = d + .milliseconds(Int64(received) * 1000 / Int64(Self.minRate))
            } else {
                deadline = .now() + patience
            }
            if timer == nil, let deadline { schedule(context, at: deadline) }
        }
    }

    private func schedule(_ context: ChannelHandlerContext, at when: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: when) { [self] in
            timer = nil
            guard let deadline else { return }
            if NIODeadline.now() < deadline { return schedule(context, at: deadline) }
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

}

/// Hummingbird's HTTP/1.1 channel with `RequestLineRepair` in front of its decoder.
struct TolerantHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    /// How long a request's body may take (with a second more for every 500 bytes).
    let patience: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(RequestLineRepair(patience: patience), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 that also takes request lines without the path's leading slash, closes a
    /// connection that sends nothing for `idleTimeout` while it is not being answered, and one
    /// whose request body takes longer than `idleTimeout` plus a second for every 500 bytes.
    static func tolerantHTTP1(idleTimeout: Duration) -> HTTPServerBuilder {
        .init { responder in
            TolerantHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .init(idleTimeout))),
                                 patience: .init(idleTimeout))
        }
    }
}
