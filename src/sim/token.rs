//! Access tokens the simulator issues: JWT-shaped (header.payload.signature, base64url)
//! with the claims a Graph token carries. A delegated token names the user (`oid`, `upn`,
//! `scp`, `wids`); an app-only token names the service principal (`oid`, `appid`,
//! `idtyp: app`, `roles`, `wids`) and has no `scp`
//! (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
//! The signature is random; the simulator accepts only tokens it minted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub tid: String,
    /// The user's or the service principal's object id.
    pub oid: String,
    /// The client's application id.
    pub appid: String,
    /// `app` for an app-only token (absent for a user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub upn: String,
    pub name: String,
    /// Delegated scopes, space-separated (absent from an app-only token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// An app-only token's application permissions.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub roles: Vec<String>,
    /// Template ids of the caller's active tenant-wide directory roles.
    pub wids: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub app_displayname: String,
    pub ver: String,
}

impl Claims {
    /// Does the token grant one of these permissions: a delegated scope of a user's
    /// token, or an application permission of an app-only one.
    pub fn has_scope(&self, any_of: &[&str]) -> bool {
        let granted: Vec<&str> = match &self.scp {
            Some(s) => s.split(' ').collect(),
            None => self.roles.iter().map(String::as_str).collect(),
        };
        granted
            .iter()
            .any(|s| any_of.iter().any(|w| w.eq_ignore_ascii_case(s)))
    }

    pub fn is_app(&self) -> bool {
        self.idtyp.as_deref() == Some("app")
    }
}

/// The delegated scopes resetdesk's app registration asks for.
pub const DEFAULT_SCOPES: &str = "User.Read User.Read.All User-PasswordProfile.ReadWrite.All \
UserAuthenticationMethod.ReadWrite.All RoleManagement.Read.Directory AdministrativeUnit.Read.All \
Domain.Read.All Organization.Read.All AuditLog.Read.All Directory.Read.All User.RevokeSessions.All \
Policy.Read.All \
OnPremDirectorySynchronization.Read.All";

/// The application id the simulator's delegated tokens are issued to.
pub const PUBLIC_CLIENT_ID: &str = "5e0c7a1d-2b7f-4c9e-8d3a-6f1b2c4d5e60";

pub fn encode(claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"resetdesk-sim"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let sig: [u8; 32] = rand::random();
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(sig))
}
