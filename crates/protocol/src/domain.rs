//! Parsed values: each constructor checks its input once, so code holding one of these
//! never has to check again.

use unicode_segmentation::UnicodeSegmentation;

use crate::error::InvalidInput;
use crate::limits::*;
use crate::wire::{Event, Scale, SessionRequest};

fn too_long(code: &'static str, what: &str, max: usize) -> InvalidInput {
    InvalidInput::new(code, format!("{what} is longer than {max} characters"))
}

/// A site's public key, as configured on the server: `[a-z0-9_-]{1,64}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteKey(String);

impl SiteKey {
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        let ok = !text.is_empty()
            && text.len() <= MAX_SITE_KEY_LEN
            && text.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInput::new(
                "invalid_site_key",
                format!("site must be 1 to {MAX_SITE_KEY_LEN} of a-z, 0-9, '-' and '_'"),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The random id a browser keeps: `[A-Za-z0-9_-]{8,64}` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VisitorId(String);

impl VisitorId {
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        let ok = (MIN_VISITOR_ID_LEN..=MAX_VISITOR_ID_LEN).contains(&text.len())
            && text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInput::new(
                "invalid_visitor_id",
                format!("visitor_id must be {MIN_VISITOR_ID_LEN} to {MAX_VISITOR_ID_LEN} of A-Z, a-z, 0-9, '-' and '_'"),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A canonical lowercase UUID, as made by the client for an event or by the server for a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uuid(String);

impl Uuid {
    pub fn parse(text: &str, code: &'static str, what: &str) -> Result<Self, InvalidInput> {
        if crate::uuid::is_canonical(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInput::new(code, format!("{what} must be a lowercase hyphenated UUID")))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A feedback comment: trimmed, at most `MAX_COMMENT_GRAPHEMES` characters as the user sees them.
/// An empty comment is no comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment(String);

impl Comment {
    pub fn parse(text: &str) -> Result<Option<Self>, InvalidInput> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if Self::length(text) > MAX_COMMENT_GRAPHEMES {
            return Err(InvalidInput::new(
                "comment_too_long",
                format!("comment is longer than {MAX_COMMENT_GRAPHEMES} characters"),
            ));
        }
        Ok(Some(Self(text.to_owned())))
    }
    /// The length a person would count: one per grapheme cluster (an emoji with modifiers is one).
    pub fn length(text: &str) -> usize {
        text.graphemes(true).count()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A score that is inside its scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    scale: Scale,
    value: u8,
}

impl Score {
    pub fn parse(scale: Scale, value: i64) -> Result<Self, InvalidInput> {
        let range = scale.range();
        match u8::try_from(value) {
            Ok(v) if range.contains(&v) => Ok(Self { scale, value: v }),
            _ => Err(InvalidInput::new(
                "score_out_of_range",
                format!("a {} score is {} to {}, not {value}", scale.name(), range.start(), range.end()),
            )),
        }
    }
    pub fn scale(self) -> Scale {
        self.scale
    }
    pub fn value(self) -> u8 {
        self.value
    }
}

/// Milliseconds since the Unix epoch, as a client reported it.
fn parse_timestamp(at: f64) -> Result<i64, InvalidInput> {
    // Before 2000 or after 2200 is a broken clock or a broken client.
    const MIN: f64 = 946_684_800_000.0;
    const MAX: f64 = 7_258_118_400_000.0;
    if at.is_finite() && (MIN..=MAX).contains(&at) {
        Ok(at as i64)
    } else {
        Err(InvalidInput::new("invalid_timestamp", "at must be milliseconds since 1970 (years 2000 to 2200)"))
    }
}

fn parse_bounded(text: &str, max: usize, code: &'static str, what: &str) -> Result<String, InvalidInput> {
    let text = text.trim();
    if text.is_empty() {
        return Err(InvalidInput::new(code, format!("{what} is empty")));
    }
    if text.chars().count() > max {
        return Err(too_long(code, what, max));
    }
    Ok(text.to_owned())
}

/// A session request whose every field has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStart {
    pub site: SiteKey,
    pub visitor: VisitorId,
    pub member_token: Option<String>,
    pub locale: Option<String>,
    pub languages: Vec<String>,
    pub page_url: Option<String>,
}

impl TryFrom<SessionRequest> for SessionStart {
    type Error = InvalidInput;

    fn try_from(req: SessionRequest) -> Result<Self, InvalidInput> {
        let member_token = match req.member_token.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) if t.len() > MAX_MEMBER_TOKEN_LEN => {
                return Err(too_long("invalid_member_token", "member_token", MAX_MEMBER_TOKEN_LEN));
            }
            Some(t) => Some(t.to_owned()),
        };
        let page_url = match req.page_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) => Some(parse_bounded(u, MAX_PAGE_URL_LEN, "invalid_page_url", "page_url")?),
        };
        let too_long_tag = |l: &String| l.len() > MAX_LOCALE_TAG_LEN;
        if req.languages.len() > MAX_LANGUAGES || req.languages.iter().chain(&req.locale).any(too_long_tag) {
            return Err(InvalidInput::new(
                "invalid_locale",
                format!("at most {MAX_LANGUAGES} language tags of at most {MAX_LOCALE_TAG_LEN} characters"),
            ));
        }
        Ok(Self {
            site: SiteKey::parse(&req.site)?,
            visitor: VisitorId::parse(&req.visitor_id)?,
            member_token,
            locale: req.locale.filter(|l| !l.trim().is_empty()),
            languages: req.languages,
            page_url,
        })
    }
}

/// An event whose every field has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEvent {
    pub id: Uuid,
    pub at_ms: i64,
    pub kind: ValidEventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValidEventKind {
    Feedback { score: Score, comment: Option<Comment> },
    Dismiss,
    Track { name: String, value: Option<f64> },
}

impl TryFrom<Event> for ValidEvent {
    type Error = InvalidInput;

    fn try_from(event: Event) -> Result<Self, InvalidInput> {
        let id = Uuid::parse(event.id(), "invalid_event_id", "event id")?;
        let (at, kind) = match event {
            Event::Feedback { at, scale, score, comment, .. } => {
                let comment = comment.as_deref().map(Comment::parse).transpose()?.flatten();
                (at, ValidEventKind::Feedback { score: Score::parse(scale, score)?, comment })
            }
            Event::Dismiss { at, .. } => (at, ValidEventKind::Dismiss),
            Event::Track { at, name, value, .. } => {
                if value.is_some_and(|v| !v.is_finite()) {
                    return Err(InvalidInput::new("invalid_value", "value must be a finite number"));
                }
                let name = parse_bounded(&name, MAX_TRACK_NAME_LEN, "invalid_event_name", "name")?;
                (at, ValidEventKind::Track { name, value })
            }
        };
        Ok(Self { id, at_ms: parse_timestamp(at)?, kind })
    }
}

#[cfg(test)]
mod tests;
