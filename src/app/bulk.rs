//! Bulk reset in the console: users marked with Space in the results list, `R` to open
//! the bulk window for them. It opens on the dry run (each user judged as `show` would:
//! source of authority, verdict, method) with the choices of a single reset and nothing
//! sent; the Reset button needs the number of users typed. Then the run: a progress bar,
//! each row's outcome as it arrives, a row's password copied with `y` (cleared later, as
//! ever), and the audit log ticking rows off. The resets themselves are
//! `service::bulk::execute`'s, as for `resetdesk bulk`.

use std::time::Instant;

use ratatui::crossterm::event::KeyEvent;

use super::input::TextInput;
use super::{App, Effect, JournalNote, Level, MyReset, Reply};
use crate::graph::model::User;
use crate::keymap::{Action, KeyMode, Keymap};
use crate::policy::eligibility::Method;
use crate::secret::{ExposeSecret, SecretString};
use crate::service::bulk::Planned;
use crate::service::facts::Assessment;
use crate::service::reset::{ResetOutcome, ResetRequest, ResetStatus};

/// The most users one bulk window takes (a phishing wave bigger than this is a CSV's
/// job: `resetdesk bulk`).
pub const MARK_MAX: usize = 500;

/// What the dry run found for one marked user.
#[derive(Debug)]
pub enum Judged {
    /// Still being checked.
    Pending,
    /// Could not be checked (a fault, not a verdict): not reset.
    Unchecked(String),
    Refused(Box<Assessment>),
    Allowed(Box<Assessment>),
}

/// How one reset ended.
#[derive(Debug)]
pub struct RowOutcome {
    pub status: ResetStatus,
    pub method: Method,
    /// Kept unless the reset certainly failed; zeroized when the window closes.
    pub password: Option<SecretString>,
    /// Why it failed or is unconfirmed.
    pub why: Option<String>,
    pub copied: bool,
    /// Shown with `v`.
    pub seen: bool,
    /// The audit log shows it.
    pub confirmed: bool,
    /// When it was sent, for matching it in the audit log.
    pub at: time::OffsetDateTime,
}

#[derive(Debug)]
pub struct Row {
    pub user: User,
    pub judged: Judged,
    /// Sent in this run and not answered yet.
    pub sent: bool,
    pub outcome: Option<RowOutcome>,
}

impl Row {
    pub fn upn(&self) -> &str {
        self.user
            .user_principal_name
            .as_deref()
            .unwrap_or(&self.user.id)
    }

    /// Holds a role or sits in a role-assignable group (the single dialog asks for the
    /// UPN; here the count typed covers every row, and the row says so).
    pub fn privileged(&self) -> bool {
        match &self.judged {
            Judged::Allowed(a) | Judged::Refused(a) => a.privileged(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The dry run: nothing sent.
    Plan,
    /// The resets are out (request id of the run).
    Running(u64),
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ForceChange,
    ForceMfa,
    Revoke,
    Ticket,
    Confirm,
    Reset,
    Cancel,
}

const FIELDS: [Field; 7] = [
    Field::ForceChange,
    Field::ForceMfa,
    Field::Revoke,
    Field::Ticket,
    Field::Confirm,
    Field::Reset,
    Field::Cancel,
];

#[derive(Debug)]
pub struct Bulk {
    /// The dry run's request: its answers carry it.
    pub judge_req: u64,
    pub rows: Vec<Row>,
    pub phase: Phase,
    /// The highlighted row.
    pub selected: usize,
    pub force_change: bool,
    pub force_mfa: bool,
    pub revoke: bool,
    pub ticket: TextInput,
    /// The number of users to reset, typed to arm the Reset button.
    pub confirm: TextInput,
    pub focus: Field,
    /// When the run started, for its rate and time left.
    pub started: Option<Instant>,
    /// The highlighted row's password is shown.
    pub revealed: bool,
    /// When the clipboard will be cleared of a copied row's password.
    pub clear_at: Option<Instant>,
    /// Esc was pressed once with passwords neither copied nor shown: the next closes.
    pub close_armed: bool,
}

impl Bulk {
    pub fn new(judge_req: u64, users: Vec<User>) -> Bulk {
        Bulk {
            judge_req,
            rows: users
                .into_iter()
                .map(|user| Row {
                    user,
                    judged: Judged::Pending,
                    sent: false,
                    outcome: None,
                })
                .collect(),
            phase: Phase::Plan,
            selected: 0,
            force_change: true,
            force_mfa: false,
            revoke: false,
            ticket: TextInput::new(64),
            confirm: TextInput::new(8),
            focus: Field::Cancel,
            started: None,
            revealed: false,
            clear_at: None,
            close_armed: false,
        }
    }

    /// The keymap mode the window reads keys in.
    pub fn key_mode(&self) -> KeyMode {
        match self.phase {
            Phase::Plan => KeyMode::Dialog,
            Phase::Running(_) | Phase::Done => KeyMode::Bulk,
        }
    }

    pub fn allowed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.judged, Judged::Allowed(_)))
            .count()
    }

