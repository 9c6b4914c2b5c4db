//! The tenant's `$search` keys in sorted order, so a clause finds its users by binary
//! search instead of a scan of every user (issue 17: one `$search` page scanned all
//! 100,000 users, and again for every page). It answers exactly what
//! `SearchExpr::matches` answers; a test compares the two.

use fixedbitset::FixedBitSet;

use super::search::SearchExpr;
use super::tenant::SimUser;

pub struct SearchIndex {
    /// Every distinct displayName token, sorted, with the users (ascending) whose name
    /// holds it.
    names: Vec<(String, Vec<u32>)>,
    /// Users sorted by lower-cased UPN, and by lower-cased mail.
    upns: Vec<u32>,
    mails: Vec<u32>,
}

impl SearchIndex {
    pub fn build(users: &[SimUser]) -> SearchIndex {
        let mut by_token: std::collections::HashMap<&str, Vec<u32>> = Default::default();
        for (i, u) in users.iter().enumerate() {
            for t in &u.name_tokens {
                let list = by_token.entry(t.as_str()).or_default();
                // A name may hold a token twice ("Ana Ana"); list each user once.
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        let mut names: Vec<(String, Vec<u32>)> = by_token
            .into_iter()
            .map(|(t, v)| (t.to_string(), v))
            .collect();
        names.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let sorted_by = |key: fn(&SimUser) -> &str| {
            let mut v: Vec<u32> = (0..users.len() as u32).collect();
            v.sort_unstable_by(|a, b| key(&users[*a as usize]).cmp(key(&users[*b as usize])));
            v
        };
        SearchIndex {
            names,
            upns: sorted_by(|u| &u.upn_lower),
            mails: sorted_by(|u| &u.mail_lower),
        }
    }

    /// The indexes of the users `expr` matches, ascending (the tenant's order, as a scan
    /// would list them).
    pub fn hits(&self, expr: &SearchExpr, users: &[SimUser]) -> Vec<usize> {
        self.eval(expr, users).ones().collect()
    }

    fn eval(&self, expr: &SearchExpr, users: &[SimUser]) -> FixedBitSet {
        let mut set = FixedBitSet::with_capacity(users.len());
        match expr {
            SearchExpr::And(a, b) => {
                set = self.eval(a, users);
                set.intersect_with(&self.eval(b, users));
            }
            SearchExpr::Or(a, b) => {
                set = self.eval(a, users);
                set.union_with(&self.eval(b, users));
            }
            SearchExpr::Clause {
                property,
                tokens,
                lower,
                ..
            } => match property.as_str() {
                // Every search token must start some token of the name.
                "displayName" if !tokens.is_empty() => {
                    set.insert_range(..);
                    for w in tokens {
                        let mut any = FixedBitSet::with_capacity(users.len());
                        let found = prefixed(self.names.len(), |i| &self.names[i].0, w);
                        for (_, list) in &self.names[found] {
                            any.extend(list.iter().map(|i| *i as usize));
                        }
                        set.intersect_with(&any);
                    }
                }
                "displayName" | "description" => {}
                "userPrincipalName" => {
                    let key = |i: usize| users[self.upns[i] as usize].upn_lower.as_str();
                    let found = prefixed(self.upns.len(), key, lower);
                    set.extend(self.upns[found].iter().map(|i| *i as usize));
                }
                "mail" => {
                    let key = |i: usize| users[self.mails[i] as usize].mail_lower.as_str();
                    let found = prefixed(self.mails.len(), key, lower);
                    set.extend(self.mails[found].iter().map(|i| *i as usize));
                }
                // Properties without an index are rare in searches: scan for them.
                _ => set.extend(
                    users
                        .iter()
                        .enumerate()
                        .filter(|(_, u)| expr.matches(u))
                        .map(|(i, _)| i),
                ),
            },
        }
        set
    }
}

/// Of `len` keys in sorted order (`key(i)` the i-th), the positions of those that start
/// with `prefix`: they sit together, right after every key that sorts before `prefix`.
fn prefixed<'k>(
    len: usize,
    key: impl Fn(usize) -> &'k str,
    prefix: &str,
) -> std::ops::Range<usize> {
    // The first position where `before` stops holding (it holds for a prefix of them).
    let bound = |before: &dyn Fn(&str) -> bool| {
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(key(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    bound(&|k| k < prefix)..bound(&|k| k < prefix || k.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::super::search::parse;
    use super::super::tenant::Tenant;

    /// The index answers what a scan with `SearchExpr::matches` answers, for clauses of
    /// every property, combined as the console and scripts combine them.
    #[test]
    fn the_index_finds_exactly_what_a_scan_finds() {
        let mut t = Tenant::demo().unwrap();
        t.add_generated_users(3000).unwrap();
        let index = t.search_index();
        let mut rng = rand::rngs::StdRng::seed_from_u64(23);
        let props = [
            "displayName",
            "userPrincipalName",
            "mail",
            "jobTitle",
            "surname",
        ];
        let clause = |rng: &mut rand::rngs::StdRng| {
            let u = &t.users[rng.random_range(0..t.users.len())];
            let source = match rng.random_range(0..4) {
                0 => u.display_name().to_string(),
                1 => u.upn().to_string(),
                2 => u.mail_lower.to_uppercase(),
                _ => "zq".to_string(),
            };
            let cut = source
                .char_indices()
                .map(|(i, _)| i)
                .nth(rng.random_range(0..6))
                .unwrap_or(source.len());
            let text = source[..cut].replace(['"', '\\'], "");
            let prop = props[rng.random_range(0..props.len())];
            format!("\"{prop}:{text}\"")
        };
        let mut nonempty = 0;
        for _ in 0..400 {
            let (a, b, c) = (clause(&mut rng), clause(&mut rng), clause(&mut rng));
            let q = match rng.random_range(0..4) {
                0 => a,
                1 => format!("{a} OR {b} OR {c}"),
                2 => format!("{a} AND {b}"),
                _ => format!("({a} OR {b}) AND {c}"),
            };
            let expr = parse(&q).unwrap();
            let scanned: Vec<usize> = (0..t.users.len())
                .filter(|i| expr.matches(&t.users[*i]))
                .collect();
            assert_eq!(index.hits(&expr, &t.users), scanned, "{q}");
            nonempty += usize::from(!scanned.is_empty());
        }
        // The queries found users, so the comparison was not of empty sets alone.
        assert!(nonempty > 150, "{nonempty}");
    }
}
