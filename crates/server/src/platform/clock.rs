//! The one clock: the time in milliseconds since the epoch, days, and the ranges of days a
//! report covers. Every feature reads the time here, so a test or a job never disagrees with
//! a request about what day it is.

use time::Date;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub const DAY_MS: i64 = 86_400_000;
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// The UTC date of a time in milliseconds since the Unix epoch.
pub fn date_of_ms(ms: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).map_or(time::Date::MIN, |t| t.date())
}

/// A `YYYY-MM-DD` date field.
pub fn parse_day(text: Option<&str>) -> Option<Date> {
    text.and_then(|t| Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")).ok())
}

pub fn day_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The widest range a page shows, in days (a year, leap day included).
pub const MAX_RANGE_DAYS: i64 = 366;

/// A range of days no page shows (see `date_range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadRange;

/// A range of days a page asks for: `YYYY-MM-DD` in the years 2000 to 2200, the first not
/// after the last, at most `MAX_RANGE_DAYS` days. An empty or absent end stays open. `Err`:
/// the page answers 400 with `Texts::bad_range`.
pub fn date_range(from: Option<&str>, to: Option<&str>) -> Result<(Option<Date>, Option<Date>), BadRange> {
    let day = |text: Option<&str>| match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => parse_day(Some(text))
            .filter(|d| (2000..=2200).contains(&d.year()))
            .map(Some)
            .ok_or(BadRange),
    };
    let (from, to) = (day(from)?, day(to)?);
    if let (Some(from), Some(to)) = (from, to)
        && (from > to || (to - from).whole_days() >= MAX_RANGE_DAYS)
    {
        return Err(BadRange);
    }
    Ok((from, to))
}

/// A report's days: `from` and `to` as the page asked, the open end today, and `days` days
/// back from it when `from` is absent; with the range's first millisecond and the one after
/// its last day. `None`: not a range the dashboard shows (see `date_range`).
pub fn report_range(from: Option<&str>, to: Option<&str>, days: i64) -> Option<(Date, Date, i64, i64)> {
    let (from, to) = date_range(from, to).ok()?;
    let to = to.unwrap_or_else(|| date_of_ms(now_ms()).max(from.unwrap_or(Date::MIN)));
    let from = from.unwrap_or(to - time::Duration::days(days));
    Some((from, to, day_start_ms(from), day_start_ms(to) + DAY_MS))
}

/// Milliseconds at the start of `date` (UTC).
pub fn day_start_ms(date: Date) -> i64 {
    date.midnight().assume_utc().unix_timestamp() * 1000
}
