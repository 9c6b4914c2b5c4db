//! Credentials. Every method yields a bearer token for Graph as a `SecretString`; the
//! token never travels on the command line and is never logged.

pub mod app;
pub mod azure;
pub mod browser_paste;
pub mod delegated;

// Plain data, defined with the configuration; re-exported where sign-in uses them.
pub use crate::cloud::Cloud;
pub use crate::config::AuthMethod;

use std::sync::Arc;

use async_trait::async_trait;

use crate::secret::{SecretString, secret};

/// The environment variable the `access-token` method reads.
pub const ACCESS_TOKEN_VAR: &str = "RESETDESK_ACCESS_TOKEN";

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Missing(String),
    /// The method is not configured well enough to try.
    #[error("{0}")]
    NeedsConfig(String),
}

/// Where a sign-in that needs the admin talks to them. Before the console starts: stderr
/// and stdin. Once it runs: its sign-in window (a prompt message, the pasted address).
pub struct Interaction {
    /// Shows a sign-in instruction.
    pub prompt: delegated::Prompt,
    /// browser-paste: the addresses the admin pastes.
    pub paste: tokio::sync::mpsc::Receiver<String>,
    /// Called once an interactive sign-in has succeeded.
    pub done: std::sync::Arc<dyn Fn() + Send + Sync>,
}

/// Something that can hand out a Graph bearer token.
#[async_trait]
pub trait TokenProvider: Send + Sync {
    /// From now on, a sign-in that needs the admin goes through `i` (methods that never
    /// ask the admin anything ignore it).
    fn interact_via(&self, i: Interaction) {
        let _ = i;
    }

    async fn token(&self) -> Result<SecretString, AuthError>;

    /// Graph answered 401 to `rejected` (expired early, revoked): a new token, other than
    /// the refused one. A method that cannot get another says why.
    async fn renew(&self, rejected: &SecretString) -> Result<SecretString, AuthError> {
        let _ = rejected;
        Err(AuthError::Missing(
            "Microsoft Graph refused the token and this sign-in method cannot renew it; sign in again".into(),
        ))
    }

    /// `renew` without asking the admin anything: what a refused write may be resent
    /// with (a new sign-in could be another account than the one the reset was judged
    /// for).
    async fn renew_silently(&self, rejected: &SecretString) -> Result<SecretString, AuthError> {
        self.renew(rejected).await
    }
}

/// A token supplied from outside (environment variable, or the in-process simulator).
pub struct StaticToken(SecretString);

impl StaticToken {
    pub fn new(token: SecretString) -> Self {
        StaticToken(token)
    }

    /// Reads `RESETDESK_ACCESS_TOKEN`; an absent or empty variable is an error that says so.
    pub fn from_env() -> Result<Self, AuthError> {
        match std::env::var(ACCESS_TOKEN_VAR) {
            Ok(v) if !v.trim().is_empty() => Ok(StaticToken(secret(v.trim().to_string()))),
            _ => Err(AuthError::Missing(format!(
                "--auth access-token reads the token from the environment variable {ACCESS_TOKEN_VAR}, which is not set"
            ))),
        }
    }
}

#[async_trait]
impl TokenProvider for StaticToken {
    async fn token(&self) -> Result<SecretString, AuthError> {
        Ok(self.0.clone())
    }
}

/// Builds the provider for the configured method.
pub fn provider_for(config: &crate::config::Config) -> Result<Arc<dyn TokenProvider>, AuthError> {
    match config.auth {
        AuthMethod::AccessToken => Ok(Arc::new(StaticToken::from_env()?)),
        AuthMethod::DeviceCode | AuthMethod::BrowserPaste => {
            let client_id = config.client_id.as_deref().ok_or_else(|| {
                AuthError::NeedsConfig(format!(
                    "{} sign-in needs client_id: the application id of an app registration that allows public client flows, with the redirect URI http://localhost (config file or RESETDESK_CLIENT_ID)",
                    config.auth.name()
                ))
            })?;
            let flow = match config.auth {
                AuthMethod::BrowserPaste => {
                    delegated::Flow::BrowserPaste(browser_paste::Paste::terminal(
                        config.redirect_port,
                        config.clipboard != crate::config::ClipboardMode::Off,
                    ))
                }
                _ => delegated::Flow::DeviceCode,
            };
            let root = config.graph_url.trim_end_matches("/v1.0");
            Ok(Arc::new(delegated::Delegated::new(
                &config.authority_url,
                config.tenant.as_deref().unwrap_or("organizations"),
                client_id,
                vec![format!("{root}/.default"), "offline_access".into()],
                delegated::default_cache_dir(),
                flow,
                Arc::new(|m: &str, _| eprintln!("{m}")),
            )?))
        }
        AuthMethod::AzureCli => Ok(Arc::new(azure::AzureCredential::azure_cli(
            config.tenant.as_deref(),
            config.cloud.graph_scope(),
        )?)),
        AuthMethod::ClientSecret => {
            let app = app::AppCredential::client_secret(
                config.tenant.as_deref(),
                config.client_id.as_deref(),
                config.client_secret_file.as_deref(),
                &config.authority_url,
            )?;
            Ok(Arc::new(azure::AzureCredential::app(
                app,
                "client-secret",
                config.cloud.graph_scope(),
            )?))
        }
        AuthMethod::ClientCertificate => {
            let app = app::AppCredential::client_certificate(
                config.tenant.as_deref(),
                config.client_id.as_deref(),
                config.client_certificate_file.as_deref(),
                &config.authority_url,
            )?;
            Ok(Arc::new(azure::AzureCredential::app(
                app,
                "client-certificate",
                config.cloud.graph_scope(),
            )?))
        }
        AuthMethod::ManagedIdentity => {
            let app = app::AppCredential::ManagedIdentity {
                client_id: config.client_id.clone(),
                authority: config.authority_url.clone(),
            };
            Ok(Arc::new(azure::AzureCredential::app(
                app,
                "managed-identity",
                config.cloud.graph_scope(),
            )?))
        }
        AuthMethod::WorkloadIdentity => {
            let app = app::AppCredential::WorkloadIdentity {
                tenant: config.tenant.clone(),
                client_id: config.client_id.clone(),
                authority: config.authority_url.clone(),
            };
            Ok(Arc::new(azure::AzureCredential::app(
                app,
                "workload-identity",
                config.cloud.graph_scope(),
            )?))
        }
    }
}

