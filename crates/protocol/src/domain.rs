//! Parsed values: each constructor checks its input once, so code holding one of these
//! never has to check again.
//!
//! Over 500 lines: every parsed value of the protocol in one place both sides read.

use unicode_segmentation::UnicodeSegmentation;

use crate::error::InvalidInput;
use crate::limits::*;
use crate::text::{cat, decimal};
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
            && text
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
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
            && text
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInput::new(
                "invalid_visitor_id",
                cat(&[
                    "visitor_id must be ",
                    &decimal(MIN_VISITOR_ID_LEN as i64),
                    " to ",
                    &decimal(MAX_VISITOR_ID_LEN as i64),
                    " of A-Z, a-z, 0-9, '-' and '_'",
                ]),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The widget's device id: a visitor id's shape, with its own code.
pub fn device_id(text: &str) -> Result<VisitorId, InvalidInput> {
    VisitorId::parse(text).map_err(|_| {
        InvalidInput::new(
            "invalid_device_id",
            "device_id must be 8 to 64 of A-Z, a-z, 0-9, '-' and '_'",
        )
    })
}

/// Who a member is on their site: the host's own id for them (the token's `sub`).
/// 1 to `MAX_MEMBER_ID_LEN` characters, no surrounding spaces, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberId(String);

impl MemberId {
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        let ok = !text.is_empty()
            && text.chars().count() <= MAX_MEMBER_ID_LEN
            && text.trim() == text
            && !text.chars().any(char::is_control)
            && !text.starts_with(ERASED_PREFIX);
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInput::new(
                "invalid_member_id",
                format!(
                    "a member id is 1 to {MAX_MEMBER_ID_LEN} characters, without surrounding spaces or control characters, not starting with {ERASED_PREFIX:?}"
                ),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Erased members' ledger rows go by `erased:<random>`, a name no member may have.
pub const ERASED_PREFIX: &str = "erased:";

/// Ledger keys the server makes itself (goodwill points) start with this; callers' may not.
pub const SERVER_KEY_PREFIX: &str = "moments:";

/// A change to a member's points, as the host's backend asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsChange {
    pub delta: i64,
    pub reason: String,
    pub idempotency_key: String,
}

impl PointsChange {
    /// `delta` is `None` when the request's delta was not a whole JSON number.
    pub fn parse(delta: Option<i64>, reason: &str, idempotency_key: &str) -> Result<Self, InvalidInput> {
        let delta = match delta {
            None => {
                return Err(InvalidInput::new(
                    "delta_not_integer",
                    "delta must be a whole number of points",
                ));
            }
            Some(0) => return Err(InvalidInput::new("delta_zero", "delta must not be 0")),
            Some(d) if d.abs() > MAX_POINTS_DELTA => {
                return Err(InvalidInput::new(
                    "delta_too_large",
                    format!("delta must be between -{MAX_POINTS_DELTA} and {MAX_POINTS_DELTA}"),
                ));
            }
            Some(d) => d,
        };
        let reason = parse_text(
            reason,
            MAX_POINTS_REASON_LEN,
            ("reason_empty", "reason_too_long"),
            "reason",
        )?;
        Ok(Self {
            delta,
            reason,
            idempotency_key: self::idempotency_key(idempotency_key)?,
        })
    }
}

/// The caller's id for a change or a fact (an order number): trimmed, 1 to
/// `MAX_IDEMPOTENCY_KEY_LEN` characters, not one of the server's own keys.
pub fn idempotency_key(text: &str) -> Result<String, InvalidInput> {
    let key = parse_text(
        text,
        MAX_IDEMPOTENCY_KEY_LEN,
        ("idempotency_key_empty", "idempotency_key_too_long"),
        "idempotency_key",
    )?;
    if key.starts_with(SERVER_KEY_PREFIX) {
        return Err(InvalidInput::new(
            "idempotency_key_reserved",
            format!("idempotency keys starting with {SERVER_KEY_PREFIX:?} are the server's own"),
        ));
    }
    Ok(key)
}

/// A tracked event's name (`purchase`): trimmed, 1 to `MAX_TRACK_NAME_LEN` characters.
pub fn track_name(text: &str) -> Result<String, InvalidInput> {
    parse_bounded(text, MAX_TRACK_NAME_LEN, "invalid_event_name", "name")
}

/// A tracked event's value: any finite number.
pub fn track_value(value: Option<f64>) -> Result<Option<f64>, InvalidInput> {
    match value {
        Some(v) if !v.is_finite() => Err(InvalidInput::new("invalid_value", "value must be a finite number")),
        other => Ok(other),
    }
}

/// Trimmed, non-empty, at most `max` characters; each failure with its own code.
fn parse_text(
    text: &str,
    max: usize,
    (empty, long): (&'static str, &'static str),
    what: &str,
) -> Result<String, InvalidInput> {
    let text = text.trim();
    if text.is_empty() {
        return Err(InvalidInput::new(empty, cat(&[what, " is empty"])));
    }
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            long,
            cat(&[
                what,
                " must be at most ",
                &decimal(max as i64),
                " characters, without control characters",
            ]),
        ));
    }
    Ok(text.to_owned())
}

