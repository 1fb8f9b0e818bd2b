import Foundation

/// GCJ-02, the obfuscated coordinate system of Chinese map SDKs (and of many phones' location
/// APIs in China): WGS-84 shifted by a smooth, non-linear offset of 300–700 m. The forward
/// formula is public; the inverse has no closed form, so `toWGS84` iterates it to below
/// 1e-9° (0.1 mm).
public enum GCJ02 {
    static let a = 6_378_245.0
    static let ee = 0.006_693_421_622_965_943_23

    /// Outside mainland China's box the offset is not applied.
    public static func isOutsideChina(lon: Double, lat: Double) -> Bool {
        lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
    }

    /// WGS-84 → GCJ-02.
    public static func fromWGS84(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        if isOutsideChina(lon: lon, lat: lat) { return (lon, lat) }
        let d = offset(lon: lon, lat: lat)
        return (lon + d.lon, lat + d.lat)
    }

    /// GCJ-02 → WGS-84, exactly: the point whose GCJ-02 image is the given one.
    public static func toWGS84(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        if isOutsideChina(lon: lon, lat: lat) { return (lon, lat) }
        var w = (lon: lon, lat: lat)
        for _ in 0..<30 {
            let g = fromWGS84(lon: w.lon, lat: w.lat)
            let dLon = lon - g.lon, dLat = lat - g.lat
            w = (w.lon + dLon, w.lat + dLat)
            if abs(dLon) < 1e-10 && abs(dLat) < 1e-10 { break }
        }
        return w
    }

    static func offset(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        let x = lon - 105, y = lat - 35
        var dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
        dLat += (20 * sin(6 * x * .pi) + 20 * sin(2 * x * .pi)) * 2 / 3
        dLat += (20 * sin(y * .pi) + 40 * sin(y / 3 * .pi)) * 2 / 3
        dLat += (160 * sin(y / 12 * .pi) + 320 * sin(y * .pi / 30)) * 2 / 3
        var dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
        dLon += (20 * sin(6 * x * .pi) + 20 * sin(2 * x * .pi)) * 2 / 3
        dLon += (20 * sin(x * .pi) + 40 * sin(x / 3 * .pi)) * 2 / 3
        dLon += (150 * sin(x / 12 * .pi) + 300 * sin(x / 30 * .pi)) * 2 / 3
        let radLat = lat / 180 * .pi
        let magic = 1 - ee * sin(radLat) * sin(radLat)
        let sqrtMagic = sqrt(magic)
        dLat = (dLat * 180) / ((a * (1 - ee)) / (magic * sqrtMagic) * .pi)
        dLon = (dLon * 180) / (a / sqrtMagic * cos(radLat) * .pi)
        return (dLon, dLat)
    }
}

/// Great-circle distance in metres (haversine on a sphere of the WGS-84 mean radius).
public func distanceMetres(lon1: Double, lat1: Double, lon2: Double, lat2: Double) -> Double {
    let r = 6_371_008.8
    let p1 = lat1 * .pi / 180, p2 = lat2 * .pi / 180
    let dp = p2 - p1, dl = (lon2 - lon1) * .pi / 180
    let h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
    return 2 * r * asin(min(1, sqrt(h)))
}
