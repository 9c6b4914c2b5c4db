//! Every sentence the verdict says, in one place (as gitui keeps its text in
//! `strings.rs`): the message and the fix of each reason. Rules decide; this words.

use super::types::RoleHolding;

/// A message and what to do instead.
pub(super) type Text = (String, String);

fn t(message: impl Into<String>, fix: impl Into<String>) -> Text {
    (message.into(), fix.into())
}

pub(super) fn self_reset() -> Text {
    t(
        "This is your own account: the admin reset path refuses it.",
        "Change your own password at https://aka.ms/sspr or https://myaccount.microsoft.com.",
    )
}

pub(super) fn pending_invite(who: &str) -> Text {
    t(
        format!(
            "{who} has not redeemed the invitation: the account has no password in this tenant."
        ),
        "Resend the invitation, or ask the user to redeem it; they sign in with their own organization or email, not a password set here.",
    )
}

pub(super) fn external_user(who: &str, home: &str, issuer: &str) -> Text {
    let fix = match issuer.to_ascii_lowercase().as_str() {
        "microsoftaccount" => "The user resets their Microsoft account password at https://account.live.com/password/reset.".to_string(),
        "externalazuread" => format!("The user resets it in their own organization ({home}): their helpdesk or https://aka.ms/sspr."),
        _ => format!("The user resets it with their identity provider ({issuer})."),
    };
    t(
        format!(
            "{who} is homed in {home} ({issuer}): only the home tenant or identity provider can reset this password."
        ),
        fix,
    )
}

pub(super) fn restricted_au_global_admin(who: &str, unit: &str) -> Text {
    t(
        format!(
            "{who} is a Global Administrator inside the restricted-management administrative unit {unit}: nobody can reset this password."
        ),
        format!(
            "A Global Administrator or Privileged Role Administrator removes {who} from {unit} first; then a Privileged Authentication Administrator or Global Administrator can reset it."
        ),
    )
}

pub(super) fn activate_in_pim(r: &RoleHolding) -> Text {
    t(
        format!(
            "You hold {} ({}) only as eligible in PIM; eligible roles confer nothing until activated.",
            r.name,
            r.scope_label()
        ),
        format!(
            "Activate {} in Privileged Identity Management (https://aka.ms/pim › My roles), then refresh your roles; sign out and in if it is not picked up.",
            r.name
        ),
    )
}

pub(super) fn custom_role_unpredictable(least: &str) -> Text {
    t(
        "Your only roles are custom roles: the reset matrix does not say which users they may reset, so resetdesk will not predict it.",
        format!("Ask a colleague with {least}, or ask for that role."),
    )
}

pub(super) fn no_reset_role(least: &str) -> Text {
    t(
        "You hold no active role that can reset passwords.",
        format!(
            "Ask a colleague with {least} or above, or ask for that role (Helpdesk Administrator is the usual one for non-admins)."
        ),
    )
}

pub(super) fn unit_role_cannot_reset(r: &RoleHolding, ask: String) -> Text {
    t(
        format!(
            "Your {} ({}) cannot reset passwords.",
            r.name,
            r.scope_label()
        ),
        ask,
    )
}

/// "Ask a Privileged Authentication Administrator to reset it."
pub(super) fn ask(least: Option<&str>, fallback: &str) -> String {
    format!(
        "Ask a {} to reset it{}.",
        least.unwrap_or(fallback),
        if least.is_some() {
            ""
        } else {
            " (if anyone can)"
        }
    )
}

pub(super) fn restricted_management_au(who: &str, unit: &str) -> Text {
    t(
        format!(
            "{who} is in the restricted-management administrative unit {unit}: only admins assigned at that unit can reset this password; tenant-wide roles, Global Administrator included, are blocked."
        ),
        format!(
            "Ask an admin scoped to {unit}, or ask a Global Administrator or Privileged Role Administrator to assign you a role scoped to it (the assignment is audited)."
        ),
    )
}

pub(super) fn role_assignable_group(
    who: &str,
    groups: &[String],
    r: &RoleHolding,
    ask: String,
) -> Text {
    t(
        format!(
            "{who} is {}, a role-assignable group: only a Privileged Authentication Administrator or Global Administrator may reset members and owners of such groups; your {} may not.",
            groups.join(" and "),
            r.name
        ),
        ask,
    )
}

pub(super) fn target_role_protected(
    who: &str,
    roles: &str,
    eligible_only: bool,
    r: &RoleHolding,
    ask: String,
) -> Text {
    let note = if eligible_only {
        " (held only as PIM-eligible, counted as held to be safe)"
    } else {
        ""
    };
    t(
        format!(
            "{who} holds {roles}{note}; your {} ({}) may not reset such users.",
            r.name,
            r.scope_label()
        ),
        ask,
    )
}

