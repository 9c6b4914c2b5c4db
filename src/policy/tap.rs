//! Who may create a Temporary Access Pass for whom, and what the tenant's pass policy
//! allows: the pass's own verdict, pure.
//!
//! Sources (Microsoft Learn):
//! - roles: authentication-post-temporaryaccesspassmethods.md ("least privileged roles …
//!   Authentication Administrator, Privileged Authentication Administrator") and
//!   howto-authentication-temporary-access-pass.md ("Privileged Authentication
//!   Administrators can create … a TAP for admins and members (except themselves).
//!   Authentication Administrators can create … a TAP for members (except themselves)";
//!   its 2023 version: "Global Administrators can create … on any user (except
//!   themselves)"). Helpdesk, Password and User Administrators are in no list. Which
//!   targets count as "members" for an Authentication Administrator is the
//!   Authentication Administrator column of privileged-roles-permissions.md ("who can
//!   perform sensitive actions", the same table as `policy::matrix`): users with no role
//!   or only the roles listed there, and not in a role-assignable group.
//! - guests: "You can add a TAP … to an internal guest, but not other types of guests."
//! - policy: temporaryaccesspassauthenticationmethodconfiguration.md (state, include and
//!   exclude targets, minimum/maximum/default lifetime, isUsableOnce); lifetimes are
//!   10–43200 minutes whatever the policy.

use serde::Serialize;

use super::eligibility::{Operator, RoleState};

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const PRIVILEGED_AUTH_ADMIN: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
pub const AUTH_ADMIN: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
/// The documented bounds of `lifetimeInMinutes`.
pub const LIFETIME_BOUNDS: (u32, u32) = (10, 43_200);
/// What a pass needs of an app or a token (least privileged first).
pub const TAP_PERMISSIONS: &[&str] = &[
    "UserAuthenticationMethod.ReadWrite.All",
    "UserAuthMethod-TAP.ReadWrite.All",
];

/// The user a pass would be for.
#[derive(Debug, Clone, Default)]
pub struct TapTarget {
    pub id: String,
    pub is_self: bool,
    /// Template ids of the roles the user holds, active or PIM-eligible.
    pub role_ids: Vec<String>,
    /// Member or owner of a role-assignable group.
    pub in_role_group: bool,
    /// A guest homed in another organisation or identity provider (or not yet redeemed).
    pub external: bool,
    pub group_ids: Vec<String>,
    pub unit_ids: Vec<String>,
    /// Restricted-management administrative units the user is in (or the user object is
    /// management-restricted itself): only roles scoped to such a unit act on them
    /// (admin-units-restricted-management.md: tenant-wide roles, Global Administrator
    /// included, are blocked).
    pub restricted_units: Vec<String>,
    pub management_restricted: bool,
    pub disabled: bool,
    /// Facts of the user that could not be read (`activeRoles`, `groups`, …): what the
    /// verdict cannot assume to be empty.
    pub unknown: Vec<String>,
}

impl TapTarget {
    /// An admin in the pass documentation's sense: outside what an Authentication
    /// Administrator may act on (the matrix's column for that role).
    pub fn beyond_auth_admin(&self) -> bool {
        let m = super::matrix::Matrix::get();
        self.in_role_group
            || self
                .role_ids
                .iter()
                .any(|r| !m.allows(AUTH_ADMIN, &m.category_of_role(r)))
    }

    /// The facts that decide whether the user is an admin and were not readable. An
    /// unreadable PIM eligibility is a warning, as in the reset verdict; active roles and
    /// groups are not guessed.
    fn admin_facts_unknown(&self) -> Vec<&str> {
        self.unknown
            .iter()
            .map(String::as_str)
            .filter(|f| matches!(*f, "activeRoles" | "groups" | "ownedGroups"))
            .collect()
    }
}

/// The tenant's pass policy as read (`None` fields: not stated).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassPolicy {
    pub enabled: bool,
    pub minimum: Option<u32>,
    pub maximum: Option<u32>,
    pub default: Option<u32>,
    pub one_time_only: bool,
    /// `all_users` or group ids.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyKnown {
    Read(PassPolicy),
    /// Not readable (why): Graph decides what the policy allows.
    Unreadable(String),
}

