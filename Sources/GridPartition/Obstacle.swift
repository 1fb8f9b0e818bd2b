/// Why a grid is out of band whatever the division, as an exhaustive search proved it.
public enum Obstacle: Hashable, Sendable {
    /// A building of this many households that no contiguous group of buildings (none over
    /// the maximum) brings within the band: its neighbours are too large.
    case stranded(households: Int)
    /// The piece of the community the grid lies in (bounded by buildings over the maximum
    /// and the community's edge) has no division into contiguous grids all within the band.
    case packing
}
