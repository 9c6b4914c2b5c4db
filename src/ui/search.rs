//! The search pane: the query box and the results (or recent users).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, StatefulWidget, Widget};

use super::{Look, clean, field_spans, pane};
use crate::app::Search;
use crate::app::search::row_label;
use crate::policy::authority::{SourceOfAuthority, source_of_authority};
use crate::sanitize::{sanitize, width};
use crate::theme::Theme;

pub fn badge(soa: SourceOfAuthority) -> &'static str {
    match soa {
        SourceOfAuthority::Cloud => "cloud",
        SourceOfAuthority::Synced => "synced",
        SourceOfAuthority::External => "external",
        SourceOfAuthority::PendingInvite => "invited",
    }
}

pub fn render(s: &Search, look: Look, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let title = if s.showing_recent() {
        format!(" Recent users ({}) ", s.rows.len())
    } else {
        match s.server_count {
            Some(c) if c as usize > s.loaded() => format!(" Users ({} of {c}) ", s.rows.len()),
            _ => format!(" Users ({}) ", s.rows.len()),
        }
    };
    // The marks outlive the query: their count stays in the title.
    let title = match s.marked.len() {
        0 => title,
        n => format!("{title}· {n} marked (R: bulk reset) "),
    };
    let block = pane(
        Line::from(Span::styled(title, theme.title)),
        look.focused,
        theme,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let searching = s.pending.is_some() || s.due.is_some();
    let room = inner.width.saturating_sub(if searching { 16 } else { 4 }) as usize;
    let mut query = vec![Span::styled("/ ", theme.key)];
    query.extend(field_spans(&s.input, look.typing, false, room, theme));
    if searching {
        query.push(Span::styled("  searching…", theme.dim));
    }
    Paragraph::new(Line::from(query)).render(Rect { height: 1, ..inner }, buf);
    let list_area = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    };
    if s.rows.is_empty() {
        let text = if let Some(e) = &s.error {
            Span::styled(
                clean(
                    &format!("✗ {} — {}", e.cause, e.fix),
                    list_area.width as usize * 3,
                ),
                theme.danger,
            )
        } else if s.showing_recent() {
            Span::styled(
                "Type a name, UPN or mail to search. Users you open appear here.",
                theme.dim,
            )
        } else if s.pending.is_some() || s.due.is_some() {
            Span::styled("Searching…", theme.dim)
        } else {
            Span::styled(
                "No users match. Search matches the start of words in the name, or the start of the UPN or mail.",
                theme.dim,
            )
        };
        Paragraph::new(text)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(list_area, buf);
        return;
    }
    let w = list_area.width as usize;
    // Only the rows on screen are built: the window that keeps the selection in view,
    // as `List` scrolls a fresh state (the selection on the last line once past it).
    let height = list_area.height as usize;
    let first = s.selected.saturating_sub(height.saturating_sub(1));
    let items: Vec<ListItem> = s
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, row)| {
            let selected = i == s.selected;
            let u = &row.user;
            let mut tag = badge(source_of_authority(&crate::service::account(u))).to_string();
            if u.account_enabled == Some(false) {
                tag.push_str(" disabled");
            }
            // Name and UPN with the matched characters highlighted, then the badge.
            let label = row_label(u);
            let matched = s.highlights(&label);
            // The pointer, then the bulk mark (in the pointer's margin: a mark costs the
            // label no room), then the label.
            let budget = w.saturating_sub(tag.len() + 5);
            let mark = if s.is_marked(&u.id) {
                Span::styled("●", theme.key)
            } else {
                Span::raw(" ")
            };
            let mut spans = vec![Span::raw(if selected { "▶" } else { " " }), mark];
            let mut used = 0;
            // By grapheme, as ratatui draws: an emoji and its variation selector are one
            // cell pair, never a one-column glyph and a dropped selector.
            let mut ci = 0;
            for g in unicode_segmentation::UnicodeSegmentation::graphemes(label.as_str(), true) {
                let chars = ci..ci + g.chars().count();
                ci = chars.end;
                let shown = sanitize(g);
                let cw = width(&shown);
                if used + cw > budget.saturating_sub(1) {
                    spans.push(Span::raw("…"));
                    used += 1;
                    break;
                }
                used += cw;
                let style = if chars.clone().any(|c| matched.contains(&c)) {
                    theme.matched
                } else {
                    Style::default()
                };
                spans.push(Span::styled(shown, style));
            }
            let pad = budget.saturating_sub(used) + 1;
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(format!("[{tag}]"), theme.badge));
            ListItem::new(Line::from(spans))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(s.selected - first));
    let list = List::new(items).highlight_style(theme.selected);
    StatefulWidget::render(list, list_area, buf, &mut state);
}
