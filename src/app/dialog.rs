//! The reset dialog's state: the target, the choices, and the fields in Tab order. It
//! starts on Cancel; a privileged target needs its UPN typed before Reset can be pressed.

use zeroize::Zeroizing;

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

    /// The focused text field and its length limit, if a text field has the focus.
    pub fn text_field(&mut self) -> Option<(&mut String, usize)> {
        match self.focus {
            Field::Password => Some((&mut *self.password, 256)),
            Field::Ticket => Some((&mut self.ticket, 64)),
            Field::ConfirmUpn => Some((&mut self.confirm, 256)),
            _ => None,
        }
    }
}
