//! The decision procedure of research/eligibility.md §11 as an ordered list of small,
//! named rules. Each looks at the facts and adds reasons; a rule may end the evaluation
//! (self-reset, homed elsewhere). Blocks decide, warnings inform.

use std::collections::BTreeSet;

use super::classify::{Classified, Outcome, classify, judge, least_tenant_role, role_names};
use super::types::{
    Method, Operator, Reason, ReasonCode, RoleHolding, Severity, Target, TenantFacts, Verdict,
};
use super::wording::{self, Text};
use crate::policy::authority::{SourceOfAuthority, home_domain, home_issuer, source_of_authority};
use crate::policy::matrix::{Category, Matrix};

/// What every rule may look at.
struct Ctx<'a> {
    op: &'a Operator,
    t: &'a Target<'a>,
    tenant: &'a TenantFacts,
    who: String,
    c: Classified,
    rmau_name: String,
    least: Option<String>,
    /// The operator's active and eligible roles that can reset passwords at all.
    active: Vec<RoleHolding>,
    eligible: Vec<RoleHolding>,
    outcomes: Vec<(RoleHolding, Outcome)>,
    passing: Option<RoleHolding>,
}

#[derive(Default)]
struct Findings {
    blocks: Vec<Reason>,
    notes: Vec<Reason>,
}

impl Findings {
    fn block(&mut self, code: ReasonCode, (message, fix): Text) {
        self.blocks.push(Reason {
            code,
            severity: Severity::Block,
            message,
            fix,
        });
    }
    fn note(&mut self, code: ReasonCode, severity: Severity, (message, fix): Text) {
        self.notes.push(Reason {
            code,
            severity,
            message,
            fix,
        });
    }
}

enum Flow {
    Next,
    /// The verdict is decided: no later rule applies, and no role would help.
    Final,
}

type Rule = fn(&Ctx, &mut Findings) -> Flow;

/// In order: the first block decides what the operator reads first.
const RULES: &[(&str, Rule)] = &[
    ("self-reset", self_reset),
    ("homed-elsewhere", homed_elsewhere),
    ("authorization", authorization),
    ("unreadable-facts", unreadable_facts),
    ("eligible-roles-unknown", eligible_roles_unknown),
    ("operator-roles-from-token", operator_roles_from_token),
    ("eligible-target-role", eligible_target_role),
    ("hybrid-feasibility", hybrid_feasibility),
    ("permission", permission),
    ("account-disabled", account_disabled),
];

fn self_reset(x: &Ctx, f: &mut Findings) -> Flow {
    if !x.op.id.is_empty() && x.op.id == x.t.user.id {
        f.block(ReasonCode::SelfReset, wording::self_reset());
        return Flow::Final;
    }
    Flow::Next
}

/// Where the credential lives: identities and invitation state, not userType.
fn homed_elsewhere(x: &Ctx, f: &mut Findings) -> Flow {
    let user = x.t.user;
    match source_of_authority(user) {
        SourceOfAuthority::PendingInvite => {
            f.block(ReasonCode::PendingInvite, wording::pending_invite(&x.who));
            Flow::Final
        }
        SourceOfAuthority::External => {
            let issuer = home_issuer(user).unwrap_or_default();
            let home = home_domain(user).unwrap_or_else(|| "another directory".into());
            f.block(
                ReasonCode::ExternalUser,
                wording::external_user(&x.who, &home, &issuer),
            );
            Flow::Final
        }
        _ => Flow::Next,
    }
}

/// Steps 3–7: does any active role of the operator pass for every category?
fn authorization(x: &Ctx, f: &mut Findings) -> Flow {
    let c = &x.c;
    let least = || {
        x.least
            .clone()
            .unwrap_or_else(|| "Privileged Authentication Administrator".into())
    };
    if c.in_restricted_unit && c.holds_global_admin {
        f.block(
            ReasonCode::RestrictedAuGlobalAdmin,
            wording::restricted_au_global_admin(&x.who, &x.rmau_name),
        );
    } else if x.passing.is_none() {
        // Would an eligible role, once activated, do it?
        if let Some(r) = x
            .eligible
            .iter()
            .find(|r| judge(r, x.t, c) == Outcome::Passes)
        {
            f.block(ReasonCode::ActivateInPim, wording::activate_in_pim(r));
        } else if x.active.is_empty() {
            if x.op.active.iter().any(|r| !r.built_in) {
                f.block(
                    ReasonCode::CustomRoleUnpredictable,
                    wording::custom_role_unpredictable(&least()),
                );
            } else {
                f.block(ReasonCode::NoResetRole, wording::no_reset_role(&least()));
            }
        } else {
            explain_denial(x, f);
        }
    }
    Flow::Next
}

/// Facts the decision needs but could not be read: never guess "allowed".
fn unreadable_facts(x: &Ctx, f: &mut Findings) -> Flow {
    let needed: Vec<&str> =
        x.t.unknown
            .iter()
            .map(String::as_str)
            .filter(|f| {
                matches!(
                    *f,
                    "activeRoles" | "groups" | "ownedGroups" | "administrativeUnits"
                )
            })
            .collect();
    if !needed.is_empty() && f.blocks.is_empty() {
        f.block(
            ReasonCode::FactsUnknown,
            wording::facts_unknown(&x.who, &needed.join(", ")),
        );
    }
    Flow::Next
}

