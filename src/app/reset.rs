//! The reset flow: a dialog that starts on Cancel, the request in flight, and the
//! one-time-password view. Danger is a value: nothing is sent until the admin moves to
//! Reset (and types the UPN for a privileged target) and presses Enter.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use zeroize::Zeroizing;

use super::{App, Effect, JournalNote, Level, MyReset};
use crate::secret::secret;
use crate::service::explain::{Context, explain};
use crate::service::reset::{ResetOutcome, ResetRequest};

use crate::policy::eligibility::{Method, Reason, Severity};
use crate::policy::password::{self, Problem};
use crate::secret::SecretString;
use crate::service::explain::Explanation;
use crate::service::facts::Assessment;
use crate::service::reset::ResetStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Generate (default) or type the password.
    Mode,
    Password,
    ForceChange,
    ForceMfa,
    Revoke,
    Ticket,
    ConfirmUpn,
    Reset,
    Cancel,
}

pub struct Dialog {
    pub user_id: String,
    pub label: String,
    pub upn: String,
    pub method: Method,
    pub target_synced: bool,
    pub least_role: Option<String>,
    /// Warnings of the verdict, shown in the dialog.
    pub warnings: Vec<String>,
    /// Holds a role or sits in a role-assignable group: the UPN must be typed.
    pub privileged: bool,
    names: Vec<String>,
    pub typed: bool,
    pub password: Zeroizing<String>,
    pub force_change: bool,
    pub force_mfa: bool,
    pub revoke: bool,
    pub ticket: String,
    pub confirm: String,
    pub focus: Field,
}

impl std::fmt::Debug for Dialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialog")
            .field("user_id", &self.user_id)
            .field("method", &self.method)
            .field("typed", &self.typed)
            .field("password", &"[REDACTED]")
            .field("focus", &self.focus)
            .finish()
    }
}

impl Dialog {
    pub fn new(a: &Assessment) -> Dialog {
        let u = &a.target.user;
        let names = password::user_names(
            u.given_name.as_deref(),
            u.surname.as_deref(),
            u.user_principal_name.as_deref(),
        )
        .into_iter()
        .map(str::to_string)
        .collect();
        Dialog {
            user_id: u.id.clone(),
            label: u.label().to_string(),
            upn: u
                .user_principal_name
                .clone()
                .unwrap_or_else(|| u.id.clone()),
            method: a.verdict.method.unwrap_or(Method::PasswordProfile),
            target_synced: u.on_premises_sync_enabled == Some(true),
            least_role: a.verdict.least_privileged_role.clone(),
            warnings: a
                .verdict
                .reasons
                .iter()
                .filter(|r| r.severity == Severity::Warn)
                .map(|r| r.message.clone())
                .collect(),
            privileged: !a.target.roles.is_empty()
                || a.target
                    .groups
                    .iter()
                    .chain(&a.target.owned_groups)
                    .any(|g| g.protected),
            names,
            typed: false,
            password: Zeroizing::new(String::new()),
            force_change: true,
            force_mfa: false,
            revoke: false,
            ticket: String::new(),
            confirm: String::new(),
            focus: Field::Cancel,
        }
    }

    /// The fields in Tab order for the current choices.
    pub fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::Mode];
        if self.typed {
            f.push(Field::Password);
        }
        if self.method == Method::PasswordProfile {
            f.push(Field::ForceChange);
            f.push(Field::ForceMfa);
        }
        f.push(Field::Revoke);
        f.push(Field::Ticket);
        if self.privileged {
            f.push(Field::ConfirmUpn);
        }
        f.push(Field::Reset);
        f.push(Field::Cancel);
        f
    }

    pub fn move_focus(&mut self, forward: bool) {
        let fields = self.fields();
        let i = fields.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let n = fields.len() as isize;
        let next = if forward {
            (i + 1) % n
        } else {
            (i - 1 + n) % n
        };
        self.focus = fields[next as usize];
    }

    pub fn problems(&self) -> Vec<Problem> {
        if !self.typed {
            return vec![];
        }
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        password::check(&self.password, &names)
    }

    pub fn confirmed(&self) -> bool {
        !self.privileged || self.confirm.trim().eq_ignore_ascii_case(&self.upn)
    }

    /// Why Reset cannot be pressed yet, if it cannot.
    pub fn blocker(&self) -> Option<String> {
        let problems = self.problems();
        if let Some(p) = problems.first() {
            return Some(format!("the password {}", p.message()));
        }
        if !self.confirmed() {
            return Some("type the user's UPN to confirm (they hold an admin role)".into());
        }
        None
    }

    pub fn toggle(&mut self) {
        match self.focus {
            Field::Mode => {
                self.typed = !self.typed;
                self.password.clear();
            }
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

    /// Text input for the focused field; `false` when it takes none.
    pub fn input(&mut self, c: char) -> bool {
        match self.focus {
            Field::Password if self.password.chars().count() < 256 => self.password.push(c),
            Field::Ticket if self.ticket.chars().count() < 64 => self.ticket.push(c),
            Field::ConfirmUpn if self.confirm.chars().count() < 256 => self.confirm.push(c),
            Field::Password | Field::Ticket | Field::ConfirmUpn => {}
            _ => return false,
        }
        true
    }

    pub fn backspace(&mut self) {
        match self.focus {
            Field::Password => {
                self.password.pop();
            }
            Field::Ticket => {
                self.ticket.pop();
            }
            Field::ConfirmUpn => {
                self.confirm.pop();
            }
            _ => {}
        }
    }
}

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
}

