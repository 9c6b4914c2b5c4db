//! The one line editor every text field uses: the search box, the audit filter, the `:`
//! line, and the reset dialog's password, ticket and UPN fields. Typing, Backspace,
//! Ctrl-U (clear), Ctrl-W (delete a word) and paste behave the same everywhere, each
//! field with its own length limit; control characters never get in.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// An editing key with nothing to do (full, or already empty).
    Unchanged,
    /// Not an editing key: the caller handles it.
    NotMine,
}

/// Applies an editing key to `text`, at most `max` characters long.
pub fn edit(text: &mut String, k: &KeyEvent, max: usize) -> Edit {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Backspace => changed(text.pop().is_some()),
        KeyCode::Char('u') if ctrl => {
            let had = !text.is_empty();
            zero_clear(text);
            changed(had)
        }
        KeyCode::Char('w') if ctrl => {
            let before = text.len();
            let cut = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
            text.truncate(cut);
            changed(text.len() != before)
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            if text.chars().count() < max {
                text.push(c);
                Edit::Changed
            } else {
                Edit::Unchanged
            }
        }
        _ => Edit::NotMine,
    }
}

/// Pastes `pasted` into `text`: one line (newlines and tabs dropped, ends trimmed),
/// within `max` characters.
pub fn paste(text: &mut String, pasted: &str, max: usize) -> Edit {
    let room = max.saturating_sub(text.chars().count());
    let clean: String = pasted
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(room)
        .collect();
    if clean.is_empty() {
        return Edit::Unchanged;
    }
    text.push_str(&clean);
    Edit::Changed
}

fn changed(yes: bool) -> Edit {
    if yes { Edit::Changed } else { Edit::Unchanged }
}

/// Clears in place, overwriting the bytes first: the field may have held a password.
fn zero_clear(text: &mut String) {
    zeroize::Zeroize::zeroize(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, ctrl: bool) -> KeyEvent {
        KeyEvent::new(
            code,
            if ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            },
        )
    }

    #[test]
    fn every_field_edits_the_same_way() {
        let mut s = String::new();
        for c in "adele vance".chars() {
            assert_eq!(
                edit(&mut s, &key(KeyCode::Char(c), false), 64),
                Edit::Changed
            );
        }
        assert_eq!(
            edit(&mut s, &key(KeyCode::Char('w'), true), 64),
            Edit::Changed
        );
        assert_eq!(s, "adele ");
        assert_eq!(
            edit(&mut s, &key(KeyCode::Backspace, false), 64),
            Edit::Changed
        );
        assert_eq!(s, "adele");
        assert_eq!(
            edit(&mut s, &key(KeyCode::Char('u'), true), 64),
            Edit::Changed
        );
        assert_eq!(s, "");
        assert_eq!(
            edit(&mut s, &key(KeyCode::Backspace, false), 64),
            Edit::Unchanged
        );
        assert_eq!(edit(&mut s, &key(KeyCode::Enter, false), 64), Edit::NotMine);
        let mut full = "abc".to_string();
        assert_eq!(
            edit(&mut full, &key(KeyCode::Char('d'), false), 3),
            Edit::Unchanged
        );
        let mut p = String::new();
        assert_eq!(
            paste(&mut p, " adele.vance@contoso.com\n", 256),
            Edit::Changed
        );
        assert_eq!(p, "adele.vance@contoso.com");
        let mut q = "ab".to_string();
        paste(&mut q, "cdef\u{1b}[2J", 4);
        assert_eq!(q, "abcd");
    }
}
