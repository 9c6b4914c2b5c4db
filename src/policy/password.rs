//! The Microsoft Entra password policy for cloud accounts (concept-sspr-policy.md): 8–256
//! characters from an allowed set, three of four character classes, and — as Entra's
//! banned-password check does — not containing the user's name. The banned-password
//! lists themselves are server-side only; Graph's error is surfaced for those.
//! Also the generator for temporary passwords.

use rand::RngExt;
use zeroize::Zeroize;

use crate::secret::{SecretString, secret};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;
/// Symbols Entra accepts (plus the blank space).
pub const ALLOWED_SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    TooShort,
    TooLong,
    /// A character outside the allowed set (Entra rejects Unicode), by position.
    NotAllowed(usize),
    /// Fewer than three of lower case, upper case, digits, symbols.
    TooSimple(usize),
    /// Contains the user's name or the alias of their UPN (4+ letters).
    ContainsName(String),
}

impl Problem {
    pub fn message(&self) -> String {
        match self {
            Problem::TooShort => format!("at least {MIN_LEN} characters"),
            Problem::TooLong => format!("at most {MAX_LEN} characters"),
            Problem::NotAllowed(pos) => format!(
                "character {} is not allowed (letters A–Z, digits, common symbols only)",
                pos + 1
            ),
            Problem::TooSimple(n) => {
                format!("needs 3 of: lower case, upper case, digit, symbol (has {n})")
            }
            Problem::ContainsName(n) => format!("must not contain the user's name ({n})"),
        }
    }
}

fn classes(p: &str) -> usize {
    let lower = p.chars().any(|c| c.is_ascii_lowercase());
    let upper = p.chars().any(|c| c.is_ascii_uppercase());
    let digit = p.chars().any(|c| c.is_ascii_digit());
    let symbol = p.chars().any(|c| ALLOWED_SYMBOLS.contains(c));
    [lower, upper, digit, symbol].iter().filter(|b| **b).count()
}

/// Checks a password against the policy; `names` are the user's given name, surname and
/// UPN alias. Returns every problem, for a live checklist.
pub fn check(password: &str, names: &[&str]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let len = password.chars().count();
    if len < MIN_LEN {
        problems.push(Problem::TooShort);
    }
    if len > MAX_LEN {
        problems.push(Problem::TooLong);
    }
    if let Some(pos) = password
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || ALLOWED_SYMBOLS.contains(c)))
    {
        problems.push(Problem::NotAllowed(pos));
    }
    let n = classes(password);
    if n < 3 {
        problems.push(Problem::TooSimple(n));
    }
    // A copy of the password: wiped when the check ends.
    let lower = zeroize::Zeroizing::new(password.to_lowercase());
    for name in names {
        let name = name.trim().to_lowercase();
        if name.chars().count() >= 4 && lower.contains(&name) {
            problems.push(Problem::ContainsName(name));
        }
    }
    problems
}

/// The names a password must not contain, from a user's properties.
pub fn user_names<'a>(
    given: Option<&'a str>,
    surname: Option<&'a str>,
    upn: Option<&'a str>,
) -> Vec<&'a str> {
    let alias = upn.and_then(|u| u.split('@').next());
    [given, surname, alias].into_iter().flatten().collect()
}

// No look-alikes (0/O/o, 1/l/I, 5/S, 2/Z) and no characters that break when pasted into chat or
// mail: no quotes, backslash, backtick, spaces, angle brackets, markdown markers (* _ ~)
// or sentence punctuation (. ,).
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXY";
const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
const DIGITS: &[u8] = b"346789";
const SYMBOLS: &[u8] = b"!#%+=?";

/// A temporary password of `len` characters (at least 12, at most 64) from the OS-seeded
/// CSPRNG, always with all four character classes.
pub fn generate(len: usize) -> SecretString {
    let len = len.clamp(12, 64);
    let mut rng = rand::rng();
    let sets: [&[u8]; 4] = [UPPER, LOWER, DIGITS, SYMBOLS];
    let all: Vec<u8> = sets.concat();
    let mut chars: Vec<u8> = sets
        .iter()
        .map(|s| s[rng.random_range(0..s.len())])
        .collect();
    while chars.len() < len {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    // Fisher–Yates, so the guaranteed classes are not always in front.
    for i in (1..chars.len()).rev() {
        let j = rng.random_range(0..=i);
        chars.swap(i, j);
    }
    let s: String = chars.iter().map(|&b| char::from(b)).collect();
    chars.zeroize();
    secret(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::ExposeSecret;

    #[test]
    fn policy_rules() {
        assert!(check("Tr0ub4dor&3", &[]).is_empty());
        assert!(check("Sh0rt!", &[]).contains(&Problem::TooShort));
        assert!(check(&"aA1!".repeat(65), &[]).contains(&Problem::TooLong));
        assert_eq!(check("alllowercase", &[]), vec![Problem::TooSimple(1)]);
        assert!(check("lower1234", &[]).contains(&Problem::TooSimple(2)));
        assert!(check("Pässword123!", &[]).contains(&Problem::NotAllowed(1)));
        assert_eq!(
            check("Adele2026!x", &["Adele", "Vance", "adele.vance"]),
            vec![Problem::ContainsName("adele".into())]
        );
        // Short names (under 4 letters) are not checked, as in Entra.
        assert!(check("Lee12345!x", &["Lee"]).is_empty());
    }

    #[test]
    fn generated_passwords_always_pass_and_avoid_lookalikes() {
        for _ in 0..500 {
            let p = generate(16);
            let s = p.expose_secret();
            assert_eq!(s.len(), 16);
            assert!(check(s, &[]).is_empty(), "{s}");
            assert_eq!(classes(s), 4);
            assert!(
                !s.contains([
                    '0', 'O', 'o', '1', 'l', 'I', '\'', '"', '`', ' ', '.', '*', '_'
                ]),
                "{s}"
            );
        }
        assert_eq!(generate(4).expose_secret().len(), 12);
    }

    #[test]
    fn generated_passwords_differ() {
        let a = generate(16);
        let b = generate(16);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
