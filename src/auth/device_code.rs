//! Device-code sign-in, the method that works over SSH with no browser on the server: the
//! admin opens the verification page on their own machine and types the code. The tokens
//! are cached for the session and, with the refresh token, in a file only the admin can
//! read (mode 0600) so the next start needs no sign-in; `resetdesk logout` deletes it.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet, RefreshToken, Scope,
    StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::{AuthError, TokenProvider};
use crate::secret::{ExposeSecret, SecretString, secret};

type DeviceClient =
    BasicClient<EndpointNotSet, EndpointSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

pub struct DeviceCode {
    client: DeviceClient,
    http: reqwest::Client,
    scopes: Vec<String>,
    cache_path: Option<PathBuf>,
    state: Mutex<Option<Cached>>,
    /// Where the "open this page, enter this code" message goes.
    prompt: fn(&str),
}

/// What is kept between runs.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    access_token: String,
    expires_at: i64,
    refresh_token: Option<String>,
}

struct Cached {
    access: SecretString,
    expires_at: OffsetDateTime,
    refresh: Option<SecretString>,
}

fn auth_err(context: &str, e: impl std::fmt::Display) -> AuthError {
    AuthError::Missing(format!(
        "{context}: {}",
        crate::sanitize::sanitize_line(&e.to_string(), 300)
    ))
}

/// oauth2's HTTP hook, on our one reqwest client (no second HTTP stack). The returned
/// future owns its client clone so it is `Send` for any caller.
fn hook(
    http: &reqwest::Client,
) -> impl Fn(
    oauth2::HttpRequest,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, reqwest::Error>> + Send>,
> {
    let http = http.clone();
    move |r| {
        let http = http.clone();
        Box::pin(async move { send(http, r).await })
    }
}

async fn send(
    http: reqwest::Client,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let resp = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut b = http::Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        b = b.header(k, v);
    }
    let body = resp.bytes().await?.to_vec();
    Ok(b.body(body).unwrap_or_default())
}

impl DeviceCode {
    pub fn new(
        authority: &str,
        tenant: &str,
        client_id: &str,
        scopes: Vec<String>,
        cache_path: Option<PathBuf>,
        prompt: fn(&str),
    ) -> Result<DeviceCode, AuthError> {
        let base = format!("{}/{tenant}/oauth2/v2.0", authority.trim_end_matches('/'));
        let client = BasicClient::new(ClientId::new(client_id.to_string()))
            .set_auth_type(AuthType::RequestBody)
            .set_device_authorization_url(
                DeviceAuthorizationUrl::new(format!("{base}/devicecode"))
                    .map_err(|e| auth_err("device-code URL", e))?,
            )
            .set_token_uri(
                TokenUrl::new(format!("{base}/token")).map_err(|e| auth_err("token URL", e))?,
            );
        let http = reqwest::Client::builder()
            .user_agent(concat!("resetdesk/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| auth_err("HTTP client", e))?;
        let cached = cache_path.as_ref().and_then(load);
        Ok(DeviceCode {
            client,
            http,
            scopes,
            cache_path,
            state: Mutex::new(cached),
            prompt,
        })
    }

    fn store(&self, c: &Cached) {
        let Some(path) = &self.cache_path else { return };
        let file = CacheFile {
            access_token: c.access.expose_secret().to_string(),
            expires_at: c.expires_at.unix_timestamp(),
            refresh_token: c.refresh.as_ref().map(|r| r.expose_secret().to_string()),
        };
        let text = zeroize::Zeroizing::new(serde_json::to_string(&file).unwrap_or_default());
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).write(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        if let Ok(mut f) = opts.open(path) {
            use std::io::Write;
            let _ = f.write_all(text.as_bytes());
        }
    }

    fn cached_from(
        &self,
        tok: &oauth2::basic::BasicTokenResponse,
        old_refresh: Option<&SecretString>,
    ) -> Cached {
        let expires = tok.expires_in().unwrap_or(Duration::from_secs(3600));
        Cached {
            access: secret(tok.access_token().secret().clone()),
            expires_at: OffsetDateTime::now_utc() + expires,
            refresh: tok
                .refresh_token()
                .map(|r| secret(r.secret().clone()))
                .or_else(|| old_refresh.cloned()),
        }
    }

    async fn refresh(&self, refresh: &SecretString) -> Result<Cached, AuthError> {
        let http_fn = hook(&self.http);
        let tok = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh.expose_secret().to_string()))
            .add_scopes(self.scopes.iter().map(|s| Scope::new(s.clone())))
            .request_async(&http_fn)
            .await
            .map_err(|e| auth_err("refreshing the sign-in", e))?;
        Ok(self.cached_from(&tok, Some(refresh)))
    }

    async fn sign_in(&self) -> Result<Cached, AuthError> {
        let http_fn = hook(&self.http);
        let details: StandardDeviceAuthorizationResponse = self
            .client
            .exchange_device_code()
            .add_scopes(self.scopes.iter().map(|s| Scope::new(s.clone())))
            .request_async(&http_fn)
            .await
            .map_err(|e| auth_err("starting device-code sign-in", e))?;
        (self.prompt)(&format!(
            "To sign in, open {} on any device and enter the code {}",
            details.verification_uri().as_str(),
            details.user_code().secret()
        ));
        let tok = self
            .client
            .exchange_device_access_token(&details)
            .request_async(&http_fn, tokio::time::sleep, None)
            .await
            .map_err(|e| auth_err("device-code sign-in", e))?;
        Ok(self.cached_from(&tok, None))
    }
}

fn load(path: &PathBuf) -> Option<Cached> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).ok()?);
    let f: CacheFile = serde_json::from_str(&text).ok()?;
    Some(Cached {
        access: secret(f.access_token),
        expires_at: OffsetDateTime::from_unix_timestamp(f.expires_at).ok()?,
        refresh: f.refresh_token.map(secret),
    })
}

#[async_trait]
impl TokenProvider for DeviceCode {
    async fn token(&self) -> Result<SecretString, AuthError> {
        let mut state = self.state.lock().await;
        let soon = OffsetDateTime::now_utc() + time::Duration::minutes(5);
        if let Some(c) = state.as_ref()
            && c.expires_at > soon
        {
            return Ok(c.access.clone());
        }
        let refreshed = match state.as_ref().and_then(|c| c.refresh.clone()) {
            Some(r) => self.refresh(&r).await.ok(),
            None => None,
        };
        let fresh = match refreshed {
            Some(c) => c,
            None => self.sign_in().await?,
        };
        self.store(&fresh);
        let access = fresh.access.clone();
        *state = Some(fresh);
        Ok(access)
    }
}

/// `<data dir>/token-cache.json`.
pub fn default_cache_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "resetdesk")
        .map(|d| d.data_local_dir().join("token-cache.json"))
}
