//! The simulator's identity platform: enough of Microsoft Entra's v2.0 endpoints to sign
//! in with every method the client has, each judged by the rules Microsoft documents:
//! - `/authorize` and the `authorization_code` grant with PKCE (S256), one-time codes
//!   bound to the client and the redirect URI
//!   (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow);
//! - the device-code flow (v2-oauth2-device-code);
//! - `refresh_token`, rotating the refresh token on every use;
//! - `client_credentials` with a secret, or with a JWT client assertion signed by the
//!   app's registered certificate (certificate-credentials: `x5t#S256`, `aud` the token
//!   endpoint, `iss` = `sub` = the client id, a valid time range) or a federated token
//!   (workload identity: its `sub` must match the app's federated credential and its
//!   `aud` be `api://AzureADTokenExchange`; the issuer's signature is not checked here);
//! - the App Service managed identity endpoint (`IDENTITY_ENDPOINT`, `X-IDENTITY-HEADER`,
//!   api-version 2019-08-01).
//!
//! Error codes and texts follow Entra's AADSTS errors where Microsoft documents them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::faults::Fault;
use super::server::{SimState, spoil};
use super::tenant::SimApp;

/// Where the App Service managed identity endpoint is served.
pub const IDENTITY_PATH: &str = "/msi/token";
/// The `IDENTITY_HEADER` secret the endpoint expects (App Service sets a random one).
pub const IDENTITY_HEADER_VALUE: &str = "resetdesk-sim-identity-header";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// An authorization code lives this long (Entra: about ten minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// The sign-in state of one simulator.
pub struct Login {
    pub token_lifetime: Duration,
    device_codes: Mutex<HashMap<String, u32>>,
    codes: Mutex<HashMap<String, AuthCode>>,
    refresh: Mutex<HashMap<String, Grant>>,
    /// The grant of every token handed out, in order (for tests).
    served: Mutex<Vec<String>>,
}

struct AuthCode {
    grant: Grant,
    redirect_uri: String,
    challenge: String,
    issued: Instant,
}

/// Who a delegated token is for.
#[derive(Clone)]
struct Grant {
    user_id: String,
    scopes: Option<String>,
    client_id: String,
}

impl Login {
    pub fn new(token_lifetime: Duration) -> Login {
        Login {
            token_lifetime,
            device_codes: Mutex::default(),
            codes: Mutex::default(),
            refresh: Mutex::default(),
            served: Mutex::default(),
        }
    }

    /// The grant types served so far, e.g. `["authorization_code", "refresh_token"]`.
    pub fn served(&self) -> Vec<String> {
        self.served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn note(&self, grant: &str) {
        self.served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(grant.to_string());
    }
}

pub fn routes(state: Arc<SimState>) -> Router<Arc<SimState>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token_endpoint))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(devicecode_endpoint),
        )
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize_endpoint))
        .route(IDENTITY_PATH, get(managed_identity_endpoint))
        .route_layer(axum::middleware::from_fn_with_state(state, faulted))
}

/// `sim --faults` strikes sign-in as it strikes Graph (scope it with `@/oauth2/`). A busy
/// identity platform answers with OAuth's `temporarily_unavailable` (RFC 6749 §5.2 and
/// v2-oauth2-auth-code-flow: "The server is temporarily too busy … Retry the request").
async fn faulted(
    State(sim): State<Arc<SimState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (method, path) = (
        req.method().as_str().to_string(),
        req.uri().path().to_string(),
    );
    if let Some(d) = sim.faults.delay(&method, &path) {
        tokio::time::sleep(d).await;
    }
    let busy = |status: StatusCode, ra: f64| {
        let mut r = oauth_error(
            status,
            "temporarily_unavailable",
            "AADSTS90033: A transient error has occurred. Please try again.",
        );
        if let Ok(v) = header::HeaderValue::from_str(&format!("{}", ra.ceil() as u64)) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    };
    match sim.faults.roll(&method, &path) {
        Fault::Throttle(ra) => busy(StatusCode::TOO_MANY_REQUESTS, ra),
        Fault::Unavailable(ra) => busy(StatusCode::SERVICE_UNAVAILABLE, ra),
        Fault::ResetBefore => spoil(StatusCode::OK.into_response(), Fault::Reset).await,
        // A token endpoint refuses clients, not bearer tokens: 401/403 do not apply.
        Fault::Unauthorized | Fault::Forbidden | Fault::None => next.run(req).await,
        f @ (Fault::Reset | Fault::Malformed | Fault::Garbage) => {
            spoil(next.run(req).await, f).await
        }
    }
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": code, "error_description": description,
            "error_codes": [], "timestamp": time::OffsetDateTime::now_utc().unix_timestamp(),
            "trace_id": uuid::Uuid::new_v4(), "correlation_id": uuid::Uuid::new_v4()})),
    )
        .into_response()
}

