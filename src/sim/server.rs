//! The simulator's HTTP server: binding on 127.0.0.1, the token endpoints, bearer-token
//! checks, latency and fault injection around the Graph routes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::audit::ReportLimit;
use super::faults::{Fault, Faults};
use super::odata::Ctx;
use super::routes;
use super::tenant::Tenant;
use super::token::{self, Claims};
use crate::cloud::Cloud;
use crate::secret::{SecretString, secret};

pub struct SimOptions {
    pub port: u16,
    pub tenant: Tenant,
    /// How long a `resetPassword` operation takes to finish.
    pub operation_delay: Duration,
    pub audit: AuditOptions,
    pub persona: String,
    pub faults: Faults,
    pub latency: Duration,
    /// The national cloud whose Graph surface is served (`sim --cloud`).
    pub cloud: Cloud,
    /// How long the tokens it issues last (Entra's: about an hour).
    pub token_lifetime: Duration,
    /// Writes allowed per window (Graph: 3,000 per 150 s per app and tenant).
    pub write_limit: (usize, Duration),
}

pub struct SimState {
    pub tenant: RwLock<Tenant>,
    pub base_url: OnceLock<String>,
    tokens: Mutex<HashMap<String, Claims>>,
    /// The identity platform's state: codes, refresh tokens, token lifetime.
    pub login: super::login::Login,
    pub persona: String,
    pub cloud: Cloud,
    pub(super) faults: Faults,
    latency: Duration,
    /// Graph requests received, faulted ones included.
    requests: AtomicU64,
    /// Writes that took effect, by method and path, for tests that prove none is sent twice.
    writes: Mutex<HashMap<String, u32>>,
    /// The reports API's request limit, and a log of audit requests for tests.
    pub reports: ReportLimit,
    /// The directory's write quota per app and tenant (throttling-limits: 3,000 writes
    /// per 2.5 minutes), lone requests and batched ones alike.
    pub write_limit: ReportLimit,
}

/// The simulated audit log's behaviour.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// How late entries appear.
    pub delay: Duration,
    /// A self-service event this often (None: never).
    pub activity_every: Option<Duration>,
    /// Entries of history at start.
    pub history: usize,
    /// Requests allowed per window (the reports limit: 5 per 10 s).
    pub limit: (usize, Duration),
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            delay: Duration::from_secs(2),
            activity_every: Some(Duration::from_secs(15)),
            history: 30,
            limit: (5, Duration::from_secs(10)),
        }
    }
}

