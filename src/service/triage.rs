//! Triage before a reset: the user's recent sign-ins with their error codes explained,
//! what they have registered for MFA and self-service reset, and one diagnosis — "is a
//! password even the problem?". Each part that cannot be read says why and leaves the
//! others; nothing here is ever a refusal.
//!
//! Graph facts (Microsoft Learn):
//! - signin-list.md: `GET /auditLogs/signIns`, AuditLog.Read.All and Directory.Read.All,
//!   and Global Reader, Reports Reader, Security Reader/Operator/Administrator or Global
//!   Administrator; newest first; v1.0 holds interactive sign-ins only. signin.md: an
//!   Entra ID P1 or P2 licence is needed (else 403
//!   `Authentication_RequestFromNonPremiumTenantOrB2CTenant`, observed).
//! - userregistrationdetails-get.md: AuditLog.Read.All and Reports Reader, Security
//!   Reader/Administrator or Global Reader; P1/P2.
//! - authentication-list-methods.md: UserAuthenticationMethod.Read.All and Global Reader,
//!   Authentication or Privileged Authentication Administrator.
//! - throttling-limits.md: sign-ins, audits and authentication methods share 5 requests
//!   per 10 s per app and tenant — hence a brief cache, and the methods list read only
//!   when the registration report is not readable.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;

use crate::graph::model::{AuthMethod, RegistrationDetails, SignIn, User};
use crate::graph::{GraphApi, GraphError};
use crate::policy::signin::{self, Diagnosis, Problem};
use crate::sanitize::sanitize_line;

/// How far back the sign-ins are read, and how many.
pub const SIGN_IN_DAYS: i64 = 7;
pub const SIGN_IN_TOP: u32 = 10;
/// Self-service password reset's portal.
pub const SSPR_URL: &str = "https://aka.ms/sspr";

/// One part of the triage: read, or why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Section<T> {
    Read {
        value: T,
    },
    Unreadable {
        reason: String,
        fix: String,
        /// Graph was busy or unreachable: worth asking again, never worth keeping.
        #[serde(skip)]
        transient: bool,
    },
}

impl<T> Section<T> {
    /// Unreadable only because Graph was busy or unreachable.
    pub fn transient(&self) -> bool {
        matches!(
            self,
            Section::Unreadable {
                transient: true,
                ..
            }
        )
    }

