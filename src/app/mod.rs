//! The console's brain: one owner of state; messages in, effects out. `update` does no
//! I/O and never touches the terminal, so every behaviour is testable with plain values.

pub mod audit;
pub mod flash;
pub mod reset;
pub mod search;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::graph::model::User;
use crate::keymap::{Action, Keymap};
use crate::secret::SecretString;
use crate::service::facts::{Assessment, OperatorFacts};
use crate::service::reset::{ResetOutcome, ResetRequest};
pub use audit::{AuditPane, AuditStatus, MyReset};
pub use flash::{Flash, Level};
pub use reset::{Dialog, Field, Otp, Refusal, ResetFlow};
pub use search::Search;

/// Results of I/O and input, delivered to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize,
    /// Time passed (a debounce, a flash or the spinner is due).
    Tick,
    SessionLoaded(Result<Box<SessionInfo>, String>),
    SearchDone {
        req: u64,
        query: String,
        result: Result<(Vec<User>, Option<u64>), String>,
    },
    DetailsDone {
        req: u64,
        result: Result<Box<Assessment>, String>,
    },
    ResetDone {
        req: u64,
        outcome: Box<ResetOutcome>,
    },
    /// How the copy was made, or why it failed.
    Copied(Result<String, String>),
    /// Whether the clipboard still held the password and was cleared.
    ClipboardCleared(Result<bool, String>),
    /// New audit entries, oldest first.
    AuditBatch(Vec<crate::graph::model::DirectoryAudit>),
    AuditStatus(AuditStatus),
    /// A signal asks the console to end (SIGINT, SIGTERM, SIGHUP): the number, so the
    /// process exits 128 + it after restoring the terminal.
    Terminate(i32),
}

/// What the journal needs about a reset besides its outcome.
#[derive(Debug, Clone)]
pub struct JournalNote {
    pub operator: Arc<OperatorFacts>,
    pub target_id: String,
    pub target_upn: String,
    pub ticket: Option<String>,
    pub revoke: bool,
}

/// What the header shows, read once at start and on refresh.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub tenant: String,
    pub operator: OperatorFacts,
}

/// Things to do in the outside world.
#[derive(Debug)]
pub enum Effect {
    LoadSession,
    Search {
        req: u64,
        query: String,
        top: u32,
    },
    LoadDetails {
        req: u64,
        key: String,
        operator: Arc<OperatorFacts>,
    },
    /// One reset, sent once; the executor journals the outcome.
    Reset {
        req: u64,
        request: ResetRequest,
        note: JournalNote,
    },
    Copy(SecretString),
    ClearClipboard(SecretString),
    /// Start following the audit log (once, after sign-in).
    StartAudit,
    /// The audit log showed one of this session's resets.
    JournalConfirm {
        operator: Arc<OperatorFacts>,
        target_id: String,
        target_upn: String,
    },
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Search,
    Details,
    Audit,
}

