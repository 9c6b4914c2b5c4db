//! A user's own sign-in (delegated tokens), by device code or by browser-paste — both work
//! over SSH with no browser on the server: the admin signs in on their own machine. The
//! tokens are cached for the session and, with the refresh token, in a file only the
//! admin can read (mode 0600) so the next start needs no sign-in; the access token is
//! refreshed before it expires and when Graph refuses it; `resetdesk logout` deletes the
//! file.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, ClientId, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet, RefreshToken,
    Scope, StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::{AuthError, TokenProvider};
use crate::secret::{ExposeSecret, SecretString, secret};

pub(super) type UserClient =
    BasicClient<EndpointSet, EndpointSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// How the user signs in when there is no usable cached sign-in.
pub enum Flow {
    DeviceCode,
    BrowserPaste(super::browser_paste::Paste),
}

pub struct Delegated {
    client: UserClient,
    http: reqwest::Client,
    scopes: Vec<String>,
    key: CacheKey,
    cache_path: Option<PathBuf>,
    state: Mutex<Option<Cached>>,
    flow: Flow,
    /// Where the "open this page" messages go, and who hears that sign-in succeeded.
    prompt: std::sync::Mutex<(Prompt, Option<Done>)>,
}

type Done = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Shows the admin a sign-in instruction (stderr before any screen is drawn, the
/// console's sign-in window after); the flag says whether an answer is to be pasted.
pub type Prompt = std::sync::Arc<dyn Fn(&str, bool) + Send + Sync>;

/// What is kept between runs, with what it was issued for: a cache file is only ever used
/// for the same authority (cloud), tenant and client id it was written for.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    #[serde(default)]
    authority: String,
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    client_id: String,
    access_token: String,
    expires_at: i64,
    refresh_token: Option<String>,
}

/// Who a cache file is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
}

impl CacheKey {
    pub fn new(authority: &str, tenant: &str, client_id: &str) -> CacheKey {
        CacheKey {
            authority: authority.trim_end_matches('/').to_ascii_lowercase(),
            tenant: tenant.trim().to_ascii_lowercase(),
            client_id: client_id.trim().to_ascii_lowercase(),
        }
    }

    /// `<dir>/<authority host>_<tenant>_<client id>.json`: one file per cloud, tenant
    /// and app, so that `--tenant B` never picks up tenant A's token and a refresh token
    /// never goes to another cloud's login host.
    pub fn file_in(&self, dir: &std::path::Path) -> PathBuf {
        let host = url::Url::parse(&self.authority)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| {
                    format!(
                        "{h}{}",
                        u.port().map(|p| format!("-{p}")).unwrap_or_default()
                    )
                })
            })
            .unwrap_or_else(|| self.authority.clone());
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect()
        };
        dir.join(format!(
            "{}_{}_{}.json",
            clean(&host),
            clean(&self.tenant),
            clean(&self.client_id)
        ))
    }

    /// A tenant given as an id can be checked against a token's `tid`; a domain name
    /// (contoso.onmicrosoft.com) or `organizations` cannot.
    fn tenant_id(&self) -> Option<&str> {
        uuid::Uuid::try_parse(&self.tenant)
            .is_ok()
            .then_some(self.tenant.as_str())
    }

    /// Refuses a token issued by another tenant than the one asked for.
    fn check_tid(&self, token: &str) -> Result<(), AuthError> {
        let Some(want) = self.tenant_id() else {
            return Ok(());
        };
        match super::token_claim(token, "tid") {
            Some(tid) if tid.eq_ignore_ascii_case(want) => Ok(()),
            Some(tid) => Err(AuthError::Missing(format!(
                "the sign-in is for tenant {} but tenant {want} was asked for; nothing was done in either (check --tenant and the account you sign in with)",
                crate::sanitize::sanitize_line(&tid, 64)
            ))),
            None => Ok(()),
        }
    }
}

struct Cached {
    access: SecretString,
    expires_at: OffsetDateTime,
    refresh: Option<SecretString>,
}

/// An error with its causes ("Request failed: error sending request: connection
/// refused"), so that an unreachable login endpoint says so.
pub(super) fn auth_err(context: &str, e: impl std::error::Error) -> AuthError {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    AuthError::Missing(format!(
        "{context}: {}",
        crate::sanitize::sanitize_line(&text, 300)
    ))
}

