use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{date_of_ms, day_label, days};
use crate::features::audit::{self, Change};
use crate::features::experiments::results;
use crate::features::experiments::store::{self, Stored};
use crate::features::site_keys::Scope;
use crate::platform::clock::{DAY_MS, now_ms};
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::authorize_form;
use crate::web::dashboard::charts::{self, Series};
use crate::web::dashboard::html::{chance, escape, number, p_value, table};
use crate::web::dashboard::i18n::Texts;
use crate::web::dashboard::{PageContext, here};
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Lang {
    pub lang: Option<String>,
}

fn db(e: sqlx::Error) -> Response {
    crate::web::error::ApiError::from(e).into_response()
}

fn status_text(t: &crate::web::dashboard::i18n::Texts, status: &str) -> &'static str {
    match status {
        "running" => t.status_running,
        "stopped" => t.status_stopped,
        _ => t.status_draft,
    }
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, q.lang.as_deref(), "experiments", &here)?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let experiments = store::list(&state.db, key).await.map_err(db)?;
    let exposures = crate::features::experiments::exposures_by_experiment(&state.db, key)
        .await
        .map_err(db)?;
    let body = if experiments.is_empty() {
        format!("<p>{}</p>", t.no_experiments)
    } else {
        let rows: Vec<Vec<String>> = experiments
            .iter()
            .map(|e| {
                let k = escape(&e.definition.key);
                vec![
                    format!(r#"<a href="/dashboard/{}/experiments/{k}">{k}</a>"#, escape(key)),
                    escape(&e.definition.slot),
                    status_text(t, &e.status).into(),
                    days_running(e).map_or_else(|| "–".into(), |d| d.to_string()),
                    exposures.get(&e.definition.key).copied().unwrap_or(0).to_string(),
                ]
            })
            .collect();
        table(
            t.experiments,
            &[t.key, t.slot, t.status, t.days_running, t.exposures],
            &rows,
        )
    };
    Ok(page.render(t.experiments, &body))
}

fn days_running(e: &Stored) -> Option<i64> {
    let started = e.started_at?;
    Some((e.stopped_at.unwrap_or_else(now_ms) - started) / DAY_MS)
}

