//! The dashboard's pages, one file each.

pub mod audit;
pub mod experiments;
pub mod feedback;
pub mod keys;
pub mod loyalty;
pub mod overview;
pub mod recovery;
pub mod referrals;
pub mod staff;
pub mod support;
pub mod themes;
pub mod webhooks;

use time::Date;

use crate::platform::clock::DAY_MS;
pub use crate::platform::clock::date_of_ms;
pub use crate::platform::clock::{MAX_RANGE_DAYS, date_range, day_start_ms, day_text, parse_day, report_range};

/// Every day from `from` to `to` (inclusive), as UTC day numbers.
pub fn days(from: Date, to: Date) -> Vec<i64> {
    (day_start_ms(from) / DAY_MS..=day_start_ms(to) / DAY_MS).collect()
}

pub fn day_label(day: i64) -> String {
    day_text(date_of_ms(day * DAY_MS))
}

/// The top of a report page: the date-range form, then the figures as cards, `label` naming them.
pub fn range_and_cards(
    t: &crate::web::dashboard::i18n::Texts,
    (from, to): (Date, Date),
    label: &str,
    cards: &[(&str, String)],
) -> String {
    let cards: String = cards
        .iter()
        .map(|(name, value)| {
            let value = crate::web::dashboard::html::grouped(value);
            format!(r#"<div class="card"><p class="card-label">{name}</p><p class="card-value">{value}</p></div>"#)
        })
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