impl Focus {
    fn next(self, forward: bool) -> Focus {
        use Focus::*;
        match (self, forward) {
            (Search, true) => Details,
            (Details, true) => Audit,
            (Audit, true) => Search,
            (Search, false) => Audit,
            (Details, false) => Search,
            (Audit, false) => Details,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Typing in the search box.
    Typing,
    /// Typing the audit pane's filter.
    Filtering,
    /// The `:` prompt, with what was typed.
    Command(String),
    Help,
    /// `q` while work is in flight: a second `q` quits.
    ConfirmQuit,
}

#[derive(Debug, Clone)]
pub enum Details {
    Empty,
    Loading { req: u64, key: String },
    Loaded(Box<Assessment>),
    Failed { key: String, error: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Connected,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub read_only: bool,
    pub search_top: u32,
    pub cloud: String,
    pub demo: bool,
    pub password_length: usize,
    /// Clear the clipboard this long after a copy (zero: never).
    pub clipboard_clear: Duration,
    pub operation_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            read_only: false,
            search_top: 25,
            cloud: "global".into(),
            demo: false,
            password_length: 16,
            clipboard_clear: Duration::from_secs(30),
            operation_timeout: Duration::from_secs(120),
        }
    }
}

pub struct App {
    pub options: Options,
    pub keymap: Keymap,
    pub focus: Focus,
    pub mode: Mode,
    pub search: Search,
    pub details: Details,
    pub session: Option<SessionInfo>,
    pub operator: Option<Arc<OperatorFacts>>,
    pub connection: Connection,
    pub flash: Option<Flash>,
    pub quit: bool,
    /// The process's exit status once `quit` is set: 0 for `q`, 128 + the signal after a
    /// signal, 130 for Ctrl-C (the interrupt key).
    pub exit_status: u8,
    /// `r` from the list opened the highlighted user: show the reset once these details
    /// (this request) arrive.
    reset_after_load: Option<u64>,
    pub spinner: usize,
    /// Lines scrolled in the details pane (j/k there).
    pub details_scroll: u16,
    pub reset: ResetFlow,
    pub audit: AuditPane,
    /// This session's resets, for matching audit entries.
    pub my_resets: Vec<MyReset>,
    audit_started: bool,
    /// A copied password and when to clear it from the clipboard; survives the view.
    pending_clear: Option<(Instant, SecretString)>,
    /// A details request waiting for the operator's roles to arrive.
    deferred_details: Option<String>,
    next_req: u64,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// When the spinner last moved.
    spun: Option<Instant>,
}

const SPINNER_STEP: Duration = Duration::from_millis(100);

impl App {
    pub fn new(options: Options, keymap: Keymap) -> App {
        App {
            options,
            keymap,
            focus: Focus::Search,
            mode: Mode::Typing,
            search: Search::default(),
            details: Details::Empty,
            session: None,
            operator: None,
            connection: Connection::Connecting,
            flash: None,
            quit: false,
            exit_status: 0,
            reset_after_load: None,
            spinner: 0,
            details_scroll: 0,
            reset: ResetFlow::Closed,
            audit: AuditPane::default(),
            my_resets: Vec::new(),
            audit_started: false,
            pending_clear: None,
            deferred_details: None,
            next_req: 0,
            dirty: true,
            spun: None,
        }
    }

    /// The first effects: read who is signed in.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![Effect::LoadSession]
    }

    fn req(&mut self) -> u64 {
        self.next_req += 1;
        self.next_req
    }

    pub fn busy(&self) -> bool {
        self.search.pending.is_some()
            || matches!(self.details, Details::Loading { .. })
            || matches!(self.reset, ResetFlow::InFlight { .. })
            || self.connection == Connection::Connecting
    }