/// A running simulator. Dropping it stops the server.
pub struct RunningSim {
    pub base_url: String,
    pub addr: SocketAddr,
    pub token: SecretString,
    pub state: Arc<SimState>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl SimState {
    /// Mints a token for a persona (or for any user by UPN).
    pub fn mint_token(&self, persona: &str) -> anyhow::Result<String> {
        let (user_id, scopes) = {
            let t = self.tenant.read().unwrap_or_else(|e| e.into_inner());
            match t.personas.get(persona) {
                Some(p) => (p.user_id.clone(), p.scopes.clone()),
                None => match t.user_by_key(persona) {
                    Some(u) => (u.id.clone(), None),
                    None => anyhow::bail!(
                        "unknown persona `{persona}`; known: {}",
                        t.personas.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                },
            }
        };
        self.mint_user(&user_id, scopes, token::PUBLIC_CLIENT_ID)
    }

    /// A delegated token for a user, issued to `client_id`.
    pub fn mint_user(
        &self,
        user_id: &str,
        scopes: Option<String>,
        client_id: &str,
    ) -> anyhow::Result<String> {
        let t = self.tenant.read().unwrap_or_else(|e| e.into_inner());
        let Some(user) = t.user_by_key(user_id) else {
            anyhow::bail!("no user {user_id} in the tenant");
        };
        let mut wids = tenant_role_templates(&t, user_id);
        // Every member user's token carries the "User" role template, as Entra's do.
        wids.push("b79fbf4d-3ef9-4689-8143-76b194e85509".into());
        let claims = Claims {
            oid: user.id.clone(),
            appid: client_id.to_string(),
            idtyp: None,
            upn: user.upn().into(),
            name: user.display_name().into(),
            scp: Some(scopes.unwrap_or_else(|| token::DEFAULT_SCOPES.into())),
            roles: Vec::new(),
            wids,
            ..self.base_claims(&t)
        };
        drop(t);
        Ok(self.issue(claims))
    }

    /// An app-only token for an application's service principal: its consented
    /// application permissions as `roles`, its directory roles as `wids`, no `scp`.
    pub fn mint_app(&self, app_id: &str) -> anyhow::Result<String> {
        let t = self.tenant.read().unwrap_or_else(|e| e.into_inner());
        let Some(app) = t.app_by_id(app_id) else {
            anyhow::bail!("no application {app_id} in the tenant");
        };
        let claims = Claims {
            oid: app.sp_id.clone(),
            appid: app.app_id.clone(),
            idtyp: Some("app".into()),
            upn: String::new(),
            name: app.display_name.clone(),
            scp: None,
            roles: app.permissions.clone(),
            wids: tenant_role_templates(&t, &app.sp_id),
            app_displayname: app.display_name.clone(),
            ..self.base_claims(&t)
        };
        drop(t);
        Ok(self.issue(claims))
    }

    fn base_claims(&self, t: &Tenant) -> Claims {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let tid = t
            .organization
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        Claims {
            aud: "https://graph.microsoft.com".into(),
            iss: format!("https://sts.windows.net/{tid}/"),
            tid,
            oid: String::new(),
            appid: String::new(),
            idtyp: None,
            upn: String::new(),
            name: String::new(),
            scp: None,
            roles: Vec::new(),
            wids: Vec::new(),
            iat: now,
            nbf: now,
            exp: now + self.login.token_lifetime.as_secs() as i64,
            app_displayname: "resetdesk".into(),
            ver: "1.0".into(),
        }
    }

    fn issue(&self, claims: Claims) -> String {
        let jwt = token::encode(&claims);
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(jwt.clone(), claims);
        jwt
    }

    /// Every token issued so far stops working (as after a revocation): the next Graph
    /// call with one is a 401.
    pub fn revoke_tokens(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The claims of a token the simulator issued; an expired one is `Err(true)`.
    fn claims_for(&self, bearer: &str) -> Result<Claims, bool> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        match self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(bearer)
        {
            Some(c) if c.exp > now => Ok(c.clone()),
            Some(_) => Err(true),
            None => Err(false),
        }
    }

    /// A write answered with success took effect: counted by `METHOD path`.
    pub(super) fn note_write(&self, method: &str, path: &str, status: u16) {
        if (200..300).contains(&status) {
            let mut w = self.writes.lock().unwrap_or_else(|e| e.into_inner());
            *w.entry(format!("{method} {path}")).or_default() += 1;
        }
    }

    /// Every write that took effect, by `METHOD path`, and how often.
    pub fn writes(&self) -> HashMap<String, u32> {
        self.writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn base(&self) -> &str {
        self.base_url.get().map(String::as_str).unwrap_or_default()
    }
}

pub async fn start(opts: SimOptions) -> anyhow::Result<RunningSim> {
    let mut tenant = opts.tenant;
    tenant.operation_delay = opts.operation_delay;
    tenant.audit_delay = opts.audit.delay;
    super::audit::seed_history(&mut tenant, opts.audit.history);
    // Before serving, so the first `$search` costs what every other one does.
    tenant.search_index();
    let state = Arc::new(SimState {
        tenant: RwLock::new(tenant),
        base_url: OnceLock::new(),
        tokens: Mutex::new(HashMap::new()),
        login: super::login::Login::new(opts.token_lifetime),
        persona: opts.persona.clone(),
        cloud: opts.cloud,
        faults: opts.faults,
        latency: opts.latency,
        requests: AtomicU64::new(0),
        writes: Mutex::new(HashMap::new()),
        reports: ReportLimit::new(opts.audit.limit.0, opts.audit.limit.1),
        write_limit: ReportLimit::new(opts.write_limit.0, opts.write_limit.1),
    });
    if let Some(every) = opts.audit.activity_every {
        // Ends when the server (and so the last strong reference) is gone.
        let weak = Arc::downgrade(&state);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(s) = weak.upgrade() else { break };
                // Made under the read lock; the write lock only to append it.
                let e = super::audit::random_activity(
                    &s.tenant.read().unwrap_or_else(|e| e.into_inner()),
                    time::OffsetDateTime::now_utc(),
                );
                if let Some(e) = e {
                    s.tenant
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .record_audit(e);
                }
            }
        });
    }
    let token = state.mint_token(&opts.persona)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}/v1.0");
    let _ = state.base_url.set(base_url.clone());
    let app = Router::new()
        .merge(super::login::routes(state.clone()))
        .fallback(graph_entry)
        .with_state(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningSim {
        base_url,
        addr,
        token: secret(token),
        state,
        _shutdown: tx,
    })
}

