//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{centered, clear, pane, styled};
use crate::app::App;
use crate::keymap::Action;
use crate::theme::Theme;

pub fn render(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = Vec::new();
    for a in Action::ALL {
        lines.push(Line::from(vec![
            styled(format!(" {:<14}", app.keymap.label(*a)), theme.key),
            Span::raw(a.describe()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(" In the search box", theme.title)));
    for (k, what) in [
        ("type", "search as you type (name, UPN or mail prefix)"),
        ("^u / ^w", "clear / delete a word"),
        ("Esc", "stop typing (keys act again)"),
        ("^c", "quit, always"),
    ] {
        lines.push(Line::from(vec![
            styled(format!(" {k:<14}"), theme.key),
            Span::raw(what),
        ]));
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, 64, h);
    clear(f, rect);
    let block = pane(
        Line::from(Span::styled(" Keys · Esc closes ", theme.title)),
        true,
        theme,
    );
    f.render_widget(Paragraph::new(lines).block(block), rect);
}
