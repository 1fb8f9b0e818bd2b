import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import Testing
@testable import GridTracking

@Suite struct GCJ02Tests {
    /// The inverse is exact to well under 0.5 m everywhere in China: WGS → GCJ → WGS on a
    /// lattice over the country's box, and GCJ → WGS → GCJ.
    @Test func roundTripUnderAMillimetre() {
        var worst = 0.0, shifts: [Double] = []
        for i in 0...40 {
            for j in 0...40 {
                let lon = 73.5 + Double(i) * (134.5 - 73.5) / 40, lat = 18.2 + Double(j) * (53.5 - 18.2) / 40
                let g = GCJ02.fromWGS84(lon: lon, lat: lat)
                shifts.append(distanceMetres(lon1: lon, lat1: lat, lon2: g.lon, lat2: g.lat))
                let w = GCJ02.toWGS84(lon: g.lon, lat: g.lat)
                worst = max(worst, distanceMetres(lon1: lon, lat1: lat, lon2: w.lon, lat2: w.lat))
                let back = GCJ02.fromWGS84(lon: GCJ02.toWGS84(lon: lon, lat: lat).lon, lat: GCJ02.toWGS84(lon: lon, lat: lat).lat)
                worst = max(worst, distanceMetres(lon1: lon, lat1: lat, lon2: back.lon, lat2: back.lat))
            }
        }
        #expect(worst < 0.001, "worst round trip \(worst) m")
        #expect(shifts.max()! < 1000)
    }

    /// A known pair: Tian'anmen in WGS-84 and its GCJ-02 image (as map SDKs show it).
    @Test func knownOffsetInBeijing() {
        let g = GCJ02.fromWGS84(lon: 116.391_349, lat: 39.907_375)
        #expect(abs(g.lon - 116.397_592) < 2e-5 && abs(g.lat - 39.908_777) < 2e-5, "\(g)")
        let d = distanceMetres(lon1: 116.391_349, lat1: 39.907_375, lon2: g.lon, lat2: g.lat)
        #expect(d > 300 && d < 700)
        #expect(GCJ02.toWGS84(lon: 2.35, lat: 48.85) == (2.35, 48.85))  // outside China: unchanged
    }
}

@Suite struct FixFilterTests {
    let filter = FixFilter()
    let now = 1_700_000_000.0

    @Test func eachDoubt() {
        #expect(filter.flags(lon: 120.7, lat: 31.3, time: now, accuracy: 5, previous: nil, now: now) == [])
        #expect(filter.flags(lon: 0, lat: 0, time: now, accuracy: nil, previous: nil, now: now) == .nullIsland)
        #expect(filter.flags(lon: 120.7, lat: 31.3, time: now + 601, accuracy: nil, previous: nil, now: now) == .future)
        #expect(filter.flags(lon: 120.7, lat: 31.3, time: now + 599, accuracy: nil, previous: nil, now: now) == [])
        #expect(filter.flags(lon: 120.7, lat: 31.3, time: now, accuracy: 150, previous: nil, now: now) == .inaccurate)
        // 0.01° of latitude (1.1 km) in 10 s is 111 m/s: a jump; in 60 s (18.5 m/s) it is not.
        #expect(filter.flags(lon: 120.7, lat: 31.31, time: now, accuracy: nil, previous: (now - 10, 120.7, 31.3), now: now) == .jump)
        #expect(filter.flags(lon: 120.7, lat: 31.31, time: now, accuracy: nil, previous: (now - 60, 120.7, 31.3), now: now) == [])
        // Older than the last plausible fix (sent late): judged against it all the same, 11 km
        // in 10 s is a jump; 1.1 km in 60 s is not.
        #expect(filter.flags(lon: 120.7, lat: 31.4, time: now - 20, accuracy: nil, previous: (now - 10, 120.7, 31.3), now: now) == .jump)
        #expect(filter.flags(lon: 120.7, lat: 31.31, time: now - 70, accuracy: nil, previous: (now - 10, 120.7, 31.3), now: now) == [])
        // 1,000 km in 1 s.
        #expect(filter.flags(lon: 130.7, lat: 31.3, time: now, accuracy: nil, previous: (now - 1, 120.7, 31.3), now: now) == .jump)
        // A receiver's unset clock: 1970, 0001-01-01; 2000-01-01 on is a time.
        #expect(filter.flags(lon: 120.7, lat: 31.3, time: 0, accuracy: nil, previous: nil, now: now) == .badTime)
        #expect(filter.flags(lon: 120.7, lat: 31.3, time: -62_135_596_800, accuracy: nil, previous: nil, now: now) == .badTime)
        #expect(filter.flags(lon: 120.7, lat: 31.3, time: 946_684_800, accuracy: nil, previous: nil, now: now) == [])
        // A fix with a bad time is not measured for speed (its time says nothing).
        #expect(filter.flags(lon: 130.7, lat: 31.3, time: now + 86_400 * 365, accuracy: nil, previous: (now - 1, 120.7, 31.3), now: now) == .future)
    }
}

