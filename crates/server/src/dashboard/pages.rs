//! The dashboard's pages, one file each.

pub mod experiments;
pub mod feedback;
pub mod loyalty;
pub mod overview;
pub mod recovery;
pub mod support;
pub mod webhooks;

use time::Date;

pub use crate::db::date_of_ms;
use crate::db::DAY_MS;

/// A `YYYY-MM-DD` date field.
pub fn parse_day(text: Option<&str>) -> Option<Date> {
    text.and_then(|t| Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")).ok())
}

pub fn day_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The widest range a page shows, in days (a year, leap day included).
pub const MAX_RANGE_DAYS: i64 = 366;

/// A range of days a page asks for: `YYYY-MM-DD` in the years 2000 to 2200, the first not
/// after the last, at most `MAX_RANGE_DAYS` days. An empty or absent end stays open. `Err`:
/// the page answers 400 with `Texts::bad_range`.
pub fn date_range(from: Option<&str>, to: Option<&str>) -> Result<(Option<Date>, Option<Date>), ()> {
    let day = |text: Option<&str>| match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => parse_day(Some(text)).filter(|d| (2000..=2200).contains(&d.year())).map(Some).ok_or(()),
    };
    let (from, to) = (day(from)?, day(to)?);
    if let (Some(from), Some(to)) = (from, to)
        && (from > to || (to - from).whole_days() >= MAX_RANGE_DAYS)
    {
        return Err(());
    }
    Ok((from, to))
}

/// A report's days: `from` and `to` as the page asked, the open end today, and `days` days
/// back from it when `from` is absent; with the range's first millisecond and the one after
/// its last day. `None`: not a range the dashboard shows (see `date_range`).
pub fn report_range(from: Option<&str>, to: Option<&str>, days: i64) -> Option<(Date, Date, i64, i64)> {
    let (from, to) = date_range(from, to).ok()?;
    let to = to.unwrap_or_else(|| date_of_ms(crate::db::now_ms()).max(from.unwrap_or(Date::MIN)));
    let from = from.unwrap_or(to - time::Duration::days(days));
    Some((from, to, day_start_ms(from), day_start_ms(to) + DAY_MS))
}

/// Milliseconds at the start of `date` (UTC).
pub fn day_start_ms(date: Date) -> i64 {
    date.midnight().assume_utc().unix_timestamp() * 1000
}


/// Every day from `from` to `to` (inclusive), as UTC day numbers.
pub fn days(from: Date, to: Date) -> Vec<i64> {
    (day_start_ms(from) / DAY_MS..=day_start_ms(to) / DAY_MS).collect()
}

pub fn day_label(day: i64) -> String {
    day_text(date_of_ms(day * DAY_MS))
}

/// The top of a report page: the date-range form, then the figures as cards, `label` naming them.
pub fn range_and_cards(t: &crate::dashboard::i18n::Texts, (from, to): (Date, Date), label: &str, cards: &[(&str, String)]) -> String {
    let cards: String = cards
        .iter()
        .map(|(name, value)| format!(r#"<div class="card"><p class="card-label">{name}</p><p class="card-value">{value}</p></div>"#))
        .collect();
    format!(
        r#"<form method="get" class="filters"><label>{from_label} <input type="date" name="from" value="{from}"></label>
<label>{to_label} <input type="date" name="to" value="{to}"></label><button type="submit">{apply}</button></form>
<section class="cards" aria-label="{label}">{cards}</section>"#,
        from_label = t.from,
        to_label = t.to,
        apply = t.apply,
        from = day_text(from),
        to = day_text(to),
    )
}
