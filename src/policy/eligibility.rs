//! May this operator reset this target's password now, and if not, why not and what to do
//! instead? A pure function of the facts, following the decision procedure of
//! research/eligibility.md §11 and the matrix in `assets/reset-permissions.csv`. Graph stays
//! the final authority: an "allowed" verdict can still meet a 403, which is explained then.

use std::collections::BTreeSet;

use serde::Serialize;

use super::account::Account;
use super::authority::{SourceOfAuthority, home_domain, home_issuer, source_of_authority};
use super::matrix::{Category, Matrix};

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const PRIVILEGED_AUTH_ADMIN: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const PASSWORD_ADMIN: &str = "966707d0-3269-4727-9be2-8c3a10f19b9d";
const AUTH_ADMIN: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

/// Roles that reset passwords when scoped to an administrative unit (manage-roles-portal,
/// "Roles that can be assigned with administrative unit scope"), least privileged first.
const AU_PASSWORD_ROLES: &[&str] = &[
    PASSWORD_ADMIN,
    HELPDESK_ADMIN,
    AUTH_ADMIN,
    USER_ADMIN,
    PRIVILEGED_AUTH_ADMIN,
];

/// Tenant-scope reset roles from least to most privileged, for naming the one to ask for.
/// The deprecated Partner roles are never suggested.
const LADDER: &[(&str, &str)] = &[
    (PASSWORD_ADMIN, "Password Administrator"),
    (HELPDESK_ADMIN, "Helpdesk Administrator"),
    (AUTH_ADMIN, "Authentication Administrator"),
    (USER_ADMIN, "User Administrator"),
    (
        PRIVILEGED_AUTH_ADMIN,
        "Privileged Authentication Administrator",
    ),
    (GLOBAL_ADMIN, "Global Administrator"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleState {
    Active,
    Eligible,
}

/// One role a principal holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleHolding {
    pub name: String,
    pub template_id: String,
    /// `/` or `/administrativeUnits/{id}`.
    pub scope: String,
    /// "tenant" or the administrative unit's display name.
    pub scope_name: String,
    /// The scope is a restricted-management administrative unit.
    pub scope_restricted: bool,
    pub state: RoleState,
    /// The role-assignable group the role comes through, if not direct.
    pub via_group: Option<String>,
    pub built_in: bool,
}

impl RoleHolding {
    pub fn unit_id(&self) -> Option<&str> {
        self.scope.strip_prefix("/administrativeUnits/")
    }
    /// "Helpdesk Administrator", or "Helpdesk Administrator @ Seattle Office" when scoped.
    pub fn short_label(&self) -> String {
        match self.unit_id() {
            None => self.name.clone(),
            Some(_) => format!("{} @ {}", self.name, self.scope_name),
        }
    }

    fn scope_label(&self) -> String {
        match self.unit_id() {
            None => "tenant-wide".into(),
            Some(_) => format!("scoped to {}", self.scope_name),
        }
    }
}

/// A group or administrative unit the user belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub id: String,
    pub display_name: String,
    /// Groups: role-assignable. Administrative units: restricted management.
    pub protected: bool,
}

/// The signed-in operator.
#[derive(Debug, Clone, Default)]
pub struct Operator {
    pub id: String,
    pub active: Vec<RoleHolding>,
    pub eligible: Vec<RoleHolding>,
    /// Role assignments were unreadable; `active` comes from the token's `wids` claim.
    pub roles_from_token: bool,
}

/// The user to be reset, with what is known about them.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub user: &'a Account,
    pub roles: &'a [RoleHolding],
    pub groups: &'a [Membership],
    pub owned_groups: &'a [Membership],
    pub units: &'a [Membership],
    /// Facts that could not be read: `activeRoles`, `eligibleRoles`, `groups`,
    /// `ownedGroups`, `administrativeUnits`.
    pub unknown: &'a [String],
}

/// Facts about the tenant.
#[derive(Debug, Clone, Default)]
pub struct TenantFacts {
    /// The target's UPN domain is federated (`None`: not known).
    pub domain_federated: Option<bool>,
    /// Password writeback as `/directory/onPremisesSynchronization` reports it (`None`:
    /// not readable with the operator's permissions).
    pub password_writeback: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// `PATCH /users/{id}` with `passwordProfile`: cloud users.
    #[serde(rename = "passwordProfile")]
    PasswordProfile,
    /// `POST …/methods/28c10230-…/resetPassword` with an admin-supplied password: synced
    /// users (the path that writes back to on-premises AD).
    #[serde(rename = "resetPassword")]
    ResetPassword,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::PasswordProfile => "passwordProfile",
            Method::ResetPassword => "resetPassword",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Block,
    Warn,
    Info,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Stable, for scripts: e.g. `target-role-protected`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// What to do instead (empty for plain information).
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub allowed: bool,
    pub method: Option<Method>,
    /// Blocks first (the first one decides), then warnings, then information.
    pub reasons: Vec<Reason>,
    /// The least-privileged role that would allow this reset, if any would.
    pub least_privileged_role: Option<String>,
}

