//! Following the directory audit log for password activity. Entries arrive minutes late,
//! so every poll looks back over a window that overlaps the last one and drops what it
//! has already seen; requests are paced under the reports limit (5 per 10 s), pages
//! included.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

use time::OffsetDateTime;

use super::model::DirectoryAudit;
use super::query::odata_string;
use super::{AuditPage, GraphApi, GraphError};

/// The activities followed by default (defined with the configuration's defaults).
pub use crate::config::DEFAULT_AUDIT_ACTIVITIES as DEFAULT_ACTIVITIES;

/// The service that logs each default activity (Microsoft Entra audit log
/// activities reference,
/// https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities).
pub fn service_of(activity: &str) -> Option<&'static str> {
    const SERVICES: &[(&str, &str)] = &[
        ("Reset password", "Core Directory"),
        ("Reset user password", "Core Directory"),
        ("Change user password", "Core Directory"),
        ("Set force change user password", "Core Directory"),
        (
            "Reset password (by admin)",
            "Self-service Password Management",
        ),
        (
            "Reset password (self-service)",
            "Self-service Password Management",
        ),
        (
            "Change password (self-service)",
            "Self-service Password Management",
        ),
        ("Admin started password reset", "Authentication Methods"),
        ("Admin registered security info", "Authentication Methods"),
    ];
    SERVICES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(activity))
        .map(|(_, s)| *s)
}

/// Activities that record an admin resetting someone's password.
pub const ADMIN_RESET_ACTIVITIES: &[&str] = &[
    "Reset password",
    "Reset user password",
    "Reset password (by admin)",
    "Admin started password reset",
];

#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub activities: Vec<String>,
    /// How far each poll reaches back before the previous one started.
    pub lookback: Duration,
    /// At most `limit.0` requests per `limit.1`.
    pub limit: (usize, Duration),
    pub page_size: u32,
    /// Tries per page for a transient failure (429, 503, 504, a dropped connection),
    /// each one inside the pace above.
    pub max_attempts: u32,
    /// A `Retry-After` longer than this is not waited for: the poll fails and says why.
    pub max_retry_wait: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            activities: DEFAULT_ACTIVITIES.iter().map(|s| s.to_string()).collect(),
            lookback: Duration::from_secs(600),
            limit: (5, Duration::from_secs(10)),
            page_size: 100,
            max_attempts: 5,
            max_retry_wait: Duration::from_secs(60),
        }
    }
}

