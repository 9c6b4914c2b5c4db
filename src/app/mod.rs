//! The console's brain: one owner of state; messages in, effects out. `update` does no
//! I/O and never touches the terminal, so every behaviour is testable with plain values.
//!
//! This file is the router's state: focus and modes, the panes it owns, and what they
//! share. The rooms: `msg` (what flows in and out, and a pane's `Reply`), `update` (I/O
//! results), `keys` (the key router), `input` (the one text field), and one file per
//! pane's state and keys: `search`, `details`, `audit`, `help`, `command` (the `:`
//! line), `reset` and `dialog` (the dialog, the request in flight, the password view).

pub mod audit;
pub mod bulk;
pub mod command;
pub mod details;
pub mod dialog;
pub mod flash;
pub mod help;
pub mod input;
mod keys;
mod msg;
mod profile;
pub mod reset;
pub mod search;
pub mod sign_in;
pub mod tap;
mod update;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::graph::model::User;
use crate::keymap::Action as KeyAction;
use crate::keymap::Keymap;
use crate::secret::SecretString;
use crate::service::facts::{Assessment, OperatorFacts};
pub use audit::{AuditPane, AuditStatus, MyReset};
pub use bulk::Bulk;
pub use command::CommandLine;
pub use details::{Details, DetailsPane};
pub use dialog::{Dialog, Field};
pub use flash::{Flash, Level};
pub use help::Help;
pub use msg::{Effect, JournalNote, LoadError, Msg, ProfileInfo, Reply, ScrollLimits, SessionInfo};
pub use reset::{Otp, Refusal, ResetFlow};
pub use search::Search;

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
    /// The `:` prompt.
    Command,
    Help,
    /// `q` while work is in flight: a second `q` quits.
    ConfirmQuit,
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
    pub cloud: crate::cloud::Cloud,
    pub demo: bool,
    pub password_length: usize,
    /// Clear the clipboard this long after a copy (zero: never).
    pub clipboard_clear: Duration,
    pub operation_timeout: Duration,
    /// The config profile in use, and every profile `:profile` can switch to.
    pub profile: Option<String>,
    pub profiles: Vec<String>,
    /// How this session signed in (`device-code`, `client-secret`, …; `demo`).
    pub auth: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            read_only: false,
            search_top: 25,
            cloud: crate::cloud::Cloud::Global,
            demo: false,
            password_length: 16,
            clipboard_clear: Duration::from_secs(30),
            operation_timeout: Duration::from_secs(120),
            profile: None,
            profiles: Vec::new(),
            auth: "device-code".into(),
        }
    }
}

pub struct App {
    pub options: Options,
    pub keymap: Keymap,
    pub focus: Focus,
    pub mode: Mode,
    pub search: Search,
    pub details: DetailsPane,
    pub help: Help,
    pub command: CommandLine,
    pub session: Option<SessionInfo>,
    pub operator: Option<Arc<OperatorFacts>>,
    pub connection: Connection,
    pub flash: Option<Flash>,
    pub quit: bool,
    /// The process's exit status once `quit` is set: 0 for `q`, 128 + the signal after a
    /// signal, 130 for Ctrl-C (the interrupt key).
    pub exit_status: u8,
    /// `r` (or `t`) from the list opened the highlighted user: open the reset (or the
    /// pass) once these details (this request) arrive.
    reset_after_load: Option<(u64, KeyAction)>,
    pub spinner: usize,
    pub reset: ResetFlow,
    /// The bulk reset window (`R` on marked users).
    pub bulk: Option<Box<Bulk>>,
    pub audit: AuditPane,
    /// This session's resets, for matching audit entries.
    pub my_resets: Vec<MyReset>,
    audit_started: bool,
    /// A copied password and when to clear it from the clipboard; survives the view.
    pub(super) pending_clear: Option<(Instant, SecretString)>,
    /// The password of the copy being made, until the executor says how it went.
    copying: Option<SecretString>,
    /// A details request waiting for the operator's roles to arrive.
    deferred_details: Option<String>,
    next_req: u64,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// When the spinner last moved.
    spun: Option<Instant>,
    /// The time of the last update: what render reads for countdowns, so that render is
    /// a pure function of the state.
    pub clock: Instant,
    /// How far the scrolled panes can go on the screen as last drawn.
    pub limits: ScrollLimits,
    /// A sign-in waiting for the admin.
    pub sign_in: Option<sign_in::SignInWindow>,
    /// `:profile NAME` is signing in to this profile.
    pub switching: Option<String>,
    /// The tenant's Temporary Access Pass policy, read on the first `t` of a session.
    pub tap_policy: Option<crate::policy::tap::PolicyKnown>,
    /// `t` is waiting for the policy (this request): open the dialog for this user when
    /// it arrives.
    tap_after_policy: Option<(u64, String)>,
    /// The triage on its way is for this details request.
    triage_req: Option<u64>,
}