impl Verdict {
    pub fn blocks(&self) -> impl Iterator<Item = &Reason> {
        self.reasons
            .iter()
            .filter(|r| r.severity == Severity::Block)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.severity == Severity::Warn)
    }
}

fn reason(
    code: &'static str,
    severity: Severity,
    message: String,
    fix: impl Into<String>,
) -> Reason {
    Reason {
        code,
        severity,
        message,
        fix: fix.into(),
    }
}

fn block(code: &'static str, message: String, fix: impl Into<String>) -> Reason {
    reason(code, Severity::Block, message, fix)
}

fn warn(code: &'static str, message: String, fix: impl Into<String>) -> Reason {
    reason(code, Severity::Warn, message, fix)
}

/// How one operator role fares against the target.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Passes,
    /// Tenant-scoped, and the matrix says no for these categories.
    Denied(Vec<Category>),
    /// The target is in a restricted-management AU and this role is not scoped to it.
    RestrictedAu,
    OutsideUnit,
    UnitTargetHasRole,
    /// An AU-scoped role that does not reset passwords.
    UnitRoleCannotReset,
}

struct Classified {
    categories: BTreeSet<Category>,
    /// Categories that come only from PIM-eligible roles.
    from_eligible_only: BTreeSet<Category>,
    restricted_units: Vec<Membership>,
    in_restricted_unit: bool,
    holds_global_admin: bool,
}

fn classify(t: &Target) -> Classified {
    let m = Matrix::get();
    let mut categories = BTreeSet::new();
    let mut active_cats = BTreeSet::new();
    let mut holds_global_admin = false;
    for r in t.roles {
        let mut cats = vec![if r.built_in {
            m.category_of_role(&r.template_id)
        } else {
            Category::OtherRole
        }];
        if r.scope_restricted {
            cats.push(Category::RestrictedAuRole);
        }
        if r.template_id.eq_ignore_ascii_case(GLOBAL_ADMIN) {
            holds_global_admin = true;
        }
        for c in cats {
            if r.state == RoleState::Active {
                active_cats.insert(c.clone());
            }
            categories.insert(c);
        }
    }
    // Members and owners of role-assignable groups are protected (groups-concept.md).
    if t.groups.iter().chain(t.owned_groups).any(|g| g.protected) {
        categories.insert(Category::RoleAssignableGroup);
        active_cats.insert(Category::RoleAssignableGroup);
    }
    if categories.is_empty() {
        categories.insert(Category::NoRole);
        active_cats.insert(Category::NoRole);
    }
    let from_eligible_only = categories.difference(&active_cats).cloned().collect();
    let restricted_units: Vec<Membership> =
        t.units.iter().filter(|u| u.protected).cloned().collect();
    let in_restricted_unit =
        t.user.is_management_restricted == Some(true) || !restricted_units.is_empty();
    Classified {
        categories,
        from_eligible_only,
        restricted_units,
        in_restricted_unit,
        holds_global_admin,
    }
}

fn judge(role: &RoleHolding, t: &Target, c: &Classified) -> Outcome {
    let m = Matrix::get();
    match role.unit_id() {
        None => {
            // Tenant-wide roles, Global Administrator included, cannot change members of a
            // restricted-management AU (admin-units-restricted-management.md).
            if c.in_restricted_unit {
                return Outcome::RestrictedAu;
            }
            let denied: Vec<Category> = c
                .categories
                .iter()
                .filter(|cat| !m.allows(&role.template_id, cat))
                .cloned()
                .collect();
            if denied.is_empty() {
                Outcome::Passes
            } else {
                Outcome::Denied(denied)
            }
        }
        Some(unit) => {
            if c.in_restricted_unit && !c.restricted_units.iter().any(|u| u.id == unit) {
                return Outcome::RestrictedAu;
            }
            // Only direct members are in scope (administrative-units.md, FAQ).
            if !t.units.iter().any(|u| u.id == unit) {
                return Outcome::OutsideUnit;
            }
            if !AU_PASSWORD_ROLES
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&role.template_id))
            {
                return Outcome::UnitRoleCannotReset;
            }
            // Stricter of two readings: manage-roles-portal.md blocks targets with "another
            // role or an administrator"; the AU FAQ only names organization-wide roles. Any
            // role (and role-assignable group protection) blocks here. AU-scoped Privileged
            // Authentication Administrator is not promised more (eligibility.md §12.6).
            if c.categories.iter().any(|cat| *cat != Category::NoRole) {
                return Outcome::UnitTargetHasRole;
            }
            Outcome::Passes
        }
    }
}

