import Foundation
import GridStore
import Testing
@testable import GridTracking
import GridWire

@Suite struct TimestampTests {
    @Test func numbersAreSecondsBelow2To31ThenMilliseconds() {
        #expect(Timestamp.parse("1700000000") == 1_700_000_000)
        #expect(Timestamp.parse("1700000000123") == 1_700_000_000.123)
        #expect(Timestamp.parse("2147483647") == 2_147_483_647)
        #expect(Timestamp.parse("2147483648") == 2_147_483.648)
    }

    @Test func isoTextWithZonesAndTheUTCForm() {
        #expect(Timestamp.parse("2023-11-14T22:13:20Z") == 1_700_000_000)
        #expect(Timestamp.parse("2023-11-15T06:13:20+08:00") == 1_700_000_000)
        #expect(Timestamp.parse("2023-11-15T06:13:20+0800") == 1_700_000_000)
        #expect(Timestamp.parse("2023-11-14T22:13:20.250Z") == 1_700_000_000.25)
        #expect(Timestamp.parse("2023-11-14 22:13:20") == 1_700_000_000)  // OsmAnd apps: UTC
        #expect(Timestamp.parse("2023-11-15T06:13:20 08:00") == 1_700_000_000)  // "+" decoded as a space
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") == 1_709_164_800)
        #expect(Timestamp.parse("1969-12-31T23:59:59Z") == -1)
    }

    @Test func malformedTimesAreNil() {
        for s in ["", "yesterday", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2023-11-14T25:00:00Z",
                  "2023-11-14T22:13Z", "2023-11-14T22:13:20+25:00", "2023-11-14T22:13:20Zjunk", "NaN", "-5", "inf"] {
            #expect(Timestamp.parse(s) == nil, "\(s)")
        }
    }
}

@Suite struct WireFormatTests {
    /// Traccar Client (Android) as it sends: GET /?id=…&timestamp=…&lat=…&lon=…&speed=…
    @Test func osmAndQueryOfTraccarClient() throws {
        let q = ["id": "867584032000000", "timestamp": "1700000000", "lat": "31.305", "lon": "120.7025", "speed": "10.0", "bearing": "90.5",
                 "altitude": "12.3", "accuracy": "4.5", "batt": "87.0", "charge": "true", "token": "secret"]
        let f = try OsmAnd.decode(q, speedUnit: .kn)
        #expect(OsmAnd.deviceID(q) == "867584032000000")
        #expect(f.time == 1_700_000_000 && f.lat == 31.305 && f.lon == 120.7025)
        #expect(abs(f.speed! - 5.144_444) < 1e-5)  // 10 knots
        #expect(f.heading == 90.5 && f.altitude == 12.3 && f.accuracy == 4.5 && f.battery == 0.87)
        #expect(f.attributes == ["charge": "true"])  // the token is not an attribute
    }

    @Test func osmAndVariants() throws {
        let gpsLogger = try OsmAnd.decode(["deviceid": "gl", "location": "31.3,120.7", "timestamp": "2023-11-14T22:13:20Z", "speed": "36",
                                           "heading": "180", "hdop": "0.9"], speedUnit: .kmh)
        #expect(gpsLogger.lat == 31.3 && gpsLogger.lon == 120.7 && gpsLogger.time == 1_700_000_000)
        #expect(gpsLogger.speed == 10 && gpsLogger.heading == 180 && gpsLogger.attributes["hdop"] == "0.9")
        let ms = try OsmAnd.decode(["id": "a", "lat": "1", "lon": "2", "timestamp": "1700000000500"], speedUnit: .kn)
        #expect(ms.time == 1_700_000_000.5)
        let noTime = try OsmAnd.decode(["id": "a", "lat": "1", "lon": "2"], speedUnit: .kn)
        #expect(noTime.time == nil)
    }

