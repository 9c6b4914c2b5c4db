//! The simulator's HTTP server: binding on 127.0.0.1, the token endpoints, bearer-token
//! checks, latency and fault injection around the Graph routes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
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
}

pub struct SimState {
    pub tenant: RwLock<Tenant>,
    pub base_url: OnceLock<String>,
    tokens: Mutex<HashMap<String, Claims>>,
    device_codes: Mutex<HashMap<String, u32>>,
    pub persona: String,
    pub cloud: Cloud,
    faults: Faults,
    latency: Duration,
    /// Graph requests received, faulted ones included.
    requests: AtomicU64,
    /// The reports API's request limit, and a log of audit requests for tests.
    pub reports: ReportLimit,
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
        let t = self.tenant.read().unwrap_or_else(|e| e.into_inner());
        let (user_id, scopes) = match t.personas.get(persona) {
            Some(p) => (p.user_id.clone(), p.scopes.clone()),
            None => match t.user_by_key(persona) {
                Some(u) => (u.id.clone(), None),
                None => anyhow::bail!(
                    "unknown persona `{persona}`; known: {}",
                    t.personas.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            },
        };
        let Some(user) = t.user_by_key(&user_id) else {
            anyhow::bail!("persona `{persona}` names no user of the tenant");
        };
        let mut wids: Vec<String> = t
            .active_roles_of(&user_id)
            .iter()
            .filter(|a| a.directory_scope_id == "/")
            .filter_map(|a| t.roles.by_id(&a.role_definition_id))
            .filter(|d| d.built_in)
            .map(|d| d.template_id.clone())
            .collect();
        // Every member user's token carries the "User" role template, as Entra's do.
        wids.push("b79fbf4d-3ef9-4689-8143-76b194e85509".into());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let tid = t
            .organization
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let claims = Claims {
            aud: "https://graph.microsoft.com".into(),
            iss: format!("https://sts.windows.net/{tid}/"),
            tid,
            oid: user_id.clone(),
            upn: user.str("userPrincipalName").unwrap_or_default().into(),
            name: user.display_name().into(),
            scp: scopes.unwrap_or_else(|| token::DEFAULT_SCOPES.into()),
            wids,
            iat: now,
            nbf: now,
            exp: now + 3600,
            app_displayname: "resetdesk".into(),
            ver: "1.0".into(),
        };
        let jwt = token::encode(&claims);
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(jwt.clone(), claims);
        Ok(jwt)
    }

    fn claims_for(&self, bearer: &str) -> Option<Claims> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(bearer)
            .filter(|c| c.exp > now)
            .cloned()
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
    let state = Arc::new(SimState {
        tenant: RwLock::new(tenant),
        base_url: OnceLock::new(),
        tokens: Mutex::new(HashMap::new()),
        device_codes: Mutex::new(HashMap::new()),
        persona: opts.persona.clone(),
        cloud: opts.cloud,
        faults: opts.faults,
        latency: opts.latency,
        requests: AtomicU64::new(0),
        reports: ReportLimit::new(opts.audit.limit.0, opts.audit.limit.1),
    });
    if let Some(every) = opts.audit.activity_every {
        // Ends when the server (and so the last strong reference) is gone.
        let weak = Arc::downgrade(&state);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(s) = weak.upgrade() else { break };
                let mut t = s.tenant.write().unwrap_or_else(|e| e.into_inner());
                if let Some(e) = super::audit::random_activity(&t, time::OffsetDateTime::now_utc())
                {
                    t.record_audit(e);
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
        .route("/{tenant}/oauth2/v2.0/token", post(token_endpoint))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(devicecode_endpoint),
        )
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
    if let Some(d) = sim.faults.delay() {
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
    let mut fault = sim.faults.roll();
    if req.method() != axum::http::Method::GET && sim.faults.drop_this_write() {
        fault = Fault::Reset;
    }
    match fault {
        Fault::Throttle => return throttled(&ctx, sim.faults.throttle_retry_after),
        Fault::Unavailable => {
            let mut r = ctx.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            );
            insert_retry_after(&mut r, sim.faults.unavailable_retry_after);
            return r;
        }
        _ => {}
    }
    let claims = match header("authorization") {
        None => {
            return ctx.error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "Access token is empty.",
            );
        }
        Some(a) => match a
            .strip_prefix("Bearer ")
            .and_then(|t| sim.claims_for(t.trim()))
        {
            Some(c) => c,
            None => {
                return ctx.error(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.",
                );
            }
        },
    };
    let method = req.method().clone();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let resp = routes::dispatch(&sim, &ctx, &claims, &method, &body).unwrap_or_else(|e| e);
    match fault {
        Fault::Reset => reset_after_headers(resp),
        Fault::Malformed => truncate_body(resp).await,
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

#[derive(serde::Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    device_code: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

fn oauth_error(code: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": code, "error_description": description,
            "error_codes": [], "timestamp": time::OffsetDateTime::now_utc().unix_timestamp(),
            "trace_id": uuid::Uuid::new_v4(), "correlation_id": uuid::Uuid::new_v4()})),
    )
        .into_response()
}

/// `/{tenant}/oauth2/v2.0/token`: device code (pending once, then a token),
/// client credentials and refresh token grants, each answered with a token for the
/// simulator's persona.
async fn token_endpoint(
    State(sim): State<Arc<SimState>>,
    Path(_tenant): Path<String>,
    axum::Form(form): axum::Form<TokenForm>,
) -> Response {
    let grant = form.grant_type.unwrap_or_default();
    match grant.as_str() {
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = form.device_code.unwrap_or_default();
            let mut codes = sim.device_codes.lock().unwrap_or_else(|e| e.into_inner());
            match codes.get_mut(&code) {
                None => {
                    return oauth_error(
                        "expired_token",
                        "AADSTS70020: The provided value for the input parameter 'device_code' is not valid.",
                    );
                }
                Some(polls) if *polls == 0 => {
                    *polls += 1;
                    return oauth_error(
                        "authorization_pending",
                        "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                    );
                }
                Some(_) => {
                    codes.remove(&code);
                }
            }
        }
        "client_credentials" | "refresh_token" => {}
        _ => {
            return oauth_error(
                "unsupported_grant_type",
                "AADSTS70003: The app requested an unsupported grant type.",
            );
        }
    }
    match sim.mint_token(&sim.persona) {
        Ok(access) => axum::Json(json!({
            "token_type": "Bearer",
            "scope": form.scope.unwrap_or_else(|| token::DEFAULT_SCOPES.to_string()),
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access,
            "refresh_token": format!("sim-refresh-{}", uuid::Uuid::new_v4()),
        }))
        .into_response(),
        Err(e) => oauth_error("invalid_grant", &e.to_string()),
    }
}

async fn devicecode_endpoint(
    State(sim): State<Arc<SimState>>,
    Path(_tenant): Path<String>,
) -> Response {
    let device_code = format!("sim-device-{}", uuid::Uuid::new_v4());
    let n: u32 = rand::random::<u32>() % 10_000;
    let user_code = format!("SIM{n:04}");
    sim.device_codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(device_code.clone(), 0);
    axum::Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": 900,
        "interval": 1,
        "message": format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {user_code} to authenticate."),
    }))
    .into_response()
}
