//! The audit pane: password activity as it streams in, newest first, with who did it,
//! to whom, the result, and whether it confirms one of your resets.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, StatefulWidget, Widget, Wrap};

use super::{Look, clean, field_spans, pane, styled};
use crate::app::{AuditPane, AuditStatus};
use crate::theme::Theme;

fn hhmmss(t: Option<time::OffsetDateTime>) -> String {
    t.map(|t| format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()))
        .unwrap_or_else(|| "--:--:--".into())
}

fn title(audit: &AuditPane, look: Look, theme: &Theme) -> Line<'static> {
    let state = match &audit.status {
        AuditStatus::Starting => "starting…".to_string(),
        AuditStatus::Live { last_poll } => {
            format!("live · last poll {} UTC", hhmmss(Some(*last_poll)))
        }
        AuditStatus::BackingOff { until, .. } => {
            format!("backing off until {} UTC", hhmmss(Some(*until)))
        }
        AuditStatus::NoPermission { .. } => "no permission".to_string(),
    };
    let mut spans = vec![Span::styled(
        format!(" Audit · password activity · {state}"),
        theme.title,
    )];
    if !audit.filter.is_empty() || look.typing {
        spans.push(Span::styled(" · filter: ", theme.title));
        spans.extend(field_spans(&audit.filter, look.typing, false, 24, theme));
    }
    spans.push(Span::styled(" ", theme.title));
    Line::from(spans)
}

pub fn render(audit: &AuditPane, look: Look, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = pane(title(audit, look, theme), look.focused, theme);
    let rows = audit.visible();
    let explain = match &audit.status {
        AuditStatus::NoPermission { fix, .. } => Some((
            format!("✗ Cannot read the audit log: {fix}. Trying again later."),
            theme.warn,
        )),
        AuditStatus::BackingOff { reason, .. } => Some((format!("! {reason}"), theme.warn)),
        _ => None,
    };
    if rows.is_empty() {
        let mut text = vec![];
        if let Some((t, s)) = &explain {
            text.push(Line::from(styled(clean(t, 300), *s)));
        }
        text.push(Line::from(styled(
            if audit.status == AuditStatus::Starting {
                "Reading recent password activity from the audit log…".into()
            } else if audit.rows.is_empty() {
                "No password activity yet. Resets and changes in the tenant stream here (they reach the log minutes late).".into()
            } else {
                "Nothing matches the filter.".into()
            },
            theme.dim,
        )));
        Paragraph::new(text)
            .block(block)
            .wrap(Wrap { trim: true })
            .render(area, buf);
        return;
    }
    let inner = block.inner(area);
    block.render(area, buf);
    let mut list_area = inner;
    if let Some((t, s)) = explain {
        Paragraph::new(styled(clean(&t, inner.width as usize), s))
            .render(Rect { height: 1, ..inner }, buf);
        list_area.y += 1;
        list_area.height = list_area.height.saturating_sub(1);
    }
    let w = list_area.width as usize;
    let items: Vec<ListItem> = rows
        .iter()
        .map(|r| {
            let e = &r.entry;
            // Who: the user themself, you (✓ once it confirms your reset), or another admin.
            let badge = if e.self_service() {
                ("self ", theme.dim)
            } else if r.confirmed {
                ("you ✓", theme.ok)
            } else if r.mine {
                ("you  ", theme.info)
            } else {
                ("admin", theme.warn)
            };
            let target = e
                .target_user()
                .and_then(|t| {
                    t.user_principal_name
                        .clone()
                        .or_else(|| t.display_name.clone())
                })
                .unwrap_or_default();
            let result = match e.result.as_deref() {
                Some("success") => ("ok", theme.ok),
                Some(other) => (other, theme.danger),
                None => ("?", theme.dim),
            };
            let mut spans = vec![
                styled(format!("{} ", hhmmss(e.activity_date_time)), theme.dim),
                styled(format!("[{}] ", badge.0), badge.1),
                Span::raw(format!("{:<31} ", clean(&e.activity_display_name, 31))),
                Span::raw(clean(
                    &format!("{target} ← {}", e.initiator()),
                    w.saturating_sub(60).max(20),
                )),
                Span::raw(" "),
                styled(result.0.to_string(), result.1),
            ];
            if let Some(ip) = e.ip_address() {
                spans.push(styled(format!(" {}", clean(ip, 39)), theme.dim));
            }

            ListItem::new(Line::from(spans))
        })
        .collect();
    let mut state = ListState::default();
    if look.focused {
        state.select(Some(audit.selected.min(rows.len().saturating_sub(1))));
    }
    StatefulWidget::render(
        List::new(items).highlight_style(theme.selected),
        list_area,
        buf,
        &mut state,
    );
}