    /// When `update(Msg::Tick)` is next needed; `None` means "only on input": an idle
    /// console wakes for nothing.
    pub fn next_deadline(&self) -> Option<Instant> {
        let spin = self
            .busy()
            .then(|| self.spun.map_or_else(Instant::now, |s| s + SPINNER_STEP));
        // While the password view counts down to clearing the clipboard, tick each second.
        let countdown = match &self.reset {
            ResetFlow::Done(otp) if otp.clear_at.is_some() => {
                Some(Instant::now() + Duration::from_secs(1))
            }
            _ => None,
        };
        [
            self.search.due,
            self.flash.as_ref().map(|f| f.expires),
            spin,
            self.pending_clear.as_ref().map(|(t, _)| *t),
            countdown,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn flash(&mut self, level: Level, text: impl Into<String>, now: Instant) {
        self.flash = Some(Flash::new(level, text, now));
        self.dirty = true;
    }

    pub fn selected_user(&self) -> Option<&User> {
        self.search.selected_user()
    }

    pub fn assessment(&self) -> Option<&Assessment> {
        match &self.details {
            Details::Loaded(a) => Some(a),
            _ => None,
        }
    }

    /// Whether the reset action is available now, and if not, why (for the flash and to
    /// keep it out of the hints).
    pub fn reset_unavailable(&self) -> Option<String> {
        if self.options.read_only {
            return Some("read-only session: resets are switched off (read_only = true)".into());
        }
        match &self.details {
            Details::Loaded(a) if !a.verdict.allowed => Some(format!(
                "you cannot reset {}: {}",
                a.target.user.label(),
                a.verdict
                    .reasons
                    .first()
                    .map(|r| r.message.as_str())
                    .unwrap_or("not allowed")
            )),
            Details::Loaded(_) => None,
            Details::Loading { .. } => Some("wait for the user's details to load".into()),
            _ => Some("open a user first (/ to search, Enter to open)".into()),
        }
    }

    pub fn update(&mut self, msg: Msg, now: Instant) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Key(k) => self.on_key(k, now),
            Msg::Paste(text) => {
                if matches!(self.mode, Mode::Typing) {
                    // A pasted UPN often carries a newline or tab; it is one search.
                    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
                    self.search.query.push_str(clean.trim());
                    self.query_changed(now);
                } else if let Mode::Command(line) = &mut self.mode {
                    line.extend(text.chars().filter(|c| !c.is_control()));
                }
                vec![]
            }
            Msg::Resize => vec![],
            Msg::Tick => self.on_tick(now),
            Msg::Terminate(signal) => self.quit_now(128 + signal.clamp(0, 127) as u8),
            Msg::SessionLoaded(Ok(info)) => {
                self.connection = Connection::Connected;
                let op = Arc::new(info.operator.clone());
                self.operator = Some(op.clone());
                self.session = Some(*info);
                let mut start = vec![];
                if !self.audit_started {
                    self.audit_started = true;
                    start.push(Effect::StartAudit);
                }
                let more = match self.deferred_details.take() {
                    Some(key) => self.load_details(key),
                    None => match &self.details {
                        // A refresh re-reads the open user with the new roles.
                        Details::Loaded(a) => {
                            let key = a.target.user.id.clone();
                            self.load_details(key)
                        }
                        _ => vec![],
                    },
                };
                start.extend(more);
                start
            }
            Msg::SessionLoaded(Err(e)) => {
                self.connection = Connection::Failed(e.clone());
                self.flash(
                    Level::Error,
                    format!("cannot read the signed-in operator: {e}"),
                    now,
                );
                vec![]
            }
            Msg::SearchDone { req, query, result } => {
                if self.search.pending != Some(req) {
                    return vec![]; // stale: a newer search is on its way
                }
                self.search.pending = None;
                match result {
                    Ok((users, count)) => {
                        self.search.error = None;
                        self.search.server = users;
                        self.search.server_query = query;
                        self.search.server_count = count;
                        self.search.rerank();
                    }
                    Err(e) => {
                        self.search.error = Some(e.clone());
                        self.flash(Level::Error, format!("search failed: {e}"), now);
                    }
                }
                vec![]
            }
            Msg::ResetDone { req, outcome } => self.on_reset_done(req, *outcome, now),
            Msg::AuditBatch(batch) => self.on_audit_batch(batch, now),
            Msg::AuditStatus(s) => {
                self.audit.status = s;
                vec![]
            }
            Msg::Copied(Ok(how)) => {
                let clear = self.options.clipboard_clear;
                if let ResetFlow::Done(otp) = &mut self.reset {
                    otp.copied = Some(how.clone());
                    if let (false, Some(pw)) = (clear.is_zero(), &otp.password) {
                        let at = now + clear;
                        otp.clear_at = Some(at);
                        self.pending_clear = Some((at, pw.clone()));
                    }
                }
                self.flash(Level::Info, how, now);
                vec![]
            }
            Msg::Copied(Err(e)) => {
                self.flash(Level::Error, format!("copy failed: {e}"), now);
                vec![]
            }
            Msg::ClipboardCleared(r) => {
                if let ResetFlow::Done(otp) = &mut self.reset {
                    otp.clear_at = None;
                    otp.copied = Some("clipboard cleared".into());
                }
                match r {
                    Ok(true) => self.flash(Level::Info, "clipboard cleared", now),
                    Ok(false) => self.flash(
                        Level::Info,
                        "the clipboard no longer held the password; left as it is",
                        now,
                    ),
                    Err(e) => self.flash(
                        Level::Warn,
                        format!("could not clear the clipboard: {e}; clear it yourself"),
                        now,
                    ),
                }
                vec![]
            }
            Msg::DetailsDone { req, result } => {
                let current = matches!(&self.details, Details::Loading { req: r, .. } if *r == req);
                if !current {
                    return vec![];
                }
                let key = match &self.details {
                    Details::Loading { key, .. } => key.clone(),
                    _ => String::new(),
                };
                let then_reset = self.reset_after_load.take() == Some(req);
                match result {
                    Ok(a) => {
                        self.search.remember(&a.target.user);
                        self.details = Details::Loaded(a);
                        if then_reset && !self.reset.is_open() {
                            return self.open_reset(now);
                        }
                    }
                    Err(error) => self.details = Details::Failed { key, error },
                }
                vec![]
            }
        }
    }

