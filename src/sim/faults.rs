//! Fault injection for the simulator: `--faults 429:0.1,503:0.05,reset:0.02,slow:0.1:2000,malformed:0.01`.
//!
//! Each entry is `KIND:P[:X][@SCOPE]`, a per-request probability P of one fault:
//! - `429:P[:RETRY_AFTER]`, `503:P[:RETRY_AFTER]` (decimal seconds allowed; default 0.5);
//! - `reset:P` (the request is processed, then the connection drops mid-answer),
//!   `reset-before:P` (the connection drops before anything is done),
//!   `drop-write:P` (`reset`, for writes only);
//! - `malformed:P` (the answer is cut in half, as a dropped proxy leaves it),
//!   `garbage:P` (a complete 200 whose body is not JSON);
//! - `slow:P[:MS]`, `slow-write:P[:MS]` (held MS milliseconds before answering; default 2000);
//! - `401:P` (the token is refused as expired), `403:P` (the token lacks the permission);
//! - `change-only-ignored:P` (a flag-only `passwordProfile` update answers 204 and changes
//!   nothing, as microsoft-graph-docs issue 4267 reports).
//!
//! `@SCOPE` limits an entry to some requests: `@/memberOf` (paths containing that text),
//! `@POST` (one method), `@PATCH:/users/` (both), `@write` (anything but GET). The login
//! endpoints (`/{tenant}/oauth2/v2.0/token`, …) are in scope too, so sign-in can be faulted.
//! Entries are rolled in order and the first that fires wins.

use std::time::Duration;

use rand::RngExt;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    kind: Kind,
    p: f64,
    /// Retry-After seconds for 429/503, milliseconds for the slow kinds.
    arg: f64,
    scope: Scope,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Throttle,
    Unavailable,
    Reset,
    ResetBefore,
    DropWrite,
    Malformed,
    Garbage,
    Slow,
    SlowWrite,
    Unauthorized,
    Forbidden,
    ChangeOnlyIgnored,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Scope {
    /// `Some("write")` for anything but GET, else one method.
    method: Option<String>,
    path: Option<String>,
}

impl Scope {
    fn parse(s: &str) -> Result<Scope, String> {
        let (method, path) = match s.split_once(':') {
            Some((m, p)) => (Some(m), Some(p)),
            None if s.starts_with('/') => (None, Some(s)),
            None => (Some(s), None),
        };
        let method = method
            .map(|m| {
                let known = ["GET", "POST", "PATCH", "PUT", "DELETE", "write"];
                known.contains(&m).then(|| m.to_string()).ok_or_else(|| {
                    format!("`@{s}`: `{m}` is not GET, POST, PATCH, PUT, DELETE or write")
                })
            })
            .transpose()?;
        if path.is_some_and(|p| !p.starts_with('/')) {
            return Err(format!("`@{s}`: a path scope starts with /"));
        }
        Ok(Scope {
            method,
            path: path.map(str::to_string),
        })
    }

    fn covers(&self, method: &str, path: &str) -> bool {
        let method_ok = match self.method.as_deref() {
            None => true,
            Some("write") => method != "GET",
            Some(m) => m == method,
        };
        method_ok && self.path.as_deref().is_none_or(|p| path.contains(p))
    }
}

/// What happens to one request's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    None,
    /// 429 with this Retry-After, in seconds.
    Throttle(f64),
    /// 503 with this Retry-After, in seconds.
    Unavailable(f64),
    /// The request is processed, then the connection drops before the response completes.
    Reset,
    /// The connection drops before the request is processed: nothing happened.
    ResetBefore,
    /// The request is processed, then the body is cut short.
    Malformed,
    /// The request is processed, then answered 200 with a body that is not JSON.
    Garbage,
    /// 401: the token is refused as expired (nothing is processed).
    Unauthorized,
    /// 403: the token lacks the permission (nothing is processed).
    Forbidden,
}