pub async fn detail(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, experiment)): Path<(String, String)>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, q.lang.as_deref(), "experiments", &here)?;
    let t = page.frame.t;
    let (key, locale, default) = (
        page.site.settings.key.as_str(),
        page.frame.locale,
        page.site.settings.default_locale,
    );
    let Some(stored) = store::find(&state.db, key, &experiment).await.map_err(db)? else {
        return Err((StatusCode::NOT_FOUND, Html("<!doctype html><p>No such experiment.</p>")).into_response());
    };
    let e = stored.experiment();
    let (results, computed_at) = match results::snapshot(&state.db, key, stored.clone(), page.site.settings.experiments)
        .await
        .map_err(db)?
    {
        crate::features::snapshots::Lookup::Ready(snapshot) => (snapshot.value, snapshot.computed_at),
        crate::features::snapshots::Lookup::Computing => return Err(page.computing(&stored.definition.key, "")),
    };
    let mut body = format!(
        r#"<p class="meta">{slot}: {slot_value} · {status}: <strong>{status_value}</strong>{shipped}</p>"#,
        slot = t.slot,
        slot_value = escape(&stored.definition.slot),
        status = t.status,
        status_value = status_text(t, &stored.status),
        shipped = stored
            .shipped
            .as_deref()
            .map(|s| format!(" · {}: {}", t.shipped, escape(s)))
            .unwrap_or_default(),
    );
    if results.sample_ratio.as_ref().is_some_and(|s| s.mismatch) {
        let _ = write!(body, r#"<p class="warning" role="alert">{}</p>"#, t.srm_warning);
    } else if !results.enough_data {
        let _ = write!(body, r#"<p class="notice">{}</p>"#, t.not_enough);
    }
    let _ = write!(
        body,
        r#"<p class="as-of">{}</p>"#,
        escape(
            &t.figures_as_of
                .replace("{time}", &crate::web::dashboard::html::time(computed_at))
        )
    );
    let variant_rows: Vec<Vec<String>> = results
        .variants
        .iter()
        .map(|v| {
            let text = e.variant(&v.key).and_then(|d| d.text_in(locale, default)).unwrap_or("");
            let name = if v.control {
                format!("{} ({})", escape(&v.key), t.control)
            } else {
                escape(&v.key)
            };
            vec![name, number(v.weight, 2), escape(text), v.exposures.to_string()]
        })
        .collect();
    body.push_str(&table(
        t.variant,
        &[t.variant, t.weight, t.message, t.exposures],
        &variant_rows,
    ));

    body.push_str(&analysis_notes(t, &results));

    // The widest relative interval sets the scale, so every row's interval compares with the others.
    let range = results
        .variants
        .iter()
        .flat_map(|v| &v.metrics)
        .filter_map(|m| m.vs_control.as_ref()?.relative)
        .map(|r| r.low.abs().max(r.high.abs()))
        .fold(0.0_f64, f64::max);
    let control = results.variants.iter().find(|v| v.control);
    for v in results.variants.iter().filter(|v| !v.control) {
        let rows: Vec<Vec<String>> = v
            .metrics
            .iter()
            .enumerate()
            .map(|(i, m)| {
                // Rates read as percentages; scores in their own unit.
                let scale = if m.metric.ends_with("_rate") { 100.0 } else { 1.0 };
                let unit = if scale > 1.0 { " pp" } else { "" };
                let shown = |x: f64| number(x * scale, 1);
                let read = |value: Option<f64>| {
                    value.map_or_else(
                        || "–".into(),
                        |x| {
                            if scale > 1.0 {
                                format!("{}%", shown(x))
                            } else {
                                shown(x)
                            }
                        },
                    )
                };
                let value = read(m.value);
                // Control's value for the same metric, beside the variant's.
                let control_value = read(
                    control
                        .and_then(|c| c.metrics.iter().find(|cm| cm.metric == m.metric))
                        .and_then(|cm| cm.value),
                );
                let name = escape(t.metric(&m.metric));
                let Some(c) = &m.vs_control else {
                    return vec![
                        name,
                        control_value,
                        value,
                        "–".into(),
                        "–".into(),
                        "–".into(),
                        "–".into(),
                        "–".into(),
                    ];
                };
                let percent = |x: f64| format!("{}%", number(x * 100.0, 1));
                let relative = c.relative.map_or_else(
                    || "–".into(),
                    |r| {
                        let label = format!("{} [{}, {}]", percent(r.value), percent(r.low), percent(r.high));
                        let plot = charts::interval(
                            &format!("ci-{}-{i}", escape(&v.key)),
                            &label,
                            (r.low * 100.0, r.value * 100.0, r.high * 100.0),
                            range * 100.0,
                        );
                        format!("{plot} <span>{}</span>", escape(&label))
                    },
                );
                let a = c.absolute;
                let absolute = format!("{}{unit} [{}, {}]", shown(a.value), shown(a.low), shown(a.high));
                vec![
                    name,
                    control_value,
                    value,
                    relative,
                    escape(&absolute),
                    p_value(c.relative.unwrap_or(a).p_value),
                    chance(c.chance_to_beat_control),
                    c.cuped_variance_reduction.map_or_else(|| "–".into(), percent),
                ]
            })
            .collect();
        body.push_str(&table(
            &format!("{} {}", t.variant, v.key),
            &[
                t.metric,
                t.control_value,
                &v.key,
                t.relative_change,
                t.difference,
                t.p_value,
                t.beat_control,
                t.variance_removed,
            ],
            &rows,
        ));
        body.push_str(&power_notes(t, v, results.analysis.minimum_effect));
    }

    let daily = crate::features::experiments::exposures_per_day(&state.db, key, &e.key)
        .await
        .map_err(db)?;
    let first = stored.started_at.unwrap_or(stored.created_at);
    let last = stored.stopped_at.unwrap_or_else(now_ms).max(first);
    let span = days(date_of_ms(first), date_of_ms(last));
    if daily.values().all(|&n| n == 0) {
        let _ = write!(body, r#"<p class="notice">{}</p>"#, t.no_exposures_yet);
    } else {
        let points = span
            .iter()
            .rev()
            .take(90)
            .rev()
            .map(|&d| (day_label(d), Some(daily.get(&d).copied().unwrap_or(0) as f64)))
            .collect();
        body.push_str(&charts::bars(
            "exposures",
            t,
            &Series {
                title: t.exposures_per_day,
                x: t.day,
                unit: t.unit_visitors,
                points,
                decimals: 0,
                counts: Vec::new(),
            },
        ));
    }

    let action = format!("/dashboard/{}/experiments/{}", escape(key), escape(&e.key));
    let csrf = escape(&staff.csrf);
    match stored.status.as_str() {
        "draft" => {
            let _ = write!(
                body,
                r#"<form method="post" action="{action}/start" class="actions"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">{}</button></form>"#,
                t.start
            );
        }
        "running" => {
            let options: String = e
                .variants
                .iter()
                .map(|v| format!(r#"<option value="{0}">{0}</option>"#, escape(&v.key)))
                .collect();
            let _ = write!(
                body,
                r#"<form method="post" action="{action}/stop" class="actions"><input type="hidden" name="csrf" value="{csrf}">
<label for="ship">{ship}</label> <select id="ship" name="ship">{options}<option value="">{default}</option></select>
<button type="submit">{stop}</button></form>"#,
                ship = t.ship_label,
                stop = t.stop_and_ship,
                default = t.ship_default,
            );
        }
        _ => {}
    }
    Ok(page.render(&format!("{}: {}", t.experiments, e.key), &body))
}

#[derive(Debug, Deserialize)]
pub struct StopForm {
    pub csrf: String,
    #[serde(default)]
    pub ship: String,
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    pub csrf: String,
}

pub async fn start(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, key)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    let site = match authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::ExperimentsWrite) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let site_key = site.settings.key.as_str();
    let started = async {
        let (now, mut tx) = (now_ms(), state.writer.begin().await?);
        if store::start(&mut *tx, site_key, &key, now).await? {
            let change = Change::new("experiment.start", "experiment", key.as_str());
            audit::record(&mut tx, site_key, &staff.origin, change, now).await?;
        }
        tx.commit().await
    };
    match started.await {
        Ok(_) => back_to(&site.settings.key, &key),
        // Another experiment runs in the slot: the page shows this one unchanged.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => back_to(&site.settings.key, &key),
        Err(e) => db(e),
    }
}

pub async fn stop(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, key)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<StopForm>,
) -> Response {
    let site = match authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::ExperimentsWrite) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let stored = match store::find(&state.db, &site.settings.key, &key).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return db(e),
    };
    let ship = Some(form.ship.as_str()).filter(|s| !s.is_empty());
    if ship.is_some_and(|s| stored.experiment().variant(s).is_none()) {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    let site_key = site.settings.key.as_str();
    let stopped = async {
        let (now, mut tx) = (now_ms(), state.writer.begin().await?);
        if store::stop_in(&mut tx, site_key, &key, ship, now).await? {
            let shipped = ship.unwrap_or("the default text");
            let change =
                Change::new("experiment.stop", "experiment", key.as_str()).summary(format!("shipped {shipped}"));
            audit::record(&mut tx, site_key, &staff.origin, change, now).await?;
        }
        tx.commit().await
    };
    match stopped.await {
        Ok(_) => back_to(&site.settings.key, &key),
        Err(e) => db(e),
    }
}

