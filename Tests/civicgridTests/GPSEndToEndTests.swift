import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// GPS against the real binary on real ports: devices registered by the CLI, OsmAnd device
/// scripts' slash-less request lines on one keep-alive connection (also on the extra
/// OsmAnd port), the live stream read by curl, revocation and pruning.
@Suite(.serialized)
struct GPSEndToEndTests {
    /// Sends raw HTTP/1.1 to a port on one connection and returns what came back.
    func rawHTTP(_ port: Int, _ requests: String) async throws -> String {
        let script = """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
            s.sendall(sys.argv[2].encode())
            data, deadline = b"", time.time() + 10
            while data.count(b"HTTP/1.1 ") < int(sys.argv[3]) and time.time() < deadline:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            print(data.decode())
            """
        let count = requests.components(separatedBy: " HTTP/1.1\r\n").count - 1
        return try await run("/usr/bin/env", ["python3", "-c", script, "\(port)", requests, "\(count)"]).output
    }

    @Test func devicesSlashlessRequestsLiveStreamRevokeAndPrune() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let grid = try #require(try await run("/usr/bin/sqlite3", [db, "SELECT g.code FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = 'published' ORDER BY g.code LIMIT 1"]).output
            .split(separator: "\n").first.map(String.init))
        let add = try await civicgrid("devices", "add", "--db", db, "--id", "phone-1", "--member", "王芳", "--grid", grid)
        #expect(add.status == 0, "\(add.stderr)")
        let token = try #require(add.stdout.split(separator: "\n").first { $0.hasPrefix("token") }?.split(separator: " ").last.map(String.init))
        #expect(try await civicgrid("devices", "list", "--db", db).stdout.contains("phone-1\t王芳\t\(grid)\twgs84\tkn\tactive"))
        // A point inside that grid.
        let c = try await run("/usr/bin/sqlite3", [db, "SELECT (minx + maxx) / 2, (miny + maxy) / 2 FROM rtree_grids_geom WHERE id = (SELECT fid FROM grids WHERE code = '\(grid)')"])
            .output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").compactMap { Double($0) }
        let (lon, lat) = (c[0], c[1])

        // The command centre: a viewer of the whole district reads positions with its API token.
        let viewer = try await civicgrid("users", "add", "--db", db, "--name", "centre", "--role", "viewer", "--region", "320599")
        #expect(viewer.status == 0, "\(viewer.stderr)")
        let apiToken = try #require(viewer.stdout.split(separator: "\n").first { $0.hasPrefix("API token") }?.split(separator: " ").last.map(String.init))

        let osmandPort = unusedPort()
        let (server, base) = try await serve(db, ["--osmand-port", "\(osmandPort)"])
        defer { server.stop() }
        let port = Int(base.split(separator: ":").last!)!

        // The live stream, read by curl while pings arrive: the pings go once its snapshot is
        // in (the server subscribes before it reads the snapshot, so nothing falls between).
        let (curl, stream) = try await liveStream("\(base)/api/v1/live/stream?access_token=\(apiToken)")

        let now = Int(Date().timeIntervalSince1970)
        let form = "id=phone-1&lat=\(lat)&lon=\(lon)&timestamp=\(now - 1)&token=\(token)"
        var requests = ""
        for k in 0..<3 { requests += "GET ?id=phone-1&lat=\(lat)&lon=\(lon)&timestamp=\(now - 10 + k)&token=\(token) HTTP/1.1\r\nHost: device\r\n\r\n" }
        requests += "POST / HTTP/1.1\r\nHost: device\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n\r\n\(form)"
        requests += "GET ?id=phone-1&lat=\(lat)&lon=\(lon)&timestamp=\(now)&token=\(token) HTTP/1.1\r\nHost: device\r\n\r\n"
        let answers = try await rawHTTP(port, requests)
        #expect(answers.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 5, "\(answers)")
        let other = try await rawHTTP(osmandPort, "GET ?id=phone-1&lat=\(lat)&lon=\(lon)&timestamp=\(now + 1)&token=\(token) HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        #expect(other.hasPrefix("HTTP/1.1 200 OK"), "\(other)")
        #expect(try await run("/usr/bin/sqlite3", [db, "SELECT count(*), count(grid) FROM pings WHERE device = 'phone-1'"]).output.hasPrefix("6|6"))

        let events = await stream.wait(seconds: 60) { $0.components(separatedBy: "event: position\n").count - 1 >= 6 }
        curl.terminate()
        #expect(events.hasPrefix("retry: 2000\nevent: snapshot\ndata: {"), "\(events.prefix(200))")
        #expect(events.components(separatedBy: "event: position\ndata: ").count - 1 == 6, "\(events)")
        #expect(events.contains("\"grid\":\"\(grid)\"") && events.contains("\"id\":\"phone-1\""))

        // The map page: the device's marker moves to a new fix through the live stream.
        try await requireBrowser()
        let (lon2, lat2) = (lon + 0.0002, lat + 0.0001)
        let ping = "\(base)/?id=phone-1&lat=\(lat2)&lon=\(lon2)&timestamp=\(now + 2)&token=\(token)"
        let page = try await checkPage(["\(base)/map?token=\(apiToken)", temporaryPath("png"), ping, "\(lon2)", "\(lat2)"])
        #expect(page.status == 0, "\(page.output)")
        let marker = (try? JSONSerialization.jsonObject(with: Data(page.output.utf8)) as? [String: Any])?["marker"] as? [String: Any]
        #expect(marker?["device"] as? String == "phone-1" && marker?["online"] as? Bool == true, "\(page.output)")

        // Revoked: 401, nothing stored.
        #expect(try await civicgrid("devices", "revoke", "--db", db, "--id", "phone-1").status == 0)
        let refused = try await rawHTTP(port, "GET /?id=phone-1&lat=\(lat)&lon=\(lon)&timestamp=\(now + 5)&token=\(token) HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        #expect(refused.hasPrefix("HTTP/1.1 401"), "\(refused)")
        let stored = try await run("/usr/bin/sqlite3", [db, "SELECT count(*) FROM pings"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(stored == "6" || stored == "7")  // 7 with the page check's fix

        await server.stopped()
        let prune = try await civicgrid("pings", "prune", "--db", db, "--older-than-days", "0", "--batch", "4")
        #expect(prune.status == 0 && prune.stdout.contains("deleted \(stored) ping(s)") && prune.stdout.contains("0 remain"), "\(prune.stdout)")
        #expect(prune.stderr.contains("pruning pings 100% (\(stored)/\(stored))"), "\(prune.stderr)")
    }

    /// Scripts/check-durability on the demo district: kill -9 under a load of single OsmAnd
    /// fixes, restart; every acknowledged fix is in the database, integrity ok. The same under
    /// a load of case reports: every case answered 201 is stored, with its history.
    @Test func killNineLosesNoAcknowledgedFixOrCase() async throws {
        let pings = repository.appendingPathComponent("../shared/data/geolife_beijing_pings.csv.gz").path
        guard FileManager.default.fileExists(atPath: pings) else {
            throw MissingClient(description: "\(pings) is missing: the shared data folder must sit beside the repository (as CI has it)")
        }
        let city = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: city)
        let (status, text) = try await run("/bin/bash", [repository.appendingPathComponent("Scripts/check-durability").path, city],
                                     environment: ["CIVICGRID": binary], directory: repository)
        #expect(status == 0, "\(text)")
        let reports = text.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let fixes = reports.first { $0["acknowledged"] != nil }, cases = reports.first { $0["cases_acknowledged"] != nil }
        #expect(fixes?["missing"] as? Int == 0 && fixes?["integrity"] as? String == "ok", "\(text)")
        #expect((fixes?["acknowledged"] as? Int ?? 0) > 100, "\(text)")
        #expect(cases?["missing"] as? Int == 0 && cases?["without_history"] as? Int == 0 && cases?["integrity"] as? String == "ok", "\(text)")
        #expect((cases?["cases_acknowledged"] as? Int ?? 0) > 100, "\(text)")
    }
}

/// What a process writes to a pipe, collected as it comes.
/// The live stream at `url` read by curl, once its snapshot is in (a position sent after
/// that reaches it: the server subscribes before it reads the snapshot).
func liveStream(_ url: String, seconds: Int = 600) async throws -> (Process, Collected) {
    let curl = Process()
    curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    curl.arguments = ["-sN", "--max-time", "\(seconds)", url]
    let out = Pipe()
    curl.standardOutput = out
    let stream = Collected(out)
    try curl.run()
    _ = await stream.wait(seconds: 60) { $0.contains("event: snapshot") }
    return (curl, stream)
}

final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            lock.withLock { data.append(chunk) }
        }
    }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// The text once `condition` holds for it, or as it is after `seconds`.
    func wait(seconds: Double, until condition: (String) -> Bool) async -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition(text), Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return text
    }
}