/// oauth2's HTTP hook, on our one reqwest client (no second HTTP stack). The returned
/// future owns its client clone so it is `Send` for any caller.
pub(super) fn hook(
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

/// Tries of one sign-in request the identity platform turned away for now.
const LOGIN_TRIES: u32 = 3;
/// The longest wait for a busy identity platform before saying so instead.
const LOGIN_MAX_WAIT: Duration = Duration::from_secs(10);

/// One request to the identity platform. A 429 or 503 (the platform busy: OAuth's
/// `temporarily_unavailable`, "Retry the request", RFC 6749 §5.2) did nothing, so it is
/// asked again after its `Retry-After`, a few times; a dropped connection is not, since
/// a code or a rotated refresh token may already be spent.
async fn send(
    http: reqwest::Client,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let mut tries = 0;
    loop {
        tries += 1;
        let resp = http
            .request(parts.method.clone(), parts.uri.to_string())
            .headers(parts.headers.clone())
            .body(body.clone())
            .send()
            .await?;
        let status = resp.status().as_u16();
        let wait = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            // Seconds, as the identity platform sends them (auth sits below graph/, so
            // it does not borrow graph's parser that also reads HTTP dates).
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(Duration::from_secs_f64);
        let mut b = http::Response::builder().status(resp.status());
        for (k, v) in resp.headers() {
            b = b.header(k, v);
        }
        let mut bytes = resp.bytes().await?.to_vec();
        if matches!(status, 429 | 503) {
            let wait_for = wait.unwrap_or(Duration::from_secs(1));
            if tries < LOGIN_TRIES && wait_for <= LOGIN_MAX_WAIT {
                tracing::debug!(status, tries, "identity platform busy: retrying");
                tokio::time::sleep(wait_for).await;
                continue;
            }
            bytes = say_busy(bytes, status, wait);
        }
        return Ok(b.body(bytes).unwrap_or_default());
    }
}

/// The busy answer that ends a sign-in says the status and the wait it asked for.
fn say_busy(body: Vec<u8>, status: u16, wait: Option<Duration>) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    if let Some(d) = v.get("error_description").and_then(|d| d.as_str()) {
        let wait = wait.map_or(String::new(), |w| {
            format!(", asking to wait {} s", w.as_secs_f64().ceil() as u64)
        });
        v["error_description"] = serde_json::Value::String(format!(
            "{d} (HTTP {status}{wait}; the sign-in service is busy)"
        ));
    }
    serde_json::to_vec(&v).unwrap_or(body)
}

impl Delegated {
    pub fn new(
        authority: &str,
        tenant: &str,
        client_id: &str,
        scopes: Vec<String>,
        cache_dir: Option<PathBuf>,
        flow: Flow,
        prompt: Prompt,
    ) -> Result<Delegated, AuthError> {
        let key = CacheKey::new(authority, tenant, client_id);
        let cache_path = cache_dir.map(|d| key.file_in(&d));
        let base = format!("{}/{tenant}/oauth2/v2.0", authority.trim_end_matches('/'));
        let client = BasicClient::new(ClientId::new(client_id.to_string()))
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(
                AuthUrl::new(format!("{base}/authorize"))
                    .map_err(|e| auth_err("authorize URL", e))?,
            )
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
        let cached = cache_path.as_ref().and_then(|p| {
            if loose(p) {
                prompt(
                    &format!(
                        "! the token cache {} is readable by others; it was not used (sign in again; it is rewritten for you alone)",
                        p.display()
                    ),
                    false,
                );
                return None;
            }
            load(p, &key)
        });
        Ok(Delegated {
            client,
            http,
            scopes,
            key,
            cache_path,
            state: Mutex::new(cached),
            flow,
            prompt: std::sync::Mutex::new((prompt, None)),
        })
    }