fn bad(code: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, code, description)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    scope: Option<String>,
    device_code: Option<String>,
    code: Option<String>,
    code_verifier: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
    client_secret: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

/// The persona the simulated browser or device signs in as.
fn persona_grant(sim: &SimState, client_id: &str) -> Result<Grant, Response> {
    let t = sim.tenant.read().unwrap_or_else(|e| e.into_inner());
    let (user_id, scopes) = match t.personas.get(&sim.persona) {
        Some(p) => (p.user_id.clone(), p.scopes.clone()),
        None => match t.user_by_key(&sim.persona) {
            Some(u) => (u.id.clone(), None),
            None => {
                return Err(bad(
                    "invalid_grant",
                    "AADSTS50034: The user account does not exist.",
                ));
            }
        },
    };
    Ok(Grant {
        user_id,
        scopes,
        client_id: client_id.to_string(),
    })
}

async fn token_endpoint(
    State(sim): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    axum::Form(form): axum::Form<TokenForm>,
) -> Response {
    let client_id = form.client_id.clone().unwrap_or_default();
    let grant = match form.grant_type.as_str() {
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = form.device_code.clone().unwrap_or_default();
            let mut codes = sim
                .login
                .device_codes
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match codes.get_mut(&code) {
                None => {
                    return bad(
                        "expired_token",
                        "AADSTS70020: The provided value for the input parameter 'device_code' is not valid.",
                    );
                }
                Some(polls) if *polls == 0 => {
                    *polls += 1;
                    return bad(
                        "authorization_pending",
                        "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                    );
                }
                Some(_) => {
                    codes.remove(&code);
                }
            }
            drop(codes);
            match persona_grant(&sim, &client_id) {
                Ok(g) => g,
                Err(r) => return r,
            }
        }
        "authorization_code" => match redeem_code(&sim, &form) {
            Ok(g) => g,
            Err(r) => return r,
        },
        "refresh_token" => {
            let presented = form.refresh_token.clone().unwrap_or_default();
            let found = sim
                .login
                .refresh
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&presented);
            match found {
                Some(g) if g.client_id == client_id => g,
                Some(_) => {
                    return bad(
                        "invalid_grant",
                        "AADSTS700005: Provided refresh token is not issued to this client.",
                    );
                }
                None => {
                    return bad(
                        "invalid_grant",
                        "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.",
                    );
                }
            }
        }
        "client_credentials" => {
            return client_credentials(&sim, &tenant, &form);
        }
        _ => {
            return bad(
                "unsupported_grant_type",
                "AADSTS70003: The app requested an unsupported grant type.",
            );
        }
    };
    sim.login.note(&form.grant_type);
    let access = match sim.mint_user(&grant.user_id, grant.scopes.clone(), &grant.client_id) {
        Ok(a) => a,
        Err(e) => return bad("invalid_grant", &e.to_string()),
    };
    let refresh = format!("sim-refresh-{}", uuid::Uuid::new_v4());
    let scope = grant
        .scopes
        .clone()
        .unwrap_or_else(|| super::token::DEFAULT_SCOPES.to_string());
    sim.login
        .refresh
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(refresh.clone(), grant);
    let lifetime = sim.login.token_lifetime.as_secs();
    axum::Json(json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
        "refresh_token": refresh,
    }))
    .into_response()
}

fn redeem_code(sim: &SimState, form: &TokenForm) -> Result<Grant, Response> {
    let code = form.code.clone().unwrap_or_default();
    // One use only: a code is gone once presented, whatever the outcome.
    let Some(issued) = sim
        .login
        .codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&code)
    else {
        return Err(bad(
            "invalid_grant",
            "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    };
    if issued.issued.elapsed() > CODE_LIFETIME {
        return Err(bad(
            "invalid_grant",
            "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.",
        ));
    }
    if form.client_id.as_deref() != Some(issued.grant.client_id.as_str()) {
        return Err(bad(
            "invalid_grant",
            "AADSTS70000: The provided authorization code was issued to another client.",
        ));
    }
    if form.redirect_uri.as_deref() != Some(issued.redirect_uri.as_str()) {
        return Err(bad(
            "invalid_grant",
            "AADSTS500112: The reply address does not match the reply address provided when requesting the authorization code.",
        ));
    }
    let verifier = form.code_verifier.clone().unwrap_or_default();
    if s256(&verifier) != issued.challenge {
        return Err(bad(
            "invalid_grant",
            "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ));
    }
    Ok(issued.grant)
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ))
}

fn client_credentials(sim: &SimState, tenant: &str, form: &TokenForm) -> Response {
    let client_id = form.client_id.clone().unwrap_or_default();
    let app = {
        let t = sim.tenant.read().unwrap_or_else(|e| e.into_inner());
        t.app_by_id(&client_id).cloned()
    };
    let Some(app) = app else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            &format!(
                "AADSTS700016: Application with identifier '{client_id}' was not found in the directory."
            ),
        );
    };
    if !form
        .scope
        .as_deref()
        .is_some_and(|s| s.split(' ').all(|s| s.ends_with("/.default")))
    {
        return bad(
            "invalid_scope",
            "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        );
    }
    let authenticated = match (&form.client_secret, &form.client_assertion) {
        (Some(secret), _) => {
            if app.secret.as_deref() == Some(secret.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ))
            }
        }
        (None, Some(assertion))
            if form.client_assertion_type.as_deref() == Some(JWT_BEARER) =>
        {
            check_assertion(sim, tenant, &app, assertion)
        }
        _ => Err("AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into()),
    };
    if let Err(m) = authenticated {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &m);
    }
    sim.login.note("client_credentials");
    app_token_response(sim, &app.app_id, false)
}

