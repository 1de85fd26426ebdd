//! HTML written by hand: every piece of data goes through `escape`, and pages share one
//! layout (navigation, language switch, sign-out form).

use std::fmt::Write;

use moments_protocol::Locale;

use super::i18n::Texts;
use crate::features::site_keys::{Scope, Scopes};

/// Text and attribute values made safe for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub use crate::platform::url::urlencode;

/// What a page needs to frame its content.
pub struct Frame<'a> {
    pub t: &'static Texts,
    pub locale: Locale,
    pub site: &'a str,
    pub sites: Vec<&'a str>,
    pub csrf: &'a str,
    /// Who is signed in.
    pub staff: &'a str,
    /// What their role lets them do on this site: the navigation shows only what they may open.
    pub scopes: Scopes,
    /// Which navigation entry is this page (`overview`, `loyalty`, `experiments`, `feedback`, `recovery`, `support`, `webhooks`).
    pub section: &'a str,
    /// The path and query of this page, for the language links.
    pub here: &'a str,
}

/// What a role must allow to open a section of the dashboard.
pub fn section_scope(section: &str) -> Scope {
    match section {
        "loyalty" | "experiments" | "referrals" => Scope::InsightsRead,
        "support" => Scope::MembersRead,
        "webhooks" => Scope::WebhooksWrite,
        "staff" | "keys" => Scope::KeysWrite,
        "audit" => Scope::AuditRead,
        // The overview, the inbox and recovery cases: every role reads them.
        _ => Scope::FeedbackRead,
    }
}

pub fn page(frame: &Frame, heading: &str, body: &str) -> String {
    let t = frame.t;
    let site = escape(frame.site);
    let mut nav = String::new();
    for (section, label) in [
        ("overview", t.overview),
        ("loyalty", t.loyalty),
        ("experiments", t.experiments),
        ("referrals", t.referrals),
        ("feedback", t.feedback),
        ("recovery", t.recovery),
        ("support", t.support),
        ("webhooks", t.webhooks),
        ("keys", t.keys),
        ("staff", t.staff),
        ("audit", t.audit),
    ] {
        if !frame.scopes.contains(section_scope(section)) {
            continue;
        }
        let href = if section == "overview" {
            format!("/dashboard/{site}")
        } else {
            format!("/dashboard/{site}/{section}")
        };
        let current = if section == frame.section {
            r#" aria-current="page""#
        } else {
            ""
        };
        let _ = write!(nav, r#"<li><a href="{href}"{current}>{label}</a></li>"#);
    }
    let mut languages = String::new();
    for locale in Locale::ALL {
        let separator = if frame.here.contains('?') { '&' } else { '?' };
        let href = escape(&format!("{}{separator}lang={}", frame.here, locale.tag()));
        let current = if locale == frame.locale {
            r#" aria-current="true""#
        } else {
            ""
        };
        let _ = write!(
            languages,
            r#"<a href="{href}" lang="{tag}" hreflang="{tag}"{current}>{name}</a> "#,
            tag = locale.tag(),
            name = language_name(locale)
        );
    }
    let sites = if frame.sites.len() > 1 {
        let links: String = frame
            .sites
            .iter()
            .map(|s| format!(r#"<a href="/dashboard/{0}">{0}</a> "#, escape(s)))
            .collect();
        format!(r#"<p class="sites">{}: {links}</p>"#, t.site)
    } else {
        String::new()
    };
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{heading} · {site} · {title}</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
</head>
<body>
<header class="top">
<p class="brand">{title} · <strong>{site}</strong></p>
<nav aria-label="{title}"><ul>{nav}</ul></nav>
<p class="languages" aria-label="{language_label}">{languages}</p>
<form method="post" action="/dashboard/logout" class="sign-out">
<span class="who">{who}</span>
<input type="hidden" name="csrf" value="{csrf}">
<button type="submit">{sign_out}</button>
</form>
</header>
<main>
{sites}<h1>{heading}</h1>
{body}
</main>
</body>
</html>"#,
        lang = frame.locale.tag(),
        heading = escape(heading),
        title = t.title,
        language_label = t.language,
        csrf = escape(frame.csrf),
        sign_out = t.sign_out,
        who = escape(&t.signed_in_as.replace("{name}", frame.staff)),
    )
}

fn language_name(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "English",
        Locale::ZhCn => "简体中文",
        Locale::ZhTw => "繁體中文",
    }
}

/// `<table>` with a caption; cells are HTML already escaped by the caller. A table wider than
/// a phone scrolls in its own region, which the keyboard can reach and scroll too.
pub fn table(caption: &str, headers: &[&str], rows: &[Vec<String>]) -> String {
    let caption = escape(caption);
    let mut out = format!(
        r#"<div class="scroll" tabindex="0" role="region" aria-label="{caption}"><table><caption>{caption}</caption><thead><tr>"#
    );
    for h in headers {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// `2026-11-24 10:45 UTC`.
pub fn time(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .map_or_else(String::new, |t| format!("{t} UTC"))
}

/// A number with at most `decimals` decimals (`3.33`, `-12.5`).
/// A whole number in a cell or card, its thousands grouped (`151910` → `151,910`); any other
/// text as it is.
pub fn grouped(text: &str) -> String {
    text.parse::<i64>()
        .map_or_else(|_| text.to_owned(), crate::platform::numbers::group_thousands)
}

pub fn number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A p-value as it can honestly be read: below 0.001 it says so instead of rounding to 0.
pub fn p_value(p: f64) -> String {
    if p < 0.001 { "< 0.001".into() } else { number(p, 3) }
}

/// A probability as a percentage that never claims certainty: "> 99.9%", "< 0.1%".
pub fn chance(probability: f64) -> String {
    match probability {
        p if p > 0.999 => "> 99.9%".into(),
        p if p < 0.001 => "< 0.1%".into(),
        p => format!("{}%", number(100.0 * p, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_escaped() {
        assert_eq!(
            escape(r#"<script>"a"&'b'</script>"#),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn p_values_and_chances_never_read_as_certainties() {
        assert_eq!(
            [
                p_value(0.0),
                p_value(0.000_4),
                p_value(0.001),
                p_value(0.0312),
                p_value(1.0)
            ],
            ["< 0.001", "< 0.001", "0.001", "0.031", "1"]
        );
        assert_eq!(
            [
                chance(1.0),
                chance(0.999_6),
                chance(0.999),
                chance(0.5),
                chance(0.000_2),
                chance(0.0)
            ],
            ["> 99.9%", "> 99.9%", "99.9%", "50%", "< 0.1%", "< 0.1%"]
        );
    }

    #[test]
    fn numbers_and_times_read_plainly() {
        assert_eq!(number(3.3333, 2), "3.33");
        assert_eq!(number(4.0, 2), "4");
        assert_eq!(number(-12.5, 1), "-12.5");
        assert_eq!(time(1_795_000_000_000), "2026-11-18 11:06 UTC");
    }
}
