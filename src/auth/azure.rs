//! Sign-in through azure_identity's credentials (`azure-cli` and the app credentials of
//! `app.rs`). They hand out tokens for a scope; this wraps one as a `TokenProvider`: the
//! token is reused until shortly before it expires (AzureCliCredential keeps none and
//! would start `az` for every Graph request), every acquisition has a short time budget
//! so that a hung `az` or a dead network fails in seconds with a message, not minutes
//! later, and a token Graph refuses is replaced by one from a new credential.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::{AuthError, TokenProvider};
use crate::secret::{ExposeSecret, SecretString, secret};

/// A token this close to expiry is renewed before use.
const RENEW_BEFORE: time::Duration = time::Duration::minutes(5);

type Make = Box<dyn Fn() -> Result<Arc<dyn TokenCredential>, AuthError> + Send + Sync>;

pub struct AzureCredential {
    /// Makes the credential; called again to replace a token Graph refused.
    make: Make,
    credential: Mutex<Arc<dyn TokenCredential>>,
    /// `https://graph.microsoft.com/.default`, or the national cloud's.
    scope: String,
    /// The `--auth` name, for messages.
    method: &'static str,
    /// How long one acquisition may take.
    budget: Duration,
    /// What to do when it fails, in the user's words.
    fix: &'static str,
    held: Mutex<Option<AccessToken>>,
}

impl AzureCredential {
    pub fn new(
        make: Make,
        scope: String,
        method: &'static str,
        budget: Duration,
        fix: &'static str,
    ) -> Result<Self, AuthError> {
        let credential = make()?;
        Ok(AzureCredential {
            make,
            credential: Mutex::new(credential),
            scope,
            method,
            budget,
            fix,
            held: Mutex::new(None),
        })
    }

    /// An application's sign-in (`app.rs`).
    pub fn app(
        app: super::app::AppCredential,
        method: &'static str,
        scope: String,
    ) -> Result<Self, AuthError> {
        let fix = match method {
            "client-secret" => {
                "check tenant, client_id and the secret (a client secret's value, not its id, and not expired) in the app registration"
            }
            "client-certificate" => {
                "check tenant, client_id and that this certificate is uploaded to the app registration"
            }
            "managed-identity" => {
                "run on an Azure resource with a managed identity (IDENTITY_ENDPOINT and IDENTITY_HEADER set, or the instance metadata service reachable); set client_id for a user-assigned identity"
            }
            _ => {
                "check AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID (or client_id and tenant), and the app's federated credential"
            }
        };
        AzureCredential::new(
            Box::new(move || app.build()),
            scope,
            method,
            Duration::from_secs(20),
            fix,
        )
    }

    /// `azure-cli`: the account `az login` signed in (zero registration: Azure CLI's own
    /// app is the client), in `tenant` when one is configured.
    pub fn azure_cli(tenant: Option<&str>, scope: String) -> Result<Self, AuthError> {
        let options = azure_identity::AzureCliCredentialOptions {
            tenant_id: tenant.map(str::to_string),
            ..Default::default()
        };
        AzureCredential::new(
            Box::new(move || {
                azure_identity::AzureCliCredential::new(Some(options.clone()))
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| AuthError::NeedsConfig(format!("azure-cli sign-in: {e}")))
            }),
            scope,
            "azure-cli",
            Duration::from_secs(20),
            "sign in with `az login` (`az login --tenant T` for another tenant; install the Azure CLI first if it is missing), or choose another --auth method",
        )
    }
}

#[async_trait]
impl TokenProvider for AzureCredential {
    async fn token(&self) -> Result<SecretString, AuthError> {
        let mut held = self.held.lock().await;
        if let Some(t) = held.as_ref()
            && t.expires_on - RENEW_BEFORE > OffsetDateTime::now_utc()
        {
            return Ok(secret(t.token.secret().to_string()));
        }
        let credential = self.credential.lock().await.clone();
        let got = tokio::time::timeout(
            self.budget,
            credential.get_token(&[self.scope.as_str()], None),
        )
        .await
        .map_err(|_| {
            AuthError::Missing(format!(
                "{} sign-in gave no token within {} s; {}",
                self.method,
                self.budget.as_secs(),
                self.fix
            ))
        })?
        .map_err(|e| {
            // azure_identity's message names the cause (e.g. "az not found on PATH", or
            // what az printed, sanitized: it is outside text); it never holds the token.
            // A request that could not be sent is the network, not the credentials.
            let text = e.to_string();
            if text.contains("failed to execute `reqwest` request") {
                return AuthError::Missing(format!(
                    "{} sign-in failed: the sign-in endpoint could not be reached (network error); check the network, a proxy, and authority_url",
                    self.method
                ));
            }
            AuthError::Missing(format!(
                "{} sign-in failed: {}; {}",
                self.method,
                crate::sanitize::sanitize_line(first_line(&text), 300),
                self.fix
            ))
        })?;
        let token = secret(got.token.secret().to_string());
        *held = Some(got);
        Ok(token)
    }

    async fn renew(&self, rejected: &SecretString) -> Result<SecretString, AuthError> {
        {
            let mut held = self.held.lock().await;
            if held
                .as_ref()
                .is_some_and(|t| t.token.secret() == rejected.expose_secret())
            {
                *held = None;
                // azure_identity would hand out its cached copy of the refused token.
                *self.credential.lock().await = (self.make)()?;
            }
        }
        self.token().await
    }
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}