impl Faults {
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut rules = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (body, scope) = match part.split_once('@') {
                Some((b, s)) => (b, Scope::parse(s)?),
                None => (part, Scope::default()),
            };
            let fields: Vec<&str> = body.split(':').collect();
            if fields.len() > 3 {
                return Err(format!("`{part}`: too many fields"));
            }
            let p: f64 = fields
                .get(1)
                .ok_or_else(|| format!("`{part}`: missing probability"))?
                .parse()
                .map_err(|_| format!("`{part}`: not a number"))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("`{part}`: probability must be between 0 and 1"));
            }
            let extra = fields
                .get(2)
                .map(|s| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .ok_or_else(|| format!("`{part}`: `{s}` is not a non-negative number"))
                })
                .transpose()?;
            let (kind, default, takes_extra) = match fields[0] {
                "429" => (Kind::Throttle, 0.5, true),
                "503" => (Kind::Unavailable, 0.5, true),
                "reset" => (Kind::Reset, 0.0, false),
                "reset-before" => (Kind::ResetBefore, 0.0, false),
                "drop-write" => (Kind::DropWrite, 0.0, false),
                "malformed" => (Kind::Malformed, 0.0, false),
                "garbage" => (Kind::Garbage, 0.0, false),
                "slow" => (Kind::Slow, 2000.0, true),
                "slow-write" => (Kind::SlowWrite, 2000.0, true),
                "401" => (Kind::Unauthorized, 0.0, false),
                "403" => (Kind::Forbidden, 0.0, false),
                "change-only-ignored" => (Kind::ChangeOnlyIgnored, 0.0, false),
                other => {
                    return Err(format!(
                        "unknown fault `{other}` (known: 429, 503, reset, reset-before, drop-write, malformed, garbage, slow, slow-write, 401, 403, change-only-ignored)"
                    ));
                }
            };
            if extra.is_some() && !takes_extra {
                return Err(format!("`{part}`: `{}` takes no third field", fields[0]));
            }
            rules.push(Rule {
                kind,
                p,
                arg: extra.unwrap_or(default),
                scope,
            });
        }
        Ok(Faults { rules })
    }

    fn fires<'a>(
        &'a self,
        method: &'a str,
        path: &'a str,
        kinds: &'a [Kind],
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |r| {
            kinds.contains(&r.kind)
                && r.scope.covers(method, path)
                && r.p > 0.0
                && rand::rng().random_bool(r.p)
        })
    }

    /// How long to hold this request before answering.
    pub fn delay(&self, method: &str, path: &str) -> Option<Duration> {
        let kinds: &[Kind] = if method == "GET" {
            &[Kind::Slow]
        } else {
            &[Kind::Slow, Kind::SlowWrite]
        };
        self.fires(method, path, kinds)
            .next()
            .map(|r| Duration::from_millis(r.arg as u64))
    }

    /// For a flag-only passwordProfile update: answer 204 and change nothing?
    pub fn ignore_this_change_only(&self, path: &str) -> bool {
        self.fires("PATCH", path, &[Kind::ChangeOnlyIgnored])
            .next()
            .is_some()
    }

    /// What happens to this request's answer.
    pub fn roll(&self, method: &str, path: &str) -> Fault {
        const ANSWERS: &[Kind] = &[
            Kind::Throttle,
            Kind::Unavailable,
            Kind::Reset,
            Kind::ResetBefore,
            Kind::DropWrite,
            Kind::Malformed,
            Kind::Garbage,
            Kind::Unauthorized,
            Kind::Forbidden,
        ];
        let Some(r) = self
            .fires(method, path, ANSWERS)
            .find(|r| r.kind != Kind::DropWrite || method != "GET")
        else {
            return Fault::None;
        };
        match r.kind {
            Kind::Throttle => Fault::Throttle(r.arg),
            Kind::Unavailable => Fault::Unavailable(r.arg),
            Kind::Reset | Kind::DropWrite => Fault::Reset,
            Kind::ResetBefore => Fault::ResetBefore,
            Kind::Malformed => Fault::Malformed,
            Kind::Garbage => Fault::Garbage,
            Kind::Unauthorized => Fault::Unauthorized,
            Kind::Forbidden => Fault::Forbidden,
            Kind::Slow | Kind::SlowWrite | Kind::ChangeOnlyIgnored => Fault::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_spec() {
        let f = Faults::parse("429:1:2.5,503:0.05,reset:0.02,slow:1:2000,malformed:0.01").unwrap();
        assert_eq!(f.rules.len(), 5);
        assert_eq!(f.roll("GET", "/users"), Fault::Throttle(2.5));
        assert_eq!(f.delay("GET", "/users"), Some(Duration::from_millis(2000)));
        assert_eq!(
            Faults::parse("503:1").unwrap().roll("GET", "/x"),
            Fault::Unavailable(0.5)
        );
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "429",
            "429:2",
            "teapot:0.1",
            "slow:0.1:-3",
            "429:0.1:1:1",
            "reset:0.1:3",
            "403:1@users",
            "403:1@FETCH",
            "403:1@GET:users",
        ] {
            assert!(Faults::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn certain_faults_always_fire_and_none_never() {
        let f = Faults::parse("429:1").unwrap();
        assert!((0..100).all(|_| f.roll("GET", "/users") == Fault::Throttle(0.5)));
        let f = Faults::parse("").unwrap();
        assert!(
            (0..100)
                .all(|_| f.roll("POST", "/x") == Fault::None && f.delay("POST", "/x").is_none())
        );
    }

    #[test]
    fn a_scope_limits_a_fault_to_its_method_and_path() {
        let f = Faults::parse("403:1@/memberOf,401:1@PATCH:/users/,reset:1@write").unwrap();
        assert_eq!(f.roll("GET", "/users/u1/memberOf"), Fault::Forbidden);
        assert_eq!(f.roll("GET", "/users/u1"), Fault::None);
        assert_eq!(f.roll("PATCH", "/users/u1"), Fault::Unauthorized);
        assert_eq!(
            f.roll("POST", "/users/u1/revokeSignInSessions"),
            Fault::Reset
        );
        let f = Faults::parse("drop-write:1,slow-write:1:5").unwrap();
        assert_eq!(f.roll("GET", "/users"), Fault::None);
        assert_eq!(f.delay("GET", "/users"), None);
        assert_eq!(f.roll("POST", "/users"), Fault::Reset);
        assert_eq!(f.delay("POST", "/users"), Some(Duration::from_millis(5)));
    }
}
