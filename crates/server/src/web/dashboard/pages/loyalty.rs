//! The Loyalty page: members per tier, and the points the program issued, redeemed and owes,
//! per week of a date range (`crate::features::insights` computes them).
//!
//! Over 500 lines: the page's tables and their CSV export share one shape.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::overview::Range;
use super::{date_of_ms, day_text};
use crate::features::experiments::stats::Comparison;
use crate::features::insights::DEFAULT_RANGE_DAYS as TWELVE_WEEKS;
use crate::features::insights::{CameBack, Cases, Loyalty, MIN_GROUP, Returns};
use crate::features::snapshots::Lookup;
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::charts::{self, Series};
use crate::web::dashboard::html::{escape, grouped, number, table};
use crate::web::dashboard::i18n::Texts;
use crate::web::dashboard::{PageContext, here};
use crate::web::state::AppState;

pub async fn loyalty(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(range): Query<Range>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, range.lang.as_deref(), "loyalty", &here)?;
    let t = page.frame.t;
    let Some((from, to, start, end)) = super::report_range(range.from.as_deref(), range.to.as_deref(), TWELVE_WEEKS)
    else {
        return Err(page.bad_range());
    };
    let db = |e: sqlx::Error| axum::response::IntoResponse::into_response(crate::web::error::ApiError::from(e));
    // A range seen for the first time: what the rollups give at once, and the tables (which
    // need individual rows) when their snapshot is ready; the page reloads itself until then.
    let (l, computed_at) =
        match crate::features::insights::loyalty_snapshot(&state.db, state.sites.clone(), &site, start, end)
            .await
            .map_err(db)?
        {
            Lookup::Ready(snapshot) => (
                snapshot.value.localized(page.site, page.frame.locale),
                Some(snapshot.computed_at),
            ),
            Lookup::Computing => (
                crate::features::insights::loyalty_at_once(&state.db, page.site, start, end)
                    .await
                    .map_err(db)?,
                None,
            ),
        };

    let mut body = super::range_and_cards(
        t,
        (from, to),
        t.loyalty,
        &[
            (t.members, l.members.to_string()),
            (t.points_outstanding, l.outstanding.to_string()),
            (t.points_issued, l.issued.to_string()),
            (t.points_redeemed, l.redeemed.to_string()),
            (
                t.redemption_rate,
                l.redemption_rate
                    .map_or_else(|| "–".into(), |r| format!("{}%", number(100.0 * r, 1))),
            ),
        ],
    );
    if l.members == 0 {
        body.push_str(&format!(r#"<p class="notice">{}</p>"#, escape(t.no_members_yet)));
        return Ok(page.render(t.loyalty, &body));
    }
    let Some(computed_at) = computed_at else {
        return Ok(page.computing_beside(t.loyalty, &body, &charts(t, &l)));
    };
    body.push_str(&format!(
        r#"<p class="as-of">{}</p>"#,
        escape(
            &t.figures_as_of
                .replace("{time}", &crate::web::dashboard::html::time(computed_at))
        )
    ));

    let tables = tables(t, &l);
    // What the detractors wrote, beside what became of their cases.
    let low_themes = super::themes::section(
        &state,
        t,
        page.site.settings.key.as_str(),
        crate::web::routes::admin::themes::days(start, end),
        super::themes::Shape::LowOnly,
        None,
    )
    .await
    .map_err(db)?;
    let csv_link = |key: &str| {
        let href = format!(
            "/dashboard/{}/loyalty.csv?table={key}&from={}&to={}",
            escape(&site),
            day_text(from),
            day_text(to)
        );
        format!(r#"<p class="csv"><a href="{href}">{}</a></p>"#, escape(t.download_csv))
    };
    for table_ in &tables {
        // The CSV keeps the plain figures; the page groups their thousands.
        let rows: Vec<Vec<String>> = table_
            .rows
            .iter()
            .map(|r| r.iter().map(|c| escape(&grouped(c))).collect())
            .collect();
        let headers: Vec<&str> = table_.headers.iter().map(String::as_str).collect();
        if !rows.is_empty() {
            body.push_str(&table(&table_.caption, &headers, &rows));
            body.push_str(&csv_link(table_.key));
        }
        // What each table needs beside it.
        match table_.key {
            "moves" => {
                let moved: i64 = l.tier_moves.iter().map(|(.., n)| n).sum();
                body.push_str(&format!(
                    "<p>{}</p>",
                    escape(
                        &t.tier_moves_summary
                            .replace("{up}", &moved.to_string())
                            .replace("{down}", "0")
                    )
                ));
            }
            "recovery" => body.push_str(&format!(
                "<p>{}</p><p>{}</p>{low_themes}",
                escape(&recovery_effect(t, &l)),
                escape(&next_answer_effect(t, &l))
            )),
            "holdouts" if !table_.rows.is_empty() => {
                body.push_str(&format!(r#"<p class="note">{}</p>"#, escape(t.holdout_how)));
            }
            "gifts" => body.push_str(&format!(
                "<p>{}</p><p>{}</p>",
                escape(t.gift_effect_how),
                escape(&gift_effect(t, &l))
            )),
            "cohorts" if !table_.rows.is_empty() => body.push_str(&heatmap(t, &table_.rows, &table_.headers[2..])),
            _ => {}
        }
    }

    body.push_str(&charts(t, &l));
    Ok(page.render(t.loyalty, &body))
}

/// The points issued per week and owed at each week's end, where there is something to draw.
fn charts(t: &Texts, l: &Loyalty) -> String {
    let mut drawn = String::new();
    let week_label = |start: i64| day_text(date_of_ms(start));
    // Charts only where there is something to draw.
    if l.issued > 0 {
        let points = l
            .weeks
            .iter()
            .map(|w| (week_label(w.start), Some(w.issued as f64)))
            .collect();
        drawn.push_str(&charts::bars(
            "issued",
            t,
            &Series {
                title: t.issued_per_week,
                x: t.week,
                unit: t.unit_points,
                points,
                decimals: 0,
                counts: Vec::new(),
            },
        ));
    }
    if l.weeks.iter().any(|w| w.outstanding != 0) {
        let max = l.weeks.iter().map(|w| w.outstanding).max().unwrap_or(0).max(1) as f64;
        let points = l
            .weeks
            .iter()
            .map(|w| (week_label(w.start), Some(w.outstanding as f64)))
            .collect();
        drawn.push_str(&charts::line(
            "outstanding",
            t,
            &Series {
                title: t.outstanding_per_week,
                x: t.week,
                unit: t.unit_points,
                points,
                decimals: 0,
                counts: Vec::new(),
            },
            (0.0, max),
        ));
    }
    drawn
}

/// One table of the page: a key for its CSV, its caption and headers, and its cells as text
/// (escaped when drawn as HTML).
struct LoyaltyTable {
    key: &'static str,
    caption: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Every table of the Loyalty page, in the page's order.
fn tables(t: &Texts, l: &Loyalty) -> Vec<LoyaltyTable> {
    let make = |key, caption: &str, headers: &[&str], rows| LoyaltyTable {
        key,
        caption: caption.to_owned(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    };
    let percent = |value: Option<f64>| value.map_or_else(|| "–".into(), |v| format!("{}%", number(100.0 * v, 1)));
    let read = |value: Option<f64>, decimals| value.map_or_else(|| "–".into(), |v| number(v, decimals));
    let share_of = |part: i64, whole: i64| percent((whole > 0).then(|| part as f64 / whole as f64));
    // A member below the first tier has no tier's name: they are "below the first tier".
    let tier_name = |name: &str| {
        if name.is_empty() {
            t.untiered.to_owned()
        } else {
            name.to_owned()
        }
    };

    let mut tiers: Vec<Vec<String>> = l
        .tiers
        .iter()
        .map(|(name, n)| vec![name.clone(), n.to_string(), share_of(*n, l.members)])
        .collect();
    if l.untiered > 0 {
        tiers.insert(
            0,
            vec![
                t.untiered.to_owned(),
                l.untiered.to_string(),
                share_of(l.untiered, l.members),
            ],
        );
    }
    let moves = l
        .tier_moves
        .iter()
        .map(|(from, to, n)| vec![tier_name(from), tier_name(to), n.to_string()])
        .collect();
    let satisfaction = l
        .satisfaction
        .iter()
        .map(|g| {
            vec![
                g.tier.clone().unwrap_or_else(|| t.not_members.to_owned()),
                read(g.csat(), 2),
                g.csat_answers.to_string(),
                read(g.nps(), 0),
                g.nps_answers.to_string(),
            ]
        })
        .collect();
    let return_row = |name: &str, r: &Returns| {
        vec![
            name.to_owned(),
            r.visitors.to_string(),
            read(r.visits_per_visitor(), 2),
            percent(r.return_rate()),
        ]
    };
    let mut returns = vec![
        return_row(t.not_members, &l.returns_not_members),
        return_row(t.members, &l.returns_members),
    ];
    returns.extend(l.returns_by_tier.iter().map(|(tier, r)| return_row(tier, r)));
    let behaviour = vec![
        vec![t.purchasers.to_owned(), l.purchasers.to_string()],
        vec![t.repeat_purchasers.to_owned(), l.repeat_purchasers.to_string()],
        vec![
            t.repeat_purchase_rate.to_owned(),
            share_of(l.repeat_purchasers, l.purchasers),
        ],
        vec![t.previously_active.to_owned(), l.previously_active.to_string()],
        vec![t.churned.to_owned(), l.churned.to_string()],
        vec![t.churn.to_owned(), share_of(l.churned, l.previously_active)],
    ];
    let case_row = |name: &str, c: &Cases| {
        vec![
            name.to_owned(),
            c.cases.to_string(),
            c.returned.to_string(),
            share_of(c.returned, c.cases),
            c.answered_again.to_string(),
            share_of(c.next_not_low, c.answered_again),
        ]
    };
    let recovery = vec![
        case_row(t.case_resolved, &l.recovery_resolved),
        case_row(t.case_open, &l.recovery_open),
    ];
    let gifts = l
        .gift_effect
        .iter()
        .map(|g| {
            let side = |c: &CameBack| {
                [
                    c.members.to_string(),
                    c.returned.to_string(),
                    share_of(c.returned, c.members),
                ]
            };
            let mut row = vec![tier_name(&g.tier)];
            row.extend(side(&g.gifted));
            row.extend(side(&g.others));
            row
        })
        .collect();
    let cohorts = l
        .cohorts
        .iter()
        .map(|c| {
            let mut row = vec![day_text(date_of_ms(c.start)), c.members.to_string()];
            row.extend(
                c.still_visiting
                    .iter()
                    .map(|v| v.map_or_else(|| "–".into(), |n| share_of(n, c.members))),
            );
            row
        })
        .collect();
    let weeks_later: Vec<String> = crate::features::insights::WEEKS_LATER
        .iter()
        .map(|k| t.weeks_later.replace("{n}", &k.to_string()))
        .collect();
    let mut cohort_headers = vec![t.joined_week, t.new_members];
    cohort_headers.extend(weeks_later.iter().map(String::as_str));
    let weeks = l
        .weeks
        .iter()
        .map(|w| {
            vec![
                day_text(date_of_ms(w.start)),
                w.issued.to_string(),
                w.redeemed.to_string(),
                w.outstanding.to_string(),
            ]
        })
        .collect();
    let holdouts = holdout_rows(t, l);
    vec![
        make("tiers", t.members_per_tier, &[t.tier, t.members, t.share], tiers),
        make("moves", t.tier_moves, &[t.from_tier, t.to_tier, t.members], moves),
        make(
            "satisfaction",
            t.satisfaction_by_tier,
            &[t.tier, t.csat, t.answers, t.nps, t.answers],
            satisfaction,
        ),
        make(
            "returns",
            t.returns_title,
            &[t.tier, t.visitors, t.visits_per_visitor, t.return_rate],
            returns,
        ),
        make("purchases", t.purchases_and_churn, &[t.measure, t.value], behaviour),
        make(
            "recovery",
            t.recovery_effect,
            &[
                t.status,
                t.cases,
                t.came_back,
                t.return_rate,
                t.answered_again,
                t.next_not_low,
            ],
            recovery,
        ),
        make(
            "gifts",
            t.gift_effect,
            &[
                t.tier,
                t.given_gift,
                t.came_back,
                t.return_rate,
                t.active_no_gift,
                t.came_back,
                t.return_rate,
            ],
            gifts,
        ),
        make(
            "holdouts",
            t.holdouts_title,
            &[
                t.treatment,
                t.holdout_share,
                t.metric,
                t.given_side,
                t.counted,
                t.held_out_side,
                t.counted,
                t.holdout_difference,
                t.relative_change,
                t.p_value,
            ],
            holdouts,
        ),
        make("cohorts", t.cohorts, &cohort_headers, cohorts),
        make(
            "weeks",
            t.points_per_week,
            &[t.week, t.points_issued, t.points_redeemed, t.points_outstanding],
            weeks,
        ),
    ]
}

/// One table of the Loyalty page as CSV (`?table=tiers`, `weeks`…, with the page's range).
pub async fn loyalty_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(query): Query<CsvQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, query.lang.as_deref(), "loyalty", &here)?;
    let Some((from, to, start, end)) = super::report_range(query.from.as_deref(), query.to.as_deref(), TWELVE_WEEKS)
    else {
        return Err(page.bad_range());
    };
    let db = |e: sqlx::Error| axum::response::IntoResponse::into_response(crate::web::error::ApiError::from(e));
    let l = match crate::features::insights::loyalty_snapshot(&state.db, state.sites.clone(), &site, start, end)
        .await
        .map_err(db)?
    {
        Lookup::Ready(snapshot) => snapshot.value.localized(page.site, page.frame.locale),
        // Not ready yet: a spreadsheet tool retries after Retry-After.
        Lookup::Computing => {
            return Err((
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "3")],
                "computing; retry in a few seconds",
            )
                .into_response());
        }
    };
    let tables = tables(page.frame.t, &l);
    let Some(found) = tables.iter().find(|x| Some(x.key) == query.table.as_deref()) else {
        return Err(StatusCode::NOT_FOUND.into_response());
    };
    // A missing figure is an empty cell, not a dash, in a spreadsheet.
    let cells = |row: &[String]| -> String {
        crate::platform::csv::row(
            &row.iter()
                .map(|c| if c == "–" { "" } else { c.as_str() })
                .collect::<Vec<_>>(),
        )
    };
    let mut body = cells(&found.headers);
    for row in &found.rows {
        body.push_str(&cells(row));
    }
    let filename = format!("loyalty-{}-{}-{}.csv", found.key, day_text(from), day_text(to));
    Ok(crate::web::csv_download::attachment(&filename, body))
}

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    pub table: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

/// The retention table as a heat map: one row per week of joining, one column per "weeks
/// later", each cell's shade its share, with the number written in it.
fn heatmap(t: &Texts, rows: &[Vec<String>], headers: &[String]) -> String {
    use std::fmt::Write;
    let (label_width, cell_width, cell_height) = (96.0, 84.0, 28.0);
    let width = label_width + cell_width * headers.len() as f64;
    let height = cell_height * (rows.len() + 1) as f64;
    let mut cells = String::new();
    for (i, header) in headers.iter().enumerate() {
        let _ = write!(
            cells,
            r#"<text class="tick" x="{:.1}" y="18" text-anchor="middle">{}</text>"#,
            label_width + cell_width * (i as f64 + 0.5),
            escape(header)
        );
    }
    for (r, row) in rows.iter().enumerate() {
        let y = cell_height * (r + 1) as f64;
        let _ = write!(
            cells,
            r#"<text class="tick" x="0" y="{:.1}">{}</text>"#,
            y + 18.0,
            escape(&row[0])
        );
        for (i, value) in row[2..].iter().enumerate() {
            let share = value.trim_end_matches('%').parse::<f64>().map_or(0.0, |p| p / 100.0);
            let x = label_width + cell_width * i as f64;
            let _ = write!(
                cells,
                r#"<rect class="heat" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill-opacity="{o:.2}"/><text class="heat-value" x="{tx:.1}" y="{ty:.1}" text-anchor="middle">{value}</text>"#,
                w = cell_width - 2.0,
                h = cell_height - 2.0,
                o = 0.08 + 0.92 * share,
                tx = x + cell_width / 2.0,
                ty = y + 18.0,
                value = escape(value),
            );
        }
    }
    format!(
        r#"<figure class="chart"><svg class="heatmap" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="cohorts-title"><title id="cohorts-title">{title}</title>{cells}</svg><figcaption>{title}</figcaption></figure>"#,
        title = escape(t.cohorts),
    )
}

/// One row per holdout and metric: each side's value and size, and the randomized difference.
fn holdout_rows(t: &Texts, l: &Loyalty) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for h in &l.holdouts {
        let treatment = match &h.rule {
            Some(rule) => rule.clone(),
            None => t.goodwill_credit.to_owned(),
        };
        for m in &h.metrics {
            // Rates as percentages (differences in percentage points); points and scores as they are.
            let rate = matches!(m.metric.as_str(), "return_30d" | "repeat_purchase");
            let value = |v: Option<f64>| match v {
                Some(v) if rate => format!("{}%", number(100.0 * v, 1)),
                Some(v) => number(v, 1),
                None => "–".into(),
            };
            let scale = if rate { 100.0 } else { 1.0 };
            let unit = if rate { " pp" } else { "" };
            let (difference, relative, p) = match &m.effect {
                Some(e) => {
                    let a = e.absolute;
                    let shown = |x: f64| number(scale * x, 1);
                    (
                        format!("{}{unit} [{}, {}]", shown(a.value), shown(a.low), shown(a.high)),
                        e.relative.map_or_else(
                            || "–".into(),
                            |r| {
                                let pc = |x: f64| format!("{}%", number(100.0 * x, 1));
                                format!("{} [{}, {}]", pc(r.value), pc(r.low), pc(r.high))
                            },
                        ),
                        crate::web::dashboard::html::p_value(e.relative.unwrap_or(a).p_value),
                    )
                }
                None => ("–".into(), "–".into(), "–".into()),
            };
            rows.push(vec![
                treatment.clone(),
                format!("{}%", number(100.0 * h.holdout, 0)),
                t.metric(&m.metric).to_owned(),
                value(m.treated),
                m.n_treated.to_string(),
                value(m.held_out),
                m.n_held_out.to_string(),
                difference,
                relative,
                p,
            ]);
        }
    }
    rows
}

/// An effect in a sentence: `template`'s difference (in percentage points, its sign in words),
/// interval and p-value; `too_few` until there is enough data.
fn effect_sentence(t: &Texts, template: &str, too_few: &str, comparison: Option<Comparison>) -> String {
    let Some(c) = comparison else {
        return too_few.replace("{n}", &MIN_GROUP.to_string());
    };
    let points = |x: f64| number(100.0 * x, 1);
    template
        .replace("{direction}", if c.difference < 0.0 { t.less } else { t.more })
        .replace("{difference}", &points(c.difference.abs()))
        .replace("{low}", &points(c.difference_low))
        .replace("{high}", &points(c.difference_high))
        .replace("{p}", &crate::web::dashboard::html::p_value(c.p_value))
}

fn recovery_effect(t: &Texts, l: &Loyalty) -> String {
    effect_sentence(t, t.recovery_sentence, t.too_few_cases, l.recovery_comparison())
}

fn next_answer_effect(t: &Texts, l: &Loyalty) -> String {
    effect_sentence(
        t,
        t.next_answer_sentence,
        t.too_few_next_answers,
        l.next_answer_comparison(),
    )
}

fn gift_effect(t: &Texts, l: &Loyalty) -> String {
    effect_sentence(t, t.gift_sentence, t.too_few_gifts, l.gift_comparison())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::insights::{Cases, Loyalty};

    #[test]
    fn the_recovery_comparison_says_what_it_means_or_that_it_cannot_yet() {
        let t = crate::web::dashboard::i18n::texts(moments_protocol::Locale::En);
        let with = |open: Cases, resolved: Cases| {
            recovery_effect(
                t,
                &Loyalty {
                    recovery_open: open,
                    recovery_resolved: resolved,
                    ..Default::default()
                },
            )
        };
        // 10 of 40 open cases came back (25%), 30 of 40 resolved ones (75%): 50 points more.
        let sentence = with(
            Cases {
                cases: 40,
                returned: 10,
                ..Default::default()
            },
            Cases {
                cases: 40,
                returned: 30,
                ..Default::default()
            },
        );
        assert!(
            sentence.starts_with("Detractors whose case was resolved came back 50 percentage points more often"),
            "{sentence}"
        );
        assert!(
            sentence.contains("p < 0.001") && sentence.contains("Observational"),
            "{sentence}"
        );
        assert_eq!(
            with(
                Cases {
                    cases: 29,
                    returned: 9,
                    ..Default::default()
                },
                Cases {
                    cases: 40,
                    returned: 30,
                    ..Default::default()
                }
            ),
            "Too few cases to tell yet: each group needs at least 30."
        );
        // Resolved ones coming back less reads "less", with the interval's signs kept.
        let worse = with(
            Cases {
                cases: 40,
                returned: 30,
                ..Default::default()
            },
            Cases {
                cases: 40,
                returned: 10,
                ..Default::default()
            },
        );
        assert!(
            worse.starts_with("Detractors whose case was resolved came back 50 percentage points less often"),
            "{worse}"
        );
        assert!(worse.contains("(95% interval -69 to -31; p < 0.001)"), "{worse}");
    }

    #[test]
    fn the_gift_comparison_is_made_within_tiers() {
        use crate::features::insights::{CameBack, GiftStratum};
        let t = crate::web::dashboard::i18n::texts(moments_protocol::Locale::En);
        let stratum = |tier: &str, gifted: (i64, i64), others: (i64, i64)| GiftStratum {
            tier: tier.into(),
            gifted: CameBack {
                members: gifted.0,
                returned: gifted.1,
            },
            others: CameBack {
                members: others.0,
                returned: others.1,
            },
        };
        // Gold members get most gifts and come back more anyway: 80% with or without a gift;
        // Bronze 10% either way. Pooled, gifts would look like +57 points; within tiers, 0.
        let l = Loyalty {
            gift_effect: vec![
                stratum("Bronze", (20, 2), (200, 20)),
                stratum("Gold", (200, 160), (20, 16)),
            ],
            ..Default::default()
        };
        let sentence = gift_effect(t, &l);
        assert!(
            sentence.starts_with("Within their tier, members given a gift came back 0 percentage points more often"),
            "{sentence}"
        );
        assert!(
            sentence.contains("p 1") && sentence.contains("not a randomised test"),
            "{sentence}"
        );
        let few = Loyalty {
            gift_effect: vec![stratum("Gold", (29, 20), (200, 100))],
            ..Default::default()
        };
        assert_eq!(
            gift_effect(t, &few),
            "Too few to tell yet: members given a gift and members without one each need at least 30."
        );
    }
}
