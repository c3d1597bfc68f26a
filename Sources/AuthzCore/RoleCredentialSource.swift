public import Policy
public import SigV4

/// Where brokered requests' role credentials come from: the server keeps one set per ``RoleTarget``
/// fresh (sts:AssumeRole, refreshed before expiry) and the decision core reads them without I/O.
///
/// ``AuthzEngine`` asks ``credentials(for:)`` once per brokered allow; the server tells the source
/// which roles the configuration in force signs as (``use(_:)``) at start and after every reload.
public protocol RoleCredentialSource: Sendable {
    /// The credentials of `target` when they are at hand and valid: no I/O, no waiting. `nil` denies
    /// the request `broker_unavailable`.
    func credentials(for target: RoleTarget) -> SigningCredentials?
    /// The roles the configuration in force signs as: fetch the new ones now, forget the others.
    func use(_ targets: Set<RoleTarget>)
}
