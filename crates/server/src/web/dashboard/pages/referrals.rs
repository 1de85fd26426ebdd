//! The Referrals page: the period's clicks and what became of them, refusals by reason, the
//! review queue (approve or refuse, audited), and the referrers who brought the most.

mod texts;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;

use crate::features::audit::{self, Change};
use crate::features::referrals::{self, Decision, report, store};
use crate::features::site_keys::Scope;
use crate::platform::clock::now_ms;
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::html::{escape, table, time, urlencode};
use crate::web::dashboard::{PageContext, authorize_form, here};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Days the page covers when no period is asked for.
const DEFAULT_DAYS: i64 = 29;

#[derive(Debug, Deserialize)]
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

fn db(e: sqlx::Error) -> Response {
    ApiError::from(e).into_response()
}

/// The period asked for (30 days to today by default) and its figures, or the page saying
/// the dates are out of range.
async fn period_figures<'a>(
    state: &AppState,
    page: PageContext<'a>,
    q: &Period,
) -> Result<(PageContext<'a>, (Date, Date), report::ReferralFigures), Response> {
    let Some((from, to, start, end)) = super::report_range(q.from.as_deref(), q.to.as_deref(), DEFAULT_DAYS) else {
        return Err(page.bad_range());
    };
    let key = page.site.settings.key.as_str();
    let figures = report::figures(&mut *state.db.acquire().await.map_err(db)?, key, start, end)
        .await
        .map_err(db)?;
    Ok((page, (from, to), figures))
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(q): Query<Period>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, q.lang.as_deref(), "referrals", &here)?;
    let (t, r) = (page.frame.t, texts::texts(page.frame.locale));
    let (page, (from, to), figures) = period_figures(&state, page, &q).await?;
    let key = page.site.settings.key.as_str();
    let held = store::list(&state.db, key, Some("held"), None, 100).await.map_err(db)?;
    let f = &figures.funnel;
    let rate = f
        .completion_rate
        .map_or_else(|| "–".to_owned(), |rate| format!("{:.1}%", rate * 100.0));
    let cards = [
        (r.clicks, f.clicks.to_string()),
        (r.became_members, f.became_members.to_string()),
        (r.first_orders, f.first_orders.to_string()),
        (r.completed, f.completed.to_string()),
        (r.completion_rate, rate),
        (r.points_paid, f.points_paid.to_string()),
        (r.coupons_given, f.coupons_given.to_string()),
        (r.links_shared, f.links_shared.to_string()),
        (r.held, held.len().to_string()),
    ];
    let mut body = String::new();
    if !page.site.settings.referrals.enabled {
        body.push_str(&format!("<p role=\"note\">{}</p>", r.off));
    }
    body.push_str(&format!("<p>{}</p>", r.intro));
    body.push_str(&super::range_and_cards(t, (from, to), r.figures, &cards));

    let refusals: Vec<Vec<String>> = figures
        .refusals
        .iter()
        .map(|x| vec![escape(&r.reason(&x.reason)), x.referrals.to_string()])
        .collect();
    body.push_str(&if refusals.is_empty() {
        format!("<h2>{}</h2><p>{}</p>", r.refusals, r.no_refusals)
    } else {
        table(r.refusals, &[r.reason, r.count], &refusals)
    });

    let may_decide = staff.access.scopes_on(key).contains(Scope::PointsWrite);
    let csrf = escape(&staff.csrf);
    let queue: Vec<Vec<String>> = held
        .iter()
        .map(|h| {
            let x = &h.referral;
            let decide = |decision: &str, label: &str| {
                format!(
                    r#"<form method="post" action="/dashboard/{site}/referrals/{id}/{decision}" class="inline"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">{label}</button></form>"#,
                    site = urlencode(key),
                    id = urlencode(&x.id),
                )
            };
            let actions = if may_decide {
                format!("{}{}", decide("approve", r.approve), decide("refuse", r.refuse))
            } else {
                String::new()
            };
            vec![
                time(x.clicked_at),
                escape(&x.referrer_id),
                x.friend_id.as_deref().map(escape).unwrap_or_default(),
                x.order_value.map(|v| v.to_string()).unwrap_or_default(),
                escape(&r.reason(x.reason.as_deref().unwrap_or_default())),
                actions,
            ]
        })
        .collect();
    body.push_str(&if queue.is_empty() {
        format!("<h2>{}</h2><p>{}</p>", r.review, r.no_review)
    } else {
        table(
            r.review,
            &[t.time, r.referrer, r.friend, r.order_value, r.reason, ""],
            &queue,
        )
    });

    let leaders: Vec<Vec<String>> = figures
        .referrers
        .iter()
        .map(|x| {
            vec![
                escape(&x.member_id),
                x.clicks.to_string(),
                x.completed.to_string(),
                x.refused.to_string(),
                x.points_earned.to_string(),
            ]
        })
        .collect();
    if !leaders.is_empty() {
        body.push_str(&table(
            r.leaderboard,
            &[r.referrer, r.clicks, r.completed, r.refusals, r.points_earned],
            &leaders,
        ));
        body.push_str(&format!(
            r#"<p class="csv"><a href="/dashboard/{}/referrals.csv?from={}&amp;to={}">{}</a></p>"#,
            urlencode(key),
            super::day_text(from),
            super::day_text(to),
            r.download
        ));
    }
    Ok(page.render(t.referrals, &body))
}

/// The referrers' table of the period as CSV (the API's `insights/referrals?format=csv`).
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(q): Query<Period>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, q.lang.as_deref(), "referrals", &here)?;
    let (page, (from, to), figures) = period_figures(&state, page, &q).await?;
    let key = page.site.settings.key.as_str();
    let filename = format!("referrers-{key}-{}-{}.csv", super::day_text(from), super::day_text(to));
    Ok(crate::web::csv_download::attachment(
        &filename,
        crate::web::routes::admin::referrals::referrers_csv(&figures),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub csrf: String,
}

/// Approves (pays) or refuses a held referral, as its staff member; audited.
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, id, decision)): Path<(String, String, String)>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    let site = match authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::PointsWrite) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let decision = match decision.as_str() {
        "approve" => Decision::Approve,
        "refuse" => Decision::Refuse,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let key = site.settings.key.as_str();
    let decided = async {
        let (now, mut tx) = (now_ms(), state.writer.begin().await?);
        if let Ok(referral) = referrals::decide(&mut tx, site, &id, decision, &staff.origin.actor.label(), now).await? {
            let action = if decision == Decision::Approve {
                "referral.approve"
            } else {
                "referral.refuse"
            };
            let summary = format!(
                "referrer {}, friend {}",
                referral.referrer_id,
                referral.friend_id.as_deref().unwrap_or("-")
            );
            audit::record(
                &mut tx,
                key,
                &staff.origin,
                Change::new(action, "referral", id.as_str()).summary(summary),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    };
    match decided.await {
        // Decided before (by someone else, or this form sent twice): the page shows it as it is.
        Ok(()) => Redirect::to(&format!("/dashboard/{}/referrals", urlencode(key))).into_response(),
        Err(e) => db(e),
    }
}
