//! The reqwest implementation of `GraphApi`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode, Url, header};
use serde::de::DeserializeOwned;

use super::model::*;
use super::query::{self, MAX_PAGE};
use super::retry;
use super::{
    AuditPage, GraphApi, GraphError, PASSWORD_METHOD_ID, PasswordProfileUpdate, ResetAccepted,
    SearchResult, WriteReceipt,
};
use crate::auth::TokenProvider;
use crate::config::Config;
use crate::secret::{ExposeSecret, SecretString, secret};
use zeroize::Zeroize;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Base URL including the version, e.g. `https://graph.microsoft.com/v1.0`.
    pub base_url: String,
    pub timeout: Duration,
    pub max_attempts: u32,
    /// A server that asks us to wait longer than this gets an error instead of a hang.
    pub max_retry_wait: Duration,
}

impl ClientOptions {
    pub fn from_config(c: &Config) -> Self {
        ClientOptions {
            base_url: c.graph_url.clone(),
            timeout: c.timeout,
            max_attempts: c.max_attempts,
            max_retry_wait: c.max_retry_wait,
        }
    }
}

pub struct GraphClient {
    http: reqwest::Client,
    base: Url,
    opts: ClientOptions,
    tokens: Arc<dyn TokenProvider>,
    /// How many of the optional user properties (`OPTIONAL_USER_PROPS`, in order) this
    /// operator may read; lowered after a 403 so later reads do not repeat it.
    optional_props: AtomicUsize,
    /// The reports budget directory audits and operation polls share.
    reports: Arc<super::budget::ReportBudget>,
}

/// Query values: everything but unreserved characters is percent-encoded (space as %20).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',');

/// Read when permitted: sign-in activity needs AuditLog.Read.All and a reports role (and
/// Entra ID P1); the password profile's flags (is a change pending?) need
/// User-PasswordProfile.ReadWrite.All. Most privileged last: it is dropped first.
/// `signInActivity` is not here: Graph reads it under far tighter limits than other user
/// properties (https://learn.microsoft.com/graph/throttling-limits, identity and access
/// reports), so it has a request of its own (`sign_in_activity`) that may fail alone.
const OPTIONAL_USER_PROPS: &[&str] = &["passwordProfile"];

fn enc(v: &str) -> String {
    utf8_percent_encode(v, QUERY_VALUE).to_string()
}

