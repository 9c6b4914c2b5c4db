//! Typed Graph errors. Decisions branch on `code` (and HTTP status), never on `message`,
//! which Microsoft does not localize but does change.

use std::time::Duration;

use crate::auth::AuthError;
use crate::graph::model::ErrorEnvelope;
use crate::sanitize::sanitize_line;

#[derive(Debug, Clone, thiserror::Error)]
pub enum GraphError {
    /// Graph answered with an error body.
    #[error("{}", api_line(*.status, code, message, request_id.as_deref()))]
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    },
    /// The request did not complete: refused, reset, or timed out. `maybe_sent` says
    /// whether the server may have received (and acted on) it.
    #[error("network error talking to Microsoft Graph: {message}")]
    Transport { message: String, maybe_sent: bool },
    /// The response arrived but was not what the contract promises.
    #[error("malformed response from Microsoft Graph (HTTP {status}): {message}{}", rid(request_id.as_deref()))]
    Decode {
        status: u16,
        message: String,
        request_id: Option<String>,
    },
    /// A `@odata.nextLink` or `Location` pointed somewhere the bearer token must not go.
    #[error("refused to follow a link to another host: {0}")]
    ForeignLink(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request could not be built (an invalid header value, a bad URL): a defect in
    /// what was asked, never retried.
    #[error("resetdesk could not build the request: {0}")]
    Request(String),
}

/// The request id as the error line names it. It comes from a header or the error body,
/// so it is sanitized like the message: it reaches the terminal too.
fn rid(r: Option<&str>) -> String {
    r.map(|r| format!(" [request-id {}]", sanitize_line(r, 100)))
        .unwrap_or_default()
}

fn api_line(status: u16, code: &str, message: &str, request_id: Option<&str>) -> String {
    let code = if code.is_empty() {
        "(no code)".to_string()
    } else {
        sanitize_line(code, 100)
    };
    format!(
        "Graph error {code} (HTTP {status}): {}{}",
        sanitize_line(message, 300),
        rid(request_id)
    )
}

impl GraphError {
    /// Builds an `Api` error from a response body; a body that is not the Graph envelope
    /// still yields an error that names the HTTP status.
    pub fn from_response(
        status: u16,
        body: &[u8],
        header_request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> GraphError {
        match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(env) => {
                let inner = env.error.inner_error.unwrap_or_default();
                GraphError::Api {
                    status,
                    code: env.error.code,
                    message: env.error.message,
                    request_id: inner.request_id.or(header_request_id),
                    retry_after,
                }
            }
            Err(_) => GraphError::Api {
                status,
                code: String::new(),
                message: format!("HTTP {status} with a body that is not a Graph error"),
                request_id: header_request_id,
                retry_after,
            },
        }
    }

    /// The `request-id` Graph gave, if any: for support, kept out of the texts people
    /// and scripts compare.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            GraphError::Api { request_id, .. } | GraphError::Decode { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The message without its request id.
    pub fn without_request_id(&self) -> String {
        let text = self.to_string();
        match self.request_id() {
            Some(r) => text.replace(&rid(Some(r)), ""),
            None => text,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            GraphError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Api { status, .. } | GraphError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404) || self.code() == Some("Request_ResourceNotFound")
    }

    /// A write that ended in this error may have been carried out: its answer was lost
    /// after sending, or a gateway or internal error stands in for work that may have
    /// been done behind it. A 429 or 503 means Graph did not take it; any other status
    /// is Graph's answer to a request it did not carry out.
    pub fn write_may_have_applied(&self) -> bool {
        matches!(
            self,
            GraphError::Transport {
                maybe_sent: true,
                ..
            }
        ) || matches!(self.status(), Some(500 | 502 | 504))
    }

    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403) || self.code() == Some("Authorization_RequestDenied")
    }

    /// A stable kebab-case name for the kind of failure, for scripts and the journal.
    pub fn kind(&self) -> &'static str {
        if self.is_unauthenticated() {
            return "auth-failed";
        }
        match self {
            GraphError::Transport { .. } => "network",
            GraphError::Decode { .. } => "malformed-response",
            GraphError::ForeignLink(_) => "foreign-link",
            GraphError::Request(_) => "request-not-built",
            _ if self.status() == Some(429) => "throttled",
            _ if self.status().is_some_and(|s| s >= 500) => "service-unavailable",
            _ if self.is_not_found() => "not-found",
            _ if self.is_forbidden() => "forbidden",
            _ => "graph-error",
        }
    }

    /// Worth another try for a read: throttled, unavailable, a gateway timeout, a dropped
    /// or timed-out connection, or a body that did not parse.
    pub fn is_transient(&self) -> bool {
        match self {
            GraphError::Api { status, .. } => super::retry::is_retryable_status(*status),
            GraphError::Transport { .. } | GraphError::Decode { .. } => true,
            GraphError::ForeignLink(_) | GraphError::Auth(_) | GraphError::Request(_) => false,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GraphError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Authentication failed: the token is missing, expired or for the wrong audience.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, GraphError::Auth(_))
            || self.status() == Some(401)
            || self.code() == Some("InvalidAuthenticationToken")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_envelope_and_names_the_code() {
        let body =
            include_bytes!("../../tests/fixtures/graph-examples/error-authorization-denied.json");
        let e = GraphError::from_response(403, body, None, None);
        assert!(e.is_forbidden());
        assert_eq!(e.code(), Some("Authorization_RequestDenied"));
        let line = e.to_string();
        assert!(
            line.starts_with("Graph error Authorization_RequestDenied (HTTP 403)"),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn hostile_message_is_sanitized_to_one_line() {
        let body = br#"{"error":{"code":"X","message":"bad\u001b[2J\nthing"}}"#;
        let line = GraphError::from_response(400, body, Some("rid".into()), None).to_string();
        assert!(!line.contains('\u{1b}') && !line.contains('\n'), "{line:?}");
        assert!(line.ends_with("[request-id rid]"));
        // The code and the request id are Graph's text too.
        let body = br#"{"error":{"code":"X\u001b]0;owned\u0007","message":"m"}}"#;
        let e = GraphError::from_response(400, body, Some("r\u{1b}[2Jid".into()), None);
        let line = e.to_string();
        assert!(
            !line.contains('\u{1b}') && !line.contains('\u{7}'),
            "{line:?}"
        );
        assert!(!e.without_request_id().contains("request-id"), "{line:?}");
    }

    #[test]
    fn non_json_error_body_still_names_status() {
        let e = GraphError::from_response(502, b"<html>bad gateway</html>", None, None);
        assert_eq!(e.status(), Some(502));
        assert!(e.to_string().contains("HTTP 502"));
    }
}
