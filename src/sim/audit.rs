//! The simulator's directory audit log: entries written by resets and by a background
//! stream of self-service activity, each visible only after a configurable delay (real
//! tenants lag by minutes), served at `/auditLogs/directoryAudits` with the filter forms
//! the poller uses, newest first, paged, and throttled like the reports API.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

use rand::RngExt;
use serde_json::{Value, json};

use super::filter;
use super::odata::{Ctx, Reply};
use super::tenant::Tenant;
use super::token::Claims;
use super::writes::audit_entry;

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub entry: Value,
    pub visible_at: Instant,
}

impl Tenant {
    /// Adds an entry now; it shows up in the log after `audit_delay`.
    pub fn record_audit(&mut self, entry: Value) {
        let visible_at = Instant::now() + self.audit_delay;
        self.audit.push(AuditRecord { entry, visible_at });
    }
}

/// Roles that may read directory audits (directoryaudit-list: Reports Reader, Security
/// Reader, Security Administrator; Global Reader and Global Administrator read all).
const AUDIT_READER_ROLES: &[&str] = &[
    "Reports Reader",
    "Security Reader",
    "Security Administrator",
    "Security Operator",
    "Global Reader",
    "Global Administrator",
];

const FILTERABLE: &[&str] = &[
    "activityDateTime",
    "activityDisplayName",
    "loggedByService",
    "correlationId",
    "id",
    "initiatedBy/user/id",
    "initiatedBy/user/userPrincipalName",
    "initiatedBy/user/displayName",
    "initiatedBy/app/appId",
    "initiatedBy/app/displayName",
];

/// Requests per window the reports API allows (per caller here).
pub struct ReportLimit {
    pub max: usize,
    pub window: Duration,
    hits: Mutex<VecDeque<Instant>>,
    /// Every request time ever, for tests that check the client kept under the limit.
    log: Mutex<Vec<Instant>>,
}

impl ReportLimit {
    pub fn new(max: usize, window: Duration) -> ReportLimit {
        ReportLimit {
            max,
            window,
            hits: Mutex::new(VecDeque::new()),
            log: Mutex::new(Vec::new()),
        }
    }

    /// `Err(wait)` when this request is over the limit.
    pub fn admit(&self) -> Result<(), Duration> {
        let now = Instant::now();
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(now);
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        while hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            hits.pop_front();
        }
        if hits.len() >= self.max
            && let Some(&oldest) = hits.front()
        {
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        hits.push_back(now);
        Ok(())
    }