impl GraphClient {
    pub fn new(opts: ClientOptions, tokens: Arc<dyn TokenProvider>) -> Result<Self, GraphError> {
        let base =
            Url::parse(&format!("{}/", opts.base_url.trim_end_matches('/'))).map_err(|e| {
                GraphError::Transport {
                    message: format!("bad Graph base URL {}: {e}", opts.base_url),
                    maybe_sent: false,
                }
            })?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("resetdesk/", env!("CARGO_PKG_VERSION")))
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            // Graph never redirects the calls we make; following one could leak the token.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| GraphError::Transport {
                message: e.to_string(),
                maybe_sent: false,
            })?;
        Ok(GraphClient {
            http,
            base,
            opts,
            tokens,
            optional_props: AtomicUsize::new(OPTIONAL_USER_PROPS.len()),
            reports: Arc::new(super::budget::ReportBudget::new(5, Duration::from_secs(10))),
        })
    }

    /// `path` starts with `/`; `query` is already encoded.
    fn url(&self, path: &str, query: &str) -> Result<Url, GraphError> {
        let mut s = format!("{}{}", self.base.as_str(), path.trim_start_matches('/'));
        if !query.is_empty() {
            s.push('?');
            s.push_str(query);
        }
        Url::parse(&s)
            .map_err(|e| GraphError::Request(format!("cannot build the URL for {path}: {e}")))
    }

    /// A `@odata.nextLink` is followed verbatim, but only to the host we were configured
    /// for: the bearer token goes with it.
    fn follow(&self, link: &str) -> Result<Url, GraphError> {
        let url = Url::parse(link).map_err(|_| GraphError::Decode {
            status: 200,
            message: "@odata.nextLink is not a URL".into(),
            request_id: None,
        })?;
        if url.origin() != self.base.origin() {
            return Err(GraphError::ForeignLink(url.origin().ascii_serialization()));
        }
        Ok(url)
    }

    /// The reports budget (5 per 10 s by default, as Graph's), e.g. faster in tests.
    pub fn with_reports_limit(mut self, max: usize, window: Duration) -> Self {
        self.reports = Arc::new(super::budget::ReportBudget::new(max, window));
        self
    }

    /// Sends a GET and parses the body, retrying what is safe to retry: throttling and
    /// unavailability (honouring `Retry-After`), dropped connections, timeouts and bodies
    /// that do not parse.
    async fn get_json<T: DeserializeOwned>(
        &self,
        url: Url,
        eventual: bool,
    ) -> Result<T, GraphError> {
        self.get_json_tries(url, eventual, self.opts.max_attempts)
            .await
    }

    /// `get_json` with its own bound on attempts (1: the caller paces and retries).
    async fn get_json_tries<T: DeserializeOwned>(
        &self,
        url: Url,
        eventual: bool,
        max_attempts: u32,
    ) -> Result<T, GraphError> {
        self.get_json_full(url, eventual, max_attempts)
            .await
            .map(|(v, _)| v)
    }

    /// `get_json_tries`, with the `Retry-After` of the answer (a long-running operation's
    /// poll says when to ask again).
    async fn get_json_full<T: DeserializeOwned>(
        &self,
        url: Url,
        eventual: bool,
        max_attempts: u32,
    ) -> Result<(T, Option<Duration>), GraphError> {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= max_attempts.max(1);
            let token = self.tokens.token().await?;
            let mut req = self
                .http
                .request(Method::GET, url.clone())
                .header(header::ACCEPT, "application/json")
                .header("client-request-id", &client_request_id)
                .bearer_auth(token.expose_secret());
            if eventual {
                req = req.header("ConsistencyLevel", "eventual");
            }
            let (err, retry_after) = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let request_id = resp
                        .headers()
                        .get("request-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let retry_after = resp
                        .headers()
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(retry::parse_retry_after);
                    tracing::debug!(
                        method = "GET",
                        path = url.path(),
                        status = status.as_u16(),
                        request_id = request_id.as_deref().unwrap_or(""),
                        client_request_id = client_request_id.as_str(),
                        attempt,
                        "graph request"
                    );
                    match resp.bytes().await {
                        Err(e) => (transport(e), None),
                        Ok(body) if status.is_success() => {
                            match serde_json::from_slice::<T>(&body) {
                                Ok(v) => return Ok((v, retry_after)),
                                Err(e) => (
                                    GraphError::Decode {
                                        status: status.as_u16(),
                                        message: e.to_string(),
                                        request_id,
                                    },
                                    None,
                                ),
                            }
                        }
                        Ok(body) => {
                            let err = GraphError::from_response(
                                status.as_u16(),
                                &body,
                                request_id,
                                retry_after,
                            );
                            if !retry::is_retryable_status(status.as_u16()) {
                                return Err(err);
                            }
                            (err, retry_after)
                        }
                    }
                }
                // A request that could not even be built (an invalid header value, a
                // bad URL) is a defect here, not a fault of the network: no retry.
                Err(e) if e.is_builder() => return Err(request_error(e)),
                Err(e) => (transport(e), None),
            };
            if last {
                return Err(err);
            }
            let wait = match retry_after {
                Some(ra) if ra > self.opts.max_retry_wait => {
                    return Err(with_wait(err, ra, self.opts.max_retry_wait));
                }
                Some(ra) => retry::honour(ra),
                None => retry::backoff(attempt),
            };
            tracing::debug!(path = url.path(), attempt, wait_ms = wait.as_millis() as u64, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends a request that changes state, exactly once: a reset is never repeated
    /// behind the admin's back. A connection that fails after the request may have been
    /// sent comes back as `Transport { maybe_sent: true }`: the outcome is unknown.
    async fn write(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<WriteResponse, GraphError> {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let token = self.tokens.token().await?;
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .header(header::ACCEPT, "application/json")
            .header("client-request-id", &client_request_id)
            .bearer_auth(token.expose_secret());
        if let Some(b) = body {
            req = req.header(header::CONTENT_TYPE, "application/json").body(b);
        }
        // A request that could not be built never left: certainly not sent.
        let resp = req.send().await.map_err(|e| {
            if e.is_builder() {
                request_error(e)
            } else {
                transport(e)
            }
        })?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let request_id = headers
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let retry_after = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry::parse_retry_after);
        tracing::debug!(
            method = method.as_str(),
            path = url.path(),
            status = status.as_u16(),
            request_id = request_id.as_deref().unwrap_or(""),
            client_request_id = client_request_id.as_str(),
            "graph write"
        );
        let body = resp.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(GraphError::from_response(
                status.as_u16(),
                &body,
                request_id,
                retry_after,
            ));
        }
        Ok(WriteResponse {
            status: status.as_u16(),
            location: headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            retry_after,
            request_id,
            body: body.to_vec(),
        })
    }

    /// Follows `@odata.nextLink` until `limit` items are collected or no pages remain.
    /// `ConsistencyLevel` is re-sent on every page: Graph does not carry it over.
    async fn get_all<T: DeserializeOwned>(
        &self,
        first: Url,
        eventual: bool,
        limit: Option<usize>,
    ) -> Result<(Vec<T>, Option<u64>), GraphError> {
        let mut items = Vec::new();
        let mut count = None;
        let mut next = Some(first);
        let mut first_page = true;
        while let Some(url) = next.take() {
            let page: Page<T> = self.get_json(url, eventual).await?;
            if first_page {
                count = page.count;
                first_page = false;
            }
            items.extend(page.value);
            if limit.is_some_and(|l| items.len() >= l) {
                items.truncate(limit.unwrap_or(usize::MAX));
                break;
            }
            if let Some(link) = page.next_link {
                next = Some(self.follow(&link)?);
            }
        }
        Ok((items, count))
    }

    async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &str,
        eventual: bool,
    ) -> Result<Vec<T>, GraphError> {
        Ok(self
            .get_all(self.url(path, query)?, eventual, None)
            .await?
            .0)
    }
}