    pub fn pending(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.judged, Judged::Pending))
            .count()
    }

    /// Resets of this run that have ended, and how many it sends in all.
    pub fn progress(&self) -> (usize, usize) {
        let sent = self.rows.iter().filter(|r| r.sent || r.outcome.is_some());
        let done = self.rows.iter().filter(|r| r.outcome.is_some()).count();
        (done, sent.count())
    }

    /// The dry run in one line: would reset N, refused M by reason, not checked K.
    pub fn summary(&self) -> String {
        let mut refused: Vec<(String, usize)> = Vec::new();
        let mut unchecked = 0;
        for r in &self.rows {
            match &r.judged {
                Judged::Refused(a) => {
                    let code = a.verdict.refusal_code().to_string();
                    match refused.iter_mut().find(|(c, _)| *c == code) {
                        Some((_, n)) => *n += 1,
                        None => refused.push((code, 1)),
                    }
                }
                Judged::Unchecked(_) => unchecked += 1,
                _ => {}
            }
        }
        refused.sort();
        let total: usize = refused.iter().map(|(_, n)| n).sum();
        let reasons = if refused.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = refused.iter().map(|(c, n)| format!("{n} {c}")).collect();
            format!(" ({})", parts.join(", "))
        };
        let mut s = format!(
            "would reset {} · refused {total}{reasons} · not checked {unchecked}",
            self.allowed()
        );
        let admins = self
            .rows
            .iter()
            .filter(|r| matches!(r.judged, Judged::Allowed(_)) && r.privileged())
            .count();
        if admins > 0 {
            s.push_str(&format!(" · {admins} of them admins"));
        }
        if self.pending() > 0 {
            s.push_str(&format!(" · checking {}", self.pending()));
        }
        s
    }

    /// What the run ended with, in one line.
    pub fn result_summary(&self) -> String {
        let count = |s: ResetStatus| {
            self.rows
                .iter()
                .filter(|r| r.outcome.as_ref().is_some_and(|o| o.status == s))
                .count()
        };
        let confirmed = self
            .rows
            .iter()
            .filter(|r| r.outcome.as_ref().is_some_and(|o| o.confirmed))
            .count();
        format!(
            "reset {} · accepted {} · unconfirmed {} · failed {} · audit-confirmed {confirmed}",
            count(ResetStatus::Succeeded),
            count(ResetStatus::Accepted),
            count(ResetStatus::Unconfirmed),
            count(ResetStatus::Failed),
        )
    }

    /// Why Reset cannot be pressed yet, if it cannot.
    pub fn blocker(&self) -> Option<String> {
        let n = self.allowed();
        if self.pending() > 0 {
            return Some(format!("{} users are still being checked", self.pending()));
        }
        if n == 0 {
            return Some("the dry run allows none of these users".into());
        }
        if self.confirm.text().trim() != n.to_string() {
            return Some(format!(
                "type {n} (the number of users to reset) to confirm"
            ));
        }
        None
    }

    fn move_focus(&mut self, forward: bool) {
        let i = FIELDS.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = FIELDS.len();
        self.focus = FIELDS[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    fn toggle(&mut self) {
        match self.focus {
            Field::ForceChange => {
                self.force_change = !self.force_change;
                if !self.force_change {
                    self.force_mfa = false;
                }
            }
            Field::ForceMfa => {
                self.force_mfa = !self.force_mfa;
                if self.force_mfa {
                    self.force_change = true;
                }
            }
            Field::Revoke => self.revoke = !self.revoke,
            _ => {}
        }
    }

    fn text_field(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            Field::Ticket => Some(&mut self.ticket),
            Field::Confirm => Some(&mut self.confirm),
            _ => None,
        }
    }

    /// A pasted text into the focused field of the dry run.
    pub fn paste(&mut self, text: &str) {
        if self.phase == Phase::Plan
            && let Some(f) = self.text_field()
        {
            f.paste(text);
        }
    }

    fn select_row(&mut self, a: Action) {
        let last = self.rows.len().saturating_sub(1);
        let at = super::moved(a, self.selected, super::PAGE, last);
        if at != self.selected {
            self.revealed = false;
        }
        self.selected = at;
    }

    /// A key while the window is open.
    pub fn key(&mut self, k: &KeyEvent, keymap: &Keymap) -> Reply {
        match self.phase {
            Phase::Plan => self.plan_key(k, keymap),
            Phase::Running(_) | Phase::Done => self.results_key(keymap.lookup(KeyMode::Bulk, k)),
        }
    }

    /// The dry run reads the dialog's keys; Page Up and Down move through the users.
    fn plan_key(&mut self, k: &KeyEvent, keymap: &Keymap) -> Reply {
        let choice = matches!(
            self.focus,
            Field::ForceChange | Field::ForceMfa | Field::Revoke
        );
        let action = if self.text_field().is_some() {
            keymap.lookup_text(KeyMode::Dialog, k)
        } else {
            keymap.lookup(KeyMode::Dialog, k)
        };
        match action {
            Some(Action::Back) => return Reply::Close,
            Some(Action::NextField) => self.move_focus(true),
            Some(Action::PrevField) => self.move_focus(false),
            Some(Action::Select) => match self.focus {
                Field::Cancel => return Reply::Close,
                Field::Reset => return Reply::Submit,
                _ if choice => self.toggle(),
                _ => self.move_focus(true),
            },
            Some(Action::Toggle) if choice => self.toggle(),
            // Up and Down move between the fields here: the page keys go through the
            // users one by one, so that each refusal's reason can be read.
            Some(Action::PageUp) => self.select_row(Action::Up),
            Some(Action::PageDown) => self.select_row(Action::Down),
            other => {
                if let Some(field) = self.text_field() {
                    field.key(other, k);
                }
            }
        }
        Reply::Done
    }

    fn results_key(&mut self, action: Option<Action>) -> Reply {
        if action != Some(Action::Back) {
            self.close_armed = false;
        }
        match action {
            Some(a) if a.is_movement() => self.select_row(a),
            Some(Action::Reveal) => {
                self.revealed = !self.revealed;
                if self.revealed
                    && let Some(o) = self
                        .rows
                        .get_mut(self.selected)
                        .and_then(|r| r.outcome.as_mut())
                {
                    o.seen = true;
                }
            }
            Some(Action::Copy) => {
                if let Some(pw) = self
                    .rows
                    .get(self.selected)
                    .and_then(|r| r.outcome.as_ref())
                    .and_then(|o| o.password.clone())
                {
                    return Reply::Copy(pw);
                }
            }
            Some(Action::Quit) => return Reply::AskQuit,
            // The run goes on to its end: nothing closes it midway.
            Some(Action::Back) if matches!(self.phase, Phase::Running(_)) => {}
            Some(Action::Back) if self.unseen_passwords() > 0 && !self.close_armed => {
                self.close_armed = true;
            }
            Some(Action::Back) => return Reply::Close,
            _ => {}
        }
        Reply::Done
    }

    /// Passwords set in this run that were neither copied nor shown.
    pub fn unseen_passwords(&self) -> usize {
        self.rows
            .iter()
            .filter_map(|r| r.outcome.as_ref())
            .filter(|o| o.password.is_some() && !o.copied && !o.seen)
            .count()
    }
}

