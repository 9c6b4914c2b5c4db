//! The reset modal: the dialog (danger style, Cancel focused), the refusal, the request in
//! flight, and the one-time-password view (masked until `v`).

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::{SPINNER, clean, field_spans, styled};
use crate::app::input::TextInput;
use crate::app::{Dialog, Field, Otp, ResetFlow};
use crate::keymap::{Action, KeyMode, Keymap};
use crate::policy::eligibility::{Method, Severity};
use crate::secret::ExposeSecret;
use crate::service::reset::ResetStatus;
use crate::theme::Theme;

/// The flow over the whole screen `area`; `spinner` and `now` (the app's clock) animate
/// the request in flight and the clipboard countdown.
pub fn render(
    flow: &ResetFlow,
    keymap: &Keymap,
    spinner: usize,
    now: Instant,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let (title, title_style, lines): (String, Style, Vec<Line>) = match flow {
        ResetFlow::Closed => return,
        ResetFlow::Refused(r) => (
            " ✗ Reset not allowed ".into(),
            theme.danger,
            refusal(
                format!("You cannot reset {}.", clean(&r.label, 50)),
                r.reasons
                    .iter()
                    .filter(|r| r.severity == Severity::Block)
                    .map(|r| (r.message.as_str(), r.fix.as_str())),
                r.least_role.as_deref(),
                keymap,
                theme,
            ),
        ),
        // The title names the target, so the dialog can never be mistaken for another
        // user's.
        ResetFlow::Dialog(d) => (
            format!(" ⚠ Reset password of {} ", clean(&d.upn, 56)),
            theme.danger,
            dialog(d, keymap, theme),
        ),
        ResetFlow::InFlight { target, .. } => (
            " ⚠ Resetting… ".into(),
            theme.warn,
            vec![Line::from(format!(
                "Resetting the password of {} {}",
                clean(&target.label, 50),
                SPINNER[spinner % SPINNER.len()]
            ))],
        ),
        ResetFlow::Done(otp) => otp_view(otp, keymap, theme, now),
        ResetFlow::Tap(d) => (
            format!(" ⚠ Temporary Access Pass for {} ", clean(&d.upn, 50)),
            theme.danger,
            super::tap::dialog(d, keymap, theme),
        ),
        ResetFlow::TapRefused(r) => (
            " ✗ Temporary Access Pass not allowed ".into(),
            theme.danger,
            refusal(
                format!(
                    "You cannot create a Temporary Access Pass for {}.",
                    clean(&r.label, 50)
                ),
                r.reasons
                    .iter()
                    .filter(|r| r.weight == crate::policy::tap::Weight::Block)
                    .map(|r| (r.message.as_str(), r.fix.as_str())),
                r.least_role,
                keymap,
                theme,
            ),
        ),
        ResetFlow::TapInFlight { target, .. } => (
            " ⚠ Creating a pass… ".into(),
            theme.warn,
            vec![Line::from(format!(
                "Creating a Temporary Access Pass for {} {}",
                clean(&target.label, 50),
                SPINNER[spinner % SPINNER.len()]
            ))],
        ),
    };
    super::modal(
        Span::styled(title, title_style),
        lines,
        76,
        theme,
        area,
        buf,
    );
}

/// A refusal: what is refused, each deciding reason with its fix, the least role that
/// would allow it, and the keys.
pub(super) fn refusal<'a>(
    head: String,
    reasons: impl Iterator<Item = (&'a str, &'a str)>,
    least_role: Option<&str>,
    keymap: &Keymap,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(styled(head, theme.danger))];
    for (message, fix) in reasons {
        l.push(Line::from(vec![
            styled("✗ ".into(), theme.danger),
            Span::raw(clean(message, 400)),
        ]));
        l.push(Line::from(vec![
            styled("  → ".into(), theme.key),
            Span::raw(clean(fix, 400)),
        ]));
    }
    if let Some(least) = least_role {
        l.push(Line::from(vec![
            styled("Needs: ".into(), theme.dim),
            Span::raw(clean(least, 80)),
        ]));
    }
    l.push(Line::from(""));
    l.push(key_line(keymap, KeyMode::Refusal, theme));
    l
}

/// A button: the focused one is marked by arrows and reverse video; the others are never
/// reversed (the monochrome danger style is), so that without colour there is no doubt
/// which one Enter presses.
pub(super) fn button(focused: bool, text: &str, style: Style) -> Span<'static> {
    if focused {
        styled(
            format!("▶ {text} ◀"),
            style.add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    } else {
        styled(
            format!("  {text}  "),
            style.remove_modifier(Modifier::REVERSED),
        )
    }
}

pub(super) fn check(on: bool) -> &'static str {
    if on { "[x]" } else { "[ ]" }
}

/// The keys of a mode, from the keymap: "Tab/↓ next · Space toggle · …".
pub(super) fn key_line(keymap: &Keymap, mode: KeyMode, theme: &Theme) -> Line<'static> {
    let text = keymap
        .hints(mode)
        .iter()
        .map(|(k, h)| format!("{k} {h}"))
        .collect::<Vec<_>>()
        .join(" · ");
    Line::from(styled(text, theme.key))
}

