//! The reset flow: a dialog that starts on Cancel, the request in flight, and the
//! one-time-password view, with their keys (`dialog`, `password`, `refusal` modes).
//! Danger is a value: nothing is sent until the admin moves to Reset (and types the UPN
//! for a privileged target) and presses Enter.

use std::time::Instant;

use ratatui::crossterm::event::KeyEvent;

use super::{App, Details, Dialog, Effect, JournalNote, Level, MyReset, Reply};
use crate::keymap::{Action, KeyMode, Keymap};
use crate::secret::secret;
use crate::service::explain::Context;
use crate::service::reset::{ResetOutcome, ResetRequest};

use crate::policy::eligibility::{Method, Reason};
use crate::policy::password;
use crate::secret::SecretString;
use crate::service::explain::Explanation;
use crate::service::reset::ResetStatus;

/// The verdict said no: reasons and fixes, and no reset button.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub label: String,
    pub reasons: Vec<Reason>,
    pub least_role: Option<String>,
}

/// The one-time password view.
#[derive(Debug)]
pub struct Otp {
    pub user_id: String,
    pub label: String,
    pub upn: String,
    pub status: ResetStatus,
    pub method: Method,
    /// Kept unless the reset certainly failed; dropped (zeroized) when the view closes.
    pub password: Option<SecretString>,
    pub generated: bool,
    pub force_change: bool,
    pub force_mfa: bool,
    pub revoked: Option<bool>,
    pub detail: Option<String>,
    pub explanation: Option<Explanation>,
    pub revealed: bool,
    /// How the last copy was made.
    pub copied: Option<String>,
    /// When the clipboard will be cleared.
    pub clear_at: Option<Instant>,
    /// The audit log has shown this reset.
    pub confirmed: bool,
    /// Esc/Enter was pressed once with the password neither copied nor revealed: the next
    /// press closes the view and forgets it.
    pub close_armed: bool,
    /// Set when the secret is a Temporary Access Pass, not a password.
    pub pass: Option<PassView>,
}

/// What the one-time view says of a Temporary Access Pass.
#[derive(Debug, Clone)]
pub struct PassView {
    pub lifetime_minutes: Option<u32>,
    pub one_time: Option<bool>,
    pub until: Option<time::OffsetDateTime>,
}

#[derive(Debug, Default)]
pub enum ResetFlow {
    #[default]
    Closed,
    Refused(Refusal),
    Dialog(Box<Dialog>),
    /// The request is out; the dialog is kept (password cleared) to name the target.
    InFlight {
        req: u64,
        target: Box<Dialog>,
    },
    Done(Box<Otp>),
    /// The Temporary Access Pass dialog (`t`), its refusal, and its request in flight.
    Tap(Box<super::tap::TapDialog>),
    TapRefused(super::tap::TapRefusal),
    TapInFlight {
        req: u64,
        target: Box<super::tap::TapDialog>,
    },
}

impl ResetFlow {
    pub fn is_open(&self) -> bool {
        !matches!(self, ResetFlow::Closed)
    }
}

impl ResetFlow {
    /// The keymap mode the flow reads keys in while it is open.
    pub fn key_mode(&self) -> KeyMode {
        match self {
            ResetFlow::Dialog(_) | ResetFlow::Tap(_) => KeyMode::Dialog,
            ResetFlow::Done(_) => KeyMode::Password,
            ResetFlow::Refused(_) | ResetFlow::TapRefused(_) => KeyMode::Refusal,
            ResetFlow::Closed | ResetFlow::InFlight { .. } | ResetFlow::TapInFlight { .. } => {
                KeyMode::Normal
            }
        }
    }

    /// A key while the flow is open.
    pub fn key(&mut self, k: &KeyEvent, keymap: &Keymap) -> Reply {
        let action = keymap.lookup(self.key_mode(), k);
        match self {
            ResetFlow::Closed => Reply::Ignored,
            // Nothing to do while the reset is out but ask before quitting.
            ResetFlow::InFlight { .. } | ResetFlow::TapInFlight { .. }
                if action == Some(Action::Quit) =>
            {
                Reply::AskQuit
            }
            ResetFlow::InFlight { .. } | ResetFlow::TapInFlight { .. } => Reply::Done,
            ResetFlow::Refused(_) | ResetFlow::TapRefused(_) if action == Some(Action::Back) => {
                Reply::Close
            }
            ResetFlow::Refused(_) | ResetFlow::TapRefused(_) => Reply::Done,
            ResetFlow::Dialog(d) => d.key(k, keymap),
            ResetFlow::Tap(d) => d.key(k, keymap),
            ResetFlow::Done(otp) => otp.key(action),
        }
    }
}

impl Otp {
    /// A key in the one-time password view (`password` mode).
    fn key(&mut self, action: Option<Action>) -> Reply {
        if action != Some(Action::Back) {
            self.close_armed = false;
        }
        match action {
            Some(Action::Reveal) => self.revealed = !self.revealed,
            Some(Action::Copy) => {
                if let Some(pw) = &self.password {
                    return Reply::Copy(pw.clone());
                }
            }
            // A password nobody has seen or copied is not dropped on one key: the first
            // press says what would be lost.
            Some(Action::Back)
                if self.password.is_some()
                    && self.copied.is_none()
                    && !self.revealed
                    && !self.close_armed =>
            {
                self.close_armed = true;
            }
            // Closing drops the password (zeroized); a pending clipboard clear still
            // happens.
            Some(Action::Back) => return Reply::Close,
            // `q` here means "quit the console": it asks first, since the password on
            // screen would be gone.
            Some(Action::Quit) => return Reply::AskQuit,
            _ => {}
        }
        Reply::Done
    }
}

