//! A Temporary Access Pass instead of a password: the pass's own verdict from the facts
//! (`policy::tap`), and its creation, sent once. The pass exists only in Graph's 201
//! (authentication-post-temporaryaccesspassmethods.md: "Returned only on creation");
//! it lives in a `SecretString` from there to the one-time view.

use serde::Serialize;
use time::OffsetDateTime;

use super::facts::{Assessment, OperatorFacts};
use crate::graph::model::{TapMethod, TapPolicy, TapRequest};
use crate::graph::{GraphApi, GraphError};
use crate::policy::authority::{SourceOfAuthority, source_of_authority};
use crate::policy::tap::{self, PassPolicy, PolicyKnown, TapAsk, TapTarget, TapVerdict};
use crate::secret::SecretString;

fn pass_policy(p: &TapPolicy) -> PassPolicy {
    PassPolicy {
        enabled: p.state.eq_ignore_ascii_case("enabled"),
        minimum: p.minimum_lifetime_in_minutes,
        maximum: p.maximum_lifetime_in_minutes,
        default: p.default_lifetime_in_minutes,
        one_time_only: p.is_usable_once == Some(true),
        include: p.include_targets.iter().map(|t| t.id.clone()).collect(),
        exclude: p.exclude_targets.iter().map(|t| t.id.clone()).collect(),
    }
}

/// The tenant's pass policy, or why it is not known (a 401 fails the call: sign in
/// again). Reading it needs Policy.Read.All and Global Reader or Authentication Policy
/// Administrator, which a pass-issuing Authentication Administrator often lacks: then
/// Graph decides on the write.
pub async fn read_policy(api: &dyn GraphApi) -> Result<PolicyKnown, GraphError> {
    read_policy_lasting(api).await.map(|(p, _)| p)
}

/// `read_policy`, and whether the answer lasts (`false`: Graph did not answer in time,
/// so a session should ask again next time rather than keep "unknown").
pub async fn read_policy_lasting(api: &dyn GraphApi) -> Result<(PolicyKnown, bool), GraphError> {
    match api.tap_policy().await {
        Ok(p) => Ok((PolicyKnown::Read(pass_policy(&p)), true)),
        Err(e) if e.is_unauthenticated() => Err(e),
        Err(e) if e.is_forbidden() => Ok((
            PolicyKnown::Unreadable("not readable with your roles".into()),
            true,
        )),
        Err(e) if e.is_transient() => Ok((
            PolicyKnown::Unreadable("Graph did not answer in time".into()),
            false,
        )),
        Err(e) => Ok((
            PolicyKnown::Unreadable(crate::sanitize::sanitize_line(&e.without_request_id(), 160)),
            true,
        )),
    }
}

/// The assessed user as the pass's verdict sees them.
pub fn target(operator: &OperatorFacts, a: &Assessment) -> TapTarget {
    let u = &a.target.user;
    let external = matches!(
        source_of_authority(&super::account(u)),
        SourceOfAuthority::External | SourceOfAuthority::PendingInvite
    );
    TapTarget {
        id: u.id.clone(),
        is_self: u.id == operator.user.id,
        role_ids: a
            .target
            .roles
            .iter()
            .map(|r| r.template_id.clone())
            .collect(),
        in_role_group: a
            .target
            .groups
            .iter()
            .chain(&a.target.owned_groups)
            .any(|g| g.protected && !g.id.is_empty()),
        unknown: a.target.unknown_names(),
        restricted_units: a
            .target
            .administrative_units
            .iter()
            .filter(|u| u.protected)
            .map(|u| u.id.clone())
            .collect(),
        management_restricted: u.is_management_restricted == Some(true),
        disabled: u.account_enabled == Some(false),
        external,
        group_ids: a.target.groups.iter().map(|g| g.id.clone()).collect(),
        unit_ids: a
            .target
            .administrative_units
            .iter()
            .map(|g| g.id.clone())
            .collect(),
    }
}

