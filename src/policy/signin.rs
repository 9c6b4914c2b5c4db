//! What a failed sign-in means for a reset: the Entra error code (`status.errorCode` of
//! a sign-in, https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
//! explained in a sentence, and the kind of problem it points to. The words are ours;
//! the meanings follow Microsoft's table (500121, absent from it, follows the security
//! operations guide: "Authentication failed during strong authentication request").
//! Pure: the triage (issue 15) turns a user's recent sign-ins into one diagnosis with it.

use serde::Serialize;

/// The kind of problem a sign-in failure points to, ordered by how much it decides:
/// a policy or a disabled account outranks MFA, which outranks the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// Nothing a reset or a pass changes (an app not consented, a benign interrupt).
    NotTheUser,
    /// The password itself: a reset helps.
    Password,
    /// Multi-factor authentication: a reset won't help; a Temporary Access Pass may.
    Mfa,
    /// The account is disabled: enable it (a reset does not).
    Disabled,
    /// Blocked by Conditional Access or security defaults: not a password problem.
    Policy,
}

impl Problem {
    /// The one-line diagnosis shown on top of the sign-ins.
    pub fn diagnosis(self) -> &'static str {
        match self {
            Problem::Password => "password problem — a reset helps",
            Problem::Mfa => "MFA problem — a reset won't help; consider a Temporary Access Pass",
            Problem::Disabled => "the account is disabled — enable it; a reset won't help",
            Problem::Policy => "blocked by policy — not a password problem",
            Problem::NotTheUser => "an application problem — not the user's password",
        }
    }
}

/// One error code: what it means, in a sentence, and what it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explained {
    pub code: u32,
    pub meaning: &'static str,
    pub problem: Problem,
}

const TABLE: &[Explained] = &[
    e(
        50126,
        "wrong user name or password (InvalidUserNameOrPassword)",
        Problem::Password,
    ),
    e(
        50053,
        "locked by smart lockout after too many wrong passwords, or signed in from an IP address with malicious activity (IdsLocked; the failure reason tells which)",
        Problem::Password,
    ),
    e(
        50055,
        "the password has expired (InvalidPasswordExpiredPassword)",
        Problem::Password,
    ),
    e(
        50144,
        "the Active Directory password has expired (InvalidPasswordExpiredOnPremPassword)",
        Problem::Password,
    ),
    e(
        50057,
        "the account is disabled (UserDisabled)",
        Problem::Disabled,
    ),
    e(
        50074,
        "strong authentication was required and the user did not pass the MFA challenge",
        Problem::Mfa,
    ),
    e(
        50076,
        "MFA is required (a Conditional Access policy, per-user MFA, or a new location) and was not done",
        Problem::Mfa,
    ),
    e(
        500121,
        "MFA failed or was denied: the user did not complete the MFA prompt",
        Problem::Mfa,
    ),
    e(
        50158,
        "an external security challenge (terms of use, a third-party MFA provider) was not satisfied",
        Problem::Mfa,
    ),
    e(50072, "the user must register for MFA first", Problem::Mfa),
    e(50079, "the user must register for MFA first", Problem::Mfa),
    e(
        53003,
        "blocked by a Conditional Access policy (BlockedByConditionalAccess)",
        Problem::Policy,
    ),
    e(530035, "blocked by security defaults", Problem::Policy),
    e(
        53000,
        "Conditional Access requires a compliant or joined device",
        Problem::Policy,
    ),
    e(
        700016,
        "the application is not in this tenant (UnauthorizedClient_DoesNotMatchRequest)",
        Problem::NotTheUser,
    ),
    e(
        65001,
        "the application has not been consented to (DelegationDoesNotExist)",
        Problem::NotTheUser,
    ),
];

const fn e(code: u32, meaning: &'static str, problem: Problem) -> Explained {
    Explained {
        code,
        meaning,
        problem,
    }
}

/// What an error code means, if it is one resetdesk knows (0 is success).
pub fn explain(code: u32) -> Option<&'static Explained> {
    TABLE.iter().find(|x| x.code == code)
}

/// The diagnosis of a user's recent sign-ins, newest first (their error codes; 0 for a
/// success): `None` when there are none. A success newer than every failure means the
/// user can sign in now; otherwise the most decisive problem among the failures since
/// the last success wins.
pub fn diagnose(codes_newest_first: &[u32]) -> Option<Diagnosis> {
    let first = *codes_newest_first.first()?;
    if first == 0 {
        return Some(Diagnosis::SignsIn);
    }
    let problem = codes_newest_first
        .iter()
        .take_while(|c| **c != 0)
        .filter_map(|c| explain(*c).map(|x| x.problem))
        .max();
    Some(match problem {
        Some(p) => Diagnosis::Problem(p),
        None => Diagnosis::Unknown,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagnosis {
    /// The newest sign-in succeeded.
    SignsIn,
    Problem(Problem),
    /// Failures with codes resetdesk does not know.
    Unknown,
}

impl Diagnosis {
    pub fn line(self) -> &'static str {
        match self {
            Diagnosis::SignsIn => "the last sign-in succeeded — is a password even the problem?",
            Diagnosis::Problem(p) => p.diagnosis(),
            Diagnosis::Unknown => {
                "sign-ins fail with codes resetdesk does not know — see them below"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_the_issue_lists_is_explained_with_its_problem() {
        for (code, problem) in [
            (50126, Problem::Password),
            (50053, Problem::Password),
            (50055, Problem::Password),
            (50057, Problem::Disabled),
            (50074, Problem::Mfa),
            (50076, Problem::Mfa),
            (500121, Problem::Mfa),
            (53003, Problem::Policy),
            (50158, Problem::Mfa),
            (700016, Problem::NotTheUser),
            (65001, Problem::NotTheUser),
        ] {
            let x = explain(code).unwrap_or_else(|| panic!("{code} is not explained"));
            assert_eq!(x.problem, problem, "{code}");
            assert!(!x.meaning.is_empty());
        }
        assert!(explain(0).is_none());
        let codes: Vec<u32> = TABLE.iter().map(|x| x.code).collect();
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(codes.len(), unique.len(), "each code once");
    }

    #[test]
    fn the_diagnosis_weighs_the_failures_since_the_last_success() {
        assert_eq!(diagnose(&[]), None);
        assert_eq!(diagnose(&[0, 50126]), Some(Diagnosis::SignsIn));
        assert_eq!(
            diagnose(&[50126, 50126]),
            Some(Diagnosis::Problem(Problem::Password))
        );
        // MFA failing after the right password: a reset won't help.
        assert_eq!(
            diagnose(&[500121, 50126]),
            Some(Diagnosis::Problem(Problem::Mfa))
        );
        // A policy block outranks the rest.
        assert_eq!(
            diagnose(&[50126, 53003, 500121]),
            Some(Diagnosis::Problem(Problem::Policy))
        );
        // Failures before the last success do not count.
        assert_eq!(
            diagnose(&[50126, 0, 53003]),
            Some(Diagnosis::Problem(Problem::Password))
        );
        assert_eq!(diagnose(&[12345]), Some(Diagnosis::Unknown));
        assert!(
            Diagnosis::Problem(Problem::Mfa)
                .line()
                .contains("Temporary Access Pass")
        );
    }
}
