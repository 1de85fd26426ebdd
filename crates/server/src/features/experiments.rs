//! Greeting and farewell experiments: definitions, sticky assignment, exposures, results.

pub mod assignment;
pub mod definition;
pub mod results;
pub mod stats;
pub mod store;

use moments_protocol::Locale;
use moments_protocol::wire::{ExperimentAssignment, Slot};
use sqlx::AnyConnection;
use store::Stored;

use crate::features::rollups::{self, figures::EXPOSURES};
use crate::features::sites::Site;

/// Visitors exposed so far, per experiment of the site: from the rollups, a row per variant and
/// day, so the lists cost the same however long experiments have run.
pub async fn exposures_by_experiment(
    db: &sqlx::AnyPool,
    site: &str,
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    rollups::counts_so_far(db, &EXPOSURES, site, rollups::Per::Range, |row| Some(row.dim1)).await
}

/// Visitors first exposed to the experiment `key`, per UTC day (days since the Unix epoch).
pub async fn exposures_per_day(
    db: &sqlx::AnyPool,
    site: &str,
    key: &str,
) -> Result<std::collections::HashMap<i64, i64>, sqlx::Error> {
    rollups::counts_so_far(db, &EXPOSURES, site, rollups::Per::Day, |row| {
        (row.dim1 == key).then_some(row.day)
    })
    .await
}

/// What fills a message's `{name}`, `{tier}` and `{points}`: always as plain text.
#[derive(Debug, Default)]
pub struct Placeholders<'a> {
    pub name: Option<&'a str>,
    pub tier: Option<&'a str>,
    pub points: Option<String>,
}

impl Placeholders<'_> {
    fn value(&self, key: &str) -> Option<Option<&str>> {
        match key {
            "name" => Some(self.name),
            "tier" => Some(self.tier),
            "points" => Some(self.points.as_deref()),
            _ => None,
        }
    }

    /// Fills what is known. An unknown value takes the fallback after `|` (`{name|friend}`);
    /// with none, the placeholder goes with the comma or space before it ("Welcome back,
    /// {name}!" to an anonymous visitor: "Welcome back!"). Other braces stay as written.
    pub fn fill(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let inner = &rest[open + 1..];
            let Some(close) = inner.find('}') else {
                rest = &rest[open..];
                break;
            };
            let (key, fallback) = match inner[..close].split_once('|') {
                Some((key, fallback)) => (key, Some(fallback)),
                None => (&inner[..close], None),
            };
            match self.value(key) {
                Some(Some(value)) => out.push_str(value),
                Some(None) => match fallback {
                    Some(fallback) => out.push_str(fallback),
                    None => {
                        let trimmed = out.trim_end_matches(' ').trim_end_matches(',').len();
                        out.truncate(trimmed);
                    }
                },
                None => out.push_str(&rest[open..open + close + 2]),
            }
            rest = &inner[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// A slot's message as an experiment decides it, with the assignment to report an exposure.
pub struct Decided {
    pub text: String,
    pub assignment: Option<ExperimentAssignment>,
    /// The variant's referral ask (farewells), if it says.
    pub share: Option<bool>,
}

/// The experiment that decides `slot`'s message, if any (read before the write path begins).
pub async fn deciding(conn: &mut AnyConnection, site: &Site, slot: Slot) -> Result<Option<Stored>, sqlx::Error> {
    store::deciding(conn, &site.settings.key, slot).await
}

/// The message the `deciding` experiment gives this visitor: their variant while it runs
/// (assigned in `conn`, or nothing outside its coverage), the shipped variant once stopped;
/// `None`: the slot's default text.
#[allow(clippy::too_many_arguments)]
pub async fn message(
    conn: &mut AnyConnection,
    site: &Site,
    stored: Option<Stored>,
    slot: Slot,
    visitor: &str,
    member: Option<&str>,
    locale: Locale,
    placeholders: &Placeholders<'_>,
    now: i64,
) -> Result<Option<Decided>, sqlx::Error> {
    let key = site.settings.key.as_str();
    let Some(stored) = stored else { return Ok(None) };
    let e = stored.experiment();
    let (variant, assignment) = if stored.status == "running" {
        let Some(variant) = assignment::assign(conn, key, &e, visitor, member, now).await? else {
            return Ok(None);
        };
        let assignment = ExperimentAssignment {
            experiment: e.key.clone(),
            variant: variant.clone(),
            slot,
        };
        (variant, Some(assignment))
    } else {
        match stored.shipped {
            Some(shipped) => (shipped, None),
            None => return Ok(None),
        }
    };
    let Some(variant) = e.variant(&variant) else {
        return Ok(None);
    };
    Ok(variant
        .text_in(locale, site.settings.default_locale)
        .map(|text| Decided {
            text: placeholders.fill(text),
            assignment,
            share: variant.share,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_as_text_and_missing_ones_go_quietly() {
        let known = Placeholders {
            name: Some("<b>Ann</b>"),
            tier: Some("Gold"),
            points: Some("1,240".into()),
        };
        assert_eq!(
            known.fill("Hi {name}, {tier} member with {points} pts"),
            "Hi <b>Ann</b>, Gold member with 1,240 pts"
        );
        let anonymous = Placeholders::default();
        assert_eq!(anonymous.fill("Welcome back, {name}!"), "Welcome back!");
        assert_eq!(anonymous.fill("Hello {name}"), "Hello");
        assert_eq!(anonymous.fill("{name}欢迎"), "欢迎");
        assert_eq!(
            anonymous.fill("Hi {name|friend}, {points|no} points"),
            "Hi friend, no points"
        );
        assert_eq!(known.fill("Hi {name|friend}"), "Hi <b>Ann</b>");
        assert_eq!(
            anonymous.fill("{unknown} {name"),
            "{unknown} {name",
            "other braces stay"
        );
    }
}