/// Every Graph request passes here: latency, faults, authentication, then the route.
async fn graph_entry(State(sim): State<Arc<SimState>>, req: Request) -> Response {
    sim.requests.fetch_add(1, Ordering::Relaxed);
    if !sim.latency.is_zero() {
        tokio::time::sleep(sim.latency).await;
    }
    if let Some(d) = sim.faults.delay(req.method().as_str(), req.uri().path()) {
        tokio::time::sleep(d).await;
    }
    let headers = req.headers().clone();
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let full_path = req.uri().path().to_string();
    let Some(path) = full_path.strip_prefix("/v1.0") else {
        let ctx = bare_ctx(&sim, &full_path, header("client-request-id"));
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid version: the path must start with /v1.0",
        );
    };
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let ctx = Ctx {
        request_id: uuid::Uuid::new_v4().to_string(),
        client_request_id: header("client-request-id"),
        eventual: header("consistencylevel").is_some_and(|v| v.eq_ignore_ascii_case("eventual")),
        new_search: header("prefer").is_some_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("legacySearch=false"))
        }),
        query,
        base: sim.base().to_string(),
        path: path.to_string(),
    };
    let fault = sim.faults.roll(req.method().as_str(), &ctx.path);
    if let Some(r) = refused_by_fault(&ctx, fault) {
        return r;
    }
    let claims = match header("authorization") {
        None => {
            return ctx.error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "Access token is empty.",
            );
        }
        Some(a) => match sim.claims_for(a.strip_prefix("Bearer ").unwrap_or_default().trim()) {
            Ok(c) => c,
            Err(expired) => {
                return ctx.error(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationToken",
                    if expired {
                        "Lifetime validation failed, the token is expired."
                    } else {
                        "Access token validation failure. Invalid audience."
                    },
                );
            }
        },
    };
    let method = req.method().clone();
    let mut body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    if let Some(bare) = super::odata::without_annotations(&body) {
        body = Bytes::from(bare);
    }
    let resp = if ctx.path == "/$batch" {
        if method == axum::http::Method::POST {
            super::batch::run(&sim, &ctx, &claims, &body).await
        } else {
            ctx.error(
                StatusCode::METHOD_NOT_ALLOWED,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
        }
    } else if method != axum::http::Method::GET
        && let Err(wait) = sim.write_limit.admit()
    {
        let mut r = throttled(&ctx, whole_seconds(wait));
        r.headers_mut().insert(
            "x-ms-throttle-information",
            HeaderValue::from_static("WriteLimitExceeded"),
        );
        r
    } else {
        routes::dispatch(&sim, &ctx, &claims, &method, &body).unwrap_or_else(|e| e)
    };
    if method != axum::http::Method::GET && ctx.path != "/$batch" {
        sim.note_write(method.as_str(), &ctx.path, resp.status().as_u16());
    }
    spoil(resp, fault).await
}

