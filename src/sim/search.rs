//! Directory `$search`: `"prop:text" [AND|OR] "prop:text"`, every clause in double quotes,
//! parentheses allowed. displayName and description match by tokens (each search token a
//! prefix of some token, order- and case-insensitive); other properties by prefix.

use super::tenant::{SimUser, tokenize};

#[derive(Debug, Clone, PartialEq)]
pub enum SearchExpr {
    /// `text` as given; `tokens` and `lower` prepared once at parse time, not per user
    /// (issue 17: re-tokenizing per user and clause was most of a 100k-user scan).
    Clause {
        property: String,
        text: String,
        tokens: Vec<String>,
        lower: String,
    },
    And(Box<SearchExpr>, Box<SearchExpr>),
    Or(Box<SearchExpr>, Box<SearchExpr>),
}

const SEARCHABLE: &[&str] = &[
    "displayName",
    "description",
    "userPrincipalName",
    "mail",
    "mailNickname",
    "givenName",
    "surname",
    "jobTitle",
];

#[derive(Debug, PartialEq)]
enum Tok {
    Quoted(String),
    And,
    Or,
    Open,
    Close,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(&c) = it.peek() {
        match c {
            ' ' | '\t' => {
                it.next();
            }
            '(' => {
                it.next();
                out.push(Tok::Open);
            }
            ')' => {
                it.next();
                out.push(Tok::Close);
            }
            '"' => {
                it.next();
                let mut text = String::new();
                loop {
                    match it.next() {
                        Some('\\') => match it.next() {
                            Some(e) => text.push(e),
                            None => return Err("dangling escape".into()),
                        },
                        Some('"') => break,
                        Some(ch) => text.push(ch),
                        None => return Err("unterminated quoted clause".into()),
                    }
                }
                out.push(Tok::Quoted(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&ch) = it.peek() {
                    if ch == ' ' || ch == '(' || ch == ')' || ch == '"' {
                        break;
                    }
                    word.push(ch);
                    it.next();
                }
                match word.as_str() {
                    "AND" => out.push(Tok::And),
                    "OR" => out.push(Tok::Or),
                    _ => {
                        return Err(format!(
                            "`{word}`: each clause must be in double quotes, as \"property:text\""
                        ));
                    }
                }
            }
        }
    }
    Ok(out)
}

pub fn parse(s: &str) -> Result<SearchExpr, String> {
    let toks = lex(s)?;
    let mut pos = 0;
    let e = parse_or(&toks, &mut pos)?;
    if pos != toks.len() {
        return Err("unexpected text after the search expression".into());
    }
    Ok(e)
}

fn parse_or(t: &[Tok], pos: &mut usize) -> Result<SearchExpr, String> {
    let mut left = parse_and(t, pos)?;
    while t.get(*pos) == Some(&Tok::Or) {
        *pos += 1;
        left = SearchExpr::Or(Box::new(left), Box::new(parse_and(t, pos)?));
    }
    Ok(left)
}

fn parse_and(t: &[Tok], pos: &mut usize) -> Result<SearchExpr, String> {
    let mut left = parse_primary(t, pos)?;
    while t.get(*pos) == Some(&Tok::And) {
        *pos += 1;
        left = SearchExpr::And(Box::new(left), Box::new(parse_primary(t, pos)?));
    }
    Ok(left)
}

fn parse_primary(t: &[Tok], pos: &mut usize) -> Result<SearchExpr, String> {
    match t.get(*pos) {
        Some(Tok::Open) => {
            *pos += 1;
            let e = parse_or(t, pos)?;
            if t.get(*pos) != Some(&Tok::Close) {
                return Err("missing `)`".into());
            }
            *pos += 1;
            Ok(e)
        }
        Some(Tok::Quoted(q)) => {
            *pos += 1;
            let (property, text) = q
                .split_once(':')
                .ok_or_else(|| format!("clause \"{q}\" lacks `property:`"))?;
            let property = SEARCHABLE
                .iter()
                .find(|p| p.eq_ignore_ascii_case(property.trim()))
                .ok_or_else(|| format!("property `{property}` does not support $search"))?;
            Ok(SearchExpr::Clause {
                property: property.to_string(),
                text: text.to_string(),
                tokens: tokenize(text),
                lower: text.to_lowercase(),
            })
        }
        _ => Err("expected a quoted clause".into()),
    }
}

impl SearchExpr {
    pub fn matches(&self, u: &SimUser) -> bool {
        match self {
            SearchExpr::And(a, b) => a.matches(u) && b.matches(u),
            SearchExpr::Or(a, b) => a.matches(u) || b.matches(u),
            SearchExpr::Clause {
                property,
                tokens,
                lower,
                ..
            } => match property.as_str() {
                "displayName" => {
                    !tokens.is_empty()
                        && tokens
                            .iter()
                            .all(|w| u.name_tokens.iter().any(|t| t.starts_with(w.as_str())))
                }
                "description" => false,
                "userPrincipalName" => u.upn_lower.starts_with(lower.as_str()),
                "mail" => u.mail_lower.starts_with(lower.as_str()),
                other => u
                    .text(other)
                    .is_some_and(|v| v.to_lowercase().starts_with(lower.as_str())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(name: &str, upn: &str) -> SimUser {
        let serde_json::Value::Object(m) = json!({"displayName": name, "userPrincipalName": upn})
        else {
            unreachable!()
        };
        SimUser::new(m).unwrap()
    }

    #[test]
    fn documented_examples() {
        let oscar = user("Oscar Ward", "oscarward@contoso.com");
        let admin = user("contosoAdmin1", "contosoadmin1@fabrikam.com");
        let e = parse(r#""displayName:wa" OR "displayName:ad""#).unwrap();
        assert!(e.matches(&oscar) && e.matches(&admin));
        // Tokens, not substrings: "ard" is inside "Ward" but starts no token.
        assert!(!parse(r#""displayName:ard""#).unwrap().matches(&oscar));
        // Order-insensitive multi-token.
        assert!(parse(r#""displayName:ward osc""#).unwrap().matches(&oscar));
        // UPN is a prefix match.
        assert!(
            parse(r#""userPrincipalName:oscarw""#)
                .unwrap()
                .matches(&oscar)
        );
        assert!(
            !parse(r#""userPrincipalName:ward""#)
                .unwrap()
                .matches(&oscar)
        );
        let both = parse(r#"("displayName:oscar" AND "mail:oscar") OR "displayName:zzz""#).unwrap();
        assert!(both.matches(&oscar) && !both.matches(&admin));
    }

    #[test]
    fn syntax_errors() {
        assert!(parse("displayName:wa").is_err());
        assert!(parse(r#""displayName:wa"#).is_err());
        assert!(parse(r#""passwordProfile:x""#).is_err());
        assert!(parse(r#"("displayName:a""#).is_err());
        assert!(matches!(
            parse(r#""displayName:say \"hi\"""#).unwrap(),
            SearchExpr::Clause { property, text, .. }
                if property == "displayName" && text == "say \"hi\""
        ));
    }
}
