import CivicGridModel
import Foundation
import GridGeometry

/// Reading the fields of a fix, whatever the wire format: numbers may come as JSON numbers
/// or text; anything malformed is rejected with the field's name.
enum Field {
    /// A number, or nil when absent (JSON null and "" count as absent).
    static func number(_ value: Any?, _ name: String) throws(WireError) -> Double? {
        switch value {
        case nil, is NSNull: return nil
        case let s as String:
            let t = s.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return nil }
            // Decimal only: `Double("0x10")` would read hex.
            guard let d = Double(decimal: t) else {
                throw WireError(Double(t)?.isFinite == false ? "\(name) is not a finite number" : "\(name) \"\(s)\" is not a number")
            }
            return d
        case let n as NSNumber:
            if isBool(n) { throw WireError("\(name) is true/false, not a number") }
            let d = n.doubleValue
            guard d.isFinite else { throw WireError("\(name) is not a finite number") }
            return d
        case let d as Double:
            guard d.isFinite else { throw WireError("\(name) is not a finite number") }
            return d
        default:
            throw WireError("\(name) is not a number")
        }
    }

    /// A measurement that must lie in `range` when present (a receiver reports no speed of
    /// 1e308 m/s or accuracy of −5 m: such a fix comes from a broken client).
    static func number(_ value: Any?, _ name: String, in range: ClosedRange<Double>, unit: String) throws(WireError) -> Double? {
        guard let d = try number(value, name) else { return nil }
        guard range.contains(d) else {
            throw WireError("\(name) \(JSONValue.format(d)) is outside \(JSONValue.format(range.lowerBound))…\(JSONValue.format(range.upperBound)) \(unit)")
        }
        return d
    }

    /// Speed in m/s from a value in `metresPerSecond` units: negative is "unknown" (Android
    /// and Traccar send −1), above 1,000 m/s refused.
    static func speed(_ value: Any?, _ name: String, metresPerSecond factor: Double = 1) throws(WireError) -> Double? {
        guard let d = try number(value, name) else { return nil }
        if d < 0 { return nil }
        let mps = d * factor
        guard mps <= 1000 else { throw WireError("\(name) \(JSONValue.format(d)) is not a ground speed (at most 1000 m/s)") }
        return mps
    }

    static let accuracyRange: ClosedRange<Double> = 0...1_000_000
    static let altitudeRange: ClosedRange<Double> = -20_000...100_000

    /// Latitude and longitude: present, numbers, in range.
    static func position(lat: Any?, lon: Any?) throws(WireError) -> (lat: Double, lon: Double) {
        guard let la = try number(lat, "lat") else { throw WireError("missing lat") }
        guard let lo = try number(lon, "lon") else { throw WireError("missing lon") }
        guard (-90...90).contains(la) else { throw WireError("lat \(la) is outside -90…90") }
        guard (-180...180).contains(lo) else { throw WireError("lon \(lo) is outside -180…180") }
        return (la, lo)
    }

    /// A time: a number (seconds, or milliseconds from 2^31 on) or text (see `Timestamp`).
    static func time(_ value: Any?, _ name: String) throws(WireError) -> Double? {
        switch value {
        case nil, is NSNull: return nil
        case let s as String:
            if s.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            guard let t = Timestamp.parse(s) else { throw WireError("\(name) \"\(s)\" is not a time (epoch seconds or milliseconds, ISO 8601 with a zone, or yyyy-MM-dd HH:mm:ss UTC)") }
            return t
        default:
            guard let n = try number(value, name), n >= 0 else { throw WireError("\(name) is negative") }
            return Timestamp.fromNumber(n)
        }
    }

    /// JSON true/false (Foundation hands them over as NSNumbers of type "c").
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    static func text(_ value: Any) -> String {
        switch value {
        case let s as String: s
        case let n as NSNumber: isBool(n) ? (n.boolValue ? "true" : "false") : JSONValue.format(n.doubleValue)
        default: (try? String(decoding: JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)) ?? "\(value)"
        }
    }
}

/// `POST /api/v1/positions`: a JSON array of
/// `{"device", "time", "lon", "lat", "accuracy", "speed" (m/s), "heading", "altitude", "battery" (%)}`.
public enum NativeBatch {
    public static let limit = 10_000

    /// Each element decoded, or why it was rejected. Throws when the body is not a JSON array
    /// or holds more than `limit` pings.
    public static func decode(_ data: Data) throws(WireError) -> [Result<Fix, WireError>] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw WireError("the body is not JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)")
        }
        guard let array = parsed as? [Any] else { throw WireError("the body must be a JSON array of pings") }
        guard array.count <= limit else { throw WireError("\(array.count) pings in one request; at most \(limit)") }
        guard !array.isEmpty else { throw WireError("the batch holds no pings: send 1 to \(limit)") }
        return array.map { element in
            Result { () throws(WireError) -> Fix in
                guard let o = element as? [String: Any] else { throw WireError("not a JSON object") }
                return try fix(o)
            }
        }
    }

    static let known: Set<String> = ["device", "time", "lon", "lat", "accuracy", "speed", "heading", "altitude", "battery"]

    static func fix(_ o: [String: Any]) throws(WireError) -> Fix {
        let p = try Field.position(lat: o["lat"], lon: o["lon"])
        guard let time = try Field.time(o["time"], "time") else { throw WireError("missing time") }
        var device: String?
        if let d = o["device"], !(d is NSNull) {
            guard let s = d as? String, !s.isEmpty else { throw WireError("device must be a non-empty string") }
            device = s
        }
        var attributes: [String: String] = [:]
        for (k, v) in o where !known.contains(k) && !(v is NSNull) { attributes[k] = Field.text(v) }
        return Fix(device: device, time: time, lon: p.lon, lat: p.lat,
                   accuracy: try Field.number(o["accuracy"], "accuracy", in: Field.accuracyRange, unit: "m"),
                   speed: try Field.speed(o["speed"], "speed"), heading: try Field.number(o["heading"], "heading"),
                   altitude: try Field.number(o["altitude"], "altitude", in: Field.altitudeRange, unit: "m"),
                   battery: try Field.number(o["battery"], "battery").map { $0 / 100 },
                   attributes: attributes)
    }
}