    /// The most requests that arrived within any one window.
    pub fn busiest_window(&self) -> usize {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        (0..log.len())
            .map(|i| {
                log[i..]
                    .iter()
                    .take_while(|t| t.duration_since(log[i]) < self.window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

pub fn list(ctx: &Ctx, t: &Tenant, claims: &Claims, limit: &ReportLimit) -> Reply {
    if !(claims.has_scope(&["AuditLog.Read.All"])
        && claims.has_scope(&["Directory.Read.All", "Directory.ReadWrite.All"]))
    {
        return Err(ctx.denied());
    }
    // The reader role is asked of a signed-in user only: "In delegated scenarios … the
    // signed-in user must be assigned a supported Microsoft Entra role"
    // (directoryaudit-list.md); an application's permissions suffice.
    if !claims.is_app() && !t.has_tenant_role(&claims.oid, AUDIT_READER_ROLES) {
        return Err(ctx.denied());
    }
    if let Err(wait) = limit.admit() {
        return Err(super::server::throttled(
            ctx,
            super::server::whole_seconds(wait),
        ));
    }
    let f = match ctx.param("$filter") {
        None => None,
        Some(raw) => {
            let f = filter::parse(raw)
                .map_err(|e| ctx.bad_request(&format!("Invalid filter clause: {e}")))?;
            // The reference documents eq, ge, le and startswith here, not `or`
            // (https://learn.microsoft.com/graph/api/resources/directoryaudit): refused
            // as the service refuses an unsupported clause, so a client relying on it fails.
            if f.uses_or() {
                return Err(ctx.unsupported(
                    "Unsupported or invalid query filter clause specified for resource 'directoryAudit': 'or' is not supported.",
                ));
            }
            if let Some(p) = f
                .paths()
                .into_iter()
                .find(|p| !FILTERABLE.iter().any(|a| a.eq_ignore_ascii_case(p)))
            {
                return Err(ctx.unsupported(&format!(
                    "Unsupported or invalid query filter clause specified for property '{p}' of resource 'directoryAudit'."
                )));
            }
            Some(f)
        }
    };
    let now = Instant::now();
    let mut items: Vec<&Value> = t
        .audit
        .iter()
        .filter(|r| r.visible_at <= now)
        .map(|r| &r.entry)
        .filter(|e| {
            f.as_ref()
                .is_none_or(|f| e.as_object().is_some_and(|m| f.matches(m)))
        })
        .collect();
    // Newest first unless asked otherwise.
    let asc = ctx
        .param("$orderby")
        .is_some_and(|o| o.trim().eq_ignore_ascii_case("activityDateTime asc"));
    items.sort_by(|a, b| {
        let ka = a["activityDateTime"].as_str().unwrap_or_default();
        let kb = b["activityDateTime"].as_str().unwrap_or_default();
        if asc { ka.cmp(kb) } else { kb.cmp(ka) }
    });
    ctx.page_sized("auditLogs/directoryAudits", items, 50, |v| v.clone())
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One random password event by an ordinary user, or now and then an admin reset by
/// someone else (so the console can mark other admins' resets).
pub fn random_activity(t: &Tenant, when: time::OffsetDateTime) -> Option<Value> {
    let mut rng = rand::rng();
    let member = |i: &usize| t.users[*i].text("userType").as_deref() == Some("Member");
    // Members are nearly everyone: a few random draws find one without scanning the
    // tenant (issue 17: a scan per event was 100,000 users every 15 s, and at start-up
    // once per history entry). A tenant of few members falls back to the scan.
    let n = t.users.len();
    let i = (0..64)
        .map(|_| rng.random_range(0..n.max(1)))
        .find(|i| *i < n && member(i))
        .or_else(|| {
            let candidates: Vec<usize> = (0..n).filter(member).collect();
            candidates
                .get(rng.random_range(0..candidates.len().max(1)))
                .copied()
        })?;
    let u = &t.users[i];
    let upn = u.upn();
    let ip = format!("198.51.100.{}", rng.random_range(2..250));
    let me = json!({"user": {"id": u.id, "displayName": u.display_name(), "userPrincipalName": upn, "ipAddress": ip}, "app": null});
    const SSPM: &str = "Self-service Password Management";
    let (by, service, activity, failure) = match rng.random_range(0..10) {
        0..=3 => (me, SSPM, "Reset password (self-service)", None),
        4..=6 => (me, SSPM, "Change password (self-service)", None),
        7 => (
            me,
            SSPM,
            "Reset password (self-service)",
            Some("FuzzyPolicyViolationInvalidPassword"),
        ),
        _ => {
            let admin = t.user_by_key("lidia.holloway@contoso.com")?;
            let by = json!({"user": {"id": admin.id, "displayName": admin.display_name(),
                "userPrincipalName": admin.upn(), "ipAddress": "203.0.113.77"}, "app": null});
            (by, "Core Directory", "Reset user password", None)
        }
    };
    let mut e = audit_entry(&by, service, activity, u, failure, &[]);
    e["activityDateTime"] = json!(rfc3339(when));
    Some(e)
}

/// A few hours of history so the log is not empty when the demo starts.
pub fn seed_history(t: &mut Tenant, entries: usize) {
    let now = time::OffsetDateTime::now_utc();
    for n in 0..entries {
        let when = now - time::Duration::minutes(((entries - n) * 11) as i64);
        if let Some(e) = random_activity(t, when) {
            t.audit.push(AuditRecord {
                entry: e,
                visible_at: Instant::now(),
            });
        }
    }
}