/// A calendar date written `YYYY-MM-DD` (a member's birthday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Birthday {
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        let invalid = || InvalidInput::new("invalid_birthday", "birthday must be a real date written YYYY-MM-DD");
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(invalid());
        }
        let number = |range: std::ops::Range<usize>| -> Result<u16, InvalidInput> {
            let part = &text[range];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| invalid())
            } else {
                Err(invalid())
            }
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(invalid()),
        };
        if !(1900..=2100).contains(&year) || day == 0 || day > days {
            return Err(invalid());
        }
        Ok(Self {
            year,
            month: month as u8,
            day: day as u8,
        })
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
            Err(InvalidInput::new(
                code,
                format!("{what} must be a lowercase hyphenated UUID"),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A session id as the widget echoes it: the server's own signed form is checked by the
/// server; this only keeps out what cannot be one (too long, not printable ASCII).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        if (1..=MAX_SESSION_ID_LEN).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInput::new(
                "invalid_session_id",
                format!(
                    "session_id is 1 to {MAX_SESSION_ID_LEN} printable ASCII characters, as the session answer gave it"
                ),
            ))
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
                cat(&[
                    "a ",
                    scale.name(),
                    " score is ",
                    &decimal(i64::from(*range.start())),
                    " to ",
                    &decimal(i64::from(*range.end())),
                    ", not ",
                    &decimal(value),
                ]),
            )),
        }
    }
    pub fn scale(self) -> Scale {
        self.scale
    }
    /// A detractor's answer, which calls for service recovery: 1 or 2 of five faces, 0 to 6
    /// of NPS, thumbs down.
    pub fn is_low(self) -> bool {
        match self.scale {
            Scale::Csat5 => self.value <= 2,
            Scale::Nps => self.value <= 6,
            Scale::Thumbs => self.value == 0,
        }
    }
    /// A promoter's answer: 5 of five faces, 9 or 10 of NPS, thumbs up.
    pub fn is_promoter(self) -> bool {
        match self.scale {
            Scale::Csat5 => self.value == 5,
            Scale::Nps => self.value >= 9,
            Scale::Thumbs => self.value == 1,
        }
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
        Err(InvalidInput::new(
            "invalid_timestamp",
            "at must be milliseconds since 1970 (years 2000 to 2200)",
        ))
    }
}

/// Keys of rules, coupon pools, experiments and variants: what a URL path segment carries
/// without escaping (1 to 64 letters, digits, `-` and `_`).
pub fn is_valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn parse_bounded(text: &str, max: usize, code: &'static str, what: &str) -> Result<String, InvalidInput> {
    parse_text(text, max, (code, code), what)
}

/// A page address without its query string and fragment, which may hold e-mail addresses,
/// order tokens and the like: only the origin and path are ever kept.
pub fn page_location(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or("")
}

