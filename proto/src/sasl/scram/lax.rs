//! Deliberate leniencies in the SCRAM server checks, for gatecheck-server's broken builds only
//! (feature `break-builds`). Each field disables or weakens one RFC 5802 check; all default to off.

/// Which SCRAM server checks to break (see [`super::ScramServer::set_lax`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScramLax {
    /// Ignore a reserved `m=` extension instead of refusing it (RFC 5802 §5.1).
    pub accept_m: bool,
    /// Decode any `=XX` in a saslname as a hex byte instead of only `=2C`/`=3D`.
    pub hex_escapes: bool,
    /// Do not compare the client-final nonce.
    pub skip_nonce_check: bool,
    /// Compare only the client's part of the client-final nonce.
    pub nonce_client_part_only: bool,
    /// Do not compare `c=` with the gs2 header and binding data.
    pub skip_cbind_compare: bool,
    /// Accept the `y` flag although the server supports channel binding.
    pub accept_flag_y: bool,
    /// Bind an unknown channel-binding type name with the first available type's data.
    pub unknown_cb_uses_first: bool,
    /// Do not check the binding data for `p=tls-server-end-point`.
    pub skip_end_point_data_check: bool,
    /// Accept `c=` if it matches any available binding type's data.
    pub any_known_binding: bool,
    /// Accept any proof for an existing account.
    pub skip_proof: bool,
    /// Refuse client-final messages with extensions.
    pub reject_unknown_extensions: bool,
    /// Do not SASLprep the username.
    pub skip_saslprep: bool,
}