/// Opening the reset flow, and its results.
impl App {
    /// Whether the reset action is available now, and if not, why (for the flash and to
    /// keep it out of the hints).
    pub fn reset_unavailable(&self) -> Option<String> {
        if self.options.read_only {
            return Some("read-only session: resets are switched off (read_only = true)".into());
        }
        match &self.details.shown {
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

    /// The reset for the user whose details are shown: the dialog, or the refusal.
    pub(super) fn open_reset(&mut self, now: Instant) -> Vec<Effect> {
        match &self.details.shown {
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

    /// Copies a password; an earlier one still waiting for its clear goes first, so that
    /// a new copy never leaves the old one behind.
    pub(super) fn copy_password(&mut self, pw: SecretString) -> Vec<Effect> {
        let mut fx = Vec::new();
        if let Some((_, old)) = self.pending_clear.take_if(|(_, old)| {
            crate::secret::ExposeSecret::expose_secret(old)
                != crate::secret::ExposeSecret::expose_secret(&pw)
        }) {
            fx.push(Effect::ClearClipboard(old));
        }
        self.copying = Some(pw.clone());
        fx.push(Effect::Copy(pw));
        fx
    }

    pub(super) fn submit_reset(&mut self, now: Instant) -> Vec<Effect> {
        let ResetFlow::Dialog(d) = &self.reset else {
            return vec![];
        };
        if let Some(why) = d.blocker() {
            self.flash(Level::Warn, format!("not yet: {why}"), now);
            return vec![];
        }
        let Some(operator) = self.operator.clone() else {
            return vec![];
        };
        let (password, generated) = if d.typed {
            (secret(d.password.text().to_string()), false)
        } else {
            (password::generate(self.options.password_length), true)
        };
        let request = ResetRequest {
            user_id: d.user_id.clone(),
            method: d.method,
            password: Some(password),
            generated,
            force_change: d.force_change,
            force_change_with_mfa: d.force_mfa,
            revoke_sessions: d.revoke,
            operation_timeout: self.options.operation_timeout,
        };
        let note = JournalNote {
            operator,
            target_id: d.user_id.clone(),
            target_upn: d.upn.clone(),
            ticket: Some(d.ticket.text().trim().to_string()).filter(|t| !t.is_empty()),
            revoke: d.revoke,
        };
        let req = self.req();
        if let ResetFlow::Dialog(mut d) = std::mem::take(&mut self.reset) {
            // The request owns the password now; the dialog keeps no copy.
            d.password.clear();
            self.reset = ResetFlow::InFlight { req, target: d };
        }
        vec![Effect::Reset { req, request, note }]
    }

    /// The runtime refused to send `req` (a reset, a pass or a bulk run): its dialog
    /// closes, nothing changed, and the flash says why.
    pub(super) fn on_not_sent(&mut self, req: u64, why: &str, now: Instant) {
        let label = match &self.reset {
            ResetFlow::InFlight { req: r, target } if *r == req => Some(target.label.clone()),
            ResetFlow::TapInFlight { req: r, target } if *r == req => Some(target.label.clone()),
            _ => None,
        };
        let label = match label {
            Some(l) => {
                self.reset = ResetFlow::Closed;
                l
            }
            None if self.bulk_not_sent(req) => "the marked users".into(),
            None => return,
        };
        self.flash(Level::Error, format!("nothing sent to {label}: {why}"), now);
    }

    pub(super) fn on_reset_done(
        &mut self,
        req: u64,
        outcome: ResetOutcome,
        now: Instant,
    ) -> Vec<Effect> {
        let (label, user_id, upn, synced, least) = match &self.reset {
            ResetFlow::InFlight { req: r, target } if *r == req => (
                target.label.clone(),
                target.user_id.clone(),
                target.upn.clone(),
                target.target_synced,
                target.least_role.clone(),
            ),
            _ => return vec![],
        };
        let explanation = crate::service::explain::explain_outcome(
            &outcome,
            &Context {
                method: outcome.method,
                target_synced: synced,
                least_role: least.as_deref(),
            },
        );
        let (level, text) = match outcome.status {
            ResetStatus::Succeeded => (Level::Info, format!("password reset for {label}")),
            ResetStatus::Unconfirmed => (
                Level::Warn,
                format!("reset of {label} UNCONFIRMED: verify before handing the password out"),
            ),
            ResetStatus::Failed => (Level::Error, format!("reset of {label} failed")),
            ResetStatus::Accepted => (
                Level::Info,
                format!("reset of {label} accepted; the audit log will confirm it"),
            ),
        };
        self.flash(level, text, now);
        let succeeded = outcome.status == ResetStatus::Succeeded;
        if outcome.status != ResetStatus::Failed {
            self.my_resets.push(MyReset {
                target_id: user_id.clone(),
                target_upn: upn.clone(),
                label: label.clone(),
                at: outcome.started_at,
                confirmed: false,
                pass: false,
            });
        }
        self.reset = ResetFlow::Done(Box::new(Otp {
            user_id: user_id.clone(),
            label,
            upn,
            status: outcome.status,
            method: outcome.method,
            password: outcome.password,
            generated: outcome.generated,
            force_change: outcome.force_change,
            force_mfa: outcome.force_change_with_mfa,
            revoked: outcome.revoked.as_ref().map(|r| r.is_ok()),
            detail: outcome.detail,
            explanation,
            revealed: false,
            copied: None,
            clear_at: None,
            confirmed: false,
            close_armed: false,
            pass: None,
        }));
        // Show the new "last password change" behind the view.
        if succeeded && !user_id.is_empty() {
            return self.load_details(user_id);
        }
        vec![]
    }
}
