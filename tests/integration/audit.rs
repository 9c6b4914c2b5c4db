//! The audit poller and its stream against the simulator: overlapping windows without
//! duplicates or missed late entries, the reports limit respected, and a permission error
//! that explains itself and is retried later.

use std::time::Duration;

use crate::support::{Env, Setup, start};
use resetdesk::app::{AuditStatus, Msg};
use resetdesk::graph::audit::{AuditPoller, PollerConfig};
use resetdesk::runtime::audit_stream::{self, StreamTiming};
use resetdesk::secret::ExposeSecret;
use resetdesk::sim::AuditOptions;

/// A resetPassword reset of the synced demo user, as the console sends it.
fn synced_reset(password: String, timeout: Duration) -> resetdesk::service::reset::ResetRequest {
    resetdesk::service::reset::ResetRequest {
        user_id: "alan.steiner@contoso.com".into(),
        method: resetdesk::policy::eligibility::Method::ResetPassword,
        password: Some(resetdesk::secret::secret(password)),
        generated: true,
        force_change: true,
        force_change_with_mfa: false,
        revoke_sessions: false,
        operation_timeout: timeout,
    }
}

async fn reset_over_http(env: &Env, upn: &str) {
    let status = reqwest::Client::new()
        .patch(format!("{}/users/{upn}", env.sim.base_url))
        .bearer_auth(env.sim.token.expose_secret())
        .json(&serde_json::json!({"passwordProfile": {"password": "Vx7#mQ2!pLw9", "forceChangePasswordNextSignIn": true}}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 204);
}

fn since() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() - time::Duration::hours(1)
}