    fn on_tick(&mut self, now: Instant) -> Vec<Effect> {
        let mut effects = vec![];
        if self.flash.as_ref().is_some_and(|f| f.expires <= now) {
            self.flash = None;
        }
        if self.busy() && self.spun.is_none_or(|s| now >= s + SPINNER_STEP) {
            self.spinner = self.spinner.wrapping_add(1);
            self.spun = Some(now);
        }
        if !self.busy() {
            self.spun = None;
        }
        if self.pending_clear.as_ref().is_some_and(|(t, _)| *t <= now)
            && let Some((_, pw)) = self.pending_clear.take()
        {
            effects.push(Effect::ClearClipboard(pw));
        }
        if self.search.due.is_some_and(|d| d <= now) {
            self.search.due = None;
            let query = self.search.query.trim().to_string();
            if !query.is_empty() {
                let req = self.req();
                self.search.pending = Some(req);
                effects.push(Effect::Search {
                    req,
                    query,
                    top: self.options.search_top,
                });
            }
        }
        effects
    }

    fn query_changed(&mut self, now: Instant) {
        self.search.rerank();
        if self.search.query.trim().is_empty() {
            self.search.due = None;
            self.search.pending = None; // whatever is in flight is no longer wanted
            self.search.error = None;
        } else {
            self.search.due = Some(now + search::DEBOUNCE);
        }
    }

    fn load_details(&mut self, key: String) -> Vec<Effect> {
        // A newer request: whatever `r` was waiting for is no longer what is shown.
        self.reset_after_load = None;
        let req = self.req();
        self.details_scroll = 0;
        self.details = Details::Loading {
            req,
            key: key.clone(),
        };
        match &self.operator {
            Some(op) => vec![Effect::LoadDetails {
                req,
                key,
                operator: op.clone(),
            }],
            None => {
                self.deferred_details = Some(key);
                vec![]
            }
        }
    }

    /// Ends the console with this exit status (the runtime clears the clipboard and
    /// restores the terminal on the way out).
    fn quit_now(&mut self, status: u8) -> Vec<Effect> {
        self.quit = true;
        self.exit_status = status;
        vec![Effect::Quit]
    }