/// The faults that answer before anything is processed: throttling, unavailability, a
/// refused token, a missing permission, a connection dropped on arrival.
pub(super) fn refused_by_fault(ctx: &Ctx, fault: Fault) -> Option<Response> {
    Some(match fault {
        Fault::Throttle(ra) => throttled(ctx, ra),
        Fault::Unavailable(ra) => {
            let mut r = ctx.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            );
            insert_retry_after(&mut r, ra);
            r
        }
        Fault::Unauthorized => ctx.error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        ),
        Fault::Forbidden => ctx.error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ),
        Fault::ResetBefore => reset_after_headers(StatusCode::OK.into_response()),
        Fault::None | Fault::Reset | Fault::Malformed | Fault::Garbage => return None,
    })
}

/// The faults that strike after the request was processed (its effects stand).
pub(super) async fn spoil(resp: Response, fault: Fault) -> Response {
    match fault {
        Fault::Reset => reset_after_headers(resp),
        Fault::Malformed => truncate_body(resp).await,
        Fault::Garbage => {
            let (mut parts, _) = resp.into_parts();
            parts.status = StatusCode::OK;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from("<html><body>Bad gateway</body></html>"))
        }
        _ => resp,
    }
}

fn bare_ctx(sim: &SimState, path: &str, client_request_id: Option<String>) -> Ctx {
    Ctx {
        request_id: uuid::Uuid::new_v4().to_string(),
        client_request_id,
        eventual: false,
        new_search: false,
        query: Vec::new(),
        base: sim.base().to_string(),
        path: path.to_string(),
    }
}

fn insert_retry_after(r: &mut Response, secs: f64) {
    let text = if secs.fract() == 0.0 {
        format!("{}", secs as u64)
    } else {
        format!("{secs}")
    };
    if let Ok(v) = HeaderValue::from_str(&text) {
        r.headers_mut().insert("retry-after", v);
    }
}

/// The simulator's own limits ask for whole seconds, as Graph does (`Retry-After` is
/// delay-seconds, an integer, RFC 9110 §10.2.3; Microsoft's SDKs parse it with `int()`).
/// Only `--faults 429:P:1.5` sends a decimal, to test clients that must cope with one.
pub fn whole_seconds(wait: Duration) -> f64 {
    wait.as_secs_f64().ceil().max(1.0)
}

/// The documented 429 (throttling.md sample): its `innerError` carries code/status/message.
pub fn throttled(ctx: &Ctx, retry_after: f64) -> Response {
    let mut r = ctx.json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"error": {"code": "TooManyRequests", "innerError": {
            "code": "429",
            "date": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "message": "Please retry after",
            "request-id": ctx.request_id,
            "status": "429"
        }, "message": "Please retry again later."}}),
    );
    insert_retry_after(&mut r, retry_after);
    r.headers_mut().insert(
        "x-ms-throttle-scope",
        HeaderValue::from_static("Tenant_Application/ReadWrite/resetdesk/sim"),
    );
    r
}

/// The handler ran (its effects stand), then the connection drops mid-response.
fn reset_after_headers(resp: Response) -> Response {
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove("content-length");
    // 204 and 202 may carry no body, and hyper would then never read the broken stream:
    // announce one so the connection really drops mid-response.
    parts.status = StatusCode::OK;
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

async fn truncate_body(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(cut))
}

/// Template ids of the built-in roles a principal holds actively at tenant scope.
fn tenant_role_templates(t: &Tenant, principal: &str) -> Vec<String> {
    t.active_roles_of(principal)
        .iter()
        .filter(|a| a.directory_scope_id == "/")
        .filter_map(|a| t.roles.by_id(&a.role_definition_id))
        .filter(|d| d.built_in)
        .map(|d| d.template_id.clone())
        .collect()
}