const SPINNER_STEP: Duration = Duration::from_millis(100);
/// Lines a page key moves in a list or a scrolled pane.
pub(crate) const PAGE: usize = 10;

/// Where a movement action takes a position in `0..=last` (`page` lines per page).
pub(crate) fn moved(a: crate::keymap::Action, at: usize, page: usize, last: usize) -> usize {
    use crate::keymap::Action;
    match a {
        Action::Up => at.saturating_sub(1),
        Action::Down => at + 1,
        Action::PageUp => at.saturating_sub(page),
        Action::PageDown => at + page,
        Action::Top => 0,
        _ => last,
    }
    .min(last)
}

impl App {
    pub fn new(options: Options, keymap: Keymap) -> App {
        App {
            options,
            keymap,
            focus: Focus::Search,
            mode: Mode::Typing,
            search: Search::default(),
            details: DetailsPane::default(),
            help: Help::default(),
            command: CommandLine::default(),
            session: None,
            operator: None,
            connection: Connection::Connecting,
            flash: None,
            quit: false,
            exit_status: 0,
            reset_after_load: None,
            spinner: 0,
            reset: ResetFlow::Closed,
            bulk: None,
            audit: AuditPane::default(),
            my_resets: Vec::new(),
            audit_started: false,
            pending_clear: None,
            copying: None,
            deferred_details: None,
            next_req: 0,
            dirty: true,
            spun: None,
            clock: Instant::now(),
            limits: ScrollLimits::default(),
            sign_in: None,
            switching: None,
            tap_policy: None,
            tap_after_policy: None,
            triage_req: None,
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
            || matches!(self.details.shown, Details::Loading { .. })
            || matches!(
                self.reset,
                ResetFlow::InFlight { .. } | ResetFlow::TapInFlight { .. }
            )
            || self
                .bulk
                .as_ref()
                .is_some_and(|b| matches!(b.phase, bulk::Phase::Running(_)) || b.pending() > 0)
            || self.connection == Connection::Connecting
    }

    /// When `update(Msg::Tick)` is next needed; `None` means "only on input": an idle
    /// console wakes for nothing.
    pub fn next_deadline(&self, now: Instant) -> Option<Instant> {
        let spin = self
            .busy()
            .then(|| self.spun.map_or(now, |s| s + SPINNER_STEP));
        // While the password view counts down to clearing the clipboard, tick each second.
        let countdown = match (&self.reset, &self.bulk) {
            (ResetFlow::Done(otp), _) if otp.clear_at.is_some() => {
                Some(now + Duration::from_secs(1))
            }
            (_, Some(b)) if b.clear_at.is_some() => Some(now + Duration::from_secs(1)),
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
        self.details.assessment()
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
            ResetFlow::TapInFlight { .. } => Some("Creating a pass: quitting loses its code."),
            ResetFlow::Done(otp) if otp.password.is_some() && otp.pass.is_some() => {
                Some("A pass is on screen: quitting forgets it.")
            }
            ResetFlow::Done(otp) if otp.password.is_some() => Some(
                "A one-time password is on screen: quitting forgets it and clears the clipboard.",
            ),
            _ if self
                .bulk
                .as_ref()
                .is_some_and(|b| matches!(b.phase, bulk::Phase::Running(_))) =>
            {
                Some(
                    "A bulk reset is in flight: quitting now leaves the resets still out unknown (journaled as unconfirmed).",
                )
            }
            _ if self.bulk.as_ref().is_some_and(|b| {
                b.rows
                    .iter()
                    .any(|r| r.outcome.as_ref().is_some_and(|o| o.password.is_some()))
            }) =>
            {
                Some(
                    "A bulk reset's passwords are on screen: quitting forgets them and clears the clipboard.",
                )
            }
            _ if self.busy() && self.connection != Connection::Connecting => {
                Some("Work is in flight.")
            }
            _ => None,
        }
    }
}