/// The OsmAnd protocol as Traccar reads it (Traccar Client, GPSLogger, OsmAnd): key–value
/// parameters, or the JSON body of newer Traccar Client apps.
public enum OsmAnd {
    /// The device id a request names (`id` or `deviceid`).
    public static func deviceID(_ parameters: [String: String]) -> String? {
        (parameters["id"] ?? parameters["deviceid"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    static let known: Set<String> = ["id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing", "heading",
                                     "altitude", "accuracy", "batt", "token"]

    /// A fix from query or form parameters; speed in the device's unit.
    public static func decode(_ parameters: [String: String], speedUnit: SpeedUnit) throws(WireError) -> Fix {
        var lat: Any? = parameters["lat"]
        var lon: Any? = parameters["lon"]
        if let location = parameters["location"], lat == nil || lon == nil {
            let parts = location.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw WireError("location \"\(location)\" is not lat,lon") }
            lat = String(parts[0])
            lon = String(parts[1])
        }
        let p = try Field.position(lat: lat, lon: lon)
        var attributes: [String: String] = [:]
        for (k, v) in parameters where !known.contains(k) { attributes[k] = v }
        return Fix(device: deviceID(parameters), time: try Field.time(parameters["timestamp"], "timestamp"), lon: p.lon, lat: p.lat,
                   accuracy: try Field.number(parameters["accuracy"], "accuracy", in: Field.accuracyRange, unit: "m"),
                   speed: try Field.speed(parameters["speed"], "speed", metresPerSecond: speedUnit.metresPerSecond),
                   heading: try Field.number(parameters["bearing"] ?? parameters["heading"], "bearing"),
                   altitude: try Field.number(parameters["altitude"], "altitude", in: Field.altitudeRange, unit: "m"),
                   battery: try Field.number(parameters["batt"], "batt").map { $0 / 100 }, attributes: attributes)
    }

    /// The JSON body of newer Traccar Client apps:
    /// `{"location": {"timestamp", "coords": {"latitude", "longitude", "accuracy", "speed" (m/s),
    /// "heading", "altitude"}, "battery": {"level": 0…1}, "is_moving", …}, "device_id"}`.
    public static func decodeJSON(_ data: Data) throws(WireError) -> Fix {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw WireError("the body is not a JSON object")
        }
        guard let location = root["location"] as? [String: Any] else { throw WireError("missing location") }
        guard let coords = location["coords"] as? [String: Any] else { throw WireError("missing location.coords") }
        let p = try Field.position(lat: coords["latitude"], lon: coords["longitude"])
        var attributes: [String: String] = [:]
        for (k, v) in location where !["timestamp", "coords", "battery"].contains(k) && !(v is NSNull) { attributes[k] = Field.text(v) }
        let battery = location["battery"] as? [String: Any]
        if let charging = battery?["is_charging"] { attributes["charging"] = Field.text(charging) }
        var device: String?
        if let d = root["device_id"] {
            guard let s = d as? String, !s.isEmpty else { throw WireError("device_id must be a non-empty string") }
            device = s
        }
        return Fix(device: device, time: try Field.time(location["timestamp"], "location.timestamp"), lon: p.lon, lat: p.lat,
                   accuracy: try Field.number(coords["accuracy"], "coords.accuracy", in: Field.accuracyRange, unit: "m"),
                   speed: try Field.speed(coords["speed"], "coords.speed"),
                   heading: try Field.number(coords["heading"], "coords.heading").flatMap { $0 < 0 ? nil : $0 },
                   altitude: try Field.number(coords["altitude"], "coords.altitude", in: Field.altitudeRange, unit: "m"),
                   battery: try Field.number(battery?["level"], "battery.level").flatMap { $0 < 0 ? nil : $0 }, attributes: attributes)
    }
}

/// OwnTracks in HTTP mode: `{"_type": "location", "lat", "lon", "tst", "acc", "alt", "batt"
/// (%), "vel" (km/h), "cog", "tid", …}`.
public enum OwnTracks {
    /// The fix of a location message; nil for the other message types (which are answered
    /// and dropped).
    public static func decode(_ data: Data) throws(WireError) -> Fix? {
        guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw WireError("the body is not a JSON object")
        }
        guard (o["_type"] as? String) == "location" else { return nil }
        let p = try Field.position(lat: o["lat"], lon: o["lon"])
        guard let time = try Field.time(o["tst"], "tst") else { throw WireError("missing tst") }
        var attributes: [String: String] = [:]
        for (k, v) in o where !["_type", "lat", "lon", "tst", "acc", "alt", "batt", "vel", "cog"].contains(k) && !(v is NSNull) {
            attributes[k] = Field.text(v)
        }
        return Fix(time: time, lon: p.lon, lat: p.lat, accuracy: try Field.number(o["acc"], "acc", in: Field.accuracyRange, unit: "m"),
                   speed: try Field.speed(o["vel"], "vel", metresPerSecond: 1 / 3.6), heading: try Field.number(o["cog"], "cog"),
                   altitude: try Field.number(o["alt"], "alt", in: Field.altitudeRange, unit: "m"), battery: try Field.number(o["batt"], "batt").map { $0 / 100 },
                   attributes: attributes)
    }
}