impl App {
    /// Space in the results list: marks the highlighted user for a bulk reset (or
    /// unmarks them) and moves down, so that a run of users is marked key after key.
    pub(super) fn toggle_mark(&mut self, now: Instant) -> Vec<Effect> {
        let Some(u) = self.search.selected_user().cloned() else {
            return vec![];
        };
        if let Some(i) = self.search.marked.iter().position(|m| m.id == u.id) {
            self.search.marked.remove(i);
        } else if self.search.marked.len() >= MARK_MAX {
            self.flash(
                Level::Warn,
                format!(
                    "at most {MARK_MAX} users at once here; for more, use resetdesk bulk FILE.csv"
                ),
                now,
            );
            return vec![];
        } else {
            self.search.marked.push(u);
        }
        self.search.move_by(1);
        vec![]
    }

    /// `R`: the bulk window for the marked users, on its dry run.
    pub(super) fn open_bulk(&mut self, now: Instant) -> Vec<Effect> {
        if self.options.read_only {
            self.flash(
                Level::Warn,
                "read-only session: resets are switched off (read_only = true)",
                now,
            );
            return vec![];
        }
        if self.search.marked.is_empty() {
            let key = self.keymap.label(KeyMode::Normal, Action::Mark);
            self.flash(
                Level::Warn,
                format!("mark users in the results list with {key} first"),
                now,
            );
            return vec![];
        }
        let Some(operator) = self.operator.clone() else {
            self.flash(Level::Warn, "wait for sign-in to finish", now);
            return vec![];
        };
        // A single reset waiting for its details would open under the window.
        self.reset_after_load = None;
        let req = self.req();
        let users = self.search.marked.clone();
        let ids = users.iter().map(|u| u.id.clone()).collect();
        self.bulk = Some(Box::new(Bulk::new(req, users)));
        vec![Effect::BulkJudge { req, ids, operator }]
    }