/// The page a session was started on: its origin and path, at most `MAX_PAGE_URL_LEN`
/// characters without control characters (the query string and fragment are dropped unread).
pub fn page_url(url: &str) -> Result<Option<String>, InvalidInput> {
    let location = page_location(url);
    if location.chars().count() > MAX_PAGE_URL_LEN || location.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            "invalid_page_url",
            format!("page_url: at most {MAX_PAGE_URL_LEN} characters before any '?' or '#', no control characters"),
        ));
    }
    let location = location.trim();
    Ok((!location.is_empty()).then(|| location.to_owned()))
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
    pub device: Option<VisitorId>,
}

impl TryFrom<SessionRequest> for SessionStart {
    type Error = InvalidInput;

    fn try_from(req: SessionRequest) -> Result<Self, InvalidInput> {
        if req
            .member_token
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_MEMBER_TOKEN_LEN)
        {
            return Err(too_long("invalid_member_token", "member_token", MAX_MEMBER_TOKEN_LEN));
        }
        let member_token = req
            .member_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let page_url = req.page_url.as_deref().map(page_url).transpose()?.flatten();
        let too_long_tag = |l: &String| l.chars().count() > MAX_LOCALE_TAG_LEN;
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
            device: req.device_id.as_deref().map(device_id).transpose()?,
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
    Feedback {
        score: Score,
        comment: Option<Comment>,
        context: Option<crate::context::Context>,
    },
    Comment {
        feedback_id: Uuid,
        comment: Comment,
    },
    Dismiss,
    Track {
        name: String,
        value: Option<f64>,
        proof: Option<String>,
    },
    Exposure {
        experiment: String,
        variant: String,
    },
}

impl TryFrom<Event> for ValidEvent {
    type Error = InvalidInput;

    fn try_from(event: Event) -> Result<Self, InvalidInput> {
        let id = Uuid::parse(event.id(), "invalid_event_id", "event id")?;
        let (at, kind) = match event {
            Event::Feedback {
                at,
                scale,
                score,
                comment,
                context,
                ..
            } => {
                let comment = comment.as_deref().map(Comment::parse).transpose()?.flatten();
                let context = context
                    .map(crate::context::Context::parse)
                    .transpose()?
                    .filter(|c| !c.is_empty());
                (
                    at,
                    ValidEventKind::Feedback {
                        score: Score::parse(scale, score)?,
                        comment,
                        context,
                    },
                )
            }
            Event::Comment {
                at,
                feedback_id,
                comment,
                ..
            } => {
                let feedback_id = Uuid::parse(&feedback_id, "invalid_feedback_id", "feedback_id")?;
                let comment = Comment::parse(&comment)?
                    .ok_or_else(|| InvalidInput::new("comment_empty", "a comment event needs a comment"))?;
                (at, ValidEventKind::Comment { feedback_id, comment })
            }
            Event::Dismiss { at, .. } => (at, ValidEventKind::Dismiss),
            Event::Track {
                at, name, value, proof, ..
            } => {
                let value = track_value(value)?;
                let name = track_name(&name)?;
                if proof.as_ref().is_some_and(|p| p.is_empty() || p.len() > MAX_PROOF_LEN) {
                    return Err(InvalidInput::new(
                        "proof_malformed",
                        format!("a proof is a signed token of 1 to {MAX_PROOF_LEN} characters"),
                    ));
                }
                (at, ValidEventKind::Track { name, value, proof })
            }
            Event::Exposure {
                at,
                experiment,
                variant,
                ..
            } => {
                if !is_valid_key(&experiment) || !is_valid_key(&variant) {
                    return Err(InvalidInput::new(
                        "invalid_exposure",
                        "experiment and variant are keys of 1 to 64 letters, digits, '-' or '_'",
                    ));
                }
                (at, ValidEventKind::Exposure { experiment, variant })
            }
        };
        Ok(Self {
            id,
            at_ms: parse_timestamp(at)?,
            kind,
        })
    }
}

#[cfg(test)]
mod tests;
