//! What the launcher draws: the badge, the greeting bubble, and the panel's shell while the
//! panel is on its way. The same markup and classes as the later parts use (src/style.css).

use moments_protocol::wire::{MemberSummary, SessionResponse};
use web_sys::Element;

use super::dom::{self, append, element, set, with_text};
use crate::i18n::{self, Messages, fill};
use crate::icons;
use crate::listener::Listener;

/// What the badge says: a member's standing, or the invitation to join or to give feedback.
#[derive(Clone, PartialEq)]
pub enum BadgeContent {
    Member(MemberSummary),
    Join,
    Feedback,
}

impl BadgeContent {
    /// What `response` puts on the badge; `None` where the site hides it from this visitor.
    pub fn of(response: &SessionResponse) -> Option<Self> {
        match &response.member {
            Some(member) => Some(Self::Member(member.clone())),
            None if response.hide_badge => None,
            None if join_url(response).is_some() => Some(Self::Join),
            None => Some(Self::Feedback),
        }
    }
}

/// The site's join page, only when it is an http(s) address: whatever the backend says, a
/// `javascript:` link never reaches the host's page.
pub fn join_url(response: &SessionResponse) -> Option<&str> {
    response.join_url.as_deref().filter(|url| {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase());
        matches!(scheme.as_deref(), Some("https" | "http"))
    })
}

/// The floating button, to be filled by [`fill_badge`]. The visible text is the button's name
/// (WCAG 2.5.3); its purpose follows, unseen.
pub fn badge() -> Option<Element> {
    element(
        "button",
        &[
            ("type", "button"),
            ("class", "badge"),
            ("part", "badge"),
            ("aria-controls", "moments-panel"),
            ("aria-expanded", "false"),
        ],
    )
}

/// Draws `content` into the badge, in place of what it showed.
pub fn fill_badge(badge: &Element, m: &'static Messages, content: &BadgeContent) {
    badge.set_text_content(None);
    let text = |class: &str, text: &str| element("span", &[("class", class)]).map(|e| with_text(e, text));
    append(badge, [dom::icon("badge-icon", icons::STAR)]);
    match content {
        BadgeContent::Member(member) => {
            let points = fill(m.badge_points, &[("points", &i18n::number(member.points, m.locale))]);
            append(badge, [text("badge-points", &points)]);
            if let Some(tier) = &member.tier {
                append(badge, [text("badge-tier", &tier.name)]);
                if tier.next.is_some() {
                    // Decoration: the panel's progress bar says the same in words.
                    let value = crate::tier_progress::percent(tier, member.lifetime_points);
                    let progress = element(
                        "progress",
                        &[
                            ("class", "badge-progress"),
                            ("part", "badge-progress"),
                            ("aria-hidden", "true"),
                            ("max", "100"),
                        ],
                    );
                    if let Some(progress) = &progress {
                        set(progress, &[("value", &value)]);
                    }
                    append(badge, [progress]);
                }
            }
        }
        BadgeContent::Join => append(badge, [text("badge-points", m.badge_join)]),
        BadgeContent::Feedback => append(badge, [text("badge-points", m.badge_anonymous)]),
    }
    append(badge, [text("visually-hidden", m.badge_label)]);
}

/// The first moment of the visit: a short bubble by the badge that never takes focus.
pub fn greeting(
    m: &'static Messages,
    text: &str,
    on_dismiss: impl FnMut(web_sys::Event) + 'static,
) -> Option<(Element, Listener)> {
    let bubble = element("div", &[("class", "greeting"), ("part", "greeting")])?;
    let (close, listener) = dom::button(
        &[("class", "icon-button"), ("aria-label", m.dismiss_greeting)],
        on_dismiss,
    )?;
    append(
        &bubble,
        [
            element("p", &[("class", "greeting-text")]).map(|p| with_text(p, text)),
            Some(with_text(close, icons::CLOSE)),
        ],
    );
    Some((bubble, listener))
}

/// What the badge opens while the panel is on its way (only when it was not fetched before the
/// tap), or after it failed to arrive: its title, and a way to try again. Its id is the panel's,
/// which the badge names in `aria-controls`. `on_close` is `None` for inline widgets.
pub fn shell(
    m: &'static Messages,
    failed: bool,
    on_retry: impl FnMut(web_sys::Event) + 'static,
    on_close: Option<impl FnMut(web_sys::Event) + 'static>,
) -> Option<(Element, Vec<Listener>)> {
    let shell = element(
        "section",
        &[
            ("id", "moments-panel"),
            ("class", "panel"),
            ("part", "panel"),
            ("aria-labelledby", "moments-panel-title"),
        ],
    )?;
    let header = element("header", &[("class", "panel-header")])?;
    append(
        &header,
        [
            element("h2", &[("id", "moments-panel-title"), ("class", "panel-title")])
                .map(|h| with_text(h, m.panel_title)),
        ],
    );
    let mut listeners = Vec::new();
    if let Some((close, listener)) =
        on_close.and_then(|on_close| dom::button(&[("class", "icon-button"), ("aria-label", m.close)], on_close))
    {
        append(&header, [Some(with_text(close, icons::CLOSE))]);
        listeners.push(listener);
    }
    append(&shell, [Some(header)]);
    if failed {
        append(
            &shell,
            [element("p", &[("class", "panel-problem"), ("role", "alert")]).map(|p| with_text(p, m.panel_failed))],
        );
        if let Some((retry, listener)) = dom::button(&[("class", "retry")], on_retry) {
            append(&shell, [Some(with_text(retry, m.try_again))]);
            listeners.push(listener);
        }
    } else {
        set(&shell, &[("aria-busy", "true")]);
        append(
            &shell,
            [element("p", &[("class", "panel-loading")]).map(|p| with_text(p, m.panel_loading))],
        );
    }
    Some((shell, listeners))
}
