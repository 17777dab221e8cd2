import Testing

/// The scenarios that start several `bazaar` processes run one at a time: run side by side on
/// two cores (next to the in-process suites) they starved each other's consumers, and a
/// cross-process welcome then missed its deadline.
@Suite("Several processes", .serialized)
enum MultiProcess {}