/// Reading other users' PIM schedules needs a privileged reader role. Whether an
/// eligible-only role protects a target is not documented (eligibility.md §12.4); Graph
/// refuses the reset if it does, and the refusal is explained then. Information only: a
/// helpdesk admin would otherwise see this on every user.
fn eligible_roles_unknown(x: &Ctx, f: &mut Findings) -> Flow {
    if x.t.unknown.iter().any(|u| u == "eligibleRoles") && f.blocks.is_empty() {
        f.note(
            ReasonCode::EligibleRolesUnknown,
            Severity::Info,
            wording::eligible_roles_unknown(&x.who),
        );
    }
    Flow::Next
}

fn operator_roles_from_token(x: &Ctx, f: &mut Findings) -> Flow {
    if x.op.roles_from_token {
        f.note(
            ReasonCode::OperatorRolesFromToken,
            Severity::Warn,
            wording::operator_roles_from_token(),
        );
    }
    Flow::Next
}

fn eligible_target_role(x: &Ctx, f: &mut Findings) -> Flow {
    if !x.c.from_eligible_only.is_empty() && !f.blocks.is_empty() {
        let cats: Vec<Category> = x.c.from_eligible_only.iter().cloned().collect();
        f.note(
            ReasonCode::EligibleTargetRole,
            Severity::Warn,
            wording::eligible_target_role(&x.who, &role_names(&cats, x.t)),
        );
    }
    Flow::Next
}

/// Step 8: authorized or not, can the cloud set this password at all?
fn hybrid_feasibility(x: &Ctx, f: &mut Findings) -> Flow {
    let user = x.t.user;
    if user.on_premises_sync_enabled != Some(true) {
        return Flow::Next;
    }
    if !x.tenant.reset_password_api {
        f.block(
            ReasonCode::CloudWithoutWriteback,
            wording::cloud_without_writeback(&x.who),
        );
    } else if x.tenant.domain_federated == Some(true) {
        f.block(
            ReasonCode::FederatedDomain,
            wording::federated_domain(&x.who),
        );
    } else if x.tenant.password_writeback == Some(false) {
        f.block(
            ReasonCode::WritebackDisabled,
            wording::writeback_disabled(&x.who),
        );
    } else {
        f.note(
            ReasonCode::SyncedWriteback,
            Severity::Warn,
            wording::synced_writeback(&x.who),
        );
        if x.tenant.password_writeback.is_none() {
            f.note(
                ReasonCode::WritebackUnverified,
                Severity::Warn,
                wording::writeback_unverified(),
            );
        }
        if user
            .password_policies
            .as_deref()
            .is_some_and(|p| p.contains("DisablePasswordExpiration"))
        {
            f.note(
                ReasonCode::ForceChangeIgnored,
                Severity::Warn,
                wording::force_change_ignored(),
            );
        }
    }
    Flow::Next
}

/// Each reset path needs its own Graph permission (`Method::permissions`), and
/// resetPassword a signed-in user: "Application: Not supported"
/// (https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword?view=graph-rest-1.0).
/// A token whose claims cannot be read is not judged here: Graph decides.
fn permission(x: &Ctx, f: &mut Findings) -> Flow {
    let Some(grant) = &x.op.grant else {
        return Flow::Next;
    };
    let method = Method::for_account(x.t.user);
    if method == Method::ResetPassword && !grant.is_delegated() {
        f.block(
            ReasonCode::MissingPermission,
            wording::reset_password_needs_user(&x.who),
        );
    } else if !grant.has_any(method.permissions()) {
        f.block(
            ReasonCode::MissingPermission,
            wording::missing_permission(method.name(), method.permissions()[0]),
        );
    }
    Flow::Next
}

fn account_disabled(x: &Ctx, f: &mut Findings) -> Flow {
    if x.t.user.account_enabled == Some(false) {
        f.note(
            ReasonCode::AccountDisabled,
            Severity::Warn,
            wording::account_disabled(&x.who),
        );
    }
    Flow::Next
}