fn role_names(cats: &[Category], t: &Target) -> String {
    let mut names: Vec<String> = Vec::new();
    for cat in cats {
        let n = match cat {
            Category::Role(id) => t
                .roles
                .iter()
                .find(|r| r.template_id.eq_ignore_ascii_case(id))
                .map(|r| r.name.clone())
                .unwrap_or_else(|| id.clone()),
            Category::OtherRole => {
                let others: Vec<String> = t
                    .roles
                    .iter()
                    .filter(|r| {
                        !r.built_in
                            || Matrix::get().category_of_role(&r.template_id) == Category::OtherRole
                    })
                    .map(|r| r.name.clone())
                    .collect();
                others.join(", ")
            }
            Category::RoleAssignableGroup => "membership of a role-assignable group".into(),
            Category::RestrictedAuRole => {
                "a role scoped to a restricted-management administrative unit".into()
            }
            Category::NoRole => continue,
        };
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    names.join(", ")
}

/// The least-privileged tenant-wide role whose column allows every category.
fn least_tenant_role(c: &Classified) -> Option<&'static str> {
    let m = Matrix::get();
    LADDER
        .iter()
        .find(|(id, _)| c.categories.iter().all(|cat| m.allows(id, cat)))
        .map(|(_, name)| *name)
}

