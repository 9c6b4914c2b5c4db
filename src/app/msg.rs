//! What flows into the app (messages: input and the results of I/O) and out of it
//! (effects: things for the runtime to do).

use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;

use super::AuditStatus;
use crate::graph::GraphError;
use crate::graph::model::User;
use crate::secret::SecretString;
use crate::service::facts::{Assessment, OperatorFacts};
use crate::service::reset::{ResetOutcome, ResetRequest};

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
        result: Result<(Vec<User>, Option<u64>), GraphError>,
    },
    DetailsDone {
        req: u64,
        result: Result<Box<Assessment>, LoadError>,
    },
    /// `:user NAME` (or a pasted query) matched several users: they go to the list.
    Ambiguous {
        req: u64,
        key: String,
        users: Vec<User>,
    },
    ResetDone {
        req: u64,
        outcome: Box<ResetOutcome>,
    },
    /// A reset, pass or bulk run (`req`) was not sent: the runtime refused it before
    /// sending (the journal is open to others).
    NotSent {
        req: u64,
        why: String,
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
    /// How far the scrolled panes can scroll on the screen as drawn (sent after a draw
    /// that changed them).
    ScrollLimits(ScrollLimits),
    /// A sign-in needs the admin: its instruction, and whether an address is to be
    /// pasted (browser-paste).
    SignInPrompt {
        text: String,
        paste: bool,
    },
    /// That sign-in succeeded.
    SignedIn,
    /// `:profile NAME` signed in to the profile (or could not).
    ProfileSwitched(Result<Box<ProfileInfo>, String>),
    /// One marked user judged for the bulk dry run (`index` into the marked users), or
    /// why they could not be.
    BulkJudged {
        req: u64,
        index: usize,
        result: Result<Box<Assessment>, String>,
    },
    /// One reset of a bulk run ended (`key`: its row).
    BulkOne {
        req: u64,
        key: usize,
        outcome: Box<ResetOutcome>,
    },
    /// Every reset of the bulk run has ended.
    BulkFinished {
        req: u64,
    },
    /// The triage of the user shown (`req`: the details request it belongs to).
    TriageDone {
        req: u64,
        result: Result<Arc<crate::service::triage::Triage>, String>,
    },
    /// The tenant's Temporary Access Pass policy, or why it is not known; `lasting`:
    /// worth keeping for the session (not a passing fault).
    TapPolicy {
        req: u64,
        policy: crate::policy::tap::PolicyKnown,
        lasting: bool,
    },
    /// A pass creation ended.
    TapDone {
        req: u64,
        outcome: Box<crate::service::tap::TapOutcome>,
    },
}

impl Msg {
    /// What the admin did (a key, a paste, a resize), as against what I/O and time
    /// brought: the runtime draws it at once instead of at the frame cap.
    pub fn is_input(&self) -> bool {
        matches!(self, Msg::Key(_) | Msg::Paste(_) | Msg::Resize)
    }
}

/// The profile a `:profile` switch signed in to.
#[derive(Debug, Clone)]
pub struct ProfileInfo {
    pub name: String,
    pub read_only: bool,
    pub cloud: crate::cloud::Cloud,
    /// How it signs in (`device-code`, …).
    pub auth: String,
}

/// The furthest each scrolled pane can go, in lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrollLimits {
    pub details: u16,
    pub help: u16,
}

impl Default for ScrollLimits {
    /// Before the first draw nothing is known: no limit but each pane's own.
    fn default() -> Self {
        ScrollLimits {
            details: u16::MAX,
            help: u16::MAX,
        }
    }
}

/// What the journal needs about a reset besides its outcome.
/// Why a user's details could not be shown.
#[derive(Debug)]
pub enum LoadError {
    /// Graph failed (a fault, not a verdict).
    Graph(GraphError),
    /// No user matches the key; what was tried.
    NoMatch(Vec<String>),
}

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
    /// Read the shown user's sign-ins and registration (`req`: the details request).
    LoadTriage {
        req: u64,
        user: Box<User>,
    },
    /// Read the tenant's Temporary Access Pass policy.
    ReadTapPolicy {
        req: u64,
    },
    /// Create a Temporary Access Pass, sent once; the executor journals the outcome.
    CreateTap {
        req: u64,
        user_id: String,
        verdict: crate::policy::tap::TapVerdict,
        note: JournalNote,
    },
    /// One reset, sent once; the executor journals the outcome.
    Reset {
        req: u64,
        request: ResetRequest,
        note: JournalNote,
    },
    /// Judge these users for the bulk dry run (each answers `Msg::BulkJudged`).
    BulkJudge {
        req: u64,
        ids: Vec<String>,
        operator: Arc<OperatorFacts>,
    },
    /// The bulk run: `plan`'s resets in Graph batches (`service::bulk`), each journaled
    /// with the note of its row (`notes[i]` goes with `plan[i]`); never aborted.
    BulkReset {
        req: u64,
        plan: Vec<crate::service::bulk::Planned>,
        notes: Vec<JournalNote>,
    },
    Copy(SecretString),
    ClearClipboard(SecretString),
    /// Start following the audit log (once, after sign-in).
    StartAudit,
    /// Sign in to another profile (`:profile NAME`); the old session stays in use until
    /// `AdoptProfile`.
    SwitchProfile(String),
    /// Act on the session `SwitchProfile` signed in to, from now on.
    AdoptProfile,
    /// The address the browser ended on, pasted into the sign-in window.
    SignInPaste(SecretString),
    /// The audit log showed one of this session's resets.
    JournalConfirm {
        operator: Arc<OperatorFacts>,
        target_id: String,
        target_upn: String,
    },
    Quit,
}

/// What a pane's key did, for the router. A pane owns its state and keys but not the
/// others': what needs more than its own state (open a user, run a command, send the
/// reset, leave its mode) it asks for here, and the router turns it into effects. Pure
/// values, no channels, as everywhere in `app/`.
#[derive(Debug)]
pub enum Reply {
    /// Handled inside the pane (or nothing to do).
    Done,
    /// Not this pane's key.
    Ignored,
    /// Leave the pane's mode (typing, filter, `:`, help) for the panes.
    Leave,
    /// Leave the mode, then do this action in the panes (Enter, Tab in the search box).
    Then(crate::keymap::Action),
    /// Open this user (a pasted id or address).
    Open(String),
    /// Run this `:` command line.
    Run(String),
    /// Close the reset flow.
    Close,
    /// Send the dialog's reset.
    Submit,
    /// Copy this password.
    Copy(SecretString),
    /// The quit key where quitting would lose something: ask first.
    AskQuit,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn only_what_the_admin_did_is_input() {
        let key = Msg::Key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::NONE));
        for m in [key, Msg::Paste("adele".into()), Msg::Resize] {
            assert!(m.is_input(), "{m:?}");
        }
        let background = [
            Msg::Tick,
            Msg::Copied(Ok("OSC 52".into())),
            Msg::ClipboardCleared(Ok(true)),
            Msg::AuditBatch(Vec::new()),
            Msg::NotSent {
                req: 1,
                why: "journal busy".into(),
            },
        ];
        for m in background {
            assert!(!m.is_input(), "{m:?}");
        }
    }
}
