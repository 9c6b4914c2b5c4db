//! The details pane: who the user is, where the password lives, roles, account state, and
//! the eligibility verdict with its reasons and fixes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::search::badge;
use super::{Look, clean, pane, styled};
use crate::app::details::TriageView;
use crate::app::{Details, DetailsPane};
use crate::graph::model::lenient_time;
use crate::policy::authority::{SourceOfAuthority, describe, source_of_authority};
use crate::policy::eligibility::{RoleState, Severity};
use crate::sanitize::sanitize;
use crate::service::facts::Assessment;
use crate::service::triage::{SSPR_URL, Section};
use crate::theme::Theme;

fn when(t: Option<time::OffsetDateTime>) -> String {
    match t {
        // 2026-08-14T16:02:11Z → 2026-08-14 16:02 UTC
        Some(t) => format!("{} UTC", lenient_time::minutes(t)),
        None => "unknown".into(),
    }
}

/// The furthest the pane can scroll in `area`: its rows less the rows shown.
pub fn max_scroll(d: &DetailsPane, read_only: bool, area: Rect) -> u16 {
    let lines = content(d, read_only, &Theme::monochrome(), area);
    let rows = rows(&lines, area);
    rows.saturating_sub(area.height.saturating_sub(2) as usize) as u16
}

fn rows(lines: &[Line], area: Rect) -> usize {
    let inner_width = area.width.saturating_sub(2) as usize;
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_width.max(1)))
        .sum()
}

fn content(d: &DetailsPane, read_only: bool, theme: &Theme, area: Rect) -> Vec<Line<'static>> {
    let inner_width = area.width.saturating_sub(2) as usize;
    match &d.shown {
        Details::Empty => vec![Line::from(Span::styled(
            "Select a user and press Enter to see who they are and whether you may reset them.",
            theme.dim,
        ))],
        Details::Loading { key, .. } => vec![Line::from(Span::styled(
            format!("Loading {}…", clean(key, 60)),
            theme.dim,
        ))],
        Details::Failed { key, error } => vec![
            Line::from(Span::styled(
                format!("✗ Could not load {}", clean(key, 60)),
                theme.danger,
            )),
            Line::from(Span::raw(clean(&error.cause, 400))),
            Line::from(vec![
                styled("→ ".into(), theme.key),
                Span::raw(clean(&error.fix, 400)),
            ]),
        ],
        Details::Loaded(a) => lines(a, d, read_only, theme, inner_width),
    }
}

pub fn render(d: &DetailsPane, look: Look, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines = content(d, look.read_only, theme, area);
    // The scroll stops at the last line; markers say there is more above or below.
    let rows = rows(&lines, area);
    let visible = area.height.saturating_sub(2) as usize;
    let scroll = (d.scroll as usize).min(rows.saturating_sub(visible));
    let title = if scroll > 0 {
        format!(" Details ↑{scroll} ")
    } else {
        " Details ".to_string()
    };
    let mut block = pane(
        Line::from(Span::styled(title, theme.title)),
        look.focused,
        theme,
    );
    if scroll + visible < rows {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" ↓ {} more ", rows - scroll - visible),
                theme.key,
            ))
            .right_aligned(),
        );
    }
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll as u16, 0))
        .render(area, buf);
}