pub fn evaluate(op: &Operator, t: &Target, tenant: &TenantFacts) -> Verdict {
    let user = t.user;
    let who = user.label().to_string();
    let denied = |reasons: Vec<Reason>, least: Option<String>| Verdict {
        allowed: false,
        method: None,
        reasons,
        least_privileged_role: least,
    };

    // 1. Self.
    if !op.id.is_empty() && op.id == user.id {
        return denied(
            vec![block(
                "self-reset",
                "This is your own account: the admin reset path refuses it.".into(),
                "Change your own password at https://aka.ms/sspr or https://myaccount.microsoft.com.",
            )],
            None,
        );
    }
    // 2. Where the credential lives (identities and invitation state, not userType).
    match source_of_authority(user) {
        SourceOfAuthority::PendingInvite => {
            return denied(
                vec![block(
                    "pending-invite",
                    format!(
                        "{who} has not redeemed the invitation: the account has no password in this tenant."
                    ),
                    "Resend the invitation, or ask the user to redeem it; they sign in with their own organization or email, not a password set here.",
                )],
                None,
            );
        }
        SourceOfAuthority::External => {
            let issuer = home_issuer(user).unwrap_or_default();
            let home = home_domain(user).unwrap_or_else(|| "another directory".into());
            let fix = match issuer.to_ascii_lowercase().as_str() {
                "microsoftaccount" => "The user resets their Microsoft account password at https://account.live.com/password/reset.".to_string(),
                "externalazuread" => format!("The user resets it in their own organization ({home}): their helpdesk or https://aka.ms/sspr."),
                _ => format!("The user resets it with their identity provider ({issuer})."),
            };
            return denied(
                vec![block(
                    "external-user",
                    format!(
                        "{who} is homed in {home} ({issuer}): only the home tenant or identity provider can reset this password."
                    ),
                    fix,
                )],
                None,
            );
        }
        _ => {}
    }

    let c = classify(t);
    let m = Matrix::get();
    let mut blocks = Vec::new();
    let mut warnings = Vec::new();

    // RMAU: a Global Administrator inside one can be reset by nobody.
    let rmau_name = c
        .restricted_units
        .first()
        .map(|u| u.display_name.clone())
        .unwrap_or_else(|| "a restricted-management administrative unit".into());
    let least: Option<String> = if c.in_restricted_unit {
        if c.holds_global_admin {
            None
        } else if c.categories.iter().all(|cat| *cat == Category::NoRole) {
            Some(format!("Helpdesk Administrator scoped to {rmau_name}"))
        } else {
            None
        }
    } else {
        least_tenant_role(&c).map(str::to_string)
    };

    // 3. The operator's usable roles: active ones that can reset passwords.
    let usable = |roles: &[RoleHolding]| -> Vec<RoleHolding> {
        roles
            .iter()
            .filter(|r| r.built_in && m.is_caller(&r.template_id))
            .cloned()
            .collect()
    };
    let active = usable(&op.active);
    let eligible = usable(&op.eligible);
    let outcomes: Vec<(RoleHolding, Outcome)> = active
        .iter()
        .map(|r| (r.clone(), judge(r, t, &c)))
        .collect();
    let passing = outcomes
        .iter()
        .find(|(_, o)| *o == Outcome::Passes)
        .map(|(r, _)| r.clone());

    if c.in_restricted_unit && c.holds_global_admin {
        blocks.push(block(
            "restricted-au-global-admin",
            format!("{who} is a Global Administrator inside the restricted-management administrative unit {rmau_name}: nobody can reset this password."),
            format!("A Global Administrator or Privileged Role Administrator removes {who} from {rmau_name} first; then a Privileged Authentication Administrator or Global Administrator can reset it."),
        ));
    } else if passing.is_none() {
        // Would an eligible role, once activated, do it?
        let activatable = eligible.iter().find(|r| judge(r, t, &c) == Outcome::Passes);
        if let Some(r) = activatable {
            blocks.push(block(
                "activate-in-pim",
                format!("You hold {} ({}) only as eligible in PIM; eligible roles confer nothing until activated.", r.name, r.scope_label()),
                format!("Activate {} in Privileged Identity Management (https://aka.ms/pim › My roles), then refresh your roles; sign out and in if it is not picked up.", r.name),
            ));
        } else if active.is_empty() {
            let custom = op.active.iter().any(|r| !r.built_in);
            if custom {
                blocks.push(block(
                    "custom-role-unpredictable",
                    "Your only roles are custom roles: the reset matrix does not say which users they may reset, so resetdesk will not predict it.".into(),
                    format!("Ask a colleague with {}, or ask for that role.", least.clone().unwrap_or_else(|| "Privileged Authentication Administrator".into())),
                ));
            } else {
                blocks.push(block(
                    "no-reset-role",
                    "You hold no active role that can reset passwords.".into(),
                    format!(
                        "Ask a colleague with {} or above, or ask for that role (Helpdesk Administrator is the usual one for non-admins).",
                        least.clone().unwrap_or_else(|| "Privileged Authentication Administrator".into())
                    ),
                ));
            }
        } else {
            blocks.extend(explain_denial(
                &outcomes,
                t,
                &c,
                &who,
                &rmau_name,
                least.as_deref(),
            ));
        }
    }

    // Facts the decision needs but could not be read: never guess "allowed".
    let needed_unknown: Vec<&String> = t
        .unknown
        .iter()
        .filter(|f| {
            matches!(
                f.as_str(),
                "activeRoles" | "groups" | "ownedGroups" | "administrativeUnits"
            )
        })
        .collect();
    if !needed_unknown.is_empty() && blocks.is_empty() {
        blocks.push(block(
            "facts-unknown",
            format!(
                "resetdesk could not read {} for {who}, so it cannot tell whether they are protected.",
                needed_unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "Consent to RoleManagement.Read.Directory and Directory.Read.All for resetdesk (or ask an admin to), then refresh.",
        ));
    }
    if t.unknown.iter().any(|f| f == "eligibleRoles") && blocks.is_empty() {
        // Reading other users' PIM schedules needs a privileged reader role. Whether an
        // eligible-only role protects a target is not documented (eligibility.md §12.4);
        // Graph refuses the reset if it does, and the refusal is explained then. Shown as
        // information: a helpdesk admin would otherwise see this on every user.
        warnings.push(reason(
            "eligible-roles-unknown",
            Severity::Info,
            format!("{who}'s PIM-eligible roles are not readable with your roles; only active roles were checked."),
            "If Graph refuses the reset, ask a Privileged Authentication Administrator.",
        ));
    }
    if op.roles_from_token {
        warnings.push(warn(
            "operator-roles-from-token",
            "Your role assignments could not be read; your tenant-wide roles were taken from your sign-in token, and administrative-unit roles are not visible.".into(),
            "Consent to RoleManagement.Read.Directory for resetdesk to see scoped roles.",
        ));
    }
    if !c.from_eligible_only.is_empty() && !blocks.is_empty() {
        let names = role_names(&c.from_eligible_only.iter().cloned().collect::<Vec<_>>(), t);
        warnings.push(warn(
            "eligible-target-role",
            format!("{who} holds {names} only as PIM-eligible; it is counted as held (the conservative reading: the docs do not say whether eligible roles protect a user)."),
            "",
        ));
    }

    // 8. Hybrid feasibility.
    let synced = user.on_premises_sync_enabled == Some(true);
    if synced {
        if tenant.domain_federated == Some(true) {
            blocks.push(block(
                "federated-domain",
                format!("{who} is synced from on-premises AD and signs in through a federated domain: the cloud cannot change this password."),
                "Reset it in on-premises Active Directory (Active Directory Users and Computers, or Set-ADAccountPassword); it applies at the next sign-in.",
            ));
        } else if tenant.password_writeback == Some(false) {
            blocks.push(block(
                "writeback-disabled",
                format!("{who} is synced from on-premises AD and password writeback is off in this tenant."),
                "Reset it in on-premises Active Directory, or ask a Hybrid Identity Administrator to enable password writeback in Entra Connect.",
            ));
        } else {
            warnings.push(warn(
                "synced-writeback",
                format!("{who} is synced from on-premises AD: the password is written back to AD, and AD's policy applies (history, complexity, minimum age)."),
                "If AD refuses it (for example a protected account with AdminCount=1), reset it in Active Directory instead.",
            ));
            if tenant.password_writeback.is_none() {
                warnings.push(warn(
                    "writeback-unverified",
                    "Password writeback could not be verified (reading it needs Global Administrator or Hybrid Identity Administrator).".into(),
                    "If the reset fails, check writeback with a Hybrid Identity Administrator or reset in on-premises AD.",
                ));
            }
            if user
                .password_policies
                .as_deref()
                .is_some_and(|p| p.contains("DisablePasswordExpiration"))
            {
                warnings.push(warn(
                    "force-change-ignored",
                    "This account's password never expires: Active Directory will not force a change at next sign-in.".into(),
                    "Tell the user to change the temporary password themselves.",
                ));
            }
        }
    }
    if user.account_enabled == Some(false) {
        warnings.push(warn(
            "account-disabled",
            format!("{who}'s account is disabled: the new password works only after it is enabled again."),
            "Enable the account first if the user needs to sign in (User Administrator).",
        ));
    }

    let allowed = blocks.is_empty();
    // No role helps when the password is not the cloud's to change.
    let least = if blocks
        .iter()
        .any(|b| matches!(b.code, "federated-domain" | "writeback-disabled"))
    {
        None
    } else {
        least
    };
    let mut reasons = blocks;
    if allowed {
        let r = passing.as_ref().expect("allowed implies a passing role");
        reasons.push(reason(
            "allowed",
            Severity::Info,
            format!(
                "Your active {} ({}) may reset {who}.",
                r.name,
                r.scope_label()
            ),
            "",
        ));
        if user.on_premises_sync_enabled == Some(false) {
            reasons.push(reason(
                "once-synced",
                Severity::Info,
                format!("{who} was synced from on-premises AD once; sync has stopped, so the password is managed in the cloud."),
                "",
            ));
        }
    }
    reasons.extend(warnings);
    reasons.sort_by_key(|r| r.severity);
    Verdict {
        allowed,
        method: allowed.then_some(if synced {
            Method::ResetPassword
        } else {
            Method::PasswordProfile
        }),
        reasons,
        least_privileged_role: least,
    }
}

fn explain_denial(
    outcomes: &[(RoleHolding, Outcome)],
    t: &Target,
    c: &Classified,
    who: &str,
    rmau_name: &str,
    least: Option<&str>,
) -> Vec<Reason> {
    let ask = |fallback: &str| {
        format!(
            "Ask a {} to reset it{}.",
            least.unwrap_or(fallback),
            if least.is_some() {
                ""
            } else {
                " (if anyone can)"
            }
        )
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    // Most telling first: a tenant-wide role the matrix refuses, then scope problems.
    let mut sorted: Vec<&(RoleHolding, Outcome)> = outcomes.iter().collect();
    sorted.sort_by_key(|(_, o)| match o {
        Outcome::RestrictedAu => 0,
        Outcome::Denied(_) => 1,
        Outcome::UnitTargetHasRole => 2,
        Outcome::OutsideUnit => 3,
        Outcome::UnitRoleCannotReset => 4,
        Outcome::Passes => 5,
    });
    for (role, outcome) in sorted {
        let r = match outcome {
            Outcome::Passes => continue,
            Outcome::RestrictedAu => block(
                "restricted-management-au",
                format!(
                    "{who} is in the restricted-management administrative unit {rmau_name}: only admins assigned at that unit can reset this password; tenant-wide roles, Global Administrator included, are blocked."
                ),
                format!(
                    "Ask an admin scoped to {rmau_name}, or ask a Global Administrator or Privileged Role Administrator to assign you a role scoped to it (the assignment is audited)."
                ),
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
                block(
                    "role-assignable-group",
                    format!(
                        "{who} is {}, a role-assignable group: only a Privileged Authentication Administrator or Global Administrator may reset members and owners of such groups; your {} may not.",
                        groups.join(" and "),
                        role.name
                    ),
                    ask("Privileged Authentication Administrator"),
                )
            }
            Outcome::Denied(cats) => {
                let eligible_note = if cats.iter().all(|cat| c.from_eligible_only.contains(cat)) {
                    " (held only as PIM-eligible, counted as held to be safe)"
                } else {
                    ""
                };
                block(
                    "target-role-protected",
                    format!(
                        "{who} holds {}{eligible_note}; your {} ({}) may not reset such users.",
                        role_names(cats, t),
                        role.name,
                        role.scope_label()
                    ),
                    ask("Privileged Authentication Administrator"),
                )
            }
            Outcome::UnitTargetHasRole => block(
                "au-scope-target-has-role",
                format!(
                    "Your {} is scoped to {}: administrative-unit admins may reset only users who hold no role, and {who} holds {}.",
                    role.name,
                    role.scope_name,
                    role_names(&c.categories.iter().cloned().collect::<Vec<_>>(), t)
                ),
                ask("Privileged Authentication Administrator"),
            ),
            Outcome::OutsideUnit => block(
                "outside-administrative-unit",
                format!(
                    "Your {} is scoped to {}, and {who} is not a direct member of it.",
                    role.name, role.scope_name
                ),
                format!(
                    "Ask an admin with a tenant-wide role ({}), or the admin of {who}'s unit.",
                    least.unwrap_or("Helpdesk Administrator")
                ),
            ),
            Outcome::UnitRoleCannotReset => block(
                "no-reset-role",
                format!(
                    "Your {} ({}) cannot reset passwords.",
                    role.name,
                    role.scope_label()
                ),
                ask("Helpdesk Administrator"),
            ),
        };
        if seen.insert(r.code) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::roles::RoleCatalog;

    fn role(template_id: &str, state: RoleState, scope: Option<(&str, bool)>) -> RoleHolding {
        let catalog = RoleCatalog::builtin();
        let def = catalog.by_id(template_id);
        RoleHolding {
            name: def
                .map(|d| d.display_name.clone())
                .unwrap_or_else(|| "Custom".into()),
            template_id: template_id.into(),
            scope: scope.map_or("/".into(), |(id, _)| format!("/administrativeUnits/{id}")),
            scope_name: scope.map_or("tenant".into(), |(id, _)| id.to_string()),
            scope_restricted: scope.is_some_and(|(_, r)| r),
            state,
            via_group: None,
            built_in: def.is_some(),
        }
    }

    fn user() -> Account {
        Account {
            id: "target".into(),
            display_name: Some("Tess Target".into()),
            account_enabled: Some(true),
            identities: Some(vec![crate::policy::account::Identity {
                sign_in_type: Some("userPrincipalName".into()),
                issuer: Some("contoso.com".into()),
            }]),
            ..Default::default()
        }
    }

    fn op(roles: Vec<RoleHolding>) -> Operator {
        Operator {
            id: "operator".into(),
            active: roles,
            ..Default::default()
        }
    }

    struct T {
        user: Account,
        roles: Vec<RoleHolding>,
        groups: Vec<Membership>,
        owned: Vec<Membership>,
        units: Vec<Membership>,
        unknown: Vec<String>,
    }

    impl T {
        fn new() -> T {
            T {
                user: user(),
                roles: vec![],
                groups: vec![],
                owned: vec![],
                units: vec![],
                unknown: vec![],
            }
        }
        fn eval(&self, op: &Operator) -> Verdict {
            self.eval_with(op, &TenantFacts::default())
        }
        fn eval_with(&self, op: &Operator, tenant: &TenantFacts) -> Verdict {
            let t = Target {
                user: &self.user,
                roles: &self.roles,
                groups: &self.groups,
                owned_groups: &self.owned,
                units: &self.units,
                unknown: &self.unknown,
            };
            evaluate(op, &t, tenant)
        }
    }

    fn first_code(v: &Verdict) -> &'static str {
        v.reasons[0].code
    }

    fn unit(id: &str, restricted: bool) -> Membership {
        Membership {
            id: id.into(),
            display_name: id.into(),
            protected: restricted,
        }
    }

    const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
    const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

    /// Every one of the 144 rows of the matrix, through the engine.
    #[test]
    fn the_engine_agrees_with_every_row_of_the_matrix() {
        let rows = Matrix::rows();
        assert_eq!(rows.len(), 144);
        for row in rows {
            let operator = op(vec![role(
                &row.caller_role_template_id,
                RoleState::Active,
                None,
            )]);
            let mut t = T::new();
            match Category::from_matrix_name(
                &row.target_role_or_category,
                &row.target_role_template_id,
            ) {
                Category::Role(id) => t.roles.push(role(&id, RoleState::Active, None)),
                Category::NoRole => {}
                Category::RoleAssignableGroup => t.groups.push(Membership {
                    id: "g".into(),
                    display_name: "Tier0".into(),
                    protected: true,
                }),
                // A role every caller may otherwise reset, scoped to an RMAU the target is
                // not a member of: only the "role scoped to an RMAU" row decides.
                Category::RestrictedAuRole => t.roles.push(role(
                    DIRECTORY_READERS,
                    RoleState::Active,
                    Some(("rmau", true)),
                )),
                Category::OtherRole => t.roles.push(role(EXCHANGE_ADMIN, RoleState::Active, None)),
            }
            let v = t.eval(&operator);
            assert_eq!(
                v.allowed,
                row.allowed == "yes",
                "{} → {}: {:?}",
                row.caller_role,
                row.target_role_or_category,
                v.reasons
            );
            if !v.allowed {
                assert!(
                    v.blocks().next().is_some_and(|b| !b.fix.is_empty()),
                    "a refusal names a fix"
                );
            } else {
                assert_eq!(v.method, Some(Method::PasswordProfile));
            }
        }
    }

    #[test]
    fn self_external_and_pending_are_refused_before_roles() {
        let ga = op(vec![role(GLOBAL_ADMIN, RoleState::Active, None)]);
        let mut t = T::new();
        t.user.id = "operator".into();
        assert_eq!(first_code(&t.eval(&ga)), "self-reset");
        let mut t = T::new();
        t.user.identities = Some(vec![crate::policy::account::Identity {
            sign_in_type: Some("federated".into()),
            issuer: Some("ExternalAzureAD".into()),
        }]);
        let v = t.eval(&ga);
        assert!(!v.allowed);
        assert_eq!(first_code(&v), "external-user");
        let mut t = T::new();
        t.user.external_user_state = Some("PendingAcceptance".into());
        assert_eq!(first_code(&t.eval(&ga)), "pending-invite");
        // A local guest (userType Guest, identity of this tenant) is resettable.
        let t = T::new();
        assert!(t.eval(&ga).allowed);
    }

    #[test]
    fn only_active_operator_roles_count_and_pim_is_the_fix() {
        let t = T::new();
        let mut operator = op(vec![]);
        operator.eligible = vec![role(HELPDESK_ADMIN, RoleState::Eligible, None)];
        let v = t.eval(&operator);
        assert!(!v.allowed);
        assert_eq!(first_code(&v), "activate-in-pim");
        assert!(v.reasons[0].fix.contains("Helpdesk Administrator"));
        assert_eq!(first_code(&T::new().eval(&op(vec![]))), "no-reset-role");
        // An eligible role that would not help anyway is not suggested.
        let mut admin_target = T::new();
        admin_target
            .roles
            .push(role(GLOBAL_ADMIN, RoleState::Active, None));
        let v = admin_target.eval(&operator);
        assert_eq!(first_code(&v), "no-reset-role");
        assert_eq!(
            v.least_privileged_role.as_deref(),
            Some("Privileged Authentication Administrator")
        );
    }

    #[test]
    fn eligible_target_roles_count_and_say_so() {
        let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
        let mut t = T::new();
        t.roles.push(role(GLOBAL_ADMIN, RoleState::Eligible, None));
        let v = t.eval(&hda);
        assert!(!v.allowed);
        assert_eq!(first_code(&v), "target-role-protected");
        assert!(v.reasons[0].message.contains("PIM-eligible"));
        assert!(v.reasons.iter().any(|r| r.code == "eligible-target-role"));
    }

    #[test]
    fn role_assignable_group_members_and_owners() {
        let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
        let paa = op(vec![role(PRIVILEGED_AUTH_ADMIN, RoleState::Active, None)]);
        let mut t = T::new();
        t.owned.push(Membership {
            id: "g".into(),
            display_name: "PAW Users".into(),
            protected: true,
        });
        let v = t.eval(&hda);
        assert_eq!(first_code(&v), "role-assignable-group");
        assert!(v.reasons[0].message.contains("owner of PAW Users"));
        assert!(t.eval(&paa).allowed);
        // An ordinary group does not protect.
        let mut t = T::new();
        t.groups.push(unit("All Staff", false));
        assert!(t.eval(&hda).allowed);
    }

    #[test]
    fn au_scoped_roles_reach_only_direct_members_without_roles() {
        let au_hda = op(vec![role(
            HELPDESK_ADMIN,
            RoleState::Active,
            Some(("seattle", false)),
        )]);
        let mut inside = T::new();
        inside.units.push(unit("seattle", false));
        assert!(inside.eval(&au_hda).allowed);
        let outside = T::new();
        assert_eq!(
            first_code(&outside.eval(&au_hda)),
            "outside-administrative-unit"
        );
        let mut with_role = T::new();
        with_role.units.push(unit("seattle", false));
        with_role
            .roles
            .push(role(DIRECTORY_READERS, RoleState::Active, None));
        assert_eq!(
            first_code(&with_role.eval(&au_hda)),
            "au-scope-target-has-role"
        );
        // A tenant-wide Helpdesk Administrator may reset a Directory Reader.
        assert!(
            with_role
                .eval(&op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]))
                .allowed
        );
    }

    #[test]
    fn restricted_management_units_block_tenant_wide_roles() {
        let mut t = T::new();
        t.units.push(unit("exec", true));
        t.user.is_management_restricted = Some(true);
        let ga = op(vec![role(GLOBAL_ADMIN, RoleState::Active, None)]);
        let v = t.eval(&ga);
        assert!(!v.allowed);
        assert_eq!(first_code(&v), "restricted-management-au");
        let scoped = op(vec![role(
            HELPDESK_ADMIN,
            RoleState::Active,
            Some(("exec", true)),
        )]);
        assert!(t.eval(&scoped).allowed);
        // A regular AU the target also belongs to does not open the door.
        t.units.push(unit("seattle", false));
        let regular = op(vec![role(
            HELPDESK_ADMIN,
            RoleState::Active,
            Some(("seattle", false)),
        )]);
        assert_eq!(first_code(&t.eval(&regular)), "restricted-management-au");
        // A Global Administrator inside an RMAU: nobody.
        t.roles.push(role(GLOBAL_ADMIN, RoleState::Active, None));
        let v = t.eval(&scoped);
        assert_eq!(first_code(&v), "restricted-au-global-admin");
        assert_eq!(v.least_privileged_role, None);
    }

    #[test]
    fn synced_users_route_to_reset_password_or_are_refused() {
        let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
        let mut t = T::new();
        t.user.on_premises_sync_enabled = Some(true);
        let v = t.eval_with(
            &hda,
            &TenantFacts {
                domain_federated: Some(false),
                password_writeback: Some(true),
            },
        );
        assert!(v.allowed);
        assert_eq!(v.method, Some(Method::ResetPassword));
        assert!(v.warnings().any(|w| w.code == "synced-writeback"));
        let v = t.eval_with(
            &hda,
            &TenantFacts {
                domain_federated: Some(false),
                password_writeback: None,
            },
        );
        assert!(v.allowed && v.warnings().any(|w| w.code == "writeback-unverified"));
        let v = t.eval_with(
            &hda,
            &TenantFacts {
                domain_federated: Some(true),
                password_writeback: Some(true),
            },
        );
        assert_eq!(first_code(&v), "federated-domain");
        assert_eq!(v.method, None);
        let v = t.eval_with(
            &hda,
            &TenantFacts {
                domain_federated: Some(false),
                password_writeback: Some(false),
            },
        );
        assert_eq!(first_code(&v), "writeback-disabled");
        // Once synced is cloud.
        t.user.on_premises_sync_enabled = Some(false);
        let v = t.eval(&hda);
        assert_eq!(v.method, Some(Method::PasswordProfile));
        assert!(v.reasons.iter().any(|r| r.code == "once-synced"));
    }

    #[test]
    fn disabled_is_a_warning_and_unknown_facts_never_allow() {
        let hda = op(vec![role(HELPDESK_ADMIN, RoleState::Active, None)]);
        let mut t = T::new();
        t.user.account_enabled = Some(false);
        let v = t.eval(&hda);
        assert!(v.allowed && v.warnings().any(|w| w.code == "account-disabled"));
        let mut t = T::new();
        t.unknown.push("activeRoles".into());
        let v = t.eval(&hda);
        assert!(!v.allowed);
        assert_eq!(first_code(&v), "facts-unknown");
        let mut t = T::new();
        t.unknown.push("eligibleRoles".into());
        let v = t.eval(&hda);
        assert!(v.allowed && v.reasons.iter().any(|w| w.code == "eligible-roles-unknown"));
    }

    #[test]
    fn custom_operator_roles_are_not_predicted() {
        let mut custom = role(
            "b7a1c0de-2f6e-4d8a-9c3b-5e4f6a7b8c9d",
            RoleState::Active,
            None,
        );
        custom.built_in = false;
        let v = T::new().eval(&op(vec![custom]));
        assert!(!v.allowed);
        assert_eq!(first_code(&v), "custom-role-unpredictable");
        // A custom role held by the target falls under "all other roles".
        let mut t = T::new();
        let mut r = role(HELPDESK_ADMIN, RoleState::Active, None);
        r.built_in = false;
        t.roles.push(r);
        let v = t.eval(&op(vec![role(USER_ADMIN, RoleState::Active, None)]));
        assert_eq!(first_code(&v), "target-role-protected");
    }
}