/// A form's line: marked and highlighted while it has the focus.
pub(super) fn focus_line(focused: bool, text: String, theme: &Theme) -> Line<'static> {
    if focused {
        Line::from(vec![
            styled("▶ ".into(), theme.key),
            styled(text, theme.selected),
        ])
    } else {
        Line::from(vec![Span::raw("  "), Span::raw(text)])
    }
}

/// A form's text field: its label, then the text (`width` cells), with the cursor while
/// it has the focus.
pub(super) fn field_line(
    focused: bool,
    label: String,
    input: &TextInput,
    masked: bool,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = vec![
        if focused {
            styled("▶ ".into(), theme.key)
        } else {
            Span::raw("  ")
        },
        styled(label, if focused { theme.selected } else { theme.text }),
    ];
    spans.extend(field_spans(input, focused, masked, width, theme));
    Line::from(spans)
}

fn dialog(d: &Dialog, keymap: &Keymap, theme: &Theme) -> Vec<Line<'static>> {
    let focus = |field: Field, text: String| focus_line(d.focus == field, text, theme);
    let text_field = |field: Field, label: String, input: &TextInput, masked: bool| {
        field_line(d.focus == field, label, input, masked, 40, theme)
    };
    let mut l = vec![
        Line::from(vec![
            styled(clean(&d.label, 40), theme.title),
            Span::raw(format!(" <{}>", clean(&d.upn, 50))),
        ]),
        Line::from(styled(
            match d.method {
                Method::PasswordProfile => {
                    "Method: passwordProfile (cloud user; PATCH /users/{id})".to_string()
                }
                Method::ResetPassword => {
                    "Method: resetPassword (synced user; written back to AD)".to_string()
                }
            },
            theme.dim,
        )),
    ];
    for w in &d.warnings {
        l.push(Line::from(vec![
            styled("! ".into(), theme.warn),
            Span::raw(clean(w, 300)),
        ]));
    }
    l.push(Line::from(""));
    l.push(focus(
        Field::Mode,
        format!(
            "Password: {} generate   {} type one   (Space switches)",
            if d.typed { "( )" } else { "(•)" },
            if d.typed { "(•)" } else { "( )" }
        ),
    ));
    if d.typed {
        l.push(text_field(Field::Password, "  ".into(), &d.password, true));
        let problems = d.problems();
        let status = if problems.is_empty() {
            styled("  ✓ meets the Entra password policy".into(), theme.ok)
        } else {
            styled(
                format!(
                    "  ✗ {}",
                    problems
                        .iter()
                        .map(|p| p.message())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                theme.warn,
            )
        };
        l.push(Line::from(status));
    }
    if d.method == Method::PasswordProfile {
        l.push(focus(
            Field::ForceChange,
            format!("{} require a change at next sign-in", check(d.force_change)),
        ));
        l.push(focus(
            Field::ForceMfa,
            format!("{} …after multi-factor authentication", check(d.force_mfa)),
        ));
    } else {
        l.push(Line::from(styled(
            "  [x] change at next sign-in (always, on this path)".into(),
            theme.dim,
        )));
    }
    l.push(focus(
        Field::Revoke,
        format!(
            "{} revoke sign-in sessions after the reset",
            check(d.revoke)
        ),
    ));
    l.push(text_field(
        Field::Ticket,
        "Ticket: ".into(),
        &d.ticket,
        false,
    ));
    if d.privileged {
        l.push(text_field(
            Field::ConfirmUpn,
            format!("Type {} to confirm: ", clean(&d.upn, 40)),
            &d.confirm,
            false,
        ));
    }
    l.push(Line::from(""));
    let button = |field: Field, text: &str, style: Style| button(d.focus == field, text, style);
    let reset_style = if d.blocker().is_none() {
        theme.danger
    } else {
        theme.dim
    };
    l.push(Line::from(vec![
        Span::raw("   "),
        button(Field::Reset, "Reset password", reset_style),
        Span::raw("   "),
        button(
            Field::Cancel,
            "Cancel",
            theme.text.add_modifier(Modifier::BOLD),
        ),
    ]));
    if let Some(why) = d.blocker() {
        l.push(Line::from(styled(format!("Not yet: {why}"), theme.dim)));
    }
    l.push(key_line(keymap, KeyMode::Dialog, theme));
    l
}

