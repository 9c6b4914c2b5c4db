//! The search pane: the box and its results — server results for the last query that
//! came back, re-ranked locally with a fuzzy matcher as the admin types (instant feedback
//! while the debounced Graph search is in flight), or the recent users when the box is
//! empty — and its keys (`typing` mode in the box, movement in the list).

use std::sync::Arc;
use std::time::{Duration, Instant};

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Reply;
use super::input::{Edit, TextInput};
use crate::graph::model::User;
use crate::keymap::{Action, KeyMode, Keymap};

/// Wait this long after the last keystroke before asking Graph.
pub const DEBOUNCE: Duration = Duration::from_millis(150);
const RECENT_MAX: usize = 20;

/// One row of the list, in rank order. Which letters matched is worked out only for the
/// rows drawn (`Search::highlights`): a keystroke scores every loaded user, but positions
/// cost a full match matrix each (issue 17's re-rank figure).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Shared with the loaded results: a keystroke re-ranks without copying users.
    pub user: Arc<User>,
}

/// One matcher for the process: its buffers are kept per thread, not made per keystroke.
fn matcher() -> &'static SkimMatcherV2 {
    static MATCHER: std::sync::LazyLock<SkimMatcherV2> =
        std::sync::LazyLock::new(|| SkimMatcherV2::default().ignore_case());
    &MATCHER
}

/// The longest query the box takes.
const QUERY_MAX: usize = 256;

#[derive(Debug)]
pub struct Search {
    /// The box; its text is selected after `/` from another pane (typing replaces it).
    pub input: TextInput,
    /// Results of the last completed Graph search, and for which query.
    server: Vec<Loaded>,
    pub server_query: String,
    pub server_count: Option<u64>,
    /// Whether `server` is everything Graph has for `server_query` (`$count` no more
    /// than what loaded): then a query typed on is answered by narrowing it, at once.
    complete: bool,
    pub rows: Vec<Row>,
    pub selected: usize,
    /// The request in flight (newest wins; older answers are dropped).
    pub pending: Option<u64>,
    /// When the debounced search is due.
    pub due: Option<Instant>,
    pub error: Option<crate::service::explain::Explanation>,
    pub recent: Vec<User>,
    /// Users marked for a bulk reset (Space), in the order marked; kept across searches.
    pub marked: Vec<User>,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            input: TextInput::new(QUERY_MAX),
            server: Vec::new(),
            server_query: String::new(),
            server_count: None,
            complete: false,
            rows: Vec::new(),
            selected: 0,
            pending: None,
            due: None,
            error: None,
            recent: Vec::new(),
            marked: Vec::new(),
        }
    }
}

/// A loaded result and what the matcher sees of it, built once per result set rather
/// than once per keystroke (issue 17: building labels and copying users was four fifths
/// of a re-rank).
#[derive(Debug)]
struct Loaded {
    user: Arc<User>,
    label: String,
    target: crate::policy::search_match::Target,
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
    pub fn query(&self) -> &str {
        self.input.text()
    }

    /// A search's answer becomes what is loaded, for `query`; it replaces a narrowed
    /// list wherever Graph answered otherwise.
    pub fn set_results(&mut self, users: Vec<User>, query: String, count: Option<u64>) {
        let complete = count.is_some_and(|c| c as usize <= users.len());
        self.load(users, query, count, complete);
    }

    /// The users a key names (the resolver's candidates, not a `$search`): never narrowed.
    pub fn set_candidates(&mut self, users: Vec<User>, key: String) {
        let n = users.len() as u64;
        self.load(users, key, Some(n), false);
    }

    fn load(&mut self, users: Vec<User>, query: String, count: Option<u64>, complete: bool) {
        self.server = users
            .into_iter()
            .map(|u| Loaded {
                label: row_label(&u),
                target: crate::policy::search_match::Target::new(
                    u.display_name.as_deref().unwrap_or(""),
                    u.user_principal_name.as_deref().unwrap_or(""),
                    u.mail.as_deref().unwrap_or(""),
                ),
                user: Arc::new(u),
            })
            .collect();
        self.server_query = query;
        self.server_count = count;
        self.complete = complete;
        self.rerank();
    }

    /// Whether the rows are what Graph returns for the query, without asking: the loaded
    /// results were complete and the query only typed on from theirs.
    pub fn narrowed(&self) -> bool {
        self.complete
            && !self.showing_recent()
            && crate::policy::search_match::narrows(&self.server_query, self.query())
    }

