import Foundation
import GridStore
import GridTiles
import Testing

/// Three `civicgrid serve` processes over one PostgreSQL database behind nginx (round robin,
/// no sticky sessions): what a phone sends to any of them is stored once and reaches the
/// watchers of all; what changes the map through one process reaches the others' tile caches.
@Suite(.serialized)
struct SeveralServersEndToEndTests {
    @Test func threeServersBehindNginxActAsOne() async throws {
        try requireProgram("/usr/sbin/nginx", package: "nginx")
        let db = try await postgresDatabase()
        _ = try await ok(["db", "copy", "--from", try await publishedDemo(), "--to", db])
        let grid = try await psql(db, "SELECT g.code FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = 'published' ORDER BY g.code LIMIT 1")
        let add = try await civicgrid("devices", "add", "--db", db, "--id", "phone-1", "--member", "王芳", "--grid", grid)
        #expect(add.status == 0, "\(add.stderr)")
        let token = try #require(add.stdout.split(separator: "\n").first { $0.hasPrefix("token") }?.split(separator: " ").last.map(String.init))
        let viewer = try await civicgrid("users", "add", "--db", db, "--name", "centre", "--role", "viewer", "--region", "320599")
        let apiToken = lastWord(viewer.stdout)
        let c = try await psql(db, "SELECT ST_X(ST_PointOnSurface(geom)) || ' ' || ST_Y(ST_PointOnSurface(geom)) FROM grids WHERE code = '\(grid)' ORDER BY fid DESC LIMIT 1")
            .split(separator: " ").compactMap { Double($0) }
        let (lon, lat) = (c[0], c[1])

        var servers: [(Spawned, String)] = []
        defer { for (p, _) in servers { p.stop() } }
        for _ in 0..<3 { servers.append(try await serve(db, everyLayerPublic)) }
        let (nginx, front) = try await startNginx(upstreams: servers.map(\.1))
        defer { nginx.stop() }

        // The command centre watches through the third server.
        let (curl, stream) = try await liveStream("\(servers[2].1)/api/v1/live/stream?access_token=\(apiToken)")
        defer { curl.terminate() }

        // Twelve fixes through the balancer (each server takes some), each sent twice as a
        // phone retries: every one stored once.
        let now = Int(Date().timeIntervalSince1970) - 100
        for k in 0..<12 {
            for _ in 0..<2 {
                let (status, _, _) = try await fetch("\(front)/?id=phone-1&lat=\(lat)&lon=\(lon + Double(k) * 1e-6)&timestamp=\(now + k)&token=\(token)")
                #expect(status == 200)
            }
        }
        #expect(try await psql(db, "SELECT count(*) FROM pings WHERE device = 'phone-1'") == "12")
        let handled = (try? String(contentsOfFile: nginxLog, encoding: .utf8)) ?? ""
        let lines = handled.split(separator: "\n").filter { $0.contains("GET /?id=phone-1") }
        let upstreams: Set<String> = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(upstreams.count == 3, "every server took fixes: \(handled.suffix(500))")
        // A fix the first server stores reaches the watcher on the third (PostgreSQL's NOTIFY).
        let (direct, _, _) = try await fetch("\(servers[0].1)/?id=phone-1&lat=\(lat)&lon=\(lon)&timestamp=\(now + 20)&token=\(token)")
        #expect(direct == 200)
        let time = StoreReader.isoTime(Double(now + 20))
        let seen = await stream.wait(seconds: 30) { $0.contains(time) }
        #expect(seen.contains(time) && seen.contains("event: position"), "\(seen.suffix(800))")

        // A building removed by another process (the CLI): the first server's cached tile changes.
        let building = try await psql(db, "SELECT ref || ' ' || label_x || ' ' || label_y FROM buildings WHERE ref IS NOT NULL ORDER BY fid LIMIT 1").split(separator: " ")
        let (ref, bx, by) = (String(building[0]), Double(building[1])!, Double(building[2])!)
        let z = 16, n = Double(1 << z)
        let phi: Double = by * .pi / 180
        let x = Int((bx + 180) / 360 * n)
        let y = Int((1 - log(tan(phi) + 1 / cos(phi)) / .pi) / 2 * n)
        let tile = "\(servers[0].1)/tiles/\(z)/\(x)/\(y).mvt?layers=buildings"
        let (s0, before, _) = try await fetch(tile)
        #expect(s0 == 200 && !before.isEmpty)
        #expect(try await civicgrid("buildings", "remove", "--db", db, ref).status == 0)
        var after = before
        for _ in 0..<50 where after == before {
            try await Task.sleep(for: .milliseconds(200))
            after = try await fetch(tile).1
        }
        #expect(after != before, "the tile still holds the removed building")
    }

    let nginxLog = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString).log").path

    /// nginx on a free port in front of `upstreams`, round robin; its access log names the
    /// upstream of each request.
    func startNginx(upstreams: [String]) async throws -> (Spawned, String) {
        let port = unusedPort()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let servers = upstreams.map { "server \($0.replacingOccurrences(of: "http://", with: ""));" }.joined(separator: " ")
        let conf = """
            worker_processes 1;
            pid \(dir.path)/nginx.pid;
            error_log \(dir.path)/error.log;
            events { worker_connections 256; }
            http {
              log_format upstream '$upstream_addr $request';
              access_log \(nginxLog) upstream;
              client_body_temp_path \(dir.path)/body; proxy_temp_path \(dir.path)/proxy;
              fastcgi_temp_path \(dir.path)/fcgi; uwsgi_temp_path \(dir.path)/uwsgi; scgi_temp_path \(dir.path)/scgi;
              upstream civicgrid { \(servers) }
              server {
                listen 127.0.0.1:\(port);
                location / { proxy_pass http://civicgrid; proxy_buffering off; proxy_http_version 1.1; }
              }
            }
            """
        let file = dir.appendingPathComponent("nginx.conf").path
        try conf.write(toFile: file, atomically: true, encoding: .utf8)
        let nginx = try Spawned("/usr/sbin/nginx", ["-p", dir.path, "-c", file, "-g", "daemon off;"])
        let front = "http://127.0.0.1:\(port)"
        for _ in 0..<300 where nginx.isRunning {
            if (try? await fetch("\(front)/health"))?.0 == 200 { return (nginx, front) }
            try await Task.sleep(for: .milliseconds(100))
        }
        nginx.stop()
        throw MissingClient(description: "nginx did not answer on \(front): \(nginx.tail()) \((try? String(contentsOfFile: dir.path + "/error.log", encoding: .utf8)) ?? "")")
    }
}