@Suite struct GeofenceTests {
    /// Outside for less than the dwell time, then back: no event. Outside for the dwell
    /// time: one "left" at the first fix outside; back for the dwell time: "returned".
    @Test func dwellAgainstJitter() {
        var g = Geofence()
        var events: [(GeofenceEvent.Kind, Double, String?)] = []
        func fix(_ t: Double, _ inside: Bool) {
            if let e = g.update(inside: inside, grid: inside ? "G1" : "G9", time: t, lon: 0, lat: 0, dwell: 120) { events.append((e.kind, e.time, e.grid)) }
        }
        fix(0, true)
        fix(10, false); fix(60, false); fix(100, true)  // jitter: 90 s outside
        #expect(events.isEmpty)
        fix(200, false); fix(260, false)
        #expect(events.isEmpty)
        fix(320, false)  // 120 s after the first fix outside
        #expect(events.count == 1 && events[0].0 == .left && events[0].1 == 200 && events[0].2 == "G1")
        fix(330, false); fix(400, true); fix(450, false); fix(500, true); fix(600, true)
        #expect(events.count == 1)  // back at 400, out again at 450: the crossing starts over
        fix(620, true)
        #expect(events.count == 2 && events[1].0 == .returned && events[1].1 == 500 && events[1].2 == "G1")
    }

    @Test func firstFixSetsTheSideWithoutAnEvent() {
        var g = Geofence()
        #expect(g.update(inside: false, grid: nil, time: 0, lon: 0, lat: 0, dwell: 120) == nil)
        #expect(g.inside == false)
        #expect(g.update(inside: true, grid: "G1", time: 10, lon: 0, lat: 0, dwell: 0)?.kind == .returned)
    }
}

@Suite struct TrackTests {
    @Test func simplifyKeepsCornersDropsNoise() {
        // An L: east 1 km, then north 1 km, with 1 m of wobble.
        var points: [Coordinate] = []
        for i in 0...100 { points.append(Coordinate(120 + Double(i) * 0.0001, 31 + (i % 2 == 0 ? 0 : 0.000009))) }
        for i in 1...100 { points.append(Coordinate(120.01 + (i % 2 == 0 ? 0 : 0.00001), 31 + Double(i) * 0.0001)) }
        let s = Track.simplify(points, tolerance: 5)
        #expect(s.count == 3, "\(s)")
        #expect(Track.simplify(points, tolerance: 0).count == points.count)
    }

    @Test func coverageCountsPlacesWithinTheRadius() {
        // A track along latitude 31.0; places 30 m, 49 m and 80 m north of it (1 m ≈ 9e-6°).
        let track = [Coordinate(120.0, 31.0), Coordinate(120.01, 31.0)]
        let places = [[Coordinate(120.005, 31.0 + 30 / 111_195)], [Coordinate(120.005, 31.0 + 49 / 111_195)],
                      [Coordinate(120.005, 31.0 + 80 / 111_195)], [Coordinate(120.02, 31.0)],
                      [Coordinate(120.003, 31.0 + 80 / 111_195), Coordinate(120.003, 31.0 + 45 / 111_195)]]
        #expect(Track.covered(places: places, tracks: [track], radius: 50) == [true, true, false, false, true])
        let split = Track.segments([(0, Coordinate(0, 0)), (10, Coordinate(1, 1)), (400, Coordinate(2, 2))], gap: 300)
        #expect(split.count == 2 && split[0].count == 2)
    }
}
