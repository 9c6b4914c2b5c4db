//! Access tokens the simulator issues: JWT-shaped (header.payload.signature, base64url)
//! with the claims a Graph token for a delegated user carries (`oid`, `tid`, `upn`,
//! `scp`, `wids`). The signature is random; the simulator accepts only tokens it minted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub tid: String,
    pub oid: String,
    pub upn: String,
    pub name: String,
    /// Delegated scopes, space-separated.
    pub scp: String,
    /// Template ids of the user's active tenant-wide directory roles.
    pub wids: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub app_displayname: String,
    pub ver: String,
}

impl Claims {
    pub fn has_scope(&self, any_of: &[&str]) -> bool {
        self.scp
            .split(' ')
            .any(|s| any_of.iter().any(|w| w.eq_ignore_ascii_case(s)))
    }
}

/// The delegated scopes resetdesk's app registration asks for.
pub const DEFAULT_SCOPES: &str = "User.Read User.Read.All User-PasswordProfile.ReadWrite.All \
UserAuthenticationMethod.ReadWrite.All RoleManagement.Read.Directory AdministrativeUnit.Read.All \
Domain.Read.All Organization.Read.All AuditLog.Read.All Directory.Read.All User.RevokeSessions.All \
OnPremDirectorySynchronization.Read.All";

pub fn encode(claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"resetdesk-sim"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let sig: [u8; 32] = rand::random();
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(sig))
}
