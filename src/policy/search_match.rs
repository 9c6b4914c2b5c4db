//! Which users Graph's `$search` returns for what the console sends
//! (`"displayName:q" OR "userPrincipalName:q" OR "mail:q"`, graph::query), as the search
//! query parameter page documents it (https://learn.microsoft.com/graph/search-query-parameter):
//! displayName is matched by tokens — each token of the query a prefix of some token of
//! the name, in any order, case-insensitive; the name and the query are split on spaces
//! and symbols, at a lower→upper case change and between letters and digits — and the
//! UPN and mail by prefix. The console uses it to narrow a complete result set as the
//! admin types on (issue 17); Graph's answer still replaces it, Graph's tokenizer being
//! documented only this far.

/// The tokens of `s`, lower-cased.
pub fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev = None;
            continue;
        }
        let split = prev.is_some_and(|p| {
            (p.is_lowercase() && c.is_uppercase()) || p.is_numeric() != c.is_numeric()
        });
        if split && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
        prev = Some(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A query prepared once, to be matched against many users.
#[derive(Debug, Clone)]
pub struct Query {
    tokens: Vec<String>,
    lower: String,
}

impl Query {
    pub fn new(text: &str) -> Query {
        let text = text.trim();
        Query {
            tokens: tokens(text),
            lower: text.to_lowercase(),
        }
    }

    /// Whether Graph returns this user for the query.
    pub fn matches(&self, user: &Target) -> bool {
        let name = !self.tokens.is_empty()
            && self
                .tokens
                .iter()
                .all(|w| user.tokens.iter().any(|t| t.starts_with(w.as_str())));
        let prefix = |v: &str| !self.lower.is_empty() && v.starts_with(&self.lower);
        name || prefix(&user.upn) || prefix(&user.mail)
    }
}

/// A user as the matching sees it, prepared once per result set.
#[derive(Debug, Clone)]
pub struct Target {
    tokens: Vec<String>,
    upn: String,
    mail: String,
}

impl Target {
    pub fn new(display_name: &str, upn: &str, mail: &str) -> Target {
        Target {
            tokens: tokens(display_name),
            upn: upn.to_lowercase(),
            mail: mail.to_lowercase(),
        }
    }
}

/// Whether every user `later` matches is among those `earlier` matched, so that a
/// complete answer for `earlier` narrowed by `later` is the whole answer for `later`: the
/// query was typed on (tokens are split as the text is read, so the tokens of a prefix
/// are prefixes of the longer text's tokens). The same query is not narrowed: Graph's
/// answer for it stands as given.
pub fn narrows(earlier: &str, later: &str) -> bool {
    let (e, l) = (earlier.trim().to_lowercase(), later.trim().to_lowercase());
    !e.is_empty() && l.len() > e.len() && l.starts_with(&e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_by_token_prefix_and_addresses_by_prefix() {
        let m = |q: &str, name: &str, upn: &str, mail: &str| {
            Query::new(q).matches(&Target::new(name, upn, mail))
        };
        let (n, u) = ("Oscar Ward", "oscarward@contoso.com");
        assert!(m("wa", n, u, ""));
        assert!(m("ward osc", n, u, ""));
        assert!(!m("ard", n, u, ""));
        assert!(m("oscarw", n, u, ""));
        assert!(m("contosoAdmin", "contosoAdmin1", "x@y", ""));
        assert!(m("admin", "contosoAdmin1", "x@y", ""));
        assert!(m("1", "contosoAdmin1", "x@y", ""));
        assert!(m("adele.v", "Adele Vance", "adele.vance@contoso.com", ""));
        assert!(m("ADELE", "", "", "adele@fabrikam.com"));
        assert!(!m(" ", n, u, ""));
    }

    #[test]
    fn a_query_typed_on_narrows_the_earlier_one() {
        assert!(narrows("ad", "ade"));
        assert!(narrows("Ad", "adele v"));
        assert!(narrows("adele ", "adele v"));
        assert!(!narrows("ade", "ad"));
        assert!(!narrows("ade", "ADE "));
        assert!(!narrows("", "a"));
        assert!(!narrows("adv", "ade"));
    }
}
