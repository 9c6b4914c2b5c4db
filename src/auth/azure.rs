//! Sign-in through azure_identity's credentials (`azure-cli` today). They hand out tokens
//! for a scope; this wraps one as a `TokenProvider`: the token is reused until shortly
//! before it expires (AzureCliCredential keeps none and would start `az` for every Graph
//! request), and every acquisition has a short time budget so that a hung `az` or a dead
//! network fails in seconds with a message, not minutes later.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::{AuthError, TokenProvider};
use crate::secret::{SecretString, secret};

/// A token this close to expiry is renewed before use.
const RENEW_BEFORE: time::Duration = time::Duration::minutes(5);

pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
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
        credential: Arc<dyn TokenCredential>,
        scope: String,
        method: &'static str,
        budget: Duration,
        fix: &'static str,
    ) -> Self {
        AzureCredential {
            credential,
            scope,
            method,
            budget,
            fix,
            held: Mutex::new(None),
        }
    }

    /// `azure-cli`: the account `az login` signed in (zero registration: Azure CLI's own
    /// app is the client), in `tenant` when one is configured.
    pub fn azure_cli(tenant: Option<&str>, scope: String) -> Result<Self, AuthError> {
        let options = azure_identity::AzureCliCredentialOptions {
            tenant_id: tenant.map(str::to_string),
            ..Default::default()
        };
        let credential = azure_identity::AzureCliCredential::new(Some(options))
            .map_err(|e| AuthError::NeedsConfig(format!("azure-cli sign-in: {e}")))?;
        Ok(AzureCredential::new(
            credential,
            scope,
            "azure-cli",
            Duration::from_secs(20),
            "sign in with `az login` (`az login --tenant T` for another tenant; install the Azure CLI first if it is missing), or choose another --auth method",
        ))
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
        let got = tokio::time::timeout(
            self.budget,
            self.credential.get_token(&[self.scope.as_str()], None),
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
            AuthError::Missing(format!(
                "{} sign-in failed: {}; {}",
                self.method,
                crate::sanitize::sanitize_line(first_line(&e.to_string()), 300),
                self.fix
            ))
        })?;
        let token = secret(got.token.secret().to_string());
        *held = Some(got);
        Ok(token)
    }
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}
