//! The one text field every input uses: the search box, the audit filter, the `:` line,
//! and the reset dialog's password, ticket and UPN fields. A cursor that moves by
//! character (Left/Right, Home/End, Ctrl-a/e, …, from the keymap's `edit` mode), delete
//! before and under it, delete a word, clear, paste, and "selected" text that the next
//! typed character replaces. Each field has its own length limit; control characters
//! never get in.
//!
//! A hand-written field, not the `tui-input` crate: that crate keeps a plain `String`
//! that grows by reallocating and is never overwritten, so a typed password would leave
//! copies in freed memory. Here the text lives in a `Zeroizing<String>` whose capacity is
//! reserved up front for the longest text allowed: it never moves, and is wiped on clear
//! and drop.

use zeroize::{Zeroize, Zeroizing};

use crate::keymap::Action;

/// What a key did to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// The text is the same (the cursor may have moved; full, or already empty).
    Unchanged,
    /// Not an editing action: the caller handles it.
    NotMine,
}

pub struct TextInput {
    text: Zeroizing<String>,
    /// The cursor, in characters from the start (0..=len).
    cursor: usize,
    max: usize,
    /// The whole text is selected: typing replaces it, Backspace deletes it.
    selected: bool,
}

impl std::fmt::Debug for TextInput {
    // Fields may hold a password: their text never reaches a log or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextInput")
            .field("len", &self.len())
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl TextInput {
    /// An empty field of at most `max` characters.
    pub fn new(max: usize) -> TextInput {
        // Four bytes per character at most: the text never outgrows (and never leaves
        // behind) its first allocation.
        let text = Zeroizing::new(String::with_capacity(max * 4));
        TextInput {
            text,
            cursor: 0,
            max,
            selected: false,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn selected(&self) -> bool {
        self.selected
    }

    /// Selects the whole text (when there is any): the next typed character replaces it.
    pub fn select_all(&mut self) {
        self.selected = !self.text.is_empty();
    }

    /// Drops the selection, keeping the text (the admin moved on instead of typing).
    pub fn deselect(&mut self) {
        self.selected = false;
    }

    /// Replaces the text (cut to the limit), the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.clear();
        self.insert_str(text);
    }

    /// Empties the field, overwriting what it held.
    pub fn clear(&mut self) {
        // Zeros over the whole buffer; the reserved capacity stays.
        self.text.zeroize();
        self.text.reserve(self.max * 4);
        self.cursor = 0;
        self.selected = false;
    }

    /// Types one character at the cursor (replacing selected text).
    pub fn insert(&mut self, c: char) -> Edit {
        if c.is_control() {
            return Edit::Unchanged;
        }
        let replaced = self.take_selection();
        if self.len() >= self.max {
            return if replaced {
                Edit::Changed
            } else {
                Edit::Unchanged
            };
        }
        let at = self.byte(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
        Edit::Changed
    }

    /// Pastes at the cursor: one line (newlines and tabs dropped, ends trimmed), within
    /// the limit.
    pub fn paste(&mut self, pasted: &str) -> Edit {
        let replaced = self.take_selection();
        if self.insert_str(pasted.trim()) || replaced {
            Edit::Changed
        } else {
            Edit::Unchanged
        }
    }

    /// A form's key that its own bindings did not take: the line editor's action, or a
    /// plain character typed.
    pub fn key(&mut self, action: Option<Action>, k: &ratatui::crossterm::event::KeyEvent) {
        match (action, k.code) {
            (Some(a), _) => {
                self.edit(a);
            }
            (None, ratatui::crossterm::event::KeyCode::Char(c))
                if crate::keymap::is_plain_char(k) =>
            {
                self.insert(c);
            }
            _ => {}
        }
    }

    /// Applies an editing action.
    pub fn edit(&mut self, action: Action) -> Edit {
        let before = self.len();
        let selected = std::mem::take(&mut self.selected);
        match action {
            Action::CursorLeft => self.cursor = self.cursor.saturating_sub(1),
            Action::CursorRight => self.cursor = (self.cursor + 1).min(before),
            Action::LineStart => self.cursor = 0,
            Action::LineEnd => self.cursor = before,
            Action::DeleteBack | Action::DeleteForward if selected => self.clear(),
            Action::DeleteBack if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            Action::DeleteForward if self.cursor < before => {
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            Action::DeleteWord => {
                // Walk back over spaces, then over the word, without copying the text
                // (it may be a password).
                let to = self.byte(self.cursor);
                let mut from = to;
                let mut seen_word = false;
                for (b, c) in self.text[..to].char_indices().rev() {
                    if c == ' ' && seen_word {
                        break;
                    }
                    seen_word |= c != ' ';
                    from = b;
                }
                let removed = self.text[from..to].chars().count();
                self.text.replace_range(from..to, "");
                self.cursor -= removed;
            }
            Action::ClearLine => self.clear(),
            Action::DeleteBack | Action::DeleteForward => {}
            _ => {
                self.selected = selected;
                return Edit::NotMine;
            }
        }
        if self.len() != before {
            Edit::Changed
        } else {
            Edit::Unchanged
        }
    }

    /// The text to draw in `width` cells: the part around the cursor, and the cursor's
    /// place in it (characters from the part's start).
    pub fn window(&self, width: usize) -> (String, usize) {
        let (start, len, at) = self.window_bounds(width);
        let part: String = self.text.chars().skip(start).take(len).collect();
        (part, at)
    }

    /// The window's place without its text (for masked fields): the first character
    /// shown, how many are shown, and the cursor's place among them.
    pub fn window_bounds(&self, width: usize) -> (usize, usize, usize) {
        let width = width.max(1);
        // Keep the cursor in view: scroll so it sits at most at the right edge.
        let start = self.cursor.saturating_sub(width - 1);
        let len = self.len().saturating_sub(start).min(width);
        (start, len, self.cursor - start)
    }

    fn take_selection(&mut self) -> bool {
        if std::mem::take(&mut self.selected) {
            self.clear();
            true
        } else {
            false
        }
    }

    fn insert_str(&mut self, s: &str) -> bool {
        let room = self.max.saturating_sub(self.len());
        let mut inserted = false;
        for c in s.chars().filter(|c| !c.is_control()).take(room) {
            let at = self.byte(self.cursor);
            self.text.insert(at, c);
            self.cursor += 1;
            inserted = true;
        }
        inserted
    }

    /// The byte offset of character `i`.
    fn byte(&self, i: usize) -> usize {
        self.text
            .char_indices()
            .nth(i)
            .map_or(self.text.len(), |(b, _)| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> TextInput {
        let mut t = TextInput::new(64);
        for c in s.chars() {
            assert_eq!(t.insert(c), Edit::Changed);
        }
        t
    }

    #[test]
    fn the_cursor_moves_and_edits_in_the_middle() {
        let mut t = typed("adel vance");
        assert_eq!(t.cursor(), 10);
        t.edit(Action::LineStart);
        for _ in 0..4 {
            t.edit(Action::CursorRight);
        }
        t.insert('e');
        assert_eq!(t.text(), "adele vance");
        t.edit(Action::LineEnd);
        assert_eq!(t.edit(Action::DeleteWord), Edit::Changed);
        assert_eq!(t.text(), "adele ");
        t.edit(Action::LineStart);
        assert_eq!(t.edit(Action::DeleteForward), Edit::Changed);
        assert_eq!(t.text(), "dele ");
        assert_eq!(t.edit(Action::DeleteBack), Edit::Unchanged);
        assert_eq!(t.edit(Action::CursorLeft), Edit::Unchanged);
        assert_eq!(t.cursor(), 0);
        assert_eq!(t.edit(Action::ClearLine), Edit::Changed);
        assert!(t.is_empty());
        assert_eq!(t.edit(Action::Select), Edit::NotMine);
    }

    #[test]
    fn multibyte_text_edits_by_character() {
        let mut t = typed("Zoë Ærø");
        t.edit(Action::CursorLeft);
        t.edit(Action::DeleteBack);
        assert_eq!(t.text(), "Zoë Æø");
        t.edit(Action::LineStart);
        t.edit(Action::CursorRight);
        t.edit(Action::CursorRight);
        t.edit(Action::DeleteForward);
        assert_eq!(t.text(), "Zo Æø");
    }

    #[test]
    fn limits_paste_and_selection() {
        let mut full = TextInput::new(3);
        full.set("abcdef");
        assert_eq!(full.text(), "abc");
        assert_eq!(full.insert('d'), Edit::Unchanged);
        let mut p = TextInput::new(256);
        assert_eq!(p.paste(" adele.vance@contoso.com\n"), Edit::Changed);
        assert_eq!(p.text(), "adele.vance@contoso.com");
        let mut q = TextInput::new(4);
        q.set("ab");
        q.paste("cdef\u{1b}[2J");
        assert_eq!(q.text(), "abcd");
        // Selected text: typing replaces it, Backspace deletes it, a move keeps it.
        let mut s = typed("adele");
        s.select_all();
        s.insert('k');
        assert_eq!(s.text(), "k");
        s.select_all();
        s.edit(Action::DeleteBack);
        assert!(s.is_empty());
        let mut m = typed("adele");
        m.select_all();
        m.edit(Action::CursorLeft);
        m.insert('x');
        assert_eq!(m.text(), "adelxe");
        assert!(!format!("{m:?}").contains("adel"));
    }

    #[test]
    fn the_window_keeps_the_cursor_in_view() {
        let t = typed("abcdefghij");
        assert_eq!(t.window(4), ("hij".to_string(), 3));
        let mut u = typed("abcdefghij");
        u.edit(Action::LineStart);
        assert_eq!(u.window(4), ("abcd".to_string(), 0));
    }
}