/// Why the operator's roles do not pass, most telling first: a restricted unit, a
/// tenant-wide role the matrix refuses, then scope problems. One reason per code.
fn explain_denial(x: &Ctx, f: &mut Findings) {
    let (t, c, who) = (x.t, &x.c, x.who.as_str());
    let least = x.least.as_deref();
    let mut seen = BTreeSet::new();
    let mut sorted: Vec<&(RoleHolding, Outcome)> = x.outcomes.iter().collect();
    sorted.sort_by_key(|(_, o)| match o {
        Outcome::RestrictedAu => 0,
        Outcome::Denied(_) => 1,
        Outcome::UnitTargetHasRole => 2,
        Outcome::OutsideUnit => 3,
        Outcome::UnitRoleCannotReset => 4,
        Outcome::Passes => 5,
    });
    for (role, outcome) in sorted {
        let (code, text) = match outcome {
            Outcome::Passes => continue,
            Outcome::RestrictedAu => (
                ReasonCode::RestrictedManagementAu,
                wording::restricted_management_au(who, &x.rmau_name),
            ),
            Outcome::Denied(cats) if cats.iter().all(|c| *c == Category::RoleAssignableGroup) => {
                let groups: Vec<String> = t
                    .groups
                    .iter()
                    .filter(|g| g.protected)
                    .map(|g| format!("member of {}", g.display_name))
                    .chain(
                        t.owned_groups
                            .iter()
                            .filter(|g| g.protected)
                            .map(|g| format!("owner of {}", g.display_name)),
                    )
                    .collect();
                (
                    ReasonCode::RoleAssignableGroup,
                    wording::role_assignable_group(
                        who,
                        &groups,
                        role,
                        wording::ask(least, "Privileged Authentication Administrator"),
                    ),
                )
            }
            Outcome::Denied(cats) => (
                ReasonCode::TargetRoleProtected,
                wording::target_role_protected(
                    who,
                    &role_names(cats, t),
                    cats.iter().all(|cat| c.from_eligible_only.contains(cat)),
                    role,
                    wording::ask(least, "Privileged Authentication Administrator"),
                ),
            ),
            Outcome::UnitTargetHasRole => (
                ReasonCode::AuScopeTargetHasRole,
                wording::au_scope_target_has_role(
                    who,
                    &role_names(&c.categories.iter().cloned().collect::<Vec<_>>(), t),
                    role,
                    wording::ask(least, "Privileged Authentication Administrator"),
                ),
            ),
            Outcome::OutsideUnit => (
                ReasonCode::OutsideAdministrativeUnit,
                wording::outside_administrative_unit(who, role, least),
            ),
            Outcome::UnitRoleCannotReset => (
                ReasonCode::NoResetRole,
                wording::unit_role_cannot_reset(
                    role,
                    wording::ask(least, "Helpdesk Administrator"),
                ),
            ),
        };
        if seen.insert(code) {
            f.block(code, text);
        }
    }
}

/// The least-privileged role that would allow this reset, if any would.
fn least_role(c: &Classified, rmau_name: &str) -> Option<String> {
    if c.in_restricted_unit {
        if !c.holds_global_admin && c.categories.iter().all(|cat| *cat == Category::NoRole) {
            Some(format!("Helpdesk Administrator scoped to {rmau_name}"))
        } else {
            None
        }
    } else {
        least_tenant_role(c).map(str::to_string)
    }
}

pub fn evaluate(op: &Operator, t: &Target, tenant: &TenantFacts) -> Verdict {
    let m = Matrix::get();
    let c = classify(t);
    let rmau_name = c
        .restricted_units
        .first()
        .map(|u| u.display_name.clone())
        .unwrap_or_else(|| "a restricted-management administrative unit".into());
    let usable = |roles: &[RoleHolding]| -> Vec<RoleHolding> {
        roles
            .iter()
            .filter(|r| r.built_in && m.is_caller(&r.template_id))
            .cloned()
            .collect()
    };
    let active = usable(&op.active);
    let outcomes: Vec<(RoleHolding, Outcome)> = active
        .iter()
        .map(|r| (r.clone(), judge(r, t, &c)))
        .collect();
    let passing = outcomes
        .iter()
        .find(|(_, o)| *o == Outcome::Passes)
        .map(|(r, _)| r.clone());
    let x = Ctx {
        op,
        t,
        tenant,
        who: t.user.label().to_string(),
        least: least_role(&c, &rmau_name),
        rmau_name,
        c,
        eligible: usable(&op.eligible),
        active,
        outcomes,
        passing,
    };
    let mut f = Findings::default();
    let mut decided = false;
    for (_name, rule) in RULES {
        if let Flow::Final = rule(&x, &mut f) {
            decided = true;
            break;
        }
    }
    let allowed = f.blocks.is_empty();
    // No role helps when the verdict was final, when the password is not the cloud's to
    // change, or when nothing but a permission of the sign-in is missing.
    let no_role_helps = f.blocks.iter().any(|b| b.code.is_hybrid())
        || (!f.blocks.is_empty() && f.blocks.iter().all(|b| b.code.no_role_helps()));
    let least = if decided || no_role_helps {
        None
    } else {
        x.least.clone()
    };
    let mut reasons = std::mem::take(&mut f.blocks);
    if let (true, Some(r)) = (allowed, &x.passing) {
        reasons.push(Reason {
            code: ReasonCode::Allowed,
            severity: Severity::Info,
            message: wording::allowed(&x.who, r).0,
            fix: String::new(),
        });
        if t.user.on_premises_sync_enabled == Some(false) {
            reasons.push(Reason {
                code: ReasonCode::OnceSynced,
                severity: Severity::Info,
                message: wording::once_synced(&x.who).0,
                fix: String::new(),
            });
        }
    }
    reasons.extend(f.notes);
    reasons.sort_by_key(|r| r.severity);
    Verdict {
        allowed,
        method: allowed.then_some(Method::for_account(t.user)),
        reasons,
        least_privileged_role: least,
    }
}
