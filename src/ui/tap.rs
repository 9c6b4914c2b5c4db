//! The Temporary Access Pass dialog (its refusal and the pass itself show in the reset
//! modal's refusal and one-time views).

use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::reset::{button, check, field_line, focus_line, key_line};
use super::{clean, styled};
use crate::app::tap::{TapDialog, TapField};
use crate::keymap::{KeyMode, Keymap};
use crate::policy::tap::Weight;
use crate::theme::Theme;

pub(super) fn dialog(d: &TapDialog, keymap: &Keymap, theme: &Theme) -> Vec<Line<'static>> {
    let verdict = d.verdict();
    let mut l = vec![Line::from(vec![
        styled(clean(&d.label, 40), theme.title),
        Span::raw(format!(" <{}>", clean(&d.upn, 50))),
    ])];
    if let Some(why) = &d.diagnosis {
        l.push(Line::from(styled(format!("Triage: {why}"), theme.dim)));
    }
    l.push(Line::from(styled(
        "A pass signs them in without their password or MFA, to register a new method; the password is unchanged. It replaces a pass they already have."
            .to_string(),
        theme.dim,
    )));
    for r in verdict.reasons.iter().filter(|r| r.weight != Weight::Block) {
        l.push(Line::from(vec![
            styled("! ".into(), theme.warn),
            Span::raw(clean(&r.message, 300)),
        ]));
    }
    l.push(Line::from(""));
    let mut lifetime = field_line(
        d.focus == TapField::Lifetime,
        "Lifetime (minutes): ".into(),
        &d.lifetime,
        false,
        8,
        theme,
    );
    lifetime.spans.push(styled(
        format!(
            "  {}",
            d.limits()
                .unwrap_or_else(|| "empty: the policy's default".into())
        ),
        theme.dim,
    ));
    l.push(lifetime);
    l.push(focus_line(
        d.focus == TapField::OneTime,
        format!("{} one sign-in only", check(verdict.one_time)),
        theme,
    ));
    l.push(field_line(
        d.focus == TapField::Ticket,
        "Ticket: ".into(),
        &d.ticket,
        false,
        40,
        theme,
    ));
    if d.privileged {
        l.push(field_line(
            d.focus == TapField::ConfirmUpn,
            format!("Type {} to confirm: ", clean(&d.upn, 40)),
            &d.confirm,
            false,
            40,
            theme,
        ));
    }
    l.push(Line::from(""));
    let blocker = d.blocker();
    let create_style = if blocker.is_none() {
        theme.danger
    } else {
        theme.dim
    };
    l.push(Line::from(vec![
        Span::raw("   "),
        button(d.focus == TapField::Create, "Create pass", create_style),
        Span::raw("   "),
        button(
            d.focus == TapField::Cancel,
            "Cancel",
            theme.text.add_modifier(Modifier::BOLD),
        ),
    ]));
    if let Some(why) = blocker {
        l.push(Line::from(styled(
            format!("Not yet: {}", clean(&why, 200)),
            theme.dim,
        )));
    }
    l.push(key_line(keymap, KeyMode::Dialog, theme));
    l
}
