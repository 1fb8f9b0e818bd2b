import Foundation

/// A position as a device reported it, decoded from any wire format but not yet checked
/// against the device's history, converted or assigned.
public struct Fix: Sendable, Hashable {
    /// The device id the request named (nil: the authenticated device's).
    public var device: String?
    /// Seconds since 1970 (UTC); nil when the device sent none (the time of receipt is used).
    public var time: Double?
    public var lon: Double
    public var lat: Double
    /// Metres.
    public var accuracy: Double?
    /// Metres per second.
    public var speed: Double?
    /// Degrees from north.
    public var heading: Double?
    /// Metres.
    public var altitude: Double?
    /// 0–1.
    public var battery: Double?
    /// Every other value the device sent.
    public var attributes: [String: String]

    public init(device: String? = nil, time: Double?, lon: Double, lat: Double, accuracy: Double? = nil, speed: Double? = nil,
                heading: Double? = nil, altitude: Double? = nil, battery: Double? = nil, attributes: [String: String] = [:]) {
        self.device = device
        self.time = time
        self.lon = lon
        self.lat = lat
        self.accuracy = accuracy
        self.speed = speed
        self.heading = heading
        self.altitude = altitude
        self.battery = battery
        self.attributes = attributes
    }
}