    pub fn read(&self) -> Option<&T> {
        match self {
            Section::Read { value } => Some(value),
            Section::Unreadable { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInLine {
    #[serde(with = "crate::graph::model::lenient_time")]
    pub time: Option<OffsetDateTime>,
    pub app: Option<String>,
    pub ip_address: Option<String>,
    /// "Seattle, WA, US".
    pub location: Option<String>,
    pub error_code: u32,
    pub failure_reason: Option<String>,
    /// resetdesk's sentence for the code (none for a success or an unknown code).
    pub explanation: Option<String>,
    pub problem: Option<Problem>,
}

impl SignInLine {
    pub fn succeeded(&self) -> bool {
        self.error_code == 0
    }

    fn from(s: &SignIn) -> SignInLine {
        let code = s
            .status
            .as_ref()
            .and_then(|st| st.error_code)
            .and_then(|c| u32::try_from(c).ok())
            .unwrap_or(0);
        let x = signin::explain(code);
        let location = s.location.as_ref().and_then(|l| {
            let parts: Vec<&str> = [&l.city, &l.state, &l.country_or_region]
                .into_iter()
                .filter_map(|p| p.as_deref().filter(|p| !p.is_empty()))
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        });
        SignInLine {
            time: s.created_date_time,
            app: s.app_display_name.clone(),
            ip_address: s.ip_address.clone(),
            location,
            error_code: code,
            failure_reason: s
                .status
                .as_ref()
                .and_then(|st| st.failure_reason.clone())
                .filter(|r| !r.is_empty()),
            explanation: x.map(|x| x.meaning.to_string()),
            problem: x.map(|x| x.problem),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub mfa_registered: Option<bool>,
    /// Registered a strong method the methods policy allows (`isMfaCapable`): what a
    /// sign-in can actually use.
    pub mfa_capable: Option<bool>,
    pub sspr_registered: Option<bool>,
    pub sspr_capable: Option<bool>,
    pub default_method: Option<String>,
    pub methods: Vec<String>,
    /// `registrationReport` or `methodsList`.
    pub source: &'static str,
}

impl Registration {
    fn from_report(d: &RegistrationDetails) -> Registration {
        Registration {
            mfa_registered: Some(d.is_mfa_registered),
            mfa_capable: Some(d.is_mfa_capable),
            sspr_registered: Some(d.is_sspr_registered),
            sspr_capable: Some(d.is_sspr_capable),
            default_method: d
                .default_mfa_method
                .clone()
                .or_else(|| d.user_preferred_method_for_secondary_authentication.clone())
                .filter(|m| !m.is_empty() && m != "none"),
            methods: d.methods_registered.clone(),
            source: "registrationReport",
        }
    }

    /// From the methods list: what is registered, not what SSPR allows.
    fn from_methods(list: &[AuthMethod]) -> Registration {
        let methods: Vec<String> = list.iter().map(|m| m.kind().to_string()).collect();
        // A password and an email address are not second factors, and a pass is
        // temporary.
        let strong = methods
            .iter()
            .any(|m| !matches!(m.as_str(), "password" | "email" | "temporaryAccessPass"));
        Registration {
            mfa_registered: Some(strong),
            mfa_capable: None,
            sspr_registered: None,
            sspr_capable: None,
            default_method: None,
            methods,
            source: "methodsList",
        }
    }

    /// One line of what is registered: "MFA registered: yes · SSPR: registered, can
    /// self-serve · default: push".
    pub fn summary(&self) -> String {
        let yes_no = |b: Option<bool>| match b {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        let mut s = format!("MFA registered: {}", yes_no(self.mfa_registered));
        if self.mfa_registered == Some(true) && self.mfa_capable == Some(false) {
            s.push_str(" (not allowed by the methods policy)");
        }
        if let Some(reg) = self.sspr_registered {
            s.push_str(&format!(
                " · SSPR: {}{}",
                if reg { "registered" } else { "not registered" },
                match self.sspr_capable {
                    Some(true) => ", can self-serve",
                    Some(false) if reg => ", not enabled for them",
                    _ => "",
                }
            ));
        }
        if let Some(m) = &self.default_method {
            s.push_str(&format!(" · default: {m}"));
        }
        s
    }

    pub fn has_strong_method(&self) -> bool {
        self.mfa_capable.or(self.mfa_registered) == Some(true)
    }
}

/// `kind` as DESIGN.md names it: password, mfa, policy, disabled, none, unknown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub kind: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Triage {
    pub user_id: String,
    pub sign_ins: Section<Vec<SignInLine>>,
    pub registration: Section<Registration>,
    pub diagnosis: Verdict,
    /// A Temporary Access Pass is the better help: MFA is the problem, or the user has
    /// no strong method.
    pub offer_tap: bool,
    /// They can reset their own password (SSPR-capable).
    pub self_service: bool,
}

impl Triage {
    pub fn sign_in_lines(&self) -> &[SignInLine] {
        self.sign_ins.read().map(Vec::as_slice).unwrap_or(&[])
    }
}

fn kind(p: Problem) -> &'static str {
    match p {
        Problem::Password => "password",
        Problem::Mfa => "mfa",
        Problem::Policy => "policy",
        Problem::Disabled => "disabled",
        Problem::NotTheUser => "none",
    }
}

/// Why a part is not shown: a missing licence, permission or role; or Graph busy now.
fn unreadable<T>(e: &GraphError, needs: &str) -> Section<T> {
    let (reason, fix) = if e.code() == Some("Authentication_RequestFromNonPremiumTenantOrB2CTenant")
    {
        (
            "the tenant has no Microsoft Entra ID P1 or P2 licence (Graph serves this report only with one)".to_string(),
            "look in the Entra admin center (its sign-in logs need no licence), or license the tenant".to_string(),
        )
    } else if e.is_forbidden() {
        (
            "not readable with your roles".to_string(),
            format!("needs {needs}"),
        )
    } else if e.is_transient() {
        (
            "not available now (Graph is limiting report reads)".to_string(),
            "try again in a few seconds (Ctrl-r re-reads)".to_string(),
        )
    } else {
        (
            sanitize_line(&e.without_request_id(), 200),
            "try again; if it persists, note the request id for Microsoft support".to_string(),
        )
    };
    Section::Unreadable {
        reason,
        fix,
        transient: e.is_transient(),
    }
}

const SIGN_INS_NEED: &str = "AuditLog.Read.All and Directory.Read.All, and Reports Reader, Security Reader, Global Reader (or another reports role)";
const REGISTRATION_NEED: &str =
    "AuditLog.Read.All and Reports Reader, Security Reader or Global Reader";
const METHODS_NEED: &str =
    "UserAuthenticationMethod.Read.All and Global Reader or Authentication Administrator";

/// Reads and judges. A 401 fails the whole triage (sign in again); anything else only
/// the part it hit.
pub async fn triage(api: &dyn GraphApi, user: &User) -> Result<Triage, GraphError> {
    let id = user.id.as_str();
    let since = OffsetDateTime::now_utc() - time::Duration::days(SIGN_IN_DAYS);
    let (sign_ins, report) = tokio::join!(
        api.sign_ins(id, since, SIGN_IN_TOP),
        api.registration_details(id)
    );
    for r in [sign_ins.as_ref().err(), report.as_ref().err()]
        .into_iter()
        .flatten()
    {
        if r.is_unauthenticated() {
            return Err(r.clone());
        }
    }
    let sign_ins = match sign_ins {
        Ok(list) => {
            let mut lines: Vec<SignInLine> = list.iter().map(SignInLine::from).collect();
            // Newest first, as documented; sorted again so a reordering server cannot
            // change the diagnosis.
            lines.sort_by_key(|l| std::cmp::Reverse(l.time));
            Section::Read { value: lines }
        }
        Err(e) => unreadable(&e, SIGN_INS_NEED),
    };
    // The methods list stands in for a report this operator may not read; not for one
    // Graph was too busy for (that would only spend another slot), nor where the cloud
    // has no methods list (China).
    let has_methods = !api
        .cloud()
        .missing_authentication_segments()
        .contains(&"methods");
    let registration = match report {
        Ok(d) => Section::Read {
            value: Registration::from_report(&d),
        },
        Err(e) if e.is_transient() || !has_methods => unreadable(&e, REGISTRATION_NEED),
        Err(report_err) => match api.auth_methods(id).await {
            Ok(list) => Section::Read {
                value: Registration::from_methods(&list),
            },
            Err(e) if e.is_unauthenticated() => return Err(e),
            Err(e) if e.is_transient() => unreadable(&e, METHODS_NEED),
            Err(e) if e.is_forbidden() && report_err.is_forbidden() => Section::Unreadable {
                reason: "not readable with your roles".into(),
                fix: format!("needs {REGISTRATION_NEED} (or {METHODS_NEED})"),
                transient: false,
            },
            Err(_) => unreadable(&report_err, REGISTRATION_NEED),
        },
    };
    Ok(judge(user, sign_ins, registration))
}

/// The diagnosis from what was read.
pub fn judge(
    user: &User,
    sign_ins: Section<Vec<SignInLine>>,
    registration: Section<Registration>,
) -> Triage {
    let diagnosis = if user.account_enabled == Some(false) {
        Verdict {
            kind: "disabled",
            message: Problem::Disabled.diagnosis().to_string(),
        }
    } else {
        match &sign_ins {
            Section::Unreadable { .. } => Verdict {
                kind: "unknown",
                message: "sign-ins not readable — the diagnosis needs them".into(),
            },
            Section::Read { value } => {
                let codes: Vec<u32> = value.iter().map(|l| l.error_code).collect();
                match signin::diagnose(&codes) {
                    None => Verdict {
                        kind: "none",
                        message: format!("no recent sign-ins (last {SIGN_IN_DAYS} days)"),
                    },
                    Some(Diagnosis::SignsIn) => Verdict {
                        kind: "none",
                        message: Diagnosis::SignsIn.line().into(),
                    },
                    Some(Diagnosis::Unknown) => Verdict {
                        kind: "unknown",
                        message: Diagnosis::Unknown.line().into(),
                    },
                    Some(Diagnosis::Problem(p)) => Verdict {
                        kind: kind(p),
                        message: p.diagnosis().into(),
                    },
                }
            }
        }
    };
    let reg = registration.read();
    // A disabled account is helped by neither: it must be enabled first.
    let enabled = diagnosis.kind != "disabled";
    let offer_tap =
        enabled && (diagnosis.kind == "mfa" || reg.is_some_and(|r| !r.has_strong_method()));
    let self_service = enabled && reg.is_some_and(|r| r.sspr_capable == Some(true));
    Triage {
        user_id: user.id.clone(),
        sign_ins,
        registration,
        diagnosis,
        offer_tap,
        self_service,
    }
}

/// Triage answers kept briefly per user, so that opening the same user again within a
/// minute spends none of the reports budget.
pub struct TriageCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, std::sync::Arc<Triage>)>>,
}

impl TriageCache {
    pub fn new(ttl: Duration) -> TriageCache {
        TriageCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, user_id: &str) -> Option<std::sync::Arc<Triage>> {
        let mut m = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        m.retain(|_, (at, _)| at.elapsed() < self.ttl);
        m.get(user_id).map(|(_, t)| t.clone())
    }

    /// Only complete answers are kept: a part Graph was too busy for is asked again.
    pub fn put(&self, t: std::sync::Arc<Triage>) {
        if !t.sign_ins.transient() && !t.registration.transient() {
            let mut m = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            m.insert(t.user_id.clone(), (Instant::now(), t));
        }
    }

    /// New roles or another session: everything is read again.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// A reset or a pass changes the story: read again next time.
    pub fn forget(&self, user_id: &str) {
        let mut m = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        m.remove(user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: u32) -> SignInLine {
        let x = signin::explain(code);
        SignInLine {
            time: None,
            app: None,
            ip_address: None,
            location: None,
            error_code: code,
            failure_reason: None,
            explanation: x.map(|x| x.meaning.to_string()),
            problem: x.map(|x| x.problem),
        }
    }

    fn reg(mfa: bool, sspr: bool) -> Section<Registration> {
        Section::Read {
            value: Registration {
                mfa_registered: Some(mfa),
                mfa_capable: Some(mfa),
                sspr_registered: Some(sspr),
                sspr_capable: Some(sspr),
                default_method: None,
                methods: vec![],
                source: "registrationReport",
            },
        }
    }

    #[test]
    fn the_diagnosis_offers_a_pass_for_mfa_and_names_self_service() {
        let user = User::default();
        let t = judge(
            &user,
            Section::Read {
                value: vec![line(500121), line(50074), line(0)],
            },
            reg(true, false),
        );
        assert_eq!(t.diagnosis.kind, "mfa");
        assert!(t.offer_tap && !t.self_service);
        let t = judge(&user, Section::Read { value: vec![] }, reg(true, true));
        assert_eq!(t.diagnosis.message, "no recent sign-ins (last 7 days)");
        assert!(t.self_service && !t.offer_tap);
        // No strong method: a pass is offered whatever the sign-ins say.
        let t = judge(
            &user,
            Section::Read {
                value: vec![line(50126)],
            },
            reg(false, false),
        );
        assert_eq!(t.diagnosis.kind, "password");
        assert!(t.offer_tap);
        let disabled = User {
            account_enabled: Some(false),
            ..User::default()
        };
        let t = judge(
            &disabled,
            Section::Read {
                value: vec![line(50126)],
            },
            reg(true, false),
        );
        assert_eq!(t.diagnosis.kind, "disabled");
        let t = judge(
            &user,
            Section::Unreadable {
                reason: "x".into(),
                fix: "y".into(),
                transient: false,
            },
            reg(true, false),
        );
        assert_eq!(t.diagnosis.kind, "unknown");
    }

    #[test]
    fn the_methods_list_stands_in_for_the_report() {
        let list: Vec<AuthMethod> = serde_json::from_str(
            r##"[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"p"},
                {"@odata.type":"#microsoft.graph.emailAuthenticationMethod","id":"e"}]"##,
        )
        .unwrap();
        let r = Registration::from_methods(&list);
        assert_eq!(r.methods, ["password", "email"]);
        assert!(!r.has_strong_method());
        assert_eq!(r.sspr_capable, None);
    }
}