    /// Why `q` asks before quitting, if it does: a reset in flight, a one-time password
    /// on screen, or other work in flight.
    pub fn quit_warning(&self) -> Option<&'static str> {
        match &self.reset {
            ResetFlow::InFlight { .. } => Some(
                "A reset is in flight: quitting now leaves its outcome unknown (journaled as unconfirmed).",
            ),
            ResetFlow::Done(otp) if otp.password.is_some() => Some(
                "A one-time password is on screen: quitting forgets it and clears the clipboard.",
            ),
            _ if self.busy() && self.connection != Connection::Connecting => {
                Some("Work is in flight.")
            }
            _ => None,
        }
    }

    fn on_key(&mut self, k: KeyEvent, now: Instant) -> Vec<Effect> {
        // Ctrl-C always quits, whatever is open, as the interrupt key does (130).
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            return self.quit_now(130);
        }
        // The question "quit?" comes before whatever is open under it.
        if self.mode == Mode::ConfirmQuit {
            if self.keymap.lookup(&k) == Some(Action::Quit) {
                return self.quit_now(0);
            }
            self.mode = Mode::Normal;
            return vec![];
        }
        if self.reset.is_open() {
            return self.on_reset_key(k, now);
        }
        match self.mode.clone() {
            Mode::Typing => self.on_typing_key(k, now),
            Mode::Filtering => {
                match k.code {
                    KeyCode::Esc => {
                        self.audit.filter.clear();
                        self.mode = Mode::Normal;
                    }
                    KeyCode::Enter => self.mode = Mode::Normal,
                    KeyCode::Backspace => {
                        self.audit.filter.pop();
                    }
                    KeyCode::Char(c)
                        if !k.modifiers.contains(KeyModifiers::CONTROL)
                            && self.audit.filter.chars().count() < 64 =>
                    {
                        self.audit.filter.push(c);
                    }
                    _ => {}
                }
                self.audit.selected = 0;
                vec![]
            }
            Mode::Command(line) => self.on_command_key(k, line, now),
            Mode::Help => {
                if matches!(
                    self.keymap.lookup(&k),
                    Some(Action::Back | Action::Help | Action::Quit)
                ) || k.code == KeyCode::Esc
                {
                    self.mode = Mode::Normal;
                }
                vec![]
            }
            Mode::ConfirmQuit => vec![],
            Mode::Normal => match self.keymap.lookup(&k) {
                Some(a) => self.on_action(a, now),
                None => vec![],
            },
        }
    }

    fn on_typing_key(&mut self, k: KeyEvent, now: Instant) -> Vec<Effect> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Esc => {
                self.mode = Mode::Normal;
                vec![]
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                self.on_action(Action::Select, now)
            }
            KeyCode::Up => self.on_action(Action::Up, now),
            KeyCode::Down => self.on_action(Action::Down, now),
            KeyCode::PageUp => self.on_action(Action::PageUp, now),
            KeyCode::PageDown => self.on_action(Action::PageDown, now),
            KeyCode::Tab => {
                self.mode = Mode::Normal;
                self.on_action(Action::NextPane, now)
            }
            KeyCode::Backspace => {
                self.search.query.pop();
                self.query_changed(now);
                vec![]
            }
            KeyCode::Char('u') if ctrl => {
                self.search.query.clear();
                self.query_changed(now);
                vec![]
            }
            KeyCode::Char('w') if ctrl => {
                let trimmed = self.search.query.trim_end().to_string();
                let cut = trimmed.rfind(' ').map_or(0, |i| i + 1);
                self.search.query.truncate(cut);
                self.query_changed(now);
                vec![]
            }
            KeyCode::Char(c) if !ctrl => {
                if self.search.query.chars().count() < 256 {
                    self.search.query.push(c);
                    self.query_changed(now);
                }
                vec![]
            }
            _ => vec![],
        }
    }

    fn on_command_key(&mut self, k: KeyEvent, mut line: String, now: Instant) -> Vec<Effect> {
        match k.code {
            KeyCode::Esc => {
                self.mode = Mode::Normal;
                vec![]
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                self.run_command(line.trim(), now)
            }
            KeyCode::Backspace => {
                if line.pop().is_none() {
                    self.mode = Mode::Normal;
                } else {
                    self.mode = Mode::Command(line);
                }
                vec![]
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                line.push(c);
                self.mode = Mode::Command(line);
                vec![]
            }
            _ => vec![],
        }
    }

    fn run_command(&mut self, line: &str, now: Instant) -> Vec<Effect> {
        let (cmd, arg) = match line.split_once(' ') {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        match cmd {
            "q" | "quit" | "q!" => self.on_action(Action::Quit, now),
            "user" | "u" if !arg.is_empty() => {
                if let Err(why) = crate::graph::query::check_user_key(arg) {
                    self.flash(Level::Warn, why, now);
                    return vec![];
                }
                self.focus = Focus::Details;
                self.load_details(arg.to_string())
            }
            "user" | "u" => {
                self.flash(
                    Level::Warn,
                    ":user needs a UPN or object id, e.g. :user adele.vance@contoso.com",
                    now,
                );
                vec![]
            }
            "audit" => {
                self.focus = Focus::Audit;
                vec![]
            }
            "as" | "whoami" => {
                let text = match &self.session {
                    Some(s) => {
                        format!(
                            "signed in as {} in {} — active roles: {}",
                            crate::sanitize::sanitize(
                                s.operator
                                    .user
                                    .user_principal_name
                                    .as_deref()
                                    .unwrap_or("?")
                            ),
                            crate::sanitize::sanitize(&s.tenant),
                            crate::sanitize::sanitize(&s.operator.active_roles_summary())
                        )
                    }
                    None => "still reading who is signed in…".into(),
                };
                self.flash(Level::Info, text, now);
                vec![]
            }
            "help" => {
                self.mode = Mode::Help;
                vec![]
            }
            "" => vec![],
            other => {
                self.flash(
                    Level::Warn,
                    format!(
                        "unknown command :{} (try :user UPN, :audit, :whoami, :q)",
                        crate::sanitize::sanitize_line(other, 40)
                    ),
                    now,
                );
                vec![]
            }
        }
    }

    /// The reset for the user whose details are shown: the dialog, or the refusal.
    fn open_reset(&mut self, now: Instant) -> Vec<Effect> {
        match &self.details {
            _ if self.options.read_only => {
                self.flash(
                    Level::Warn,
                    self.reset_unavailable().unwrap_or_default(),
                    now,
                );
            }
            Details::Loaded(a) if !a.verdict.allowed => {
                self.reset = ResetFlow::Refused(Refusal {
                    label: a.target.user.label().to_string(),
                    reasons: a.verdict.reasons.clone(),
                    least_role: a.verdict.least_privileged_role.clone(),
                });
            }
            Details::Loaded(a) => self.reset = ResetFlow::Dialog(Box::new(Dialog::new(a))),
            _ => {
                let why = self.reset_unavailable().unwrap_or_default();
                self.flash(Level::Warn, why, now);
            }
        }
        vec![]
    }

    fn on_action(&mut self, a: Action, now: Instant) -> Vec<Effect> {
        let page = 10;
        match a {
            Action::Search => {
                // In the audit pane, `/` filters what is shown there.
                if self.focus == Focus::Audit {
                    self.mode = Mode::Filtering;
                } else {
                    self.focus = Focus::Search;
                    self.mode = Mode::Typing;
                }
                vec![]
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                if self.focus == Focus::Details {
                    let s = self.details_scroll as i32;
                    let next = match a {
                        Action::Up => s - 1,
                        Action::Down => s + 1,
                        Action::PageUp => s - page as i32,
                        Action::PageDown => s + page as i32,
                        Action::Top => 0,
                        _ => 200,
                    };
                    self.details_scroll = next.clamp(0, 200) as u16;
                }
                if self.focus == Focus::Audit {
                    let last = self.audit.visible().len().saturating_sub(1) as isize;
                    let s = self.audit.selected as isize;
                    let next = match a {
                        Action::Up => s - 1,
                        Action::Down => s + 1,
                        Action::PageUp => s - page,
                        Action::PageDown => s + page,
                        Action::Top => 0,
                        _ => last,
                    };
                    self.audit.selected = next.clamp(0, last.max(0)) as usize;
                }
                if self.focus == Focus::Search {
                    match a {
                        Action::Up => self.search.move_by(-1),
                        Action::Down => self.search.move_by(1),
                        Action::PageUp => self.search.move_by(-page),
                        Action::PageDown => self.search.move_by(page),
                        Action::Top => self.search.move_to_end(false),
                        _ => self.search.move_to_end(true),
                    }
                }
                vec![]
            }
            Action::Select => match self.search.selected_user() {
                Some(u) if self.focus == Focus::Search => {
                    let key = u.id.clone();
                    self.focus = Focus::Details;
                    self.load_details(key)
                }
                _ => vec![],
            },
            Action::NextPane | Action::PrevPane => {
                self.focus = self.focus.next(a == Action::NextPane);
                vec![]
            }
            Action::Reset => {
                // From the list, `r` acts on the highlighted user: open them first, then
                // the dialog, so the dialog is never for a user other than the one shown.
                if self.focus == Focus::Search
                    && !self.options.read_only
                    && let Some(u) = self.search.selected_user()
                {
                    let shown = match &self.details {
                        Details::Loaded(a) => Some(a.target.user.id.as_str()),
                        Details::Loading { key, .. } => Some(key.as_str()),
                        _ => None,
                    };
                    if let Details::Loading { req, key } = &self.details
                        && *key == u.id
                    {
                        // Already on its way: the dialog follows it.
                        self.reset_after_load = Some(*req);
                        self.focus = Focus::Details;
                        return vec![];
                    }
                    if shown != Some(u.id.as_str()) {
                        let key = u.id.clone();
                        self.focus = Focus::Details;
                        let effects = self.load_details(key);
                        if let Details::Loading { req, .. } = &self.details {
                            self.reset_after_load = Some(*req);
                        }
                        return effects;
                    }
                    self.focus = Focus::Details;
                }
                self.open_reset(now)
            }
            Action::Refresh => {
                self.connection = Connection::Connecting;
                self.flash(Level::Info, "re-reading your roles and the open user…", now);
                vec![Effect::LoadSession]
            }
            Action::Help => {
                self.mode = Mode::Help;
                vec![]
            }
            Action::Command => {
                self.mode = Mode::Command(String::new());
                vec![]
            }
            Action::Back => {
                if self.focus != Focus::Search {
                    self.focus = Focus::Search;
                } else if !self.search.query.is_empty() {
                    self.search.query.clear();
                    self.query_changed(now);
                }
                self.flash = None;
                vec![]
            }
            Action::Quit => {
                if self.quit_warning().is_some() {
                    self.mode = Mode::ConfirmQuit;
                    vec![]
                } else {
                    self.quit_now(0)
                }
            }
        }
    }
}
