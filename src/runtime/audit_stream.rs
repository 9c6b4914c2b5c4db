//! The long-lived task that follows the audit log and sends batches and its own state to
//! the app. It sleeps between polls (an idle console stays idle), backs off on throttling
//! and errors, and after a permission error says which permission is missing and tries
//! again later.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::{AuditStatus, Msg};
use crate::graph::GraphApi;
use crate::graph::GraphError;
use crate::graph::audit::AuditPoller;

#[derive(Debug, Clone)]
pub struct StreamTiming {
    pub interval: Duration,
    /// After a permission error.
    pub retry_denied: Duration,
    /// First wait after a failure; doubles up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for StreamTiming {
    fn default() -> Self {
        StreamTiming {
            interval: Duration::from_secs(30),
            retry_denied: Duration::from_secs(300),
            backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(300),
        }
    }
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// What the pane's title says after an error, and how long to wait.
pub fn status_after(
    e: &GraphError,
    backoff: Duration,
    timing: &StreamTiming,
) -> (AuditStatus, Duration) {
    if e.is_forbidden() {
        let until = now() + timing.retry_denied;
        return (
            AuditStatus::NoPermission {
                fix: "reading the audit log needs AuditLog.Read.All and Directory.Read.All (consent), and the Reports Reader, Security Reader or Global Reader role".into(),
                retry_at: until,
            },
            timing.retry_denied,
        );
    }
    let wait = match e {
        GraphError::Api {
            retry_after: Some(ra),
            ..
        } => (*ra).max(backoff),
        _ => backoff,
    };
    (
        AuditStatus::BackingOff {
            until: now() + wait,
            reason: crate::sanitize::sanitize_line(&e.to_string(), 120),
        },
        wait,
    )
}

pub async fn run(
    api: Arc<dyn GraphApi>,
    mut poller: AuditPoller,
    timing: StreamTiming,
    tx: UnboundedSender<Msg>,
) {
    let mut backoff = timing.backoff;
    loop {
        let started = now();
        let wait = match poller.poll(api.as_ref()).await {
            Ok(batch) => {
                backoff = timing.backoff;
                if !batch.is_empty() && tx.send(Msg::AuditBatch(batch)).is_err() {
                    return;
                }
                if tx
                    .send(Msg::AuditStatus(AuditStatus::Live { last_poll: started }))
                    .is_err()
                {
                    return;
                }
                timing.interval
            }
            Err(e) => {
                let (status, wait) = status_after(&e, backoff, &timing);
                if !e.is_forbidden() {
                    backoff = (backoff * 2).min(timing.max_backoff);
                }
                if tx.send(Msg::AuditStatus(status)).is_err() {
                    return;
                }
                wait
            }
        };
        tokio::time::sleep(wait).await;
    }
}