#[tokio::test]
async fn overlapping_windows_miss_no_late_entry_and_repeat_none() {
    let env = start(Setup {
        audit: AuditOptions {
            delay: Duration::from_millis(700),
            activity_every: None,
            history: 0,
            limit: (50, Duration::from_secs(1)),
        },
        ..Setup::default()
    })
    .await;
    let mut p = AuditPoller::new(
        PollerConfig {
            limit: (50, Duration::from_secs(1)),
            ..Default::default()
        },
        since(),
    );
    assert!(p.poll(&env.client).await.unwrap().is_empty());
    reset_over_http(&env, "adele.vance@contoso.com").await;
    // The entries exist but have not reached the log yet.
    assert!(
        p.poll(&env.client).await.unwrap().is_empty(),
        "not visible before the delay"
    );
    // Poll until they arrive (each poll starts after the entries' time: only the
    // look-back window can catch them).
    let mut got = Vec::new();
    for _ in 0..50 {
        got.extend(p.poll(&env.client).await.unwrap());
        if got.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<&str> = got
        .iter()
        .map(|e| e.activity_display_name.as_str())
        .collect();
    assert_eq!(got.len(), 2, "{names:?}");
    assert!(names.contains(&"Reset user password") && names.contains(&"Reset password (by admin)"));
    // Later polls overlap the same window and deliver nothing again.
    for _ in 0..3 {
        assert!(p.poll(&env.client).await.unwrap().is_empty());
    }
    reset_over_http(&env, "mia.chen@contoso.com").await;
    let mut more = Vec::new();
    for _ in 0..50 {
        more.extend(p.poll(&env.client).await.unwrap());
        if more.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(more.len(), 2);
    assert!(
        more.iter()
            .all(|e| e.target_user().unwrap().user_principal_name.as_deref()
                == Some("mia.chen@contoso.com"))
    );
}

#[tokio::test]
async fn the_poller_keeps_under_the_reports_limit_pages_included() {
    // A scaled-down limit (5 per 2 s instead of per 10 s) so the test is quick; 120
    // entries of history make every poll three pages at the simulator's page size of 50.
    let limit = (5, Duration::from_secs(2));
    let env = start(Setup {
        audit: AuditOptions {
            delay: Duration::ZERO,
            activity_every: None,
            history: 120,
            limit,
        },
        ..Setup::default()
    })
    .await;
    let mut p = AuditPoller::new(
        PollerConfig {
            limit,
            page_size: 50,
            // A look-back that reaches the whole history: every poll reads every page.
            lookback: Duration::from_secs(2 * 86_400),
            ..Default::default()
        },
        time::OffsetDateTime::now_utc() - time::Duration::days(1),
    );
    let first = p.poll(&env.client).await.unwrap();
    assert_eq!(first.len(), 120, "all pages followed");
    let per_poll = env.sim.state.reports.total();
    // One query per service (three), each with its pages: more than one page in all.
    assert!(
        per_poll > 3,
        "{per_poll} requests for 120 entries in pages of 50"
    );
    for _ in 0..3 {
        p.poll(&env.client).await.expect("never throttled");
    }
    let reports = &env.sim.state.reports;
    // Every poll reads every page again (a 429 at a window's edge, retried, may add one).
    assert!(reports.total() >= 4 * per_poll, "{}", reports.total());
    assert!(
        reports.busiest_window() <= 5,
        "busiest window: {}",
        reports.busiest_window()
    );

    // Without pacing (raw requests, not the client) the simulator answers 429, as the
    // service does.
    let mut throttled = false;
    for _ in 0..8 {
        let (status, headers, body) = env.raw("/auditLogs/directoryAudits", false).await;
        if status == 429 {
            assert_eq!(body["error"]["code"], "TooManyRequests");
            assert!(headers.contains_key("retry-after"));
            throttled = true;
            break;
        }
    }
    assert!(throttled);
}

#[tokio::test]
async fn a_permission_error_shows_the_fix_and_is_retried_later() {
    let env = start(Setup {
        persona: "no-role",
        ..Setup::default()
    })
    .await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let poller = AuditPoller::new(PollerConfig::default(), since());
    let timing = StreamTiming {
        interval: Duration::from_millis(50),
        retry_denied: Duration::from_millis(200),
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
    };
    let task = tokio::spawn(audit_stream::run(
        std::sync::Arc::new(env.client),
        poller,
        timing,
        tx,
    ));
    let mut denied = 0;
    while denied < 2 {
        match rx.recv().await.unwrap() {
            Msg::AuditStatus(AuditStatus::NoPermission { fix, .. }) => {
                assert!(
                    fix.contains("AuditLog.Read.All") && fix.contains("Reports Reader"),
                    "{fix}"
                );
                denied += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(env.sim.state.request_count() >= 2, "it tried again");
    // Stopping the console stops the task.
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn the_stream_sends_batches_and_live_status() {
    let env = start(Setup {
        audit: AuditOptions {
            delay: Duration::ZERO,
            activity_every: None,
            history: 7,
            limit: (5, Duration::from_secs(10)),
        },
        ..Setup::default()
    })
    .await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let poller = AuditPoller::new(
        PollerConfig::default(),
        time::OffsetDateTime::now_utc() - time::Duration::days(1),
    );
    let task = tokio::spawn(audit_stream::run(
        std::sync::Arc::new(env.client),
        poller,
        StreamTiming::default(),
        tx,
    ));
    match rx.recv().await.unwrap() {
        Msg::AuditBatch(b) => assert_eq!(b.len(), 7, "one batch, not single lines"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        rx.recv().await.unwrap(),
        Msg::AuditStatus(AuditStatus::Live { .. })
    ));
    task.abort();
}

#[tokio::test]
async fn the_simulator_refuses_an_or_in_the_audit_filter_as_graph_documents() {
    let env = start(Setup::default()).await;
    let or = "activityDateTime ge 2026-01-01T00:00:00Z and (activityDisplayName eq 'Reset password' or activityDisplayName eq 'Reset user password')";
    let q = |f: &str| {
        format!(
            "/auditLogs/directoryAudits?$filter={}",
            percent_encoding::utf8_percent_encode(f, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    let (status, _, body) = env.raw(&q(or), false).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "Request_UnsupportedQuery", "{body}");
    // The documented forms the poller uses are served.
    let ok = "activityDateTime ge 2026-01-01T00:00:00Z and loggedByService eq 'Core Directory'";
    let (status, _, body) = env.raw(&q(ok), false).await;
    assert_eq!(status, 200, "{body}");
}

/// Issue 12, item 3: the audit poller and a reset's operation polling spend one reports
/// budget; together they stay under it, and the reset still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_polls_and_the_audit_poller_share_one_budget() {
    let limit = (5, Duration::from_secs(2));
    let env = start(Setup {
        // Reads both the audit log and the operation.
        persona: "global-admin",
        op_delay: Duration::from_millis(2500),
        audit: AuditOptions {
            delay: Duration::ZERO,
            activity_every: None,
            history: 120,
            limit,
        },
        ..Setup::default()
    })
    .await;
    let client = std::sync::Arc::new(env.client);
    let poll_client = client.clone();
    let poller = tokio::spawn(async move {
        let mut p = AuditPoller::new(
            PollerConfig {
                limit,
                page_size: 50,
                lookback: Duration::from_secs(2 * 86_400),
                ..Default::default()
            },
            time::OffsetDateTime::now_utc() - time::Duration::days(1),
        );
        for _ in 0..4 {
            p.poll(poll_client.as_ref()).await.expect("never refused");
        }
    });
    let outcome = resetdesk::service::reset::reset(
        client.as_ref(),
        synced_reset("Kq7#mT4!vRx9PwZ3".into(), Duration::from_secs(60)),
    )
    .await;
    poller.await.unwrap();
    assert_eq!(
        outcome.status,
        resetdesk::service::reset::ResetStatus::Succeeded,
        "{:?}",
        outcome.detail
    );
    let busiest = env.sim.state.reports.busiest_window();
    assert!(busiest <= limit.0, "busiest window {busiest}");
}

/// Issue 12, "done when": 30 minutes of polling on the simulator's clock (tokio's paused
/// time drives the client, the simulator and its limit alike; no wall time passes) at
/// Graph's own reports limit, 5 requests per 10 s: the audit stream, asked to poll far
/// more often than the budget allows, and a reset every two minutes with its operation
/// polls never put more than 5 requests into any 10 s, nothing is throttled, and every
/// reset still completes.
#[tokio::test(start_paused = true)]
async fn half_an_hour_of_simulated_polling_never_exceeds_the_reports_budget() {
    use resetdesk::service::reset::{ResetStatus, reset};
    use std::sync::Arc;
    let limit = (5, Duration::from_secs(10));
    let env = start(Setup {
        persona: "global-admin",
        op_delay: Duration::from_secs(5),
        audit: AuditOptions {
            delay: Duration::from_secs(3),
            activity_every: Some(Duration::from_secs(20)),
            history: 120,
            limit,
        },
        ..Setup::default()
    })
    .await;
    let began = tokio::time::Instant::now();
    let client: Arc<dyn resetdesk::graph::GraphApi> = Arc::new(env.client);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = tokio::spawn(audit_stream::run(
        client.clone(),
        AuditPoller::new(
            PollerConfig::default(),
            time::OffsetDateTime::now_utc() - time::Duration::hours(1),
        ),
        StreamTiming {
            // Three queries every 2 s would be 15 per 10 s: only the budget holds it back.
            interval: Duration::from_secs(2),
            ..StreamTiming::default()
        },
        tx,
    ));
    let mut resets = 0;
    while began.elapsed() < Duration::from_secs(30 * 60) {
        let outcome = reset(
            client.as_ref(),
            synced_reset(
                format!("Kq7#mT4!vRx9Pw{resets:02}"),
                Duration::from_secs(120),
            ),
        )
        .await;
        assert_eq!(
            outcome.status,
            ResetStatus::Succeeded,
            "{:?}",
            outcome.detail
        );
        resets += 1;
        tokio::time::sleep(Duration::from_secs(120)).await;
    }
    stream.abort();
    let (mut live, mut backing_off) = (0, 0);
    while let Ok(m) = rx.try_recv() {
        match m {
            Msg::AuditStatus(AuditStatus::Live { .. }) => live += 1,
            Msg::AuditStatus(AuditStatus::BackingOff { reason, .. }) => {
                backing_off += 1;
                eprintln!("backed off: {reason}");
            }
            _ => {}
        }
    }
    let reports = &env.sim.state.reports;
    assert!(resets >= 14, "{resets} resets in 30 simulated minutes");
    assert_eq!(backing_off, 0, "never throttled");
    // The stream kept polling all along, paced by the budget (each poll is three queries,
    // and the background poll leaves two of every five slots to operation polls and
    // triage), and the operation polls found their slots.
    assert!(live > 60, "{live} polls");
    eprintln!("{live} polls, {} report requests", reports.total());
    assert!(reports.total() > 400, "{} report requests", reports.total());
    let busiest = reports.busiest_window();
    assert!(busiest <= limit.0, "busiest window {busiest}");
}