    /// How many results are loaded.
    pub fn loaded(&self) -> usize {
        self.server.len()
    }

    pub fn showing_recent(&self) -> bool {
        self.query().trim().is_empty()
    }

    /// A key while typing in the box.
    pub fn typing_key(&mut self, k: &KeyEvent, keymap: &Keymap, now: Instant) -> Reply {
        let action = keymap.lookup_text(KeyMode::Typing, k);
        // Only typing and deleting act on the selection; anything else keeps the text.
        if matches!(action, Some(a) if !matches!(a, Action::DeleteBack | Action::DeleteForward | Action::ClearLine))
        {
            self.input.deselect();
        }
        match action {
            Some(Action::Back) => Reply::Leave,
            Some(a @ (Action::Select | Action::NextPane)) => Reply::Then(a),
            Some(a) if a.is_movement() => {
                self.handle(a);
                Reply::Done
            }
            Some(a) => {
                if self.input.edit(a) == Edit::Changed {
                    self.query_changed(now);
                }
                Reply::Done
            }
            None => match k.code {
                // `/` is the key that opens the box, not a search character, when it is
                // empty.
                KeyCode::Char('/') if self.input.is_empty() => Reply::Done,
                KeyCode::Char(c) if crate::keymap::is_plain_char(k) => {
                    if self.input.insert(c) == Edit::Changed {
                        self.query_changed(now);
                    }
                    Reply::Done
                }
                _ => Reply::Ignored,
            },
        }
    }

    /// A paste into the box. A pasted object id or address into an empty box names one
    /// user: it is opened at once (the resolver finds it, or lists the candidates).
    pub fn paste(&mut self, text: &str, now: Instant) -> Reply {
        let was_empty = self.input.selected() || self.query().trim().is_empty();
        if self.input.paste(text) != Edit::Changed {
            return Reply::Done;
        }
        self.query_changed(now);
        let pasted = self.query().trim().to_string();
        let names_one = uuid::Uuid::try_parse(&pasted).is_ok()
            || (pasted.contains('@') && !pasted.contains(' '));
        if was_empty && names_one {
            self.due = None;
            return Reply::Open(pasted);
        }
        Reply::Done
    }

    /// Movement in the list.
    pub fn handle(&mut self, a: Action) {
        let page = super::PAGE as isize;
        match a {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::Top => self.move_to_end(false),
            Action::Bottom => self.move_to_end(true),
            _ => {}
        }
    }

    /// Puts `text` in the box (the candidates of an ambiguous name, the query to clear).
    pub fn set_query(&mut self, text: &str, now: Instant) {
        self.input.set(text);
        self.query_changed(now);
    }

    /// The text changed: re-rank what is loaded now, ask Graph after the debounce.
    pub fn query_changed(&mut self, now: Instant) {
        self.rerank();
        if self.query().trim().is_empty() {
            self.due = None;
            self.pending = None; // whatever is in flight is no longer wanted
            self.error = None;
        } else {
            self.due = Some(now + DEBOUNCE);
        }
    }

    pub fn is_marked(&self, id: &str) -> bool {
        self.marked.iter().any(|m| m.id == id)
    }