    /// One user of the dry run judged.
    pub(super) fn on_bulk_judged(
        &mut self,
        req: u64,
        index: usize,
        result: Result<Box<Assessment>, String>,
    ) -> Vec<Effect> {
        let Some(b) = self.bulk.as_mut().filter(|b| b.judge_req == req) else {
            return vec![];
        };
        if b.phase != Phase::Plan {
            return vec![];
        }
        if let Some(row) = b.rows.get_mut(index) {
            row.judged = match result {
                Ok(a) if a.verdict.allowed => Judged::Allowed(a),
                Ok(a) => Judged::Refused(a),
                Err(e) => Judged::Unchecked(e),
            };
        }
        vec![]
    }

    /// Reset on the dry run: each allowed user gets their own generated password.
    pub(super) fn submit_bulk(&mut self, now: Instant) -> Vec<Effect> {
        let Some(b) = self.bulk.as_ref() else {
            return vec![];
        };
        if b.phase != Phase::Plan {
            return vec![];
        }
        if let Some(why) = b.blocker() {
            self.flash(Level::Warn, format!("not yet: {why}"), now);
            return vec![];
        }
        let Some(operator) = self.operator.clone() else {
            return vec![];
        };
        let req = self.req();
        let length = self.options.password_length;
        let timeout = self.options.operation_timeout;
        let Some(b) = self.bulk.as_mut() else {
            return vec![];
        };
        let ticket = Some(b.ticket.text().trim().to_string()).filter(|t| !t.is_empty());
        let mut plan = Vec::new();
        let mut notes = Vec::new();
        for (key, row) in b.rows.iter_mut().enumerate() {
            let Judged::Allowed(a) = &row.judged else {
                continue;
            };
            let method = a.verdict.method.unwrap_or(Method::PasswordProfile);
            plan.push(Planned {
                key,
                request: ResetRequest {
                    user_id: row.user.id.clone(),
                    method,
                    // Each user their own: never one password for many.
                    password: Some(crate::policy::password::generate(length)),
                    generated: true,
                    force_change: b.force_change,
                    force_change_with_mfa: b.force_mfa,
                    revoke_sessions: b.revoke,
                    operation_timeout: timeout,
                },
            });
            notes.push(JournalNote {
                operator: operator.clone(),
                target_id: row.user.id.clone(),
                target_upn: row.upn().to_string(),
                ticket: ticket.clone(),
                revoke: b.revoke,
            });
            row.sent = true;
        }
        b.confirm.clear();
        b.phase = Phase::Running(req);
        b.started = Some(now);
        b.selected = 0;
        // The marks did their work.
        self.search.marked.clear();
        vec![Effect::BulkReset { req, plan, notes }]
    }

