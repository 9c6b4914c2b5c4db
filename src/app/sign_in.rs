//! The sign-in window: opened over whatever is on screen when a sign-in needs the admin
//! (`:profile` to a tenant with no cached sign-in, or a refresh that failed mid-shift),
//! it shows the instruction (device code, or the address to open) and, for browser-paste,
//! a field for the address the browser ends on. The request that needed the sign-in
//! waits meanwhile and resumes when it completes: the admin stays where they were.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::input::TextInput;
use super::*;

#[derive(Debug)]
pub struct SignInWindow {
    /// The instruction, as the credential gave it (sanitized when drawn).
    pub text: String,
    /// browser-paste: the pasted address (a secret: it holds the code; drawn masked).
    pub paste: Option<TextInput>,
    /// An address was sent and the sign-in is being completed.
    pub sent: bool,
}

impl SignInWindow {
    pub fn new(text: String, wants_paste: bool) -> SignInWindow {
        SignInWindow {
            text,
            paste: wants_paste.then(|| TextInput::new(4096)),
            sent: false,
        }
    }
}

impl App {
    pub(super) fn on_sign_in_prompt(&mut self, text: String, wants_paste: bool) -> Vec<Effect> {
        self.sign_in = Some(SignInWindow::new(text, wants_paste));
        self.dirty = true;
        vec![]
    }

    pub(super) fn on_signed_in(&mut self, now: Instant) -> Vec<Effect> {
        if self.sign_in.take().is_some() {
            self.flash(Level::Info, "signed in", now);
        }
        vec![]
    }

    /// Keys while the window is open: the paste field's, Enter to send, Esc to put a
    /// device-code window away (the sign-in goes on waiting).
    pub(super) fn sign_in_key(&mut self, k: &KeyEvent, now: Instant) -> Vec<Effect> {
        let Some(w) = &mut self.sign_in else {
            return vec![];
        };
        let Some(field) = &mut w.paste else {
            if k.code == KeyCode::Esc {
                self.sign_in = None;
                self.flash(
                    Level::Info,
                    "the sign-in goes on waiting: finish it on your own device and the console resumes",
                    now,
                );
            }
            return vec![];
        };
        match k.code {
            KeyCode::Enter if !field.is_empty() => {
                let pasted = crate::secret::secret(field.text().trim().to_string());
                field.clear();
                w.sent = true;
                vec![Effect::SignInPaste(pasted)]
            }
            KeyCode::Esc if !field.is_empty() => {
                field.clear();
                vec![]
            }
            // An empty field: put the window away; the sign-in goes on waiting (for a
            // forwarded port, or until it times out).
            KeyCode::Esc => {
                self.sign_in = None;
                self.flash(
                    Level::Info,
                    "the sign-in goes on waiting; the console resumes once it completes",
                    now,
                );
                vec![]
            }
            KeyCode::Backspace => {
                field.edit(crate::keymap::Action::DeleteBack);
                vec![]
            }
            KeyCode::Char(c) if crate::keymap::is_plain_char(k) => {
                field.insert(c);
                vec![]
            }
            _ => vec![],
        }
    }

    /// A paste while the window is open goes to its field.
    pub(super) fn sign_in_paste(&mut self, text: &str) -> bool {
        match self.sign_in.as_mut().and_then(|w| w.paste.as_mut()) {
            Some(field) => {
                field.paste(text.trim());
                true
            }
            None => self.sign_in.is_some(),
        }
    }
}