fn app_token_response(sim: &SimState, app_id: &str, managed: bool) -> Response {
    let access = match sim.mint_app(app_id) {
        Ok(a) => a,
        Err(e) => return bad("invalid_client", &e.to_string()),
    };
    let lifetime = sim.login.token_lifetime.as_secs();
    if managed {
        let expires_on = time::OffsetDateTime::now_utc().unix_timestamp() + lifetime as i64;
        return axum::Json(json!({
            "access_token": access,
            "expires_on": expires_on.to_string(),
            "resource": "https://graph.microsoft.com",
            "token_type": "Bearer",
            "client_id": app_id,
        }))
        .into_response();
    }
    axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    }))
    .into_response()
}

fn jwt_part(part: Option<&str>) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part?.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A client assertion: signed by the app's certificate, or a federated token.
fn check_assertion(
    sim: &SimState,
    tenant: &str,
    app: &SimApp,
    assertion: &str,
) -> Result<(), String> {
    let parts: Vec<&str> = assertion.split('.').collect();
    let (Some(header), Some(claims)) = (
        jwt_part(parts.first().copied()),
        jwt_part(parts.get(1).copied()),
    ) else {
        return Err("AADSTS50027: JWT token is invalid or malformed.".into());
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let num = |k: &str| claims.get(k).and_then(Value::as_i64);
    let text = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if num("exp").is_none_or(|e| e <= now) || num("nbf").is_some_and(|n| n > now + 300) {
        return Err("AADSTS700024: Client assertion is not within its valid time range.".into());
    }
    // The app's own assertion names it as issuer; a federated token names its issuer.
    let own = text("iss") == app.app_id;
    if let (true, Some(pem)) = (own, &app.certificate_pem) {
        let cert = certificate_der(pem)
            .ok_or("AADSTS700027: The application's registered certificate cannot be read.")?;
        let thumbprint =
            URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &cert));
        if header.get("x5t#S256").and_then(Value::as_str) != Some(thumbprint.as_str()) {
            return Err("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.".into());
        }
        let alg: &dyn rustls_pki_types::SignatureVerificationAlgorithm =
            match header.get("alg").and_then(Value::as_str) {
                Some("PS256") => webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
                Some("RS256") => webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
                _ => return Err("AADSTS5002738: Invalid JWT token. The signing algorithm is not supported; use PS256 or RS256.".into()),
            };
        let signature = URL_SAFE_NO_PAD
            .decode(parts.get(2).copied().unwrap_or_default())
            .map_err(|_| "AADSTS50027: JWT token is invalid or malformed.".to_string())?;
        let der = rustls_pki_types::CertificateDer::from(cert);
        let ee = webpki::EndEntityCert::try_from(&der).map_err(|_| {
            "AADSTS700027: The application's registered certificate cannot be read.".to_string()
        })?;
        let signed = format!("{}.{}", parts[0], parts[1]);
        if ee
            .verify_signature(alg, signed.as_bytes(), &signature)
            .is_err()
        {
            return Err("AADSTS700027: Client assertion failed signature validation.".into());
        }
        if text("iss") != app.app_id || text("sub") != app.app_id {
            return Err("AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter.".into());
        }
        let root = sim.base().trim_end_matches("/v1.0").to_string();
        let path = format!("/{tenant}/oauth2/v2.0/token");
        let aud = text("aud");
        let https_root = root.replacen("http://", "https://", 1);
        if aud != format!("{root}{path}") && aud != format!("{https_root}{path}") {
            return Err(format!(
                "AADSTS700016: The client assertion's audience '{aud}' is not this token endpoint."
            ));
        }
        if text("jti").is_empty() {
            return Err("AADSTS50027: JWT token is invalid or malformed: no jti.".into());
        }
        return Ok(());
    }
    if let (false, Some(subject)) = (own, &app.federated_subject) {
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => a == "api://AzureADTokenExchange",
            Some(Value::Array(a)) => a.iter().any(|a| a == "api://AzureADTokenExchange"),
            _ => false,
        };
        if text("sub") != *subject || !aud_ok {
            return Err(
                "AADSTS70021: No matching federated identity record found for presented assertion."
                    .into(),
            );
        }
        return Ok(());
    }
    Err(if own {
        "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.".into()
    } else {
        "AADSTS70021: No matching federated identity record found for presented assertion.".into()
    })
}