    /// One reset of the run ended.
    pub(super) fn on_bulk_one(&mut self, req: u64, key: usize, outcome: ResetOutcome) {
        let Some(b) = self.bulk.as_mut() else {
            return;
        };
        if b.phase != Phase::Running(req) {
            return;
        }
        let Some(row) = b.rows.get_mut(key) else {
            return;
        };
        row.sent = false;
        let (synced, least) = match &row.judged {
            Judged::Allowed(a) => (
                a.target.user.on_premises_sync_enabled == Some(true),
                a.verdict.least_privileged_role.clone(),
            ),
            _ => (false, None),
        };
        // Unconfirmed: what is unknown matters more than the error's kind.
        let unknown = outcome
            .detail
            .clone()
            .filter(|_| outcome.status == ResetStatus::Unconfirmed);
        let why = unknown
            .or_else(|| {
                crate::service::explain::explain_outcome(
                    &outcome,
                    &crate::service::explain::Context {
                        method: outcome.method,
                        target_synced: synced,
                        least_role: least.as_deref(),
                    },
                )
                .map(|x| format!("{} — {}", x.cause, x.fix))
            })
            .or_else(|| outcome.detail.clone());
        if outcome.status != ResetStatus::Failed {
            self.my_resets.push(MyReset {
                target_id: row.user.id.clone(),
                target_upn: row.upn().to_string(),
                label: row.user.label().to_string(),
                at: outcome.started_at,
                confirmed: false,
                pass: false,
            });
        }
        row.outcome = Some(RowOutcome {
            status: outcome.status,
            method: outcome.method,
            password: if outcome.status == ResetStatus::Failed {
                None
            } else {
                outcome.password
            },
            why,
            copied: false,
            seen: false,
            confirmed: false,
            at: outcome.started_at,
        });
    }

    /// The run `req` was refused before anything was sent: back to the dry run, every
    /// row as it was. True when it was this run.
    pub(super) fn bulk_not_sent(&mut self, req: u64) -> bool {
        let Some(b) = self
            .bulk
            .as_mut()
            .filter(|b| b.phase == Phase::Running(req))
        else {
            return false;
        };
        b.phase = Phase::Plan;
        b.started = None;
        for row in &mut b.rows {
            row.sent = false;
        }
        // The marks come back, so nothing needs choosing again.
        self.search.marked = b.rows.iter().map(|r| r.user.clone()).collect();
        true
    }

    pub(super) fn on_bulk_finished(&mut self, req: u64, now: Instant) {
        let Some(b) = self
            .bulk
            .as_mut()
            .filter(|b| b.phase == Phase::Running(req))
        else {
            return;
        };
        b.phase = Phase::Done;
        let summary = b.result_summary();
        let failed = b.rows.iter().any(|r| {
            r.outcome
                .as_ref()
                .is_some_and(|o| matches!(o.status, ResetStatus::Failed | ResetStatus::Unconfirmed))
        });
        let level = if failed { Level::Warn } else { Level::Info };
        self.flash(level, format!("bulk reset done: {summary}"), now);
    }

    /// The audit log confirmed a reset of `target_id`: its row is ticked (a failed one
    /// never is).
    pub(super) fn bulk_confirmed(&mut self, target_id: &str) {
        if let Some(b) = self.bulk.as_mut() {
            for r in b.rows.iter_mut().filter(|r| r.user.id == target_id) {
                if let Some(o) = r
                    .outcome
                    .as_mut()
                    .filter(|o| o.status != ResetStatus::Failed)
                {
                    o.confirmed = true;
                }
            }
        }
    }

    /// A reset Graph accepted without letting us read its progress is settled by the
    /// audit log: a failed reset entry by this operator for the row's user means it failed.
    pub(super) fn bulk_settle_failures(
        &mut self,
        batch: &[crate::graph::model::DirectoryAudit],
        operator_id: &str,
    ) -> usize {
        let Some(b) = self.bulk.as_mut() else {
            return 0;
        };
        let mut failed = 0;
        for r in &mut b.rows {
            let Some(o) = r.outcome.as_mut() else {
                continue;
            };
            if o.status != ResetStatus::Accepted || o.confirmed {
                continue;
            }
            if let Some(e) = batch.iter().find(|e| {
                !e.succeeded()
                    && crate::graph::audit::records_reset(e, operator_id, &r.user.id, o.at)
            }) {
                o.status = ResetStatus::Failed;
                // A password that was never set is worth nothing: forget it.
                o.password = None;
                o.why = Some(format!(
                    "the audit log shows the reset failed: {}",
                    e.result_reason
                        .clone()
                        .unwrap_or_else(|| "no reason given".into())
                ));
                failed += 1;
            }
        }
        failed
    }

    /// A copy was made of `pw`: the row holding it is marked copied.
    pub(super) fn bulk_copied(&mut self, pw: &SecretString, clear_at: Option<Instant>) -> bool {
        let Some(b) = self.bulk.as_mut() else {
            return false;
        };
        let mut found = false;
        for o in b.rows.iter_mut().filter_map(|r| r.outcome.as_mut()) {
            if o.password
                .as_ref()
                .is_some_and(|p| p.expose_secret() == pw.expose_secret())
            {
                o.copied = true;
                found = true;
            }
        }
        if found {
            b.clear_at = clear_at;
        }
        found
    }
}
