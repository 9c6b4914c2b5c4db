//! The reset dialog's state: the target, the choices, and the fields in Tab order. It
//! starts on Cancel; a privileged target needs its UPN typed before Reset can be pressed.

use ratatui::crossterm::event::KeyEvent;

use super::Reply;
use super::input::TextInput;
use crate::keymap::{Action, KeyMode, Keymap};
use crate::policy::eligibility::{Method, Severity};
use crate::policy::password::{self, Problem};
use crate::service::facts::Assessment;

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
    /// A typed password; its buffer is wiped on every clear and on drop.
    pub password: TextInput,
    pub force_change: bool,
    pub force_mfa: bool,
    pub revoke: bool,
    pub ticket: TextInput,
    pub confirm: TextInput,
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
            privileged: a.privileged(),
            names,
            typed: false,
            password: TextInput::new(256),
            force_change: true,
            force_mfa: false,
            revoke: false,
            ticket: TextInput::new(64),
            confirm: TextInput::new(256),
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
        password::check(self.password.text(), &names)
    }

    pub fn confirmed(&self) -> bool {
        !self.privileged || self.confirm.text().trim().eq_ignore_ascii_case(&self.upn)
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

    /// The focused text field, if a text field has the focus.
    pub fn text_field(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            Field::Password => Some(&mut self.password),
            Field::Ticket => Some(&mut self.ticket),
            Field::ConfirmUpn => Some(&mut self.confirm),
            _ => None,
        }
    }

    /// A key in the dialog (`dialog` mode). In a text field, plain characters are text
    /// and the line editor's keys edit; the dialog's own keys move and press.
    pub fn key(&mut self, k: &KeyEvent, keymap: &Keymap) -> Reply {
        let choice = matches!(
            self.focus,
            Field::Mode | Field::ForceChange | Field::ForceMfa | Field::Revoke
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
            other => {
                if let Some(field) = self.text_field() {
                    field.key(other, k);
                }
            }
        }
        Reply::Done
    }
}