/// `text` after `first` (a marker), wrapped at word boundaries to `width` columns with
/// the continuation lines indented under the text, not under the marker.
fn hanging(first: Span<'static>, text: &str, width: usize) -> Vec<Line<'static>> {
    let indent = crate::sanitize::width(&first.content);
    let room = width.saturating_sub(indent).max(10);
    let mut rows: Vec<String> = vec![String::new()];
    // A word longer than a row (a DN, a long address) is cut into row-sized pieces.
    let words = text.split(' ').flat_map(|w| {
        let chars: Vec<char> = w.chars().collect();
        chars
            .chunks(room)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
    });
    for word in words {
        let word = word.as_str();
        let last = rows.last_mut().map(|r| r.as_str()).unwrap_or("");
        let w = crate::sanitize::width(last);
        if w > 0 && w + 1 + crate::sanitize::width(word) > room {
            rows.push(word.to_string());
        } else if let Some(r) = rows.last_mut() {
            if !r.is_empty() {
                r.push(' ');
            }
            r.push_str(word);
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let lead = if i == 0 {
                first.clone()
            } else {
                Span::raw(" ".repeat(indent))
            };
            Line::from(vec![lead, Span::raw(r)])
        })
        .collect()
}

/// A labelled value, wrapped under the value (so that every row is one line and the
/// scroll can count them).
fn field(label: &str, value: String, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    hanging(styled(format!("{label:<10}"), theme.dim), &value, width)
}

fn lines(
    a: &Assessment,
    d: &DetailsPane,
    read_only: bool,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let u = &a.target.user;
    let v = &a.verdict;
    let long = width.max(20) * 8;
    let mut out = vec![Line::from(vec![styled(
        clean(u.label(), width.saturating_sub(2)),
        theme.title,
    )])];
    out.push(Line::from(Span::raw(clean(
        u.user_principal_name.as_deref().unwrap_or("-"),
        width,
    ))));
    // The verdict, first: what the admin came for. A read-only session never says "you
    // can reset": it cannot.
    if v.allowed && read_only {
        out.push(Line::from(styled(
            "· Your roles allow a reset, but this session is read-only (read_only = true)".into(),
            theme.warn,
        )));
    } else if v.allowed {
        out.push(Line::from(styled(
            format!(
                "✓ You can reset · {}",
                v.method.map(|m| m.name()).unwrap_or("-")
            ),
            theme.ok,
        )));
    } else {
        out.push(Line::from(styled(
            "✗ You cannot reset".into(),
            theme.danger,
        )));
    }
    for r in &v.reasons {
        let (mark, style) = match r.severity {
            Severity::Block => ("✗", theme.danger),
            Severity::Warn => ("!", theme.warn),
            Severity::Info => ("·", theme.dim),
        };
        out.extend(hanging(
            styled(format!("  {mark} "), style),
            &clean(&r.message, long),
            width,
        ));
        if !r.fix.is_empty() && r.severity != Severity::Info {
            out.extend(hanging(
                styled("    → ".into(), theme.key),
                &clean(&r.fix, long),
                width,
            ));
        }
    }
    if let (false, Some(least)) = (v.allowed, &v.least_privileged_role) {
        out.push(Line::from(vec![
            styled("  Needs: ".into(), theme.dim),
            Span::raw(clean(least, width)),
        ]));
    }
    // Is a password even the problem? The triage's answer, next to the verdict.
    out.extend(diagnosis(&d.triage, d.can_create_pass, theme, width));
    out.push(Line::from(""));
    let acct = crate::service::account(u);
    let soa = source_of_authority(&acct);
    out.extend(field(
        "Source",
        format!("[{}] {}", badge(soa), clean(&describe(&acct), long)),
        theme,
        width,
    ));
    out.extend(field(
        "Account",
        match u.account_enabled {
            Some(true) => "enabled".into(),
            Some(false) => "DISABLED".into(),
            None => "unknown".into(),
        },
        theme,
        width,
    ));
    let title = [u.job_title.as_deref(), u.department.as_deref()]
        .into_iter()
        .flatten()
        .map(sanitize)
        .collect::<Vec<_>>()
        .join(" · ");
    if !title.is_empty() {
        out.extend(field("Title", clean(&title, width), theme, width));
    }
    if a.target.roles.is_empty() {
        out.extend(field("Roles", "none".into(), theme, width));
    }
    for (i, r) in a.target.roles.iter().enumerate() {
        let mut text = r.name.clone();
        if r.scope != "/" {
            text.push_str(&format!(" @ {}", r.scope_name));
        }
        if r.state == RoleState::Eligible {
            text.push_str(" (PIM-eligible)");
        }
        if let Some(g) = &r.via_group {
            text.push_str(&format!(" via {g}"));
        }
        out.extend(field(
            if i == 0 { "Roles" } else { "" },
            clean(&text, long),
            theme,
            width,
        ));
    }
    let protected: Vec<String> = a
        .target
        .groups
        .iter()
        .filter(|g| g.protected)
        .map(|g| format!("member of {}", g.display_name))
        .chain(
            a.target
                .owned_groups
                .iter()
                .filter(|g| g.protected)
                .map(|g| format!("owner of {}", g.display_name)),
        )
        .collect();
    if !protected.is_empty() {
        out.extend(field(
            "Groups",
            clean(&protected.join(", "), long),
            theme,
            width,
        ));
    }
    if !a.target.administrative_units.is_empty() {
        let units: Vec<String> = a
            .target
            .administrative_units
            .iter()
            .map(|u| {
                if u.protected {
                    format!("{} (restricted)", u.display_name)
                } else {
                    u.display_name.clone()
                }
            })
            .collect();
        out.extend(field("Units", clean(&units.join(", "), long), theme, width));
    }
    // A pending invitation has no password yet, and a guest's lives at their home
    // organization: no dates that would mean nothing.
    let password = match soa {
        SourceOfAuthority::PendingInvite => "none yet: the invitation is not redeemed".to_string(),
        SourceOfAuthority::External => "kept by their home organization, not this tenant".into(),
        _ => format!(
            "changed {}{}",
            when(u.last_password_change_date_time),
            u.pending_change()
                .map(|p| format!(" · {p}"))
                .unwrap_or_default()
        ),
    };
    out.extend(field("Password", password, theme, width));
    if let Some(p) = &u.password_policies {
        out.extend(field("Policies", clean(p, width), theme, width));
    }
    let signin = match (&u.sign_in_activity, &a.target.sign_in_unavailable) {
        (Some(s), _) => when(s.last_sign_in_date_time),
        (None, Some(why)) => clean(why, width),
        (None, None) => "never".into(),
    };
    out.extend(field("Sign-in", signin, theme, width));
    for unknown in &a.target.unknown {
        out.push(Line::from(styled(
            format!("  ? {} not readable", unknown.fact),
            theme.dim,
        )));
    }
    out.extend(sign_ins(&d.triage, theme, width));
    out
}

/// How many sign-ins the pane lists (the CLI's `triage` shows all it read).
const SIGN_INS_SHOWN: usize = 5;

/// The diagnosis line, and what to do instead when a reset is not the help.
fn diagnosis(
    t: &TriageView,
    can_create_pass: Option<bool>,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let long = width.max(20) * 4;
    match t {
        TriageView::None => vec![],
        TriageView::Loading => vec![Line::from(styled(
            "  … reading recent sign-ins".into(),
            theme.dim,
        ))],
        TriageView::Failed(why) => hanging(
            styled("  ? ".into(), theme.dim),
            &format!("sign-ins: {}", clean(why, long)),
            width,
        ),
        TriageView::Loaded(t) => {
            let style = match t.diagnosis.kind {
                "mfa" | "policy" | "disabled" => theme.warn,
                "password" => theme.info,
                _ => theme.dim,
            };
            let mut out = hanging(styled("  ◆ ".into(), style), &t.diagnosis.message, width);
            if t.offer_tap {
                let hint = if can_create_pass == Some(false) {
                    "a Temporary Access Pass would help: your roles cannot create one (ask an Authentication Administrator)"
                } else {
                    "t: a Temporary Access Pass lets them sign in and register a new method"
                };
                out.extend(hanging(styled("    → ".into(), theme.key), hint, width));
            }
            if t.self_service {
                out.extend(hanging(
                    styled("    → ".into(), theme.key),
                    &format!("can reset their own password at {SSPR_URL}"),
                    width,
                ));
            }
            out
        }
    }
}

/// Recent sign-ins (time, result and code explained, app, address, place) and what the
/// user has registered; a part that is not readable says why.
fn sign_ins(t: &TriageView, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let TriageView::Loaded(t) = t else {
        return vec![];
    };
    let long = width.max(20) * 4;
    let mut out = vec![
        Line::from(""),
        Line::from(styled("Recent sign-ins".into(), theme.title)),
    ];
    match &t.sign_ins {
        Section::Unreadable { reason, fix, .. } => {
            out.extend(hanging(
                styled("  ? ".into(), theme.dim),
                &format!("{} — {}", clean(reason, long), clean(fix, long)),
                width,
            ));
        }
        Section::Read { value } if value.is_empty() => {
            out.push(Line::from(styled(
                "  none in the last 7 days".into(),
                theme.dim,
            )));
        }
        Section::Read { value } => {
            for l in value.iter().take(SIGN_INS_SHOWN) {
                // "12-02 19:35": the year is this week's.
                let at = l
                    .time
                    .map(|t| lenient_time::minutes(t).chars().skip(5).collect::<String>())
                    .unwrap_or_else(|| "?".into());
                let (mark, style, what) = if l.succeeded() {
                    ("✓", theme.ok, "signed in".to_string())
                } else {
                    let meaning = l
                        .explanation
                        .clone()
                        .or_else(|| l.failure_reason.clone())
                        .unwrap_or_else(|| "no explanation known".into());
                    ("✗", theme.danger, format!("{} {}", l.error_code, meaning))
                };
                let place = [
                    l.app.as_deref(),
                    l.ip_address.as_deref(),
                    l.location.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
                out.extend(hanging(
                    styled(format!("  {mark} "), style),
                    &format!("{at} {}", clean(&what, long)),
                    width,
                ));
                if !place.is_empty() {
                    out.extend(hanging(Span::raw("    "), &clean(&place, long), width));
                }
            }
            if value.len() > SIGN_INS_SHOWN {
                out.push(Line::from(styled(
                    format!(
                        "  … {} more (resetdesk triage shows them all)",
                        value.len() - SIGN_INS_SHOWN
                    ),
                    theme.dim,
                )));
            }
        }
    }
    match &t.registration {
        Section::Unreadable { reason, fix, .. } => out.extend(field(
            "Methods",
            format!("{} — {}", clean(reason, long), clean(fix, long)),
            theme,
            width,
        )),
        Section::Read { value } => {
            let mut text = value.summary();
            if !value.methods.is_empty() {
                text.push_str(&format!(" · {}", value.methods.join(", ")));
            }
            out.extend(field("Methods", clean(&text, long), theme, width));
        }
    }
    out
}