struct WriteResponse {
    #[allow(dead_code)]
    status: u16,
    location: Option<String>,
    retry_after: Option<Duration>,
    request_id: Option<String>,
    body: Vec<u8>,
}

/// The request could not be built: say what was wrong, once.
fn request_error(e: reqwest::Error) -> GraphError {
    GraphError::Request(root_cause(&e))
}

/// Graph asked for a longer wait than `max_retry_wait_secs` allows: the message says so.
fn with_wait(mut err: GraphError, asked: Duration, max: Duration) -> GraphError {
    if let GraphError::Api { message, .. } = &mut err {
        message.push_str(&format!(
            " (Graph asks to wait {} s before retrying, more than max_retry_wait_secs = {})",
            asked.as_secs_f64().ceil() as u64,
            max.as_secs()
        ));
    }
    err
}

fn transport(e: reqwest::Error) -> GraphError {
    let message = if e.is_timeout() {
        "the request timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "the connection dropped while reading the response".to_string()
    } else {
        "the connection failed".to_string()
    };
    GraphError::Transport {
        // The source chain can include the URL; the message stays generic but precise.
        message: format!("{message} ({})", root_cause(&e)),
        maybe_sent: !e.is_connect(),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    crate::sanitize::sanitize_line(&cur.to_string(), 120)
}

#[async_trait]
impl GraphApi for GraphClient {
    async fn me(&self) -> Result<User, GraphError> {
        let q = format!("$select={}", enc(query::USER_SELECT));
        self.get_json(self.url("/me", &q)?, false).await
    }

    async fn search_users(&self, text: &str, top: u32) -> Result<SearchResult, GraphError> {
        let top = top.max(1);
        let q = format!(
            "$search={}&$select={}&$top={}&$count=true",
            enc(&query::user_search_expression(text)),
            enc(query::SEARCH_SELECT),
            top.min(MAX_PAGE)
        );
        let (users, count) = self
            .get_all(self.url("/users", &q)?, true, Some(top as usize))
            .await?;
        Ok(SearchResult { users, count })
    }

    async fn filter_users(&self, filter: &str, top: u32) -> Result<Vec<User>, GraphError> {
        let top = top.clamp(1, MAX_PAGE);
        let q = format!(
            "$filter={}&$select={}&$top={top}&$count=true",
            enc(filter),
            enc(query::SEARCH_SELECT),
        );
        let (users, _) = self
            .get_all(self.url("/users", &q)?, true, Some(top as usize))
            .await?;
        Ok(users)
    }

    async fn get_user(&self, id_or_upn: &str) -> Result<User, GraphError> {
        let path = query::user_path(id_or_upn);
        // Properties that need more than reading users: drop them one by one on a 403,
        // and the rest of the user is still read.
        loop {
            let n = self.optional_props.load(Ordering::Relaxed);
            let mut select = query::USER_SELECT.to_string();
            for p in &OPTIONAL_USER_PROPS[..n] {
                select.push(',');
                select.push_str(p);
            }
            let q = format!("$select={}", enc(&select));
            match self.get_json(self.url(&path, &q)?, false).await {
                Err(e) if e.is_forbidden() && n > 0 => {
                    self.optional_props.store(n - 1, Ordering::Relaxed);
                }
                other => return other,
            }
        }
    }

    async fn sign_in_activity(&self, user_id: &str) -> Result<Option<SignInActivity>, GraphError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Only {
            sign_in_activity: Option<SignInActivity>,
        }
        let url = self.url(&query::user_path(user_id), "$select=signInActivity")?;
        let only: Only = self.get_json_tries(url, false, 1).await?;
        Ok(only.sign_in_activity)
    }

    async fn member_of(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError> {
        let path = format!("{}/memberOf", query::user_path(user_id));
        self.list(&path, "", false).await
    }

    async fn transitive_groups(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError> {
        // An OData cast on a transitive list is an advanced query.
        let path = format!(
            "{}/transitiveMemberOf/microsoft.graph.group",
            query::user_path(user_id)
        );
        let q = format!(
            "$count=true&$select={}",
            enc("id,displayName,isAssignableToRole")
        );
        self.list(&path, &q, true).await
    }

    async fn owned_groups(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError> {
        let path = format!(
            "{}/ownedObjects/microsoft.graph.group",
            query::user_path(user_id)
        );
        let q = format!(
            "$count=true&$select={}",
            enc("id,displayName,isAssignableToRole")
        );
        self.list(&path, &q, true).await
    }

    async fn role_assignments(
        &self,
        principal_ids: &[String],
    ) -> Result<Vec<RoleAssignment>, GraphError> {
        let mut out = Vec::new();
        // Keep each `in (...)` list short: URLs have length limits.
        for chunk in principal_ids.chunks(15) {
            let q = format!(
                "$filter={}&$expand=roleDefinition",
                enc(&query::principal_filter(chunk))
            );
            out.extend(
                self.list::<RoleAssignment>("/roleManagement/directory/roleAssignments", &q, false)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn role_eligibilities(
        &self,
        principal_ids: &[String],
    ) -> Result<Vec<ScheduleInstance>, GraphError> {
        let calls = principal_ids.iter().map(|id| async move {
            let q = format!(
                "$filter={}&$expand=roleDefinition",
                enc(&query::principal_filter(std::slice::from_ref(id)))
            );
            self.list::<ScheduleInstance>(
                "/roleManagement/directory/roleEligibilityScheduleInstances",
                &q,
                false,
            )
            .await
        });
        let mut out = Vec::new();
        for r in futures::future::join_all(calls).await {
            out.extend(r?);
        }
        Ok(out)
    }

    async fn my_role_eligibilities(&self) -> Result<Vec<ScheduleInstance>, GraphError> {
        self.list(
            "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
            "$expand=roleDefinition",
            false,
        )
        .await
    }

    async fn my_role_assignments(&self) -> Result<Vec<ScheduleInstance>, GraphError> {
        self.list(
            "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')",
            "$expand=roleDefinition",
            false,
        )
        .await
    }

    async fn administrative_unit(&self, id: &str) -> Result<AdministrativeUnit, GraphError> {
        let path = format!(
            "/directory/administrativeUnits/{}",
            utf8_percent_encode(id, QUERY_VALUE)
        );
        self.get_json(self.url(&path, "")?, false).await
    }

    async fn organization(&self) -> Result<Organization, GraphError> {
        let orgs: Vec<Organization> = self.list("/organization", "", false).await?;
        orgs.into_iter().next().ok_or_else(|| GraphError::Decode {
            status: StatusCode::OK.as_u16(),
            message: "GET /organization returned no organization".into(),
            request_id: None,
        })
    }

    async fn domains(&self) -> Result<Vec<Domain>, GraphError> {
        self.list("/domains", "", false).await
    }

    async fn update_password_profile(
        &self,
        user_id: &str,
        update: &PasswordProfileUpdate<'_>,
    ) -> Result<WriteReceipt, GraphError> {
        // The password exists in plain text only inside this buffer, which is zeroized
        // as soon as the request is built.
        let body = zeroize::Zeroizing::new(
            serde_json::to_vec(&serde_json::json!({"passwordProfile": {
                "password": update.password.expose_secret(),
                "forceChangePasswordNextSignIn": update.force_change,
                "forceChangePasswordNextSignInWithMfa": update.force_change_with_mfa,
            }}))
            .unwrap_or_default(),
        );
        let url = self.url(&query::user_path(user_id), "")?;
        let r = self.write(Method::PATCH, url, Some(body.to_vec())).await?;
        Ok(WriteReceipt {
            request_id: r.request_id,
        })
    }

    async fn reset_password(
        &self,
        user_id: &str,
        new_password: Option<&SecretString>,
    ) -> Result<ResetAccepted, GraphError> {
        let body = zeroize::Zeroizing::new(match new_password {
            Some(p) => serde_json::to_vec(&serde_json::json!({"newPassword": p.expose_secret()}))
                .unwrap_or_default(),
            None => b"{}".to_vec(),
        });
        let path = format!(
            "{}/authentication/methods/{}/resetPassword",
            query::user_path(user_id),
            PASSWORD_METHOD_ID
        );
        let r = self
            .write(Method::POST, self.url(&path, "")?, Some(body.to_vec()))
            .await?;
        // A system-generated password comes only in this body (when none was sent).
        let generated = if r.body.is_empty() {
            None
        } else {
            let mut v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let pw = v
                .get_mut("newPassword")
                .and_then(|p| p.as_str().map(|s| secret(s.to_string())));
            if let Some(p) = v.get_mut("newPassword") {
                *p = serde_json::Value::Null;
            }
            pw
        };
        let mut raw = r.body;
        raw.zeroize();
        Ok(ResetAccepted {
            location: r.location,
            retry_after: r.retry_after,
            generated,
            request_id: r.request_id,
        })
    }

    async fn operation(&self, location: &str) -> Result<(Operation, Option<Duration>), GraphError> {
        // The Location is followed as given, query string included, but only to our host.
        let url = self.follow(location)?;
        // Each try spends the shared reports budget, ahead of the audit poller; the
        // poll's own Retry-After is returned for the next one.
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.reports.acquire(true).await;
            match self.get_json_full::<Operation>(url.clone(), false, 1).await {
                Err(e) if e.is_transient() && attempt < self.opts.max_attempts.max(1) => {
                    let wait = match e.retry_after() {
                        Some(ra) if ra > self.opts.max_retry_wait => {
                            return Err(with_wait(e, ra, self.opts.max_retry_wait));
                        }
                        Some(ra) => retry::honour(ra),
                        None => retry::backoff(attempt),
                    };
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    async fn directory_audits_page(
        &self,
        page: AuditPage<'_>,
    ) -> Result<Page<DirectoryAudit>, GraphError> {
        // One attempt per call, inside the shared reports budget: the audit poller retries
        // and would only be pushed over the limit by hidden retries here.
        let url = match page {
            AuditPage::First { filter, top } => self.url(
                "/auditLogs/directoryAudits",
                &format!("$filter={}&$top={top}", enc(filter)),
            )?,
            AuditPage::Next(link) => self.follow(link)?,
        };
        self.reports.acquire(false).await;
        self.get_json_tries(url, false, 1).await
    }

    async fn revoke_sessions(&self, user_id: &str) -> Result<WriteReceipt, GraphError> {
        let path = format!("{}/revokeSignInSessions", query::user_path(user_id));
        let r = self.write(Method::POST, self.url(&path, "")?, None).await?;
        Ok(WriteReceipt {
            request_id: r.request_id,
        })
    }

    async fn on_premises_sync(&self) -> Result<Option<OnPremisesSync>, GraphError> {
        let all: Vec<OnPremisesSync> = self
            .list("/directory/onPremisesSynchronization", "", false)
            .await?;
        Ok(all.into_iter().next())
    }
}
