//! The OData `$filter` subset the simulator serves: `eq ne ge le gt lt`, `in (…)`,
//! `startswith(p,'x')`, `and`, `or`, `not`, parentheses; string literals in single
//! quotes, bare literals for dates, numbers, booleans, GUIDs and `null`.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// What a `$filter` reads properties from: a JSON object, or a simulated user whose
/// defaults are derived only when read.
pub trait Fields {
    /// A property by name in any case.
    fn field(&self, name: &str) -> Option<Cow<'_, Value>>;
}

impl Fields for Map<String, Value> {
    fn field(&self, name: &str) -> Option<Cow<'_, Value>> {
        field(self, name).map(Cow::Borrowed)
    }
}

impl Fields for super::tenant::SimUser {
    fn field(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.get_ignore_case(name).map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Bare(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Cmp {
        path: String,
        op: Op,
        value: Lit,
    },
    In {
        path: String,
        values: Vec<Lit>,
    },
    StartsWith {
        path: String,
        value: String,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `path/any(v: body)` over a collection property.
    Any {
        path: String,
        var: String,
        body: Box<Filter>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            v.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            v.push(ch);
                            i += 1;
                        }
                        None => return Err("unterminated string literal".into()),
                    }
                }
                out.push(Tok::Str(v));
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '(' | ')' | ',' | '\'') {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct P {
    t: Vec<Tok>,
    pos: usize,
}

impl P {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.t.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.t.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, tok: Tok) -> Result<(), String> {
        match self.next() {
            Some(t) if t == tok => Ok(()),
            other => Err(format!("expected {tok:?}, found {other:?}")),
        }
    }
    fn or(&mut self) -> Result<Filter, String> {
        let mut l = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            l = Filter::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Filter, String> {
        let mut l = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            l = Filter::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }
    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Word(w)) => Ok(Lit::Bare(w)),
            other => Err(format!("expected a literal, found {other:?}")),
        }
    }
    fn primary(&mut self) -> Result<Filter, String> {
        match self.next() {
            Some(Tok::Open) => {
                let f = self.or()?;
                self.expect(Tok::Close)?;
                Ok(f)
            }
            Some(Tok::Word(w))
                if w.to_ascii_lowercase().ends_with("/any")
                    && self.t.get(self.pos) == Some(&Tok::Open) =>
            {
                let path = w[..w.len() - 4].to_string();
                self.expect(Tok::Open)?;
                // `m:m eq 'x'`: the variable, then its first use.
                let (var, first) = match self.t.get(self.pos) {
                    Some(Tok::Word(v)) => match v.split_once(':') {
                        Some((var, first)) => (var.to_string(), first.to_string()),
                        None => return Err(format!("expected v:… in any(), found {v}")),
                    },
                    other => return Err(format!("expected v:… in any(), found {other:?}")),
                };
                self.t[self.pos] = Tok::Word(first);
                let body = self.or()?;
                self.expect(Tok::Close)?;
                Ok(Filter::Any {
                    path,
                    var,
                    body: Box::new(body),
                })
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("startswith") => {
                self.expect(Tok::Open)?;
                let path = match self.next() {
                    Some(Tok::Word(p)) => p,
                    other => return Err(format!("expected a property, found {other:?}")),
                };
                self.expect(Tok::Comma)?;
                let value = match self.literal()? {
                    Lit::Str(s) => s,
                    Lit::Bare(b) => return Err(format!("startswith needs a string, found {b}")),
                };
                self.expect(Tok::Close)?;
                Ok(Filter::StartsWith { path, value })
            }
            Some(Tok::Word(path)) => {
                let op = match self.next() {
                    Some(Tok::Word(op)) => op.to_ascii_lowercase(),
                    other => {
                        return Err(format!(
                            "expected an operator after {path}, found {other:?}"
                        ));
                    }
                };
                if op == "in" {
                    self.expect(Tok::Open)?;
                    let mut values = vec![self.literal()?];
                    loop {
                        match self.next() {
                            Some(Tok::Comma) => values.push(self.literal()?),
                            Some(Tok::Close) => break,
                            other => {
                                return Err(format!("expected , or ) in list, found {other:?}"));
                            }
                        }
                    }
                    return Ok(Filter::In { path, values });
                }
                let op = match op.as_str() {
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "ge" => Op::Ge,
                    "le" => Op::Le,
                    "gt" => Op::Gt,
                    "lt" => Op::Lt,
                    other => return Err(format!("operator `{other}` is not supported")),
                };
                Ok(Filter::Cmp {
                    path,
                    op,
                    value: self.literal()?,
                })
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

pub fn parse(s: &str) -> Result<Filter, String> {
    let mut p = P { t: lex(s)?, pos: 0 };
    let f = p.or()?;
    if p.pos != p.t.len() {
        return Err("unexpected text after the filter".into());
    }
    Ok(f)
}

fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn lookup<'a, F: Fields + ?Sized>(obj: &'a F, path: &str) -> Option<Cow<'a, Value>> {
    let mut segs = path.split('/');
    let first = obj.field(segs.next()?)?;
    segs.try_fold(first, |v, seg| {
        Some(match v {
            Cow::Borrowed(v) => Cow::Borrowed(field(v.as_object()?, seg)?),
            Cow::Owned(v) => Cow::Owned(field(v.as_object()?, seg)?.clone()),
        })
    })
}

fn compare(actual: Option<&Value>, lit: &Lit) -> Option<std::cmp::Ordering> {
    use crate::graph::model::lenient_time::parse as time;
    let actual = actual.unwrap_or(&Value::Null);
    match (actual, lit) {
        (Value::Null, Lit::Bare(b)) if b == "null" => Some(std::cmp::Ordering::Equal),
        (Value::Null, _) => None,
        (Value::Bool(a), Lit::Bare(b)) => b.parse::<bool>().ok().map(|b| a.cmp(&b)),
        (Value::Number(n), Lit::Bare(b)) => {
            let (a, b) = (n.as_f64()?, b.parse::<f64>().ok()?);
            a.partial_cmp(&b)
        }
        (Value::String(a), Lit::Bare(b)) => match (time(a), time(b)) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        },
        (Value::String(a), Lit::Str(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        _ => None,
    }
}

impl Filter {
    /// Whether the expression combines clauses with `or` anywhere.
    pub fn uses_or(&self) -> bool {
        match self {
            Filter::Or(..) => true,
            Filter::And(a, b) => a.uses_or() || b.uses_or(),
            Filter::Not(f) | Filter::Any { body: f, .. } => f.uses_or(),
            _ => false,
        }
    }

    pub fn matches<F: Fields + ?Sized>(&self, obj: &F) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Filter::And(a, b) => a.matches(obj) && b.matches(obj),
            Filter::Or(a, b) => a.matches(obj) || b.matches(obj),
            Filter::Not(a) => !a.matches(obj),
            Filter::Any { path, var, body } => lookup(obj, path)
                .as_deref()
                .and_then(Value::as_array)
                .is_some_and(|items| {
                    items.iter().any(|item| {
                        let mut scope = Map::new();
                        scope.insert(var.clone(), item.clone());
                        body.matches(&scope)
                    })
                }),
            Filter::StartsWith { path, value } => lookup(obj, path)
                .as_deref()
                .and_then(Value::as_str)
                .is_some_and(|s| s.to_lowercase().starts_with(&value.to_lowercase())),
            Filter::In { path, values } => values
                .iter()
                .any(|v| compare(lookup(obj, path).as_deref(), v) == Some(Equal)),
            Filter::Cmp { path, op, value } => {
                let ord = compare(lookup(obj, path).as_deref(), value);
                match op {
                    Op::Eq => ord == Some(Equal),
                    Op::Ne => ord != Some(Equal),
                    Op::Ge => matches!(ord, Some(Greater | Equal)),
                    Op::Le => matches!(ord, Some(Less | Equal)),
                    Op::Gt => ord == Some(Greater),
                    Op::Lt => ord == Some(Less),
                }
            }
        }
    }

    /// Every property path the filter names (to reject unsupported ones as Graph does).
    pub fn paths(&self) -> Vec<&str> {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut v = a.paths();
                v.extend(b.paths());
                v
            }
            Filter::Not(a) => a.paths(),
            Filter::Any { path, .. } => vec![path.as_str()],
            Filter::Cmp { path, .. }
            | Filter::In { path, .. }
            | Filter::StartsWith { path, .. } => {
                vec![path.as_str()]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates() {
        let o = json!({"principalId": "abc", "directoryScopeId": "/", "n": 3,
                       "when": "2026-11-20T10:00:00Z", "initiatedBy": {"user": {"id": "u1"}}});
        let o = o.as_object().unwrap();
        let t = |s: &str| parse(s).unwrap().matches(o);
        assert!(t("principalId eq 'ABC'"));
        assert!(t("principalId in ('x','abc')"));
        assert!(!t("principalId in ('x')"));
        assert!(t("startswith(directoryScopeId,'/')"));
        assert!(t(
            "when ge 2026-11-20T09:00:00Z and when le 2026-11-20T10:00:00Z"
        ));
        assert!(!t("when gt 2026-11-20T10:00:00Z"));
        assert!(t("n ge 3 and not (n eq 4)"));
        assert!(t("initiatedBy/user/id eq 'u1' or n eq 9"));
        assert!(t("missing eq null"));
        assert!(t("principalId eq 'it''s' or principalId ne 'it''s'"));
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "principalId",
            "principalId eq",
            "a eq 'x",
            "a like 'x'",
            "(a eq 'x'",
            "a in ('x'",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse("a eq 'x' and b eq 'y'").unwrap().paths(),
            vec!["a", "b"]
        );
    }
}