pub struct AuditPoller {
    config: PollerConfig,
    /// Start of the first window.
    since: OffsetDateTime,
    /// When the last successful poll started.
    last_poll: Option<OffsetDateTime>,
    /// Ids already delivered, with their time (for forgetting them later).
    seen: HashMap<String, OffsetDateTime>,
    sent: VecDeque<Instant>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl AuditPoller {
    pub fn new(config: PollerConfig, since: OffsetDateTime) -> AuditPoller {
        AuditPoller {
            config,
            since,
            last_poll: None,
            seen: HashMap::new(),
            sent: VecDeque::new(),
        }
    }

    fn window_start(&self) -> OffsetDateTime {
        match self.last_poll {
            None => self.since,
            Some(t) => (t - self.config.lookback).max(self.since),
        }
    }

    /// The queries of one poll. The directoryAudits reference documents `eq`, `ge`, `le`
    /// and `startswith` on its properties, and no `or`
    /// (https://learn.microsoft.com/graph/api/resources/directoryaudit): so each poll asks
    /// once per followed Core Directory activity or activity of unknown service
    /// (`activityDisplayName eq …`), and once per other service that logs a followed
    /// activity (`loggedByService eq …`); the activity names are matched here. The window is written in whole seconds, as
    /// Microsoft's examples write it.
    pub fn queries(&self, from: OffsetDateTime) -> Vec<String> {
        let window = format!(
            "activityDateTime ge {}",
            rfc3339(from.replace_nanosecond(0).unwrap_or(from))
        );
        if self.config.activities.is_empty() {
            return vec![window];
        }
        // Core Directory logs every user and group change: its activities are asked for by
        // name. The password services log little else: asked for by service.
        let mut services: Vec<&'static str> = Vec::new();
        let mut by_name: Vec<&str> = Vec::new();
        for a in &self.config.activities {
            match service_of(a) {
                Some("Core Directory") | None => by_name.push(a),
                Some(s) if !services.contains(&s) => services.push(s),
                Some(_) => {}
            }
        }
        services
            .iter()
            .map(|s| format!("{window} and loggedByService eq {}", odata_string(s)))
            .chain(
                by_name
                    .iter()
                    .map(|a| format!("{window} and activityDisplayName eq {}", odata_string(a))),
            )
            .collect()
    }

    /// Whether an entry is one of the followed activities.
    fn followed(&self, e: &DirectoryAudit) -> bool {
        self.config.activities.is_empty()
            || self
                .config
                .activities
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&e.activity_display_name))
    }

    /// Waits until one more request fits under the limit. The window is counted a little
    /// wider than the service's: requests arrive later than they leave, and the service
    /// counts by arrival.
    async fn slot(&mut self) {
        let (max, window) = self.config.limit;
        let window = window + Duration::from_millis(250);
        loop {
            let now = Instant::now();
            while self
                .sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                self.sent.pop_front();
            }
            let oldest = match self.sent.front() {
                Some(&t) if self.sent.len() >= max => t,
                _ => {
                    self.sent.push_back(now);
                    return;
                }
            };
            tokio::time::sleep((oldest + window).saturating_duration_since(now)).await;
        }
    }

    /// One page, paced, retried on transient failures like every other read: honouring
    /// `Retry-After` (Graph's throttling guidance,
    /// https://learn.microsoft.com/graph/throttling), else backing off exponentially.
    async fn page(
        &mut self,
        api: &dyn GraphApi,
        page: AuditPage<'_>,
    ) -> Result<super::model::Page<DirectoryAudit>, GraphError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.slot().await;
            match api.directory_audits_page(page).await {
                Err(e) if e.is_transient() && attempt < self.config.max_attempts.max(1) => {
                    let wait = match e.retry_after() {
                        Some(ra) if ra > self.config.max_retry_wait => {
                            return Err(super::retry::with_wait(e, ra, self.config.max_retry_wait));
                        }
                        Some(ra) => super::retry::honour(ra),
                        None => super::retry::backoff(attempt),
                    };
                    tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, error = %e, "audit page: retrying");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// Entries not delivered before, oldest first.
    pub async fn poll(&mut self, api: &dyn GraphApi) -> Result<Vec<DirectoryAudit>, GraphError> {
        let started = OffsetDateTime::now_utc();
        let from = self.window_start();
        let mut fresh: Vec<DirectoryAudit> = Vec::new();
        for filter in self.queries(from) {
            // A failed query fails the poll; nothing of it is marked seen, so the next poll
            // delivers those entries again rather than losing them.
            if let Err(e) = self.poll_query(api, &filter, started, &mut fresh).await {
                for e in &fresh {
                    self.seen.remove(&e.id);
                }
                return Err(e);
            }
        }
        // Forget ids that can no longer come back in a window: memory stays flat.
        let horizon = from - self.config.lookback;
        self.seen.retain(|_, t| *t >= horizon);
        self.last_poll = Some(started);
        fresh.sort_by_key(|e| e.activity_date_time);
        Ok(fresh)
    }

    /// One query, all its pages.
    async fn poll_query(
        &mut self,
        api: &dyn GraphApi,
        filter: &str,
        started: OffsetDateTime,
        fresh: &mut Vec<DirectoryAudit>,
    ) -> Result<(), GraphError> {
        let mut next: Option<String> = None;
        loop {
            let page = match &next {
                None => {
                    self.page(
                        api,
                        AuditPage::First {
                            filter,
                            top: self.config.page_size,
                        },
                    )
                    .await?
                }
                Some(link) => self.page(api, AuditPage::Next(link)).await?,
            };
            for e in page.value {
                if !self.followed(&e) {
                    continue;
                }
                let when = e.activity_date_time.unwrap_or(started);
                if self.seen.insert(e.id.clone(), when).is_none() {
                    fresh.push(e);
                }
            }
            match page.next_link {
                Some(l) => next = Some(l),
                None => return Ok(()),
            }
        }
    }
}