/// One string claim of a JWT's payload, read without verifying the signature (the token
/// came from the login endpoint over TLS; this only checks it is for the tenant asked for).
pub fn token_claim(token: &str, name: &str) -> Option<String> {
    payload(token)?.get(name)?.as_str().map(str::to_string)
}

/// What the operator's token says of its roles and permissions, read without verifying:
/// to explain in advance what Graph would refuse. Graph, which verifies, still decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenFacts {
    /// Tenant-wide role template ids (`wids`): only a fallback for showing the operator
    /// their own roles when role assignments are unreadable.
    pub wids: Option<Vec<String>>,
    /// A signed-in user's delegated scopes (`scp`, space-separated).
    pub scopes: Option<Vec<String>>,
    /// An app-only token's application permissions (`roles`, when there is no `scp`).
    pub app_permissions: Option<Vec<String>>,
    /// The application, when the token is app-only (`idtyp: app`, or no `scp` and no
    /// user): the operator is then its service principal.
    pub app: Option<AppIdentity>,
}

/// An application operator, from an app-only token's claims
/// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppIdentity {
    /// `appid` (v1 tokens) or `azp` (v2).
    pub app_id: String,
    /// `oid`: the service principal's object id.
    pub object_id: String,
    /// `app_displayname`, else the app id.
    pub display_name: String,
}

impl TokenFacts {
    pub fn read(token: &str) -> TokenFacts {
        let Some(claims) = payload(token) else {
            return TokenFacts::default();
        };
        let scopes = claims
            .get("scp")
            .and_then(|v| v.as_str())
            .map(|s| s.split_whitespace().map(str::to_string).collect());
        let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_string);
        // `idtyp` is an optional claim; without it, a token with no `scp` is app-only (a
        // delegated token always carries the scopes it was granted).
        let app_only = text("idtyp").as_deref() == Some("app")
            || (scopes.is_none() && text("oid").is_some() && text("upn").is_none());
        let app = app_only
            .then(|| {
                let app_id = text("appid").or_else(|| text("azp"))?;
                Some(AppIdentity {
                    display_name: text("app_displayname").unwrap_or_else(|| app_id.clone()),
                    object_id: text("oid")?,
                    app_id,
                })
            })
            .flatten();
        TokenFacts {
            app,
            wids: strings(&claims, "wids"),
            app_permissions: if scopes.is_none() {
                strings(&claims, "roles")
            } else {
                None
            },
            scopes,
        }
    }
}

fn payload(token: &str) -> Option<serde_json::Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn strings(claims: &serde_json::Value, name: &str) -> Option<Vec<String>> {
    Some(
        claims
            .get(name)?
            .as_array()?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wids_are_read_from_the_payload() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"wids":["62e90394-69f5-4237-9190-012177145e10"],"oid":"x"}"#);
        let jwt = format!("e30.{payload}.sig");
        assert_eq!(
            TokenFacts::read(&jwt).wids,
            Some(vec!["62e90394-69f5-4237-9190-012177145e10".to_string()])
        );
        assert_eq!(TokenFacts::read("not-a-jwt").wids, None);
    }

    #[test]
    fn permissions_are_the_scopes_of_a_user_or_the_roles_of_an_app() {
        use base64::Engine;
        let jwt = |claims: &str| {
            let p = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims);
            format!("e30.{p}.sig")
        };
        let user = TokenFacts::read(&jwt(
            r#"{"scp":"User.Read.All  UserAuthenticationMethod.ReadWrite.All","roles":["x"]}"#,
        ));
        assert_eq!(
            user.scopes,
            Some(vec![
                "User.Read.All".into(),
                "UserAuthenticationMethod.ReadWrite.All".into()
            ])
        );
        assert_eq!(user.app_permissions, None);
        let app = TokenFacts::read(&jwt(r#"{"roles":["User-PasswordProfile.ReadWrite.All"]}"#));
        assert_eq!(
            app.app_permissions,
            Some(vec!["User-PasswordProfile.ReadWrite.All".into()])
        );
        assert_eq!(app.scopes, None);
        assert_eq!(TokenFacts::read("opaque"), TokenFacts::default());
        // An app-only token without idtyp, even with no application permission yet.
        let bare = TokenFacts::read(&jwt(r#"{"oid":"sp-1","appid":"app-1","tid":"t"}"#));
        assert_eq!(
            bare.app,
            Some(AppIdentity {
                app_id: "app-1".into(),
                object_id: "sp-1".into(),
                display_name: "app-1".into()
            })
        );
        let user = TokenFacts::read(&jwt(r#"{"oid":"u-1","appid":"app-1","scp":"User.Read"}"#));
        assert_eq!(user.app, None);
    }
}