impl ResetFlow {
    pub fn is_open(&self) -> bool {
        !matches!(self, ResetFlow::Closed)
    }
}

/// The reset flow's keys and results.
impl App {
    pub(super) fn on_reset_key(&mut self, k: KeyEvent, now: Instant) -> Vec<Effect> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match &mut self.reset {
            ResetFlow::Closed => vec![],
            // Nothing to do while the reset is out but ask before quitting.
            ResetFlow::InFlight { .. } => {
                if self.keymap.lookup(&k) == Some(crate::keymap::Action::Quit) {
                    self.mode = super::Mode::ConfirmQuit;
                }
                vec![]
            }
            ResetFlow::Refused(_) => {
                if matches!(k.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                    self.reset = ResetFlow::Closed;
                }
                vec![]
            }
            ResetFlow::Done(otp) => {
                let closing = matches!(k.code, KeyCode::Esc | KeyCode::Enter);
                if !closing {
                    otp.close_armed = false;
                }
                match k.code {
                    KeyCode::Char('v') => otp.revealed = !otp.revealed,
                    KeyCode::Char('y') => {
                        if let Some(pw) = &otp.password {
                            return vec![Effect::Copy(pw.clone())];
                        }
                    }
                    // A password nobody has seen or copied is not dropped on one key:
                    // the first press says what would be lost.
                    KeyCode::Esc | KeyCode::Enter
                        if otp.password.is_some()
                            && otp.copied.is_none()
                            && !otp.revealed
                            && !otp.close_armed =>
                    {
                        otp.close_armed = true;
                    }
                    // Closing drops the password (zeroized); a pending clipboard clear
                    // still happens.
                    KeyCode::Esc | KeyCode::Enter => self.reset = ResetFlow::Closed,
                    // `q` here means "quit the console": it asks first, since the
                    // password on screen would be gone.
                    _ if self.keymap.lookup(&k) == Some(crate::keymap::Action::Quit) => {
                        self.mode = super::Mode::ConfirmQuit;
                    }
                    _ => {}
                }
                vec![]
            }
            ResetFlow::Dialog(d) => {
                match k.code {
                    KeyCode::Esc => {
                        self.reset = ResetFlow::Closed;
                        return vec![];
                    }
                    KeyCode::Tab | KeyCode::Down => d.move_focus(true),
                    KeyCode::BackTab | KeyCode::Up => d.move_focus(false),
                    KeyCode::Backspace => d.backspace(),
                    KeyCode::Enter => match d.focus {
                        Field::Cancel => self.reset = ResetFlow::Closed,
                        Field::Reset => return self.submit_reset(now),
                        Field::Mode | Field::ForceChange | Field::ForceMfa | Field::Revoke => {
                            d.toggle()
                        }
                        _ => d.move_focus(true),
                    },
                    KeyCode::Char(' ')
                        if matches!(
                            d.focus,
                            Field::Mode | Field::ForceChange | Field::ForceMfa | Field::Revoke
                        ) =>
                    {
                        d.toggle()
                    }
                    KeyCode::Char(c) if !ctrl => {
                        d.input(c);
                    }
                    _ => {}
                }
                vec![]
            }
        }
    }

    fn submit_reset(&mut self, now: Instant) -> Vec<Effect> {
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
            (secret(d.password.to_string()), false)
        } else {
            (password::generate(self.options.password_length), true)
        };
        let request = ResetRequest {
            user_id: d.user_id.clone(),
            method: d.method,
            password,
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
            ticket: Some(d.ticket.trim().to_string()).filter(|t| !t.is_empty()),
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
        let explanation = outcome.error.as_ref().map(|e| {
            explain(
                e,
                &Context {
                    method: outcome.method,
                    target_synced: synced,
                    least_role: least.as_deref(),
                },
            )
        });
        let (level, text) = match outcome.status {
            ResetStatus::Succeeded => (Level::Info, format!("password reset for {label}")),
            ResetStatus::Unconfirmed => (
                Level::Warn,
                format!("reset of {label} UNCONFIRMED: verify before handing the password out"),
            ),
            ResetStatus::Failed => (Level::Error, format!("reset of {label} failed")),
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
        }));
        // Show the new "last password change" behind the view.
        if succeeded && !user_id.is_empty() {
            return self.load_details(user_id);
        }
        vec![]
    }
}