pub(super) fn au_scope_target_has_role(
    who: &str,
    roles: &str,
    r: &RoleHolding,
    ask: String,
) -> Text {
    t(
        format!(
            "Your {} is scoped to {}: administrative-unit admins may reset only users who hold no role, and {who} holds {roles}.",
            r.name, r.scope_name
        ),
        ask,
    )
}

pub(super) fn outside_administrative_unit(who: &str, r: &RoleHolding, least: Option<&str>) -> Text {
    t(
        format!(
            "Your {} is scoped to {}, and {who} is not a direct member of it.",
            r.name, r.scope_name
        ),
        format!(
            "Ask an admin with a tenant-wide role ({}), or the admin of {who}'s unit.",
            least.unwrap_or("Helpdesk Administrator")
        ),
    )
}

pub(super) fn facts_unknown(who: &str, facts: &str) -> Text {
    t(
        format!(
            "resetdesk could not read {facts} for {who}, so it cannot tell whether they are protected."
        ),
        "Consent to RoleManagement.Read.Directory and Directory.Read.All for resetdesk (or ask an admin to), then refresh.",
    )
}

pub(super) fn eligible_roles_unknown(who: &str) -> Text {
    t(
        format!(
            "{who}'s PIM-eligible roles are not readable with your roles; only active roles were checked."
        ),
        "If Graph refuses the reset, ask a Privileged Authentication Administrator.",
    )
}

pub(super) fn operator_roles_from_token() -> Text {
    t(
        "Your role assignments could not be read; your tenant-wide roles were taken from your sign-in token, and administrative-unit roles are not visible.",
        "Consent to RoleManagement.Read.Directory for resetdesk to see scoped roles.",
    )
}

pub(super) fn eligible_target_role(who: &str, names: &str) -> Text {
    t(
        format!(
            "{who} holds {names} only as PIM-eligible; it is counted as held (the conservative reading: the docs do not say whether eligible roles protect a user)."
        ),
        "",
    )
}

pub(super) fn federated_domain(who: &str) -> Text {
    t(
        format!(
            "{who} is synced from on-premises AD and signs in through a federated domain: the cloud cannot change this password."
        ),
        "Reset it in on-premises Active Directory (Active Directory Users and Computers, or Set-ADAccountPassword); it applies at the next sign-in.",
    )
}

pub(super) fn missing_permission(path: &str, permission: &str) -> Text {
    t(
        format!(
            "Your sign-in lacks the Graph permission {permission}, which the {path} reset needs: Graph would refuse it whatever your roles."
        ),
        format!(
            "Sign in with an app that has {permission} (admin consent), e.g. after `resetdesk logout`."
        ),
    )
}

pub(super) fn reset_password_needs_user(who: &str) -> Text {
    t(
        format!(
            "{who} is synced from on-premises AD: resetPassword, the only API that writes back to AD, does not accept an app-only sign-in."
        ),
        "Sign in as an administrator (a delegated sign-in such as device-code), or reset it in on-premises AD.",
    )
}

pub(super) fn cloud_without_writeback(who: &str) -> Text {
    t(
        format!(
            "{who} is synced from on-premises AD, and writeback through Graph is not available in this cloud (no resetPassword)."
        ),
        "Reset it in on-premises Active Directory; Entra Connect syncs the new password up.",
    )
}

pub(super) fn writeback_disabled(who: &str) -> Text {
    t(
        format!(
            "{who} is synced from on-premises AD and password writeback is off in this tenant."
        ),
        "Reset it in on-premises Active Directory, or ask a Hybrid Identity Administrator to enable password writeback in Entra Connect.",
    )
}

pub(super) fn synced_writeback(who: &str) -> Text {
    t(
        format!(
            "{who} is synced from on-premises AD: the password is written back to AD, and AD's policy applies (history, complexity, minimum age)."
        ),
        "If AD refuses it (for example a protected account with AdminCount=1), reset it in Active Directory instead.",
    )
}

pub(super) fn writeback_unverified() -> Text {
    t(
        "Password writeback could not be verified (reading it needs Global Administrator or Hybrid Identity Administrator).",
        "If the reset fails, check writeback with a Hybrid Identity Administrator or reset in on-premises AD.",
    )
}

pub(super) fn force_change_ignored() -> Text {
    t(
        "This account's password never expires: Active Directory will not force a change at next sign-in.",
        "Tell the user to change the temporary password themselves.",
    )
}

pub(super) fn account_disabled(who: &str) -> Text {
    t(
        format!(
            "{who}'s account is disabled: the new password works only after it is enabled again."
        ),
        "Enable the account first if the user needs to sign in (User Administrator).",
    )
}

pub(super) fn allowed(who: &str, r: &RoleHolding) -> Text {
    t(
        format!(
            "Your active {} ({}) may reset {who}.",
            r.name,
            r.scope_label()
        ),
        "",
    )
}

pub(super) fn once_synced(who: &str) -> Text {
    t(
        format!(
            "{who} was synced from on-premises AD once; sync has stopped, so the password is managed in the cloud."
        ),
        "",
    )
}