fn otp_view(
    o: &Otp,
    keymap: &Keymap,
    theme: &Theme,
    now: Instant,
) -> (String, Style, Vec<Line<'static>>) {
    let (title, style) = match o.status {
        _ if o.pass.is_some() => match o.status {
            ResetStatus::Succeeded => (" ✓ Temporary Access Pass ".to_string(), theme.ok),
            ResetStatus::Failed => (" ✗ No pass created ".to_string(), theme.danger),
            _ => (" ? Pass UNCONFIRMED ".to_string(), theme.warn),
        },
        ResetStatus::Succeeded => (" ✓ Password reset ".to_string(), theme.ok),
        ResetStatus::Unconfirmed => (" ? Reset UNCONFIRMED ".to_string(), theme.warn),
        ResetStatus::Failed => (" ✗ Reset failed ".to_string(), theme.danger),
        ResetStatus::Accepted if o.confirmed => (" ✓ Password reset ".to_string(), theme.ok),
        ResetStatus::Accepted => (" ✓ Reset accepted ".to_string(), theme.ok),
    };
    let what = if o.pass.is_some() {
        "Temporary Access Pass"
    } else {
        o.method.name()
    };
    let mut l = vec![Line::from(vec![
        styled(clean(&o.label, 40), theme.title),
        Span::raw(format!(" <{}> · {what}", clean(&o.upn, 50))),
    ])];
    if o.status == ResetStatus::Unconfirmed && o.pass.is_some() {
        l.push(Line::from(styled(
            "Its code did not arrive: create another (it replaces this one).".into(),
            theme.warn,
        )));
    } else if o.status == ResetStatus::Unconfirmed {
        l.push(Line::from(styled(
            "The outcome is unknown: verify before handing the password out.".into(),
            theme.warn,
        )));
    }
    if o.status == ResetStatus::Accepted && !o.confirmed {
        l.push(Line::from(styled(
            "Graph accepted it; your roles cannot read its progress. Waiting for the audit log…"
                .into(),
            theme.info,
        )));
    }
    if o.confirmed {
        l.push(Line::from(styled(
            "✓ confirmed by the audit log".into(),
            theme.ok,
        )));
    }
    if let Some(pw) = &o.password {
        let shown = if o.revealed {
            pw.expose_secret().to_string()
        } else {
            "•".repeat(pw.expose_secret().chars().count())
        };
        let label = if o.pass.is_some() {
            "Temporary Access Pass: "
        } else if o.generated {
            "Temporary password: "
        } else {
            "Password (as typed): "
        };
        l.push(Line::from(""));
        l.push(Line::from(vec![
            styled(label.into(), theme.dim),
            styled(shown, theme.title),
        ]));
        if let Some(p) = &o.pass {
            let until = p
                .until
                .map(|t| {
                    format!(
                        " until {} UTC",
                        crate::graph::model::lenient_time::minutes(t)
                    )
                })
                .unwrap_or_default();
            let uses = match p.one_time {
                Some(true) => "one sign-in only",
                _ => "any number of sign-ins",
            };
            l.push(Line::from(format!(
                "Valid {} min{until} · {uses}. Graph shows it only now.",
                p.lifetime_minutes
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "?".into())
            )));
            l.push(Line::from(
                "They sign in with it, then register a method at https://aka.ms/mysecurityinfo.",
            ));
        } else if o.force_mfa {
            l.push(Line::from(
                "The user completes MFA, then must change it at next sign-in.",
            ));
        } else if o.force_change {
            l.push(Line::from("The user must change it at next sign-in."));
        } else {
            l.push(Line::from(styled(
                "No change required at next sign-in.".into(),
                theme.warn,
            )));
        }
    }
    if let Some(x) = &o.explanation {
        l.push(Line::from(vec![
            styled("Cause: ".into(), theme.dim),
            Span::raw(clean(&x.cause, 300)),
        ]));
        l.push(Line::from(vec![
            styled("Do: ".into(), theme.key),
            Span::raw(clean(&x.fix, 300)),
        ]));
    }
    if let Some(d) = &o.detail {
        l.push(Line::from(styled(clean(d, 300), theme.dim)));
    }
    if o.status == ResetStatus::Unconfirmed && o.pass.is_none() {
        l.push(Line::from(format!(
            "Verify: the audit pane, or `resetdesk show {}` (last password change).",
            clean(&o.upn, 60)
        )));
    }
    match o.revoked {
        Some(true) => l.push(Line::from("Sign-in sessions revoked.")),
        Some(false) => l.push(Line::from(styled(
            "! Revoking sessions failed.".into(),
            theme.warn,
        ))),
        None => {}
    }
    if let Some(how) = &o.copied {
        let mut text = clean(how, 120);
        if let Some(at) = o.clear_at {
            let left = at.saturating_duration_since(now).as_secs();
            text.push_str(&format!(" · clipboard clears in {left} s"));
        }
        l.push(Line::from(styled(text, theme.info)));
    }
    let key = |a: Action| keymap.label(KeyMode::Password, a);
    if o.close_armed {
        l.push(Line::from(styled(
            format!(
                "! Not copied or revealed yet: {} again forgets the {} for good ({} copy · {} reveal).",
                key(Action::Back),
                if o.pass.is_some() { "pass" } else { "password" },
                key(Action::Copy),
                key(Action::Reveal)
            ),
            theme.warn,
        )));
    }
    l.push(Line::from(""));
    let keys = if o.password.is_some() {
        format!(
            "{} reveal/hide · {} copy · {} close (forgets the {})",
            key(Action::Reveal),
            key(Action::Copy),
            key(Action::Back),
            if o.pass.is_some() { "pass" } else { "password" }
        )
    } else {
        format!("{} close", key(Action::Back))
    };
    l.push(Line::from(styled(keys, theme.key)));
    (title, style, l)
}