    fn store(&self, c: &Cached) {
        let Some(path) = &self.cache_path else { return };
        let file = CacheFile {
            authority: self.key.authority.clone(),
            tenant: self.key.tenant.clone(),
            client_id: self.key.client_id.clone(),
            access_token: c.access.expose_secret().to_string(),
            expires_at: c.expires_at.unix_timestamp(),
            refresh_token: c.refresh.as_ref().map(|r| r.expose_secret().to_string()),
        };
        let text = zeroize::Zeroizing::new(serde_json::to_string(&file).unwrap_or_default());
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A file others could read is replaced, not reused: its mode would stay.
        if loose(path) {
            let _ = std::fs::remove_file(path);
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

    fn prompter(&self) -> (Prompt, Option<Done>) {
        self.prompt
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn sign_in(&self) -> Result<Cached, AuthError> {
        let (prompt, done) = self.prompter();
        let signed = self.interactive(prompt.as_ref()).await?;
        if let Some(done) = done {
            done();
        }
        Ok(signed)
    }

    async fn interactive(
        &self,
        prompt: &(dyn Fn(&str, bool) + Send + Sync),
    ) -> Result<Cached, AuthError> {
        if let Flow::BrowserPaste(paste) = &self.flow {
            let tok = super::browser_paste::sign_in(
                &self.client,
                &self.http,
                &self.scopes,
                paste,
                prompt,
            )
            .await?;
            return Ok(self.cached_from(&tok, None));
        }
        let http_fn = hook(&self.http);
        let details: StandardDeviceAuthorizationResponse = self
            .client
            .exchange_device_code()
            .add_scopes(self.scopes.iter().map(|s| Scope::new(s.clone())))
            .request_async(&http_fn)
            .await
            .map_err(|e| auth_err("starting device-code sign-in", e))?;
        prompt(
            &format!(
                "To sign in, open {} on any device and enter the code {}",
                details.verification_uri().as_str(),
                details.user_code().secret()
            ),
            false,
        );
        let tok = self
            .client
            .exchange_device_access_token(&details)
            .request_async(&http_fn, tokio::time::sleep, None)
            .await
            .map_err(|e| auth_err("device-code sign-in", e))?;
        Ok(self.cached_from(&tok, None))
    }
}

/// Readable or writable by anyone but its owner.
fn loose(path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The cached sign-in, only if it was written for this key and its token is from the
/// tenant asked for; anything else is ignored (and replaced at the next sign-in).
fn load(path: &PathBuf, key: &CacheKey) -> Option<Cached> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).ok()?);
    let f: CacheFile = serde_json::from_str(&text).ok()?;
    let written_for = CacheKey::new(&f.authority, &f.tenant, &f.client_id);
    if written_for != *key || key.check_tid(&f.access_token).is_err() {
        return None;
    }
    Some(Cached {
        access: secret(f.access_token),
        expires_at: OffsetDateTime::from_unix_timestamp(f.expires_at).ok()?,
        refresh: f.refresh_token.map(secret),
    })
}

#[async_trait]
impl TokenProvider for Delegated {
    fn interact_via(&self, i: super::Interaction) {
        *self.prompt.lock().unwrap_or_else(|e| e.into_inner()) = (i.prompt, Some(i.done));
        if let Flow::BrowserPaste(paste) = &self.flow {
            paste.read_from(i.paste);
        }
    }

    async fn renew(&self, rejected: &SecretString) -> Result<SecretString, AuthError> {
        {
            let mut state = self.state.lock().await;
            if let Some(c) = state.as_mut()
                && c.access.expose_secret() == rejected.expose_secret()
            {
                // Refused: treat it as expired, so the refresh token (or a new sign-in)
                // replaces it.
                c.expires_at = OffsetDateTime::UNIX_EPOCH;
            }
        }
        self.token().await
    }

    async fn renew_silently(&self, rejected: &SecretString) -> Result<SecretString, AuthError> {
        let mut state = self.state.lock().await;
        let refresh = match state.as_ref() {
            Some(c) if c.access.expose_secret() != rejected.expose_secret() => {
                return Ok(c.access.clone());
            }
            Some(c) => c.refresh.clone(),
            None => None,
        };
        let Some(refresh) = refresh else {
            return Err(AuthError::Missing(
                "Microsoft Graph refused the token and there is no refresh token; sign in again"
                    .into(),
            ));
        };
        let fresh = self.refresh(&refresh).await?;
        self.key.check_tid(fresh.access.expose_secret())?;
        self.store(&fresh);
        let access = fresh.access.clone();
        *state = Some(fresh);
        Ok(access)
    }

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
        self.key.check_tid(fresh.access.expose_secret())?;
        self.store(&fresh);
        let access = fresh.access.clone();
        *state = Some(fresh);
        Ok(access)
    }
}

/// `<data dir>/tokens/`: one cache file per authority, tenant and client id.
pub fn default_cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "resetdesk").map(|d| d.data_local_dir().join("tokens"))
}

/// The single cache file of earlier versions, shared by every tenant: never read, removed
/// by `logout`.
pub fn legacy_cache_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "resetdesk")
        .map(|d| d.data_local_dir().join("token-cache.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cache_file_per_cloud_tenant_and_client() {
        let dir = std::path::Path::new("/c");
        let a = CacheKey::new(
            "https://login.microsoftonline.com",
            "contoso.onmicrosoft.com",
            "app",
        );
        let b = CacheKey::new(
            "https://login.microsoftonline.com",
            "fabrikam.onmicrosoft.com",
            "app",
        );
        let c = CacheKey::new(
            "https://login.microsoftonline.us",
            "contoso.onmicrosoft.com",
            "app",
        );
        let d = CacheKey::new(
            "https://login.microsoftonline.com",
            "contoso.onmicrosoft.com",
            "other",
        );
        let files: std::collections::HashSet<_> =
            [&a, &b, &c, &d].iter().map(|k| k.file_in(dir)).collect();
        assert_eq!(files.len(), 4);
        assert_eq!(
            a.file_in(dir),
            dir.join("login.microsoftonline.com_contoso.onmicrosoft.com_app.json")
        );
        let hostile = CacheKey::new("https://x", "../../etc/passwd", "a/b");
        assert_eq!(hostile.file_in(dir).parent(), Some(dir));
    }
}