/// Whether this cloud's Graph has the pass at all (the China cloud's v1.0 schema lacks
/// `temporaryAccessPassMethods`).
pub fn cloud_has_tap(cloud: crate::cloud::Cloud) -> bool {
    !cloud
        .missing_authentication_segments()
        .contains(&"temporaryAccessPassMethods")
}

/// The pass's verdict for the assessed user.
pub fn judge(
    api: &dyn GraphApi,
    operator: &OperatorFacts,
    a: &Assessment,
    policy: &PolicyKnown,
    ask: TapAsk,
) -> TapVerdict {
    tap::judge(
        &operator.operator,
        &target(operator, a),
        policy,
        ask,
        cloud_has_tap(api.cloud()),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TapStatus {
    /// Created; the pass is here.
    Succeeded,
    /// Graph refused it; nothing was created.
    Failed,
    /// It may have been created, but its pass did not reach us: create another (it
    /// replaces this one).
    Unconfirmed,
}

#[derive(Debug)]
pub struct TapOutcome {
    pub status: TapStatus,
    pub pass: Option<SecretString>,
    pub method: Option<TapMethod>,
    pub started_at: OffsetDateTime,
    pub error: Option<GraphError>,
    pub detail: Option<String>,
    pub request_id: Option<String>,
}

/// Sends the creation once.
pub async fn create(api: &dyn GraphApi, user_id: &str, verdict: &TapVerdict) -> TapOutcome {
    let started_at = OffsetDateTime::now_utc();
    let request = TapRequest {
        start_date_time: None,
        lifetime_in_minutes: verdict.lifetime_minutes,
        // Unasked, the policy's own setting applies (and the 201 says which it was).
        is_usable_once: verdict.one_time.then_some(true),
    };
    match api.create_tap(user_id, &request).await {
        Ok(created) if created.pass.is_some() => TapOutcome {
            status: TapStatus::Succeeded,
            pass: created.pass,
            method: Some(created.method),
            started_at,
            error: None,
            detail: None,
            request_id: created.request_id,
        },
        Ok(created) => TapOutcome {
            status: TapStatus::Unconfirmed,
            pass: None,
            method: Some(created.method),
            started_at,
            error: None,
            detail: Some(
                "Graph created a pass (201) but its answer could not be read (malformed, or without the code); create another (it replaces this one)"
                    .into(),
            ),
            request_id: created.request_id,
        },
        Err(e) => {
            let maybe = e.write_may_have_applied();
            TapOutcome {
                status: if maybe {
                    TapStatus::Unconfirmed
                } else {
                    TapStatus::Failed
                },
                pass: None,
                method: None,
                started_at,
                detail: Some(if maybe {
                    format!("the answer was lost ({}): a pass may exist, but its code cannot be read again; create another (it replaces the old one)", crate::sanitize::sanitize_line(&e.without_request_id(), 200))
                } else {
                    explain(&e)
                }),
                request_id: e.request_id().map(str::to_string),
                error: Some(e),
            }
        }
    }
}

/// A refused pass, in a sentence with what to do.
pub fn explain(e: &GraphError) -> String {
    let text = crate::sanitize::sanitize_line(&e.without_request_id(), 240);
    if e.is_forbidden() {
        format!(
            "Graph refused the pass (403: {text}) — creating one needs Authentication Administrator (Privileged Authentication Administrator for admins) and UserAuthenticationMethod.ReadWrite.All"
        )
    } else if e.status() == Some(400) {
        format!(
            "Graph refused the pass: {text} — check the tenant's Temporary Access Pass policy (lifetime, one-time use, who is included)"
        )
    } else if let Some(wait) = e.retry_after() {
        format!(
            "the pass was not created: {text} (Graph asks to wait {} s)",
            wait.as_secs_f64().ceil() as u64
        )
    } else {
        format!("the pass was not created: {text}")
    }
}
