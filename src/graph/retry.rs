//! When and how long to wait before trying a request again.

use std::time::Duration;

use rand::RngExt;

/// Statuses worth another try for an idempotent request (Graph throttling guidance).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// `Retry-After` as Graph sends it: whole or decimal seconds (`10`, `2.128`). The HTTP-date
/// form is not used by Graph; it yields `None` and the caller backs off exponentially.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// Exponential backoff with full jitter: a random wait in `[base, 2^(attempt-1) * base]`,
/// capped. `attempt` counts from 1.
pub fn backoff(attempt: u32) -> Duration {
    let base_ms = 400u64;
    let cap_ms = 8_000u64;
    let max = base_ms
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(10))
        .min(cap_ms);
    Duration::from_millis(rand::rng().random_range(base_ms..=max.max(base_ms)))
}

/// A server-given wait plus a little jitter so that many clients don't return at once.
pub fn honour(retry_after: Duration) -> Duration {
    retry_after + Duration::from_millis(rand::rng().random_range(0..=150))
}

/// Graph asked for a longer wait than `max_retry_wait_secs` allows: the message says so.
pub fn with_wait(
    mut err: crate::graph::GraphError,
    asked: Duration,
    max: Duration,
) -> crate::graph::GraphError {
    if let crate::graph::GraphError::Api { message, .. } = &mut err {
        message.push_str(&format!(
            " (Graph asks to wait {} s before retrying, more than max_retry_wait_secs = {})",
            asked.as_secs_f64().ceil() as u64,
            max.as_secs()
        ));
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_integer_and_decimal() {
        assert_eq!(parse_retry_after("10"), Some(Duration::from_secs(10)));
        assert_eq!(
            parse_retry_after(" 2.128 "),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(
                d >= Duration::from_millis(400) && d <= Duration::from_secs(8),
                "{d:?}"
            );
        }
    }

    #[test]
    fn only_throttling_and_unavailable_are_retryable() {
        assert!(is_retryable_status(429) && is_retryable_status(503) && is_retryable_status(504));
        assert!(
            !is_retryable_status(500) && !is_retryable_status(403) && !is_retryable_status(400)
        );
    }
}