/// Does this entry record `operator` resetting `target` at or after `after`?
pub fn confirms(
    e: &DirectoryAudit,
    operator_id: &str,
    target_id: &str,
    after: OffsetDateTime,
) -> bool {
    e.succeeded() && records_reset(e, operator_id, target_id, after)
}

/// Does this entry record `operator` resetting `target` at or after `after`, whatever its
/// result?
pub fn records_reset(
    e: &DirectoryAudit,
    operator_id: &str,
    target_id: &str,
    after: OffsetDateTime,
) -> bool {
    ADMIN_RESET_ACTIVITIES
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&e.activity_display_name))
        && e.initiator_id() == Some(operator_id)
        && e.target_user().and_then(|t| t.id.as_deref()) == Some(target_id)
        // Clocks differ a little between here and the service.
        && e.activity_date_time.is_some_and(|t| t >= after - time::Duration::minutes(2))
}

/// The activity a Temporary Access Pass created by an admin leaves
/// (security-operations-privileged-accounts.md: "Admin registered security info", status
/// reason "Admin registered temporary access pass method for user").
pub const PASS_ACTIVITY: &str = "Admin registered security info";

/// Does this entry record `operator` creating a pass for `target` at or after `after`?
pub fn confirms_pass(
    e: &DirectoryAudit,
    operator_id: &str,
    target_id: &str,
    after: OffsetDateTime,
) -> bool {
    e.succeeded()
        && e.activity_display_name.eq_ignore_ascii_case(PASS_ACTIVITY)
        // The same activity records other methods an admin registers.
        && e.result_reason.as_deref().is_none_or(|r| {
            r.is_empty() || r.to_ascii_lowercase().contains("temporary access pass")
        })
        && e.initiator_id() == Some(operator_id)
        && e.target_user().and_then(|t| t.id.as_deref()) == Some(target_id)
        && e.activity_date_time.is_some_and(|t| t >= after - time::Duration::minutes(2))
}

/// `30s`, `15m`, `2h`, `7d`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    // `10000000000000d` is not a duration: overflow is "no", never a panic.
    Some(Duration::from_secs(n.checked_mul(unit_secs)?))
}

/// How far back Microsoft Entra keeps audit logs: 30 days with P1/P2, 7 days without
/// (https://learn.microsoft.com/entra/identity/monitoring-health/reference-reports-data-retention).
pub const AUDIT_RETENTION: Duration = Duration::from_secs(30 * 86_400);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("2"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("3w"), None);
        assert_eq!(parse_duration("99999999999999999d"), None);
    }

    #[test]
    fn queries_use_only_documented_operators() {
        let since = time::macros::datetime!(2026-11-22 04:00:00.123456789 UTC);
        let p = AuditPoller::new(
            PollerConfig {
                activities: vec![
                    "Reset user password".into(),
                    "Change user password".into(),
                    "Reset password (self-service)".into(),
                    "It's odd".into(),
                ],
                ..Default::default()
            },
            since,
        );
        assert_eq!(
            p.queries(since),
            vec![
                "activityDateTime ge 2026-11-22T04:00:00Z and loggedByService eq 'Self-service Password Management'",
                "activityDateTime ge 2026-11-22T04:00:00Z and activityDisplayName eq 'Reset user password'",
                "activityDateTime ge 2026-11-22T04:00:00Z and activityDisplayName eq 'Change user password'",
                "activityDateTime ge 2026-11-22T04:00:00Z and activityDisplayName eq 'It''s odd'",
            ]
        );
        let all = AuditPoller::new(PollerConfig::default(), since).queries(since);
        // Four Core Directory names, and the two password services.
        assert_eq!(all.len(), 6, "{all:?}");
        assert!(all.iter().all(|q| !q.contains(" or ")));
    }
}
