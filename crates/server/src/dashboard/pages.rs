//! The dashboard's pages, one file each.

pub mod experiments;
pub mod feedback;
pub mod overview;
pub mod recovery;

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