/// The DER of the first certificate in a PEM text.
fn certificate_der(pem: &str) -> Option<Vec<u8>> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()?
        .ok()
        .map(|c| c.to_vec())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuthorizeQuery {
    client_id: String,
    response_type: String,
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// `/authorize`: the simulated browser has already signed the persona in; it redirects
/// to the loopback redirect URI with a code (and the state, unchanged).
async fn authorize_endpoint(
    State(sim): State<Arc<SimState>>,
    Path(_tenant): Path<String>,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    // Public clients register `http://localhost`; for loopback addresses Entra ignores the
    // port (reply-url.md, "localhost exceptions").
    let loopback = url::Url::parse(&q.redirect_uri).ok().filter(|u| {
        u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1"))
    });
    let Some(mut redirect) = loopback else {
        return (
            StatusCode::BAD_REQUEST,
            format!(
                "AADSTS50011: The redirect URI '{}' specified in the request does not match the redirect URIs configured for the application.",
                q.redirect_uri
            ),
        )
            .into_response();
    };
    let mut reply = |pairs: &[(&str, &str)]| {
        {
            let mut qp = redirect.query_pairs_mut();
            for (k, v) in pairs {
                qp.append_pair(k, v);
            }
            if let Some(s) = &q.state {
                qp.append_pair("state", s);
            }
        }
        (
            StatusCode::FOUND,
            [(header::LOCATION, redirect.to_string())],
        )
            .into_response()
    };
    if q.response_type != "code" {
        return reply(&[
            ("error", "unsupported_response_type"),
            (
                "error_description",
                "AADSTS70005: response_type 'token' is not enabled for the application.",
            ),
        ]);
    }
    let challenge = match (&q.code_challenge, q.code_challenge_method.as_deref()) {
        (Some(c), Some("S256")) if !c.is_empty() => c.clone(),
        _ => {
            return reply(&[
                ("error", "invalid_request"),
                (
                    "error_description",
                    "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption; send code_challenge with code_challenge_method S256.",
                ),
            ]);
        }
    };
    if q.scope.trim().is_empty() {
        return reply(&[
            ("error", "invalid_request"),
            (
                "error_description",
                "AADSTS900144: The request body must contain the following parameter: 'scope'.",
            ),
        ]);
    }
    let grant = match persona_grant(&sim, &q.client_id) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let code = format!("sim-code-{}", uuid::Uuid::new_v4());
    sim.login
        .codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            code.clone(),
            AuthCode {
                grant,
                redirect_uri: q.redirect_uri.clone(),
                challenge,
                issued: Instant::now(),
            },
        );
    reply(&[("code", &code)])
}

async fn devicecode_endpoint(
    State(sim): State<Arc<SimState>>,
    Path(_tenant): Path<String>,
) -> Response {
    let device_code = format!("sim-device-{}", uuid::Uuid::new_v4());
    let n: u32 = rand::random::<u32>() % 10_000;
    let user_code = format!("SIM{n:04}");
    sim.login
        .device_codes
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

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct IdentityQuery {
    api_version: String,
    resource: String,
    #[serde(rename = "client_id")]
    client_id: Option<String>,
}

/// App Service's identity endpoint: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&
/// resource=…` with `X-IDENTITY-HEADER` (howto-managed-identity, "REST endpoint reference").
async fn managed_identity_endpoint(
    State(sim): State<Arc<SimState>>,
    headers: HeaderMap,
    Query(q): Query<IdentityQuery>,
) -> Response {
    let secret = headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok());
    if secret != Some(IDENTITY_HEADER_VALUE) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER is missing or wrong."})),
        )
            .into_response();
    }
    if q.api_version != "2019-08-01" || q.resource.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"statusCode": 400, "message": "api-version 2019-08-01 and resource are required."})),
        )
            .into_response();
    }
    let app = {
        let t = sim.tenant.read().unwrap_or_else(|e| e.into_inner());
        t.apps
            .iter()
            .filter(|a| a.managed_identity)
            .find(|a| {
                q.client_id
                    .as_deref()
                    .is_none_or(|c| c.eq_ignore_ascii_case(&a.app_id))
            })
            .map(|a| a.app_id.clone())
    };
    let Some(app_id) = app else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"statusCode": 400, "message": "No managed identity found for the specified client ID."})),
        )
            .into_response();
    };
    sim.login.note("managed_identity");
    app_token_response(&sim, &app_id, true)
}