fn back_to(site: &str, key: &str) -> Response {
    Redirect::to(&format!("/dashboard/{site}/experiments/{key}")).into_response()
}

/// What kind of comparison the page shows, in plain words.
fn analysis_notes(t: &Texts, results: &results::Results) -> String {
    let a = &results.analysis;
    let notes = [
        t.analysis_randomized,
        if a.sequential {
            t.analysis_sequential
        } else {
            t.analysis_fixed
        },
        if a.cuped {
            t.analysis_cuped
        } else {
            t.analysis_cuped_off
        },
    ];
    notes
        .iter()
        .map(|n| format!(r#"<p class="note">{}</p>"#, escape(n)))
        .collect()
}

/// A running variant's power on each metric that has one.
fn power_notes(t: &Texts, v: &results::VariantResult, effect: f64) -> String {
    let percent = |x: f64| format!("{}%", number(x * 100.0, 1));
    v.metrics
        .iter()
        .filter_map(|m| {
            let power = m.power?;
            let metric = t.metric(&m.metric);
            let sentence = match power.days_to_detect {
                Some(days) if days <= 0.0 => t.power_now.to_owned(),
                Some(days) => t.power_sentence.replace("{days}", &number(days.ceil(), 0)).replace(
                    "{mde}",
                    &power.minimum_detectable_effect.map_or_else(|| "–".into(), percent),
                ),
                None => t.power_beyond.to_owned(),
            };
            let sentence = sentence
                .replace("{effect}", &percent(effect))
                .replace("{metric}", metric);
            Some(format!(r#"<p class="power">{}</p>"#, escape(&sentence)))
        })
        .collect()
}