/// What the operator asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct TapAsk {
    pub lifetime: Option<u32>,
    pub one_time: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weight {
    Block,
    Warn,
    Info,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TapReason {
    pub code: &'static str,
    #[serde(skip)]
    pub weight: Weight,
    pub message: String,
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TapVerdict {
    pub allowed: bool,
    pub reasons: Vec<TapReason>,
    /// The lifetime to ask for (`None`: the policy's default).
    pub lifetime_minutes: Option<u32>,
    pub one_time: bool,
    /// The policy's (minimum, maximum, default) minutes, when read.
    #[serde(skip)]
    pub limits: Option<(Option<u32>, Option<u32>, Option<u32>)>,
    /// The least role that would allow it, when the operator lacks one.
    pub least_role: Option<&'static str>,
}

impl TapVerdict {
    pub fn refusal(&self) -> Option<&TapReason> {
        self.reasons.iter().find(|r| r.weight == Weight::Block)
    }
}

/// "an Authentication Administrator", "a Privileged Authentication Administrator".
fn article(role: &str) -> String {
    let an = role.starts_with(['A', 'E', 'I', 'O', 'U']);
    format!("{} {role}", if an { "an" } else { "a" })
}

fn block(code: &'static str, message: impl Into<String>, fix: impl Into<String>) -> TapReason {
    TapReason {
        code,
        weight: Weight::Block,
        message: message.into(),
        fix: fix.into(),
    }
}

/// Does this role at this scope let the operator create a pass for `t`?
fn role_allows(template: &str, scope_unit: Option<&str>, t: &TapTarget) -> bool {
    let in_scope = scope_unit.is_none_or(|u| t.unit_ids.iter().any(|x| x == u));
    if t.management_restricted || !t.restricted_units.is_empty() {
        // Only from the restricted unit's own scope.
        let own = scope_unit.is_some_and(|u| t.restricted_units.iter().any(|x| x == u));
        return own
            && matches!(template, AUTH_ADMIN | PRIVILEGED_AUTH_ADMIN)
            && !t.beyond_auth_admin();
    }
    match template {
        GLOBAL_ADMIN | PRIVILEGED_AUTH_ADMIN => scope_unit.is_none(),
        AUTH_ADMIN => in_scope && !t.beyond_auth_admin(),
        _ => false,
    }
}

/// Holds a role that covers every user (no admin fact about the target matters then).
fn covers_everyone(op: &Operator, t: &TapTarget) -> bool {
    t.restricted_units.is_empty()
        && !t.management_restricted
        && op.active.iter().any(|h| {
            h.unit_id().is_none()
                && [GLOBAL_ADMIN, PRIVILEGED_AUTH_ADMIN]
                    .iter()
                    .any(|r| h.template_id.eq_ignore_ascii_case(r))
        })
}

pub fn judge(
    op: &Operator,
    t: &TapTarget,
    policy: &PolicyKnown,
    ask: TapAsk,
    cloud_has_tap: bool,
) -> TapVerdict {
    let mut v = TapVerdict {
        allowed: false,
        reasons: vec![],
        lifetime_minutes: ask.lifetime,
        one_time: ask.one_time,
        limits: None,
        least_role: None,
    };
    if !cloud_has_tap {
        v.reasons.push(block(
            "tap-unavailable-in-cloud",
            "this cloud's Microsoft Graph has no Temporary Access Pass (the China cloud's v1.0 schema lacks it)",
            "reset the password instead, or create the pass in the cloud's admin center if it offers one",
        ));
        return v;
    }
    if t.is_self {
        let who = if t.beyond_auth_admin() {
            "Privileged Authentication Administrator"
        } else {
            "Authentication Administrator"
        };
        v.reasons.push(block(
            "tap-self",
            "nobody may create a Temporary Access Pass for themselves",
            format!("ask another {who}"),
        ));
    }
    if t.disabled {
        v.reasons.push(TapReason {
            code: "tap-account-disabled",
            weight: Weight::Warn,
            message: "the account is disabled: the pass works only after it is enabled again"
                .into(),
            fix: "enable the account (Entra admin center › user › Edit properties)".into(),
        });
    }
    if t.unknown.iter().any(|f| f == "eligibleRoles") {
        v.reasons.push(TapReason {
            code: "tap-eligible-roles-unknown",
            weight: Weight::Warn,
            message: "the user's PIM-eligible roles are not readable with your roles; only active roles were checked".into(),
            fix: "if Graph refuses, ask a Privileged Authentication Administrator".into(),
        });
    }
    if t.external {
        v.reasons.push(block(
            "tap-external-guest",
            "a Temporary Access Pass cannot be added to an external guest user",
            "the guest signs in with their home organisation or provider: their admins help them there",
        ));
    }
    let beyond = t.beyond_auth_admin();
    let least = if beyond {
        "Privileged Authentication Administrator"
    } else {
        "Authentication Administrator"
    };
    match &op.grant {
        Some(g) if !g.is_delegated() => {
            // An app acts with its permissions alone: no role applies.
            if !g.has_any(TAP_PERMISSIONS) {
                v.reasons.push(block(
                    "tap-missing-permission",
                    "this app lacks UserAuthenticationMethod.ReadWrite.All",
                    "grant the application permission UserAuthenticationMethod.ReadWrite.All (admin consent)",
                ));
            }
        }
        grant => {
            if let Some(g) = grant
                && !g.has_any(TAP_PERMISSIONS)
            {
                v.reasons.push(block(
                    "tap-missing-permission",
                    "your sign-in lacks the delegated permission UserAuthenticationMethod.ReadWrite.All",
                    "consent to UserAuthenticationMethod.ReadWrite.All for resetdesk's app registration",
                ));
            }
            let allows = |h: &&super::eligibility::RoleHolding| {
                role_allows(&h.template_id.to_lowercase(), h.unit_id(), t)
            };
            if !op.active.iter().any(|h| allows(&h)) {
                v.least_role = Some(least);
                let eligible = op
                    .eligible
                    .iter()
                    .find(|h| h.state == RoleState::Eligible && allows(h));
                let helpdesk = op
                    .active
                    .iter()
                    .any(|h| h.template_id.eq_ignore_ascii_case(HELPDESK_ADMIN));
                let restricted = t.management_restricted || !t.restricted_units.is_empty();
                let message = match (eligible, helpdesk, beyond) {
                    _ if restricted => "this user is in a restricted-management administrative unit: only admins assigned at that unit may act on them; tenant-wide roles, Global Administrator included, are blocked".to_string(),
                    (Some(h), _, _) => format!(
                        "your {} role is eligible, not active",
                        h.short_label()
                    ),
                    (None, true, _) => "Helpdesk Administrators cannot create a Temporary Access Pass (only Authentication and Privileged Authentication Administrators can)".to_string(),
                    (None, false, true) => "this user holds an admin role: only a Privileged Authentication Administrator may create their pass".to_string(),
                    (None, false, false) => "your roles do not allow creating a Temporary Access Pass".to_string(),
                };
                let fix = match eligible {
                    _ if restricted => "ask an Authentication Administrator assigned at the user's restricted-management unit".to_string(),
                    Some(h) => format!("activate {} in PIM, then refresh (Ctrl-r)", h.name),
                    None => format!("ask {}, or reset the password if that is the problem", article(least)),
                };
                v.reasons.push(block("tap-role-missing", message, fix));
            } else if !covers_everyone(op, t) && !t.admin_facts_unknown().is_empty() {
                // Allowed only if the user is no admin, and that could not be read.
                v.reasons.push(block(
                    "tap-facts-unknown",
                    format!(
                        "whether this user is an admin could not be read ({} not readable with your roles)",
                        t.admin_facts_unknown().join(", ")
                    ),
                    "consent to RoleManagement.Read.Directory and Directory.Read.All, or ask a Privileged Authentication Administrator",
                ));
            }
        }
    }
    match policy {
        PolicyKnown::Unreadable(why) => {
            v.reasons.push(TapReason {
                code: "tap-policy-unknown",
                weight: Weight::Warn,
                message: format!("the tenant's pass policy could not be read ({why})"),
                fix: "Graph refuses a pass the policy does not allow; reading it needs Policy.Read.All and Global Reader or Authentication Policy Administrator".into(),
            });
            if let Some(l) = ask.lifetime
                && !(LIFETIME_BOUNDS.0..=LIFETIME_BOUNDS.1).contains(&l)
            {
                v.reasons.push(block(
                    "tap-lifetime-out-of-range",
                    format!("a pass lasts 10 to 43200 minutes, not {l}"),
                    "choose a lifetime within the tenant's policy (often 60–480 minutes)",
                ));
            }
        }
        PolicyKnown::Read(p) => {
            v.limits = Some((p.minimum, p.maximum, p.default));
            if !p.enabled {
                v.reasons.push(block(
                    "tap-policy-disabled",
                    "the Temporary Access Pass method is disabled in this tenant",
                    "an Authentication Policy Administrator enables it (Entra admin center › Authentication methods › Temporary Access Pass)",
                ));
            } else {
                // Targets are `all_users`, groups or users. Graph creates a pass for anyone
                // ("Although you can create a TAP for any user, only users included in the
                // policy can sign-in with it"): outside the policy it is a warning.
                let groups_unknown = t.unknown.iter().any(|f| f == "groups");
                let hit = |id: &String| {
                    id.eq_ignore_ascii_case("all_users")
                        || id.eq_ignore_ascii_case(&t.id)
                        || t.group_ids.iter().any(|g| g == id)
                };
                let included = p.include.iter().any(hit);
                let excluded = p
                    .exclude
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(&t.id) || t.group_ids.iter().any(|g| g == e));
                if excluded || (!included && !groups_unknown) {
                    v.reasons.push(TapReason {
                        code: "tap-policy-excludes-user",
                        weight: Weight::Warn,
                        message: "the pass policy does not include this user: they could not sign in with the pass".into(),
                        fix: "an Authentication Policy Administrator adds the user (or their group) to the Temporary Access Pass policy".into(),
                    });
                }
            }
            let lo = p.minimum.unwrap_or(LIFETIME_BOUNDS.0);
            let hi = p.maximum.unwrap_or(LIFETIME_BOUNDS.1);
            if let Some(l) = ask.lifetime
                && !(lo..=hi).contains(&l)
            {
                v.reasons.push(block(
                    "tap-lifetime-out-of-range",
                    format!("the tenant's policy allows passes of {lo} to {hi} minutes, not {l}"),
                    format!("choose a lifetime from {lo} to {hi} minutes"),
                ));
            }
            if p.one_time_only && !ask.one_time {
                v.one_time = true;
                v.reasons.push(TapReason {
                    code: "tap-one-time-by-policy",
                    weight: Weight::Info,
                    message: "the tenant's policy makes every pass one-time".into(),
                    fix: String::new(),
                });
            }
        }
    }
    v.allowed = v.refusal().is_none();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::eligibility::{Grant, RoleHolding};

    fn holding(template: &str, scope: &str, state: RoleState) -> RoleHolding {
        RoleHolding {
            name: match template {
                AUTH_ADMIN => "Authentication Administrator",
                PRIVILEGED_AUTH_ADMIN => "Privileged Authentication Administrator",
                HELPDESK_ADMIN => "Helpdesk Administrator",
                _ => "Global Administrator",
            }
            .into(),
            template_id: template.into(),
            scope: scope.into(),
            scope_name: "tenant".into(),
            scope_restricted: false,
            state,
            via_group: None,
            built_in: true,
        }
    }

    fn op(active: &[&str], eligible: &[&str]) -> Operator {
        Operator {
            id: "op".into(),
            active: active
                .iter()
                .map(|t| holding(t, "/", RoleState::Active))
                .collect(),
            eligible: eligible
                .iter()
                .map(|t| holding(t, "/", RoleState::Eligible))
                .collect(),
            roles_from_token: false,
            grant: Some(Grant::Delegated(vec![
                "UserAuthenticationMethod.ReadWrite.All".into(),
            ])),
        }
    }

    fn open_policy() -> PolicyKnown {
        PolicyKnown::Read(PassPolicy {
            enabled: true,
            minimum: Some(60),
            maximum: Some(480),
            default: Some(60),
            one_time_only: false,
            include: vec!["all_users".into()],
            exclude: vec![],
        })
    }

    fn code(v: &TapVerdict) -> Option<&'static str> {
        v.refusal().map(|r| r.code)
    }

    #[test]
    fn who_may_create_a_pass_for_whom() {
        let member = TapTarget::default();
        let admin = TapTarget {
            role_ids: vec![GLOBAL_ADMIN.into()],
            ..TapTarget::default()
        };
        // Roles an Authentication Administrator may act on are not "admin" here.
        let reader = TapTarget {
            role_ids: vec!["4a5d8f65-41da-4de4-8968-e035b65339cf".into()], // Reports Reader
            ..TapTarget::default()
        };
        let grouped = TapTarget {
            in_role_group: true,
            ..TapTarget::default()
        };
        let p = open_policy();
        let ask = TapAsk::default();
        let auth = op(&[AUTH_ADMIN], &[]);
        let paa = op(&[PRIVILEGED_AUTH_ADMIN], &[]);
        let helpdesk = op(&[HELPDESK_ADMIN], &[]);
        assert!(judge(&auth, &member, &p, ask, true).allowed);
        assert_eq!(
            code(&judge(&auth, &admin, &p, ask, true)),
            Some("tap-role-missing")
        );
        assert!(judge(&auth, &reader, &p, ask, true).allowed);
        assert!(!judge(&auth, &grouped, &p, ask, true).allowed);
        assert!(judge(&paa, &admin, &p, ask, true).allowed);
        // Roles that could not be read are not assumed absent, unless no role matters.
        let unread = TapTarget {
            unknown: vec!["activeRoles".into()],
            ..TapTarget::default()
        };
        assert_eq!(
            code(&judge(&auth, &unread, &p, ask, true)),
            Some("tap-facts-unknown")
        );
        assert!(judge(&paa, &unread, &p, ask, true).allowed);
        let eligible_unread = TapTarget {
            unknown: vec!["eligibleRoles".into()],
            ..TapTarget::default()
        };
        assert!(judge(&auth, &eligible_unread, &p, ask, true).allowed);
        let h = judge(&helpdesk, &member, &p, ask, true);
        assert_eq!(code(&h), Some("tap-role-missing"));
        assert!(h.refusal().unwrap().message.contains("Helpdesk"), "{h:?}");
        assert_eq!(h.least_role, Some("Authentication Administrator"));
        assert!(
            h.refusal()
                .unwrap()
                .fix
                .starts_with("ask an Authentication"),
            "{h:?}"
        );
        let a = judge(&auth, &admin, &p, ask, true);
        assert!(
            a.refusal().unwrap().fix.starts_with("ask a Privileged"),
            "{a:?}"
        );
        let me = TapTarget {
            is_self: true,
            ..TapTarget::default()
        };
        assert_eq!(code(&judge(&paa, &me, &p, ask, true)), Some("tap-self"));
        let guest = TapTarget {
            external: true,
            ..TapTarget::default()
        };
        assert_eq!(
            code(&judge(&paa, &guest, &p, ask, true)),
            Some("tap-external-guest")
        );
        // Eligible, not active: activate first.
        let pim = judge(&op(&[], &[AUTH_ADMIN]), &member, &p, ask, true);
        assert!(pim.refusal().unwrap().fix.contains("PIM"), "{pim:?}");
        // No pass in a cloud without the method.
        assert_eq!(
            code(&judge(&paa, &member, &p, ask, false)),
            Some("tap-unavailable-in-cloud")
        );
    }

    #[test]
    fn a_restricted_management_unit_blocks_tenant_wide_roles() {
        let p = open_policy();
        let rmau = TapTarget {
            unit_ids: vec!["rm1".into()],
            restricted_units: vec!["rm1".into()],
            ..TapTarget::default()
        };
        for o in [
            op(&[PRIVILEGED_AUTH_ADMIN], &[]),
            op(&[GLOBAL_ADMIN], &[]),
            op(&[AUTH_ADMIN], &[]),
        ] {
            let v = judge(&o, &rmau, &p, TapAsk::default(), true);
            assert_eq!(code(&v), Some("tap-role-missing"), "{v:?}");
            assert!(
                v.refusal()
                    .unwrap()
                    .message
                    .contains("restricted-management")
            );
        }
        let mut scoped = op(&[], &[]);
        scoped.active.push(holding(
            AUTH_ADMIN,
            "/administrativeUnits/rm1",
            RoleState::Active,
        ));
        assert!(judge(&scoped, &rmau, &p, TapAsk::default(), true).allowed);
    }

    #[test]
    fn an_administrative_unit_scope_covers_its_members_only() {
        let mut o = op(&[], &[]);
        o.active.push(holding(
            AUTH_ADMIN,
            "/administrativeUnits/au1",
            RoleState::Active,
        ));
        let inside = TapTarget {
            unit_ids: vec!["au1".into()],
            ..TapTarget::default()
        };
        let p = open_policy();
        assert!(judge(&o, &inside, &p, TapAsk::default(), true).allowed);
        assert!(!judge(&o, &TapTarget::default(), &p, TapAsk::default(), true).allowed);
    }

    #[test]
    fn the_policy_decides_state_scope_lifetime_and_one_time_use() {
        let auth = op(&[AUTH_ADMIN], &[]);
        let member = TapTarget {
            group_ids: vec!["g1".into()],
            ..TapTarget::default()
        };
        let PolicyKnown::Read(base) = open_policy() else {
            unreachable!()
        };
        let with = |f: &dyn Fn(&mut PassPolicy)| {
            let mut p = base.clone();
            f(&mut p);
            PolicyKnown::Read(p)
        };
        let ask = TapAsk::default();
        let off = with(&|p| p.enabled = false);
        assert_eq!(
            code(&judge(&auth, &member, &off, ask, true)),
            Some("tap-policy-disabled")
        );
        // Outside the policy: Graph creates the pass, the user cannot sign in with it.
        let warned = |v: &TapVerdict| {
            v.allowed
                && v.reasons
                    .iter()
                    .any(|r| r.code == "tap-policy-excludes-user" && r.weight == Weight::Warn)
        };
        let other_group = with(&|p| p.include = vec!["g2".into()]);
        assert!(warned(&judge(&auth, &member, &other_group, ask, true)));
        let own_group = with(&|p| p.include = vec!["g1".into()]);
        assert!(!warned(&judge(&auth, &member, &own_group, ask, true)));
        let by_user = with(&|p| p.include = vec!["u1".into()]);
        let u1 = TapTarget {
            id: "u1".into(),
            ..member.clone()
        };
        assert!(!warned(&judge(&auth, &u1, &by_user, ask, true)));
        let excluded = with(&|p| p.exclude = vec!["g1".into()]);
        assert!(warned(&judge(&auth, &member, &excluded, ask, true)));
        let long = TapAsk {
            lifetime: Some(600),
            one_time: false,
        };
        let v = judge(&auth, &member, &PolicyKnown::Read(base.clone()), long, true);
        assert_eq!(code(&v), Some("tap-lifetime-out-of-range"));
        assert!(v.refusal().unwrap().message.contains("60 to 480"), "{v:?}");
        let once = with(&|p| p.one_time_only = true);
        let v = judge(&auth, &member, &once, ask, true);
        assert!(v.allowed && v.one_time, "{v:?}");
        // Unreadable: allowed with a warning, documented bounds only.
        let unknown = PolicyKnown::Unreadable("403".into());
        let v = judge(&auth, &member, &unknown, ask, true);
        assert!(v.allowed && v.reasons[0].weight == Weight::Warn, "{v:?}");
        let v = judge(
            &auth,
            &member,
            &unknown,
            TapAsk {
                lifetime: Some(5),
                one_time: false,
            },
            true,
        );
        assert_eq!(code(&v), Some("tap-lifetime-out-of-range"));
    }

    #[test]
    fn an_app_needs_the_permission_not_a_role() {
        let mut app = op(&[], &[]);
        app.grant = Some(Grant::Application(vec![
            "UserAuthenticationMethod.ReadWrite.All".into(),
        ]));
        let p = open_policy();
        assert!(judge(&app, &TapTarget::default(), &p, TapAsk::default(), true).allowed);
        app.grant = Some(Grant::Application(vec!["User.Read.All".into()]));
        assert_eq!(
            code(&judge(
                &app,
                &TapTarget::default(),
                &p,
                TapAsk::default(),
                true
            )),
            Some("tap-missing-permission")
        );
    }
}
