use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;

use super::{day_label, day_text, days};
use crate::features::insights::reports::{self, Daily};
use crate::platform::clock::{DAY_MS, now_ms};
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::charts::{self, Series};
use crate::web::dashboard::html::{escape, number};
use crate::web::dashboard::{PageContext, here};
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Range {
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

pub async fn overview(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(range): Query<Range>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(
        &state,
        &site,
        &staff,
        &headers,
        range.lang.as_deref(),
        "overview",
        &here,
    )?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    // Thirty days to today, unless the range says otherwise.
    let Some((from, to, start, end)) = super::report_range(range.from.as_deref(), range.to.as_deref(), 29) else {
        return Err(page.bad_range());
    };
    let db = |e: sqlx::Error| axum::response::IntoResponse::into_response(crate::web::error::ApiError::from(e));

    let daily = reports::daily_answers(&state.db, key, start, end).await.map_err(db)?;
    let reports::Given { given, claimed, points } = reports::given(&state.db, key, start, end).await.map_err(db)?;
    let by_week = reports::redemptions_by_week(&state.db, key, start, end)
        .await
        .map_err(db)?;
    let due = crate::features::expiry::due_before(&state.db, page.site, now_ms() + 30 * DAY_MS, 10_000)
        .await
        .map_err(db)?;
    let expiring: i64 = due.iter().map(|d| d.points).sum();

    let by = |scale: &str| -> HashMap<i64, &Daily> {
        daily.iter().filter(|d| d.scale == scale).map(|d| (d.day, d)).collect()
    };
    let (csat, nps) = (by("csat5"), by("nps"));
    let mut answers: HashMap<i64, i64> = HashMap::new();
    for d in &daily {
        *answers.entry(d.day).or_default() += d.answers;
    }
    let all_days = days(from, to);
    let series = |title, unit, f: &dyn Fn(i64) -> Option<f64>, decimals, rows: Option<&HashMap<i64, &Daily>>| Series {
        title,
        x: t.day,
        unit,
        points: all_days.iter().map(|&d| (day_label(d), f(d))).collect(),
        decimals,
        counts: rows
            .map(|rows| all_days.iter().map(|d| rows.get(d).map_or(0, |r| r.answers)).collect())
            .unwrap_or_default(),
    };
    let nps_of = |d: &Daily| 100.0 * (d.promoters - d.detractors) as f64 / d.answers as f64;

    let total: i64 = daily.iter().map(|d| d.answers).sum();
    let weighted = |rows: &HashMap<i64, &Daily>, value: &dyn Fn(&Daily) -> f64| {
        let n: i64 = rows.values().map(|d| d.answers).sum();
        (n > 0).then(|| rows.values().map(|d| value(d) * d.answers as f64).sum::<f64>() / n as f64)
    };
    let csat_all = weighted(&csat, &|d| d.mean);
    let nps_all = weighted(&nps, &nps_of);
    let dash = || "–".to_owned();
    let mut body = super::range_and_cards(
        t,
        (from, to),
        t.overview,
        &[
            (t.answers, total.to_string()),
            (t.csat, csat_all.map_or_else(dash, |v| number(v, 2))),
            (t.nps, nps_all.map_or_else(dash, |v| number(v, 0))),
            (t.surprises_given, given.to_string()),
            (t.surprises_claimed, claimed.to_string()),
            (t.points_issued, points.to_string()),
            (
                t.points_redeemed,
                by_week.iter().map(|(.., points)| points).sum::<i64>().to_string(),
            ),
            (t.points_expiring, expiring.to_string()),
        ],
    );
    if let Some(at) = crate::features::demo::store::history_generated_at(&state.db, key)
        .await
        .map_err(db)?
    {
        let date = time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000))
            .map(|t| day_text(t.date()))
            .unwrap_or_default();
        body.push_str(&format!(
            r#"<p class="notice">{}</p>"#,
            escape(&t.demo_history.replace("{date}", &date))
        ));
    }
    // No axes without data: an empty period says which kind of empty it is, and a scale the
    // period has no answers on gets no chart.
    if total == 0 {
        let empty = if reports::any_answers(&state.db, key).await.map_err(db)? {
            t.no_data
        } else {
            t.no_answers_yet
        };
        body.push_str(&format!(r#"<p class="notice">{}</p>"#, escape(empty)));
    } else {
        body.push_str(&charts::bars(
            "answers",
            t,
            &series(
                t.answers_per_day,
                t.unit_answers,
                &|d| answers.get(&d).map(|&n| n as f64),
                0,
                None,
            ),
        ));
    }
    if !csat.is_empty() {
        body.push_str(&charts::line(
            "csat",
            t,
            &series(
                t.csat_per_day,
                t.csat,
                &|d| csat.get(&d).map(|r| r.mean),
                2,
                Some(&csat),
            ),
            (1.0, 5.0),
        ));
    }
    if !nps.is_empty() {
        body.push_str(&charts::line(
            "nps",
            t,
            &series(t.nps_per_day, t.nps, &|d| nps.get(&d).map(|r| nps_of(r)), 0, Some(&nps)),
            (-100.0, 100.0),
        ));
    }
    if !page.site.catalog.rewards.is_empty() {
        let redeemed = reports::redeemed_per_reward(&state.db, key).await.map_err(db)?;
        body.push_str(&rewards_table(&page.frame, page.site, (from, to), &by_week, &redeemed));
    }
    Ok(page.render(t.overview, &body))
}

/// Redemptions per reward and week of the range, and each reward's stock left now.
fn rewards_table(
    frame: &crate::web::dashboard::html::Frame,
    site: &crate::features::sites::Site,
    (from, to): (time::Date, time::Date),
    by_week: &[(i64, String, i64, i64)],
    redeemed: &HashMap<String, i64>,
) -> String {
    let t = frame.t;
    let rewards = &site.catalog.rewards;
    let titles: Vec<String> = rewards
        .iter()
        .map(|r| r.title(frame.locale, site.settings.default_locale))
        .collect();
    let mut headers: Vec<&str> = vec![t.week];
    headers.extend(titles.iter().map(String::as_str));
    let weeks = (to - from).whole_days() / 7;
    let mut rows: Vec<Vec<String>> = (0..=weeks)
        .map(|week| {
            let label = t
                .week_of
                .replace("{date}", &day_text(from + time::Duration::days(week * 7)));
            let mut row = vec![escape(&label)];
            for reward in rewards {
                let n = by_week
                    .iter()
                    .find(|(w, r, ..)| *w == week && *r == reward.key)
                    .map_or(0, |(_, _, n, _)| *n);
                row.push(n.to_string());
            }
            row
        })
        .collect();
    let mut stock = vec![escape(t.stock_left)];
    for reward in rewards {
        stock.push(match reward.stock {
            Some(total) => (total - redeemed.get(&reward.key).copied().unwrap_or(0))
                .max(0)
                .to_string(),
            None => escape(t.no_limit),
        });
    }
    rows.push(stock);
    format!(
        "<h2>{}</h2>{}",
        escape(t.rewards),
        crate::web::dashboard::html::table(t.redemptions_per_week, &headers, &rows)
    )
}