    @Test func osmAndRejections() {
        let cases: [([String: String], String)] = [
            (["id": "a", "lon": "2"], "missing lat"),
            (["id": "a", "lat": "1"], "missing lon"),
            (["id": "a", "lat": "north", "lon": "2"], "lat \"north\" is not a number"),
            (["id": "a", "lat": "NaN", "lon": "2"], "lat is not a finite number"),
            (["id": "a", "lat": "91", "lon": "2"], "lat 91.0 is outside -90…90"),
            (["id": "a", "lat": "1", "lon": "-180.5"], "lon -180.5 is outside -180…180"),
            (["id": "a", "lat": "1", "lon": "2", "timestamp": "tomorrow"], "timestamp \"tomorrow\" is not a time"),
            (["id": "a", "lat": "1", "lon": "2", "speed": "fast"], "speed \"fast\" is not a number"),
            (["id": "a", "location": "1;2"], "location \"1;2\" is not lat,lon"),
        ]
        for (q, reason) in cases {
            #expect(throws: WireError.self, "\(q)") { try OsmAnd.decode(q, speedUnit: .kn) }
            do { _ = try OsmAnd.decode(q, speedUnit: .kn) } catch { #expect(error.reason.hasPrefix(reason), "\(error.reason)") }
        }
    }

    /// Traccar Client 9 (transistorsoft background geolocation) JSON body.
    @Test func traccarClientJSON() throws {
        let body = """
            {"location":{"event":"motionchange","is_moving":true,"uuid":"4b6b","timestamp":"2023-11-14T22:13:20.000Z","odometer":1234.5,
            "coords":{"latitude":31.305,"longitude":120.7025,"accuracy":3.9,"speed":1.4,"heading":271.2,"altitude":11.1},
            "activity":{"type":"walking","confidence":100},"battery":{"is_charging":false,"level":0.62}},"device_id":"tc-1"}
            """
        let f = try OsmAnd.decodeJSON(Data(body.utf8))
        #expect(f.device == "tc-1" && f.time == 1_700_000_000 && f.lat == 31.305 && f.lon == 120.7025)
        #expect(f.speed == 1.4 && f.heading == 271.2 && f.altitude == 11.1 && f.accuracy == 3.9 && f.battery == 0.62)
        #expect(f.attributes["is_moving"] == "true" && f.attributes["odometer"] == "1234.5" && f.attributes["charging"] == "false")
        #expect(f.attributes["activity"] == #"{"confidence":100,"type":"walking"}"#)
        #expect(throws: WireError("missing location.coords")) { try OsmAnd.decodeJSON(Data(#"{"location":{},"device_id":"x"}"#.utf8)) }
    }

    @Test func ownTracksLocationAndOtherMessages() throws {
        let body = #"{"_type":"location","tid":"LW","lat":31.305,"lon":120.7025,"tst":1700000000,"acc":12,"alt":8,"batt":55,"vel":18,"cog":45,"conn":"m","t":"u"}"#
        let f = try #require(try OwnTracks.decode(Data(body.utf8)))
        #expect(f.time == 1_700_000_000 && f.accuracy == 12 && f.altitude == 8 && f.battery == 0.55 && f.speed == 5 && f.heading == 45)
        #expect(f.attributes == ["tid": "LW", "conn": "m", "t": "u"])
        #expect(try OwnTracks.decode(Data(#"{"_type":"transition","event":"enter"}"#.utf8)) == nil)
        #expect(throws: WireError("missing tst")) { try OwnTracks.decode(Data(#"{"_type":"location","lat":1,"lon":2}"#.utf8)) }
    }

    @Test func nativeBatchDecodesEachPingAndSaysWhyOthersFail() throws {
        let body = """
            [{"time":"2023-11-14T22:13:20Z","lon":120.7,"lat":31.3,"accuracy":5,"speed":1.2,"heading":10,"altitude":3,"battery":80,"floor":"3"},
             {"time":1700000000000,"lon":"120.7","lat":"31.3"},
             {"time":1700000000,"lon":120.7},
             {"time":1700000000,"lon":120.7,"lat":"abc"},
             {"time":1700000000,"lon":120.7,"lat":true},
             {"time":1700000000,"lon":200,"lat":31.3},
             {"time":"last tuesday","lon":120.7,"lat":31.3},
             {"lon":120.7,"lat":31.3},
             {"time":1700000000,"lon":120.7,"lat":"NaN"},
             [1,2],
             {"time":1700000000,"lon":120.7,"lat":31.3,"device":""}]
            """
        let r = try NativeBatch.decode(Data(body.utf8))
        #expect(r.count == 11)
        let first = try r[0].get()
        #expect(first.time == 1_700_000_000 && first.battery == 0.8 && first.speed == 1.2 && first.attributes == ["floor": "3"])
        #expect(try r[1].get().time == 1_700_000_000 && (try r[1].get().lat) == 31.3)
        let reasons = r.dropFirst(2).map { if case .failure(let e) = $0 { e.reason } else { "accepted" } }
        #expect(reasons[0] == "missing lat")
        #expect(reasons[1] == "lat \"abc\" is not a number")
        #expect(reasons[2] == "lat is true/false, not a number")
        #expect(reasons[3] == "lon 200.0 is outside -180…180")
        #expect(reasons[4].hasPrefix("time \"last tuesday\" is not a time"))
        #expect(reasons[5] == "missing time")
        #expect(reasons[6] == "lat is not a finite number")
        #expect(reasons[7] == "not a JSON object")
        #expect(reasons[8] == "device must be a non-empty string")
        #expect(throws: WireError("the body must be a JSON array of pings")) { try NativeBatch.decode(Data(#"{"lat":1}"#.utf8)) }
        let tooMany = "[" + Array(repeating: #"{"time":1,"lon":1,"lat":1}"#, count: 10_001).joined(separator: ",") + "]"
        #expect(throws: WireError("10001 pings in one request; at most 10000")) { try NativeBatch.decode(Data(tooMany.utf8)) }
    }
}
