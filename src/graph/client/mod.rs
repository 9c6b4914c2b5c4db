//! The reqwest implementation of `GraphApi`.
//!
//! This file is the client itself: its options, the base URL and the URLs built on it, and
//! the `@odata.nextLink` rule. Sending (retries, writes, paging) is in `requests`, the
//! `GraphApi` calls in `api`.

mod api;
mod requests;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;

use super::GraphError;
use crate::auth::TokenProvider;
use crate::config::{Cloud, Config};

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Base URL including the version, e.g. `https://graph.microsoft.com/v1.0`.
    pub base_url: String,
    pub timeout: Duration,
    pub max_attempts: u32,
    /// A server that asks us to wait longer than this gets an error instead of a hang.
    pub max_retry_wait: Duration,
    /// The national cloud the base URL belongs to: it decides which calls exist.
    pub cloud: Cloud,
}

impl ClientOptions {
    pub fn from_config(c: &Config) -> Self {
        ClientOptions {
            base_url: c.graph_url.clone(),
            timeout: c.timeout,
            max_attempts: c.max_attempts,
            max_retry_wait: c.max_retry_wait,
            cloud: c.cloud,
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
}
