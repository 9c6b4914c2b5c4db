//! The search box and its results: server results for the last query that came back,
//! re-ranked locally with a fuzzy matcher as the admin types (instant feedback while the
//! debounced Graph search is in flight), or the recent users when the box is empty.

use std::time::{Duration, Instant};

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::graph::model::User;

/// Wait this long after the last keystroke before asking Graph.
pub const DEBOUNCE: Duration = Duration::from_millis(150);
const RECENT_MAX: usize = 20;

/// One visible row: which user, and which characters of its label matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub user: User,
    /// Char indices into `row_label(user)` that matched the query.
    pub matched: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    /// Results of the last completed Graph search, and for which query.
    pub server: Vec<User>,
    pub server_query: String,
    pub server_count: Option<u64>,
    pub rows: Vec<Row>,
    pub selected: usize,
    /// The request in flight (newest wins; older answers are dropped).
    pub pending: Option<u64>,
    /// When the debounced search is due.
    pub due: Option<Instant>,
    pub error: Option<String>,
    pub recent: Vec<User>,
    /// `/` from another pane selected the text: the next key typed replaces it.
    pub replace_on_type: bool,
}

/// What the matcher sees for a user: name and UPN.
pub fn row_label(u: &User) -> String {
    format!(
        "{}  {}",
        u.display_name.as_deref().unwrap_or(""),
        u.user_principal_name.as_deref().unwrap_or("")
    )
}

impl Search {
    pub fn showing_recent(&self) -> bool {
        self.query.trim().is_empty()
    }

    pub fn selected_user(&self) -> Option<&User> {
        self.rows.get(self.selected).map(|r| &r.user)
    }

    /// Re-ranks what is loaded for the current query. Keeps the selection on the same user
    /// when it is still visible.
    pub fn rerank(&mut self) {
        let keep = self.selected_user().map(|u| u.id.clone());
        if self.showing_recent() {
            self.rows = self
                .recent
                .iter()
                .map(|u| Row {
                    user: u.clone(),
                    matched: Vec::new(),
                })
                .collect();
        } else {
            let matcher = SkimMatcherV2::default().ignore_case();
            let q = self.query.trim();
            let mut scored: Vec<(i64, usize, Row)> = self
                .server
                .iter()
                .enumerate()
                .filter_map(|(i, u)| {
                    let label = row_label(u);
                    let row = |matched| Row {
                        user: u.clone(),
                        matched,
                    };
                    match matcher.fuzzy_indices(&label, q) {
                        Some((score, matched)) => Some((score, i, row(matched))),
                        // Graph also matches the mail (a guest's real address): such a
                        // user stays, without highlights in the label.
                        None => u
                            .mail
                            .as_deref()
                            .and_then(|m| matcher.fuzzy_match(m, q))
                            .map(|score| (score, i, row(Vec::new()))),
                    }
                })
                .collect();
            // Best score first; ties keep Graph's order.
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.rows = scored.into_iter().map(|(_, _, r)| r).collect();
        }
        self.selected = keep
            .and_then(|id| self.rows.iter().position(|r| r.user.id == id))
            .unwrap_or(0);
    }

    pub fn remember(&mut self, u: &User) {
        self.recent.retain(|r| r.id != u.id);
        self.recent.insert(0, u.clone());
        self.recent.truncate(RECENT_MAX);
        if self.showing_recent() {
            self.rerank();
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            self.selected = 0;
            return;
        }
        let last = self.rows.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }

    pub fn move_to_end(&mut self, end: bool) {
        self.selected = if end {
            self.rows.len().saturating_sub(1)
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, name: &str, upn: &str) -> User {
        User {
            id: id.into(),
            display_name: Some(name.into()),
            user_principal_name: Some(upn.into()),
            ..Default::default()
        }
    }

    #[test]
    fn local_ranking_filters_and_highlights() {
        let mut s = Search {
            server: vec![
                user("1", "Adelaide Brooks", "adelaide.brooks@contoso.com"),
                user("2", "Adele Vance", "adele.vance@contoso.com"),
            ],
            server_query: "ade".into(),
            query: "adelev".into(),
            ..Default::default()
        };
        s.rerank();
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].user.id, "2");
        let label: Vec<char> = row_label(&s.rows[0].user).chars().collect();
        let hit: String = s.rows[0].matched.iter().map(|&i| label[i]).collect();
        assert_eq!(hit.to_lowercase(), "adelev");
    }

    #[test]
    fn recent_users_show_when_the_box_is_empty() {
        let mut s = Search::default();
        s.remember(&user("1", "A", "a@x"));
        s.remember(&user("2", "B", "b@x"));
        s.remember(&user("1", "A", "a@x"));
        assert_eq!(
            s.rows
                .iter()
                .map(|r| r.user.id.as_str())
                .collect::<Vec<_>>(),
            ["1", "2"]
        );
    }
}