    pub fn selected_user(&self) -> Option<&User> {
        self.rows.get(self.selected).map(|r| &*r.user)
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
                    user: Arc::new(u.clone()),
                })
                .collect();
        } else {
            let matcher = matcher();
            let q = self.input.text().trim();
            let narrow = self
                .narrowed()
                .then(|| crate::policy::search_match::Query::new(q));
            let mut scored: Vec<(i64, usize, Row)> = self
                .server
                .iter()
                .enumerate()
                .filter_map(
                    |(
                        i,
                        Loaded {
                            user: u,
                            label,
                            target,
                        },
                    )| {
                        let row = || Row { user: u.clone() };
                        // Exactly Graph's answer: its matches stay, ranked (and highlighted)
                        // where the fuzzy matcher sees them too, after them where it does not.
                        if let Some(nq) = &narrow {
                            return nq.matches(target).then(|| {
                                let score = matcher.fuzzy_match(label, q).unwrap_or(i64::MIN);
                                (score, i, row())
                            });
                        }
                        match matcher.fuzzy_match(label, q) {
                            Some(score) => Some((score, i, row())),
                            // Graph also matches the mail (a guest's real address): such a
                            // user stays, without highlights in the label.
                            None => u
                                .mail
                                .as_deref()
                                .and_then(|m| matcher.fuzzy_match(m, q))
                                .map(|score| (score, i, row())),
                        }
                    },
                )
                .collect();
            // Best score first; ties keep Graph's order.
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.rows = scored.into_iter().map(|(_, _, r)| r).collect();
        }
        self.selected = keep
            .and_then(|id| self.rows.iter().position(|r| r.user.id == id))
            .unwrap_or(0);
    }

    /// Char indices of `label` (a row's `row_label`) that the query matches, to
    /// highlight; none in the recent list, or where only the mail matched.
    pub fn highlights(&self, label: &str) -> Vec<usize> {
        if self.showing_recent() {
            return Vec::new();
        }
        matcher()
            .fuzzy_indices(label, self.input.text().trim())
            .map(|(_, at)| at)
            .unwrap_or_default()
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

    /// The box's text becomes `text`, as typing does.
    fn typed(s: &mut Search, text: &str) {
        s.input.set(text);
        s.rerank();
    }

    #[test]
    fn local_ranking_filters_and_highlights() {
        let mut s = Search::default();
        s.input.set("adelev");
        s.set_results(
            vec![
                user("1", "Adelaide Brooks", "adelaide.brooks@contoso.com"),
                user("2", "Adele Vance", "adele.vance@contoso.com"),
            ],
            "ade".into(),
            None,
        );
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].user.id, "2");
        let label: Vec<char> = row_label(&s.rows[0].user).chars().collect();
        let at = s.highlights(&row_label(&s.rows[0].user));
        let hit: String = at.iter().map(|&i| label[i]).collect();
        assert_eq!(hit.to_lowercase(), "adelev");
    }

    /// Ranking scores with `fuzzy_match` (no positions, a cheaper matrix) and
    /// highlighting with `fuzzy_indices`: both must agree on every score, or the order
    /// the admin sees would not be the order of the highlighted matches.
    #[test]
    fn scores_without_positions_are_the_scores_with_them() {
        let labels = [
            "Adele Vance  adele.vance@contoso.com",
            "Adelaide Brooks  adelaide.brooks@contoso.com",
            "Jonas Becker (Contractor)  jonas.becker.00025@contoso.com",
            "Zoë Ångström  zoe@contoso.com",
            "contosoAdmin1  contosoadmin1@fabrikam.com",
        ];
        let queries = [
            "a",
            "ad",
            "ade",
            "adv",
            "jb",
            "becker co",
            "ång",
            "z",
            "1",
            "x",
        ];
        let mut scored = 0;
        for l in labels {
            for q in queries {
                let with = matcher().fuzzy_indices(l, q).map(|(score, _)| score);
                assert_eq!(matcher().fuzzy_match(l, q), with, "{l:?} / {q:?}");
                scored += usize::from(with.is_some());
            }
        }
        assert!(scored > 10, "{scored}");
    }

    #[test]
    fn a_complete_answer_is_narrowed_at_once_and_graphs_answer_still_replaces_it() {
        let mut s = Search::default();
        s.input.set("ad");
        s.set_results(
            vec![
                user("1", "Adam Brooks", "adam.brooks@contoso.com"),
                user("2", "Adele Vance", "adele.vance@contoso.com"),
                // Graph matched the token "ad" of the UPN's start; "ade" it does not.
                user("3", "Ray Dean", "ad.dean@contoso.com"),
            ],
            "ad".into(),
            Some(3),
        );
        typed(&mut s, "ade");
        assert!(s.narrowed());
        let ids = |s: &Search| s.rows.iter().map(|r| r.user.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&s), ["2"]);
        // Graph's answer differs (a user it found that was not loaded): it wins.
        s.set_results(
            vec![
                user("2", "Adele Vance", "adele.vance@contoso.com"),
                user("4", "Adelaide Brooks", "adelaide.brooks@contoso.com"),
            ],
            "ade".into(),
            Some(2),
        );
        assert_eq!(ids(&s), ["2", "4"]);
        // Not narrowed: an incomplete answer, or a query that is not typed on from it.
        let adele = || vec![user("2", "Adele Vance", "a@x")];
        s.set_results(adele(), "ade".into(), Some(40));
        typed(&mut s, "adel");
        assert!(!s.narrowed());
        s.set_results(adele(), "ade".into(), Some(1));
        typed(&mut s, "ad");
        assert!(!s.narrowed());
        s.set_candidates(adele(), "ade".into());
        typed(&mut s, "adel");
        assert!(!s.narrowed());
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
