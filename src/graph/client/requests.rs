//! How the client sends a request: reads retried where safe (throttling, unavailability,
//! dropped connections) and followed across pages, writes sent exactly once, and the
//! errors a failed transport becomes.

use std::time::Duration;

use reqwest::{Method, Url, header};
use serde::de::DeserializeOwned;

use super::GraphClient;
use crate::graph::GraphError;
use crate::graph::model::Page;
use crate::graph::retry;
use crate::secret::ExposeSecret;

impl GraphClient {
    /// Sends a GET and parses the body, retrying what is safe to retry: throttling and
    /// unavailability (honouring `Retry-After`), dropped connections, timeouts and bodies
    /// that do not parse.
    pub(super) async fn get_json<T: DeserializeOwned>(
        &self,
        url: Url,
        eventual: bool,
    ) -> Result<T, GraphError> {
        self.get_json_tries(url, eventual, self.opts.max_attempts)
            .await
    }

    /// `get_json` with its own bound on attempts (1: the caller paces and retries).
    pub(super) async fn get_json_tries<T: DeserializeOwned>(
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
    pub(super) async fn get_json_full<T: DeserializeOwned>(
        &self,
        url: Url,
        eventual: bool,
        max_attempts: u32,
    ) -> Result<(T, Option<Duration>), GraphError> {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        // A `$search` with an (encoded) `&` is a 400 on v1.0 unless it asks for the new
        // search: Microsoft's known issue 18185 and its workaround 1, `Prefer:
        // legacySearch=false` (https://developer.microsoft.com/graph/known-issues/?search=18185).
        let new_search = url
            .query_pairs()
            .any(|(k, v)| k == "$search" && v.contains('&'));
        let mut attempt = 0;
        let mut renewed = false;
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
            if new_search {
                req = req.header("Prefer", "legacySearch=false");
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
                            let body = crate::graph::model::repair_lone_surrogates(&body);
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
                            // A refused token (expired early, revoked) is renewed once
                            // and the request asked again; it is not an attempt.
                            if status.as_u16() == 401 && !renewed {
                                renewed = true;
                                if self.renew(&token).await {
                                    attempt -= 1;
                                    continue;
                                }
                            }
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
                    return Err(retry::with_wait(err, ra, self.opts.max_retry_wait));
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
    pub(super) async fn write(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<WriteResponse, GraphError> {
        match self
            .write_once(method.clone(), url.clone(), body.clone())
            .await
        {
            // Graph authenticates before it does anything: a 401 changed nothing, so
            // the write is sent again, once, with a renewed token.
            Err((e, Some(token))) if e.status() == Some(401) => {
                if self.tokens.renew_silently(&token).await.is_ok() {
                    self.write_once(method, url, body).await.map_err(|(e, _)| e)
                } else {
                    Err(e)
                }
            }
            other => other.map_err(|(e, _)| e),
        }
    }

    /// Asks the credential for a token other than the refused one; false if it has none.
    async fn renew(&self, refused: &crate::secret::SecretString) -> bool {
        match self.tokens.renew(refused).await {
            Ok(_) => true,
            Err(e) => {
                tracing::debug!(error = %e, "the refused token could not be renewed");
                false
            }
        }
    }

    /// One write; a 401 comes back with the token that was refused.
    async fn write_once(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<WriteResponse, (GraphError, Option<crate::secret::SecretString>)> {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let token = self.tokens.token().await.map_err(|e| (e.into(), None))?;
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
                (request_error(e), None)
            } else {
                (transport(e), None)
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
        let body = resp.bytes().await.map_err(|e| (transport(e), None))?;
        if !status.is_success() {
            return Err((
                GraphError::from_response(status.as_u16(), &body, request_id, retry_after),
                (status.as_u16() == 401).then_some(token),
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
            // Moved, not copied, when the buffer is not shared: the caller zeroizes it,
            // and no copy of a returned password or pass is left behind.
            body: body.into(),
        })
    }

    /// Follows `@odata.nextLink` until `limit` items are collected or no pages remain.
    /// `ConsistencyLevel` is re-sent on every page: Graph does not carry it over.
    pub(super) async fn get_all<T: DeserializeOwned>(
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
            // The next page is asked for with the nextLink exactly as given, its `$top`
            // included, even when fewer items are still wanted: "include the entire URL in
            // the @odata.nextLink property … the request might fail if you change the URL"
            // (https://learn.microsoft.com/graph/paging). The surplus is dropped above.
            if let Some(link) = page.next_link {
                next = Some(self.follow(&link)?);
            }
        }
        Ok((items, count))
    }

    pub(super) async fn list<T: DeserializeOwned>(
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

pub(super) struct WriteResponse {
    #[allow(dead_code)]
    pub(super) status: u16,
    pub(super) location: Option<String>,
    pub(super) retry_after: Option<Duration>,
    pub(super) request_id: Option<String>,
    pub(super) body: Vec<u8>,
}

/// The request could not be built: say what was wrong, once.
fn request_error(e: reqwest::Error) -> GraphError {
    GraphError::Request(root_cause(&e))
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
