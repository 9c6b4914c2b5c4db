//! Every mode's default keys, what each action does there and its command-bar hint: the
//! one table the keymap, the help overlay and the hints are made from.

use super::{Action, KeyMode};

/// One default binding: the action, its keys, what it does in this mode, and its short
/// label in the command bar (`None` keeps it out of the bar).
pub struct Binding {
    pub action: Action,
    pub keys: &'static [&'static str],
    pub does: &'static str,
    pub hint: Option<&'static str>,
}

const fn b(
    action: Action,
    keys: &'static [&'static str],
    does: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        action,
        keys,
        does,
        hint,
    }
}

use Action::*;

const NORMAL: &[Binding] = &[
    b(
        Search,
        &["/"],
        "search by name, UPN, mail or id (audit pane: filter)",
        Some("search"),
    ),
    b(
        Up,
        &["k", "Up"],
        "move up (in details and audit: scroll)",
        None,
    ),
    b(Down, &["j", "Down"], "move down", Some("move")),
    b(PageUp, &["PageUp", "Ctrl-u"], "page up", None),
    b(PageDown, &["PageDown", "Ctrl-d"], "page down", None),
    b(Top, &["g", "Home"], "first item", None),
    b(Bottom, &["G", "End"], "last item", None),
    b(
        Select,
        &["Enter"],
        "open the selected user's details",
        Some("open"),
    ),
    b(NextPane, &["Tab"], "next pane", Some("pane")),
    b(PrevPane, &["Shift-Tab"], "previous pane", None),
    b(
        Reset,
        &["r"],
        "reset the highlighted/open user's password",
        Some("reset"),
    ),
    b(
        Mark,
        &["Space"],
        "mark/unmark the highlighted user for bulk reset",
        None,
    ),
    b(
        BulkReset,
        &["R"],
        "bulk reset the marked users (dry run first)",
        None,
    ),
    b(
        Tap,
        &["t"],
        "Temporary Access Pass for the open/highlighted user",
        None,
    ),
    b(
        Refresh,
        &["Ctrl-r", "F5"],
        "re-read your roles (after PIM) and the open user",
        None,
    ),
    b(Help, &["?"], "this help", Some("help")),
    b(
        Command,
        &[":"],
        "command line (:user USER, :audit, :whoami, :q)",
        Some("cmd"),
    ),
    b(Back, &["Esc"], "back / close / clear the search", None),
    b(
        Quit,
        &["q"],
        "quit (asks first while work is in flight)",
        Some("quit"),
    ),
];

const TYPING: &[Binding] = &[
    b(
        Select,
        &["Enter"],
        "open the highlighted user",
        Some("open"),
    ),
    b(Up, &["Up"], "move up in the results", None),
    b(Down, &["Down"], "move down in the results", Some("move")),
    b(PageUp, &["PageUp"], "page up", None),
    b(PageDown, &["PageDown"], "page down", None),
    b(NextPane, &["Tab"], "stop typing, next pane", None),
    b(Back, &["Esc"], "stop typing", Some("done")),
];

const FILTER: &[Binding] = &[
    b(Select, &["Enter"], "keep the filter", Some("keep")),
    b(Back, &["Esc"], "clear the filter", Some("clear")),
];

const COMMAND: &[Binding] = &[
    b(Select, &["Enter"], "run the command", Some("run")),
    b(Back, &["Esc"], "close the command line", Some("close")),
];

const DIALOG: &[Binding] = &[
    b(NextField, &["Tab", "Down"], "next field", Some("next")),
    b(PrevField, &["Shift-Tab", "Up"], "previous field", None),
    b(
        Toggle,
        &["Space"],
        "switch the focused choice",
        Some("toggle"),
    ),
    b(
        Select,
        &["Enter"],
        "press the focused button, switch a choice, next field",
        Some("activate"),
    ),
    b(Back, &["Esc"], "cancel: nothing is sent", Some("cancel")),
    b(
        PageUp,
        &["PageUp"],
        "bulk reset: the previous user and why",
        None,
    ),
    b(
        PageDown,
        &["PageDown"],
        "bulk reset: the next user and why",
        None,
    ),
];

const BULK: &[Binding] = &[
    b(Up, &["k", "Up"], "move up", None),
    b(Down, &["j", "Down"], "move down", Some("move")),
    b(PageUp, &["PageUp", "Ctrl-u"], "page up", None),
    b(PageDown, &["PageDown", "Ctrl-d"], "page down", None),
    b(Top, &["g", "Home"], "first user", None),
    b(Bottom, &["G", "End"], "last user", None),
    b(
        Copy,
        &["y"],
        "copy the highlighted password (cleared later)",
        Some("copy"),
    ),
    b(
        Reveal,
        &["v"],
        "show / hide the highlighted password",
        Some("show"),
    ),
    b(
        Back,
        &["Esc"],
        "close when done (forgets the passwords)",
        Some("close"),
    ),
    b(Quit, &["q"], "quit the console (asks first)", None),
];

const PASSWORD: &[Binding] = &[
    b(
        Copy,
        &["y"],
        "copy the password (cleared from the clipboard later)",
        Some("copy"),
    ),
    b(Reveal, &["v"], "show / hide the password", Some("show")),
    b(
        Back,
        &["Esc", "Enter"],
        "close the view (the password is forgotten)",
        Some("close"),
    ),
    b(Quit, &["q"], "quit the console (asks first)", None),
];

const REFUSAL: &[Binding] = &[b(Back, &["Esc", "Enter", "q"], "close", Some("close"))];

const HELP: &[Binding] = &[
    b(Up, &["k", "Up"], "scroll up", None),
    b(Down, &["j", "Down"], "scroll down", Some("scroll")),
    b(PageUp, &["PageUp", "Ctrl-u"], "page up", None),
    b(
        PageDown,
        &["PageDown", "Ctrl-d", "Space"],
        "page down",
        None,
    ),
    b(Top, &["g", "Home"], "top", None),
    b(Bottom, &["G", "End"], "bottom", None),
    b(Back, &["Esc", "?", "q"], "close help", Some("close")),
];

const EDIT: &[Binding] = &[
    b(CursorLeft, &["Left", "Ctrl-b"], "cursor left", None),
    b(CursorRight, &["Right", "Ctrl-f"], "cursor right", None),
    b(LineStart, &["Home", "Ctrl-a"], "start of the field", None),
    b(LineEnd, &["End", "Ctrl-e"], "end of the field", None),
    b(
        DeleteBack,
        &["Backspace"],
        "delete the character before the cursor",
        None,
    ),
    b(
        DeleteForward,
        &["Delete"],
        "delete the character under the cursor",
        None,
    ),
    b(
        DeleteWord,
        &["Ctrl-w"],
        "delete the word before the cursor",
        None,
    ),
    b(ClearLine, &["Ctrl-u"], "clear the field", Some("clear")),
];

/// The default bindings of a mode.
pub fn of(mode: KeyMode) -> &'static [Binding] {
    match mode {
        KeyMode::Normal => NORMAL,
        KeyMode::Typing => TYPING,
        KeyMode::Filter => FILTER,
        KeyMode::Command => COMMAND,
        KeyMode::Dialog => DIALOG,
        KeyMode::Password => PASSWORD,
        KeyMode::Bulk => BULK,
        KeyMode::Refusal => REFUSAL,
        KeyMode::Help => HELP,
        KeyMode::Edit => EDIT,
    }
}
