import CivicGridModel
import ArgumentParser
import Foundation
import GridStore
import GridTracking

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "Register, list and revoke grid members' GPS devices.",
                                                    subcommands: [Add.self, List.self, Revoke.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a device to a member and print its token (shown only this once).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "Device id, as the app sends it (OsmAnd id/deviceid).")
        var id: String

        @Option(help: "The member carrying it (created if new).")
        var member: String

        @Option(help: "Codes of the member's grids (repeat for several); the geofence watches them.")
        var grid: [String] = []

        @Option(help: "Coordinate system the device reports: wgs84 or gcj02.")
        var crs: String = "wgs84"

        @Option(help: "Unit of OsmAnd speed values: kn (the protocol's default), kmh, mps or mph.")
        var speedUnit: String = "kn"

        func run() throws {
            guard let system = CoordinateSystem(rawValue: crs) else {
                throw ValidationError("--crs \(crs): expected \(CoordinateSystem.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            guard let unit = SpeedUnit(rawValue: speedUnit) else {
                throw ValidationError("--speed-unit \(speedUnit): expected \(SpeedUnit.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !id.isEmpty, !member.isEmpty else { throw ValidationError("--id and --member must not be empty") }
            let store = try database.existing()
            let unknown = try store.read { try $0.unknownGrids(grid) }
            guard unknown.isEmpty else {
                printError("error: no grid \(unknown.joined(separator: ", ")): give the codes of grids in a plan (civicgrid plans list)")
                throw ExitCode.failure
            }
            let token = DeviceToken.generate()
            let device = try store.write { w in
                try w.add(Device(id: id, memberName: member, grids: grid, tokenHash: DeviceToken.hash(token), crs: system, speedUnit: unit))
            }
            print("device \(device.id) registered to \(device.memberName) (member \(device.member)); grids: \(device.grids.isEmpty ? "none" : device.grids.joined(separator: ", "))")
            print("token (shown once; keep it in the app's settings): \(token)")
            print("OsmAnd / Traccar Client URL: http://HOST:PORT/?token=\(token)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices: id, member, grids, coordinate system, status.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try database.existing()
            for d in try store.read({ try $0.devices() }) {
                let status = d.revokedAt.map { "revoked \($0)" } ?? "active since \(d.createdAt)"
                print([d.id, d.memberName, d.grids.joined(separator: ","), d.crs.rawValue, d.speedUnit.rawValue, status].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a device's token (its pings stay).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "Device id.")
        var id: String

        func run() throws {
            let store = try database.existing()
            guard try store.write({ try $0.revokeDevice(id: id) }) else {
                printError("no active device \"\(id)\"")
                throw ExitCode(1)
            }
            print("device \(id) revoked")
        }
    }
}

struct PingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pings", abstract: "Manage stored GPS pings.", subcommands: [Prune.self])

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete pings older than an age, in small batches (a running server goes on ingesting).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "Delete pings whose fix is older than this many days.")
        var olderThanDays: Double

        @Option(help: "Pings deleted per transaction.")
        var batch = 5000

        func run() async throws {
            guard olderThanDays >= 0, batch > 0 else { throw ValidationError("--older-than-days must be ≥ 0 and --batch > 0") }
            let store = try database.existing()
            let cutoff = Date().timeIntervalSince1970 - olderThanDays * 86400
            let total = try store.read { try $0.pingCount(before: cutoff) }
            let printer = ProgressPrinter()
            let n = try await Retention.prune(store, before: cutoff, batch: batch) { printer.update("pruning pings", $0, total) }
            printer.finish()
            print("deleted \(n) ping(s) with a fix before \(StoreReader.isoTime(cutoff.rounded(.down))); \(try store.read { try $0.pingCount() }) remain")
        }
    }
}
