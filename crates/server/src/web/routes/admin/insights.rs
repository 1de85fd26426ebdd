//! The Loyalty page's figures for the host's own reports: `GET /v1/admin/sites/{site}/insights`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::experiments::stats::Comparison;
use crate::features::insights::{self, Returns, Satisfaction};
use crate::platform::clock::{DAY_MS, now_ms};
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// 2000-01-01 and 2200-01-01 (ms): outside, a date is a broken clock, not a report.
const EARLIEST: i64 = 946_684_800_000;
const LATEST: i64 = 7_258_118_400_000;
const MAX_RANGE_MS: i64 = 366 * DAY_MS;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsightsQuery {
    /// The range's start (ms since the Unix epoch; default: 84 days before `to`). Weeks start here.
    pub from: Option<i64>,
    /// The range's end, not included (ms since the Unix epoch; default: now).
    pub to: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TierCount {
    pub tier: String,
    pub members: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WeekPoints {
    /// The week's first millisecond.
    pub start: i64,
    pub issued: i64,
    pub redeemed: i64,
    /// Every balance added up at the week's end.
    pub outstanding: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TierMove {
    /// Empty: below the first tier.
    pub from: String,
    pub to: String,
    pub members: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupSatisfaction {
    /// Absent: visitors who are not members.
    pub tier: Option<String>,
    pub csat_answers: i64,
    /// Mean of the faces, 1 to 5; absent without answers.
    pub csat: Option<f64>,
    pub nps_answers: i64,
    /// −100 to 100; absent without answers.
    pub nps: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupReturns {
    /// `not_members`, `members`, or a tier's name.
    pub group: String,
    pub visitors: i64,
    pub visits: i64,
    /// Visitors back 30 minutes to 30 days after a page view.
    pub returned: i64,
    pub return_rate: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Insights {
    pub from: i64,
    pub to: i64,
    pub members: i64,
    /// Members per tier today, in tier order, named in the site's default locale.
    pub members_per_tier: Vec<TierCount>,
    /// Members below the first tier.
    pub untiered: i64,
    pub weeks: Vec<WeekPoints>,
    pub points_issued: i64,
    pub points_redeemed: i64,
    /// What the program owes at `to`.
    pub points_outstanding: i64,
    /// Redeemed over issued; absent when nothing was issued.
    pub redemption_rate: Option<f64>,
    pub tier_moves: Vec<TierMove>,
    pub satisfaction: Vec<GroupSatisfaction>,
    pub returns: Vec<GroupReturns>,
    /// Members with a purchase the host vouched for in the range, and those with two or more.
    pub purchasers: i64,
    pub repeat_purchasers: i64,
    /// Members with a page view in the previous period of the same length, and those of them
    /// with none in the range.
    pub previously_active: i64,
    pub churned: i64,
    /// Detractors' recovery cases opened in the range, resolved or still open, and how many of
    /// those detractors came back 30 minutes to 30 days after their answer.
    pub recovery: RecoveryReturns,
    /// Resolved against open (resolved minus open return rate), once each side has 30 cases.
    pub recovery_comparison: Option<Comparison>,
    /// Resolved against open: the share of next answers that were not low, among detractors
    /// who answered again, once each side has 30 of them.
    pub next_answer_comparison: Option<Comparison>,
    /// Per week of joining in the range: new members, and how many had a page view 1, 2, 4 and
    /// 8 weeks later (`null`: that week has not come yet).
    pub cohorts: Vec<CohortRow>,
    /// Surprises, per tier (today's; "" below the first tier): members given a gift in a week
    /// of the range, and members active that week without one, counted once a member and week,
    /// and how many came back 30 minutes to 30 days later. Observational.
    pub gift_effect: Vec<GiftEffect>,
    /// Gifted minus not gifted, within tiers (weighted by gifted members), once each side has 30.
    /// Observational.
    pub gift_comparison: Option<Comparison>,
    /// Surprise rules and recovery's goodwill that hold out a share: those given against those
    /// held out, on what they did in the 30 days after. Randomized: the difference is the
    /// gift's effect.
    pub holdouts: Vec<crate::features::holdouts::HoldoutComparison>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CohortRow {
    /// The week's first millisecond.
    pub start: i64,
    pub members: i64,
    /// 1, 2, 4 and 8 weeks later.
    pub still_visiting: Vec<Option<i64>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GiftEffect {
    pub tier: String,
    pub gifted: insights::CameBack,
    pub others: insights::CameBack,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryReturns {
    pub resolved: insights::Cases,
    pub open: insights::Cases,
}

impl InsightsQuery {
    /// The range asked for (`days` before `to` by default), or `invalid_range`.
    fn range(&self, days: i64) -> Result<(i64, i64), ApiError> {
        checked_range(self.from, self.to, days)
    }
}

/// `from` and `to` as asked (`days` before `to`, and now, by default), or `invalid_range`.
pub(super) fn checked_range(from: Option<i64>, to: Option<i64>, days: i64) -> Result<(i64, i64), ApiError> {
    let to = to.unwrap_or_else(now_ms);
    let from = from.unwrap_or_else(|| to.saturating_sub(days * DAY_MS));
    if !(EARLIEST..LATEST).contains(&from)
        || !(EARLIEST..=LATEST).contains(&to)
        || from >= to
        || to - from > MAX_RANGE_MS
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_range",
            "from must be before to, both in the years 2000 to 2199, at most 366 days apart",
        ));
    }
    Ok((from, to))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContextReport {
    pub from: i64,
    pub to: i64,
    /// Every context key the range's answers carry, its values most answered first (none for a
    /// key with more than 50 of them, such as ticket numbers: `distinct` says how many).
    pub keys: Vec<crate::features::support::ContextKey>,
}

/// CSAT and NPS per value of each context key (`agent`, `topic`...) answers carried in a range,
/// with counts and 95% intervals: the dashboard's Support page.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/context",
    params(("site" = String, Path), InsightsQuery),
    security(("admin_key" = ["insights:read"])),
    responses(
        (status = 200, body = ContextReport),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_site, invalid_range (from before to, both in the years 2000 to 2199, at most 366 days apart)"),
    )
)]
pub async fn context_report(
    _: Admin<needs::InsightsRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<InsightsQuery>, QueryRejection>,
) -> Result<Json<ContextReport>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let Query(query) = query.map_err(super::bad_query)?;
    let (from, to) = query.range(30)?;
    let keys = crate::features::support::report(&state.db, &site.settings.key, from, to).await?;
    Ok(Json(ContextReport { from, to, keys }))
}

/// Loyalty insights for a range: members per tier, points issued, redeemed and owed per week,
/// tier moves, CSAT and NPS by tier, return rates, repeat purchases and churn.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/insights",
    params(("site" = String, Path), InsightsQuery),
    security(("admin_key" = ["insights:read"])),
    responses(
        (status = 200, body = Insights),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_site, invalid_range (from before to, both in the years 2000 to 2199, at most 366 days apart)"),
    )
)]
pub async fn insights(
    _: Admin<needs::InsightsRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<InsightsQuery>, QueryRejection>,
) -> Result<Json<Insights>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let Query(query) = query.map_err(super::bad_query)?;
    let (from, to) = query.range(84)?;
    // Computed for this request, exactly: the host's reports run now and then, not on every page view.
    let l = insights::loyalty(&state.db, site, from, to)
        .await?
        .localized(site, site.settings.default_locale);
    let group = |s: &Satisfaction| GroupSatisfaction {
        tier: s.tier.clone(),
        csat_answers: s.csat_answers,
        csat: s.csat(),
        nps_answers: s.nps_answers,
        nps: s.nps(),
    };
    let returns = |name: &str, r: &Returns| GroupReturns {
        group: name.to_owned(),
        visitors: r.visitors,
        visits: r.visits,
        returned: r.returned,
        return_rate: r.return_rate(),
    };
    let mut all_returns = vec![
        returns("not_members", &l.returns_not_members),
        returns("members", &l.returns_members),
    ];
    all_returns.extend(l.returns_by_tier.iter().map(|(tier, r)| returns(tier, r)));
    Ok(Json(Insights {
        from,
        to,
        members: l.members,
        members_per_tier: l
            .tiers
            .iter()
            .map(|(tier, members)| TierCount {
                tier: tier.clone(),
                members: *members,
            })
            .collect(),
        untiered: l.untiered,
        weeks: l
            .weeks
            .iter()
            .map(|w| WeekPoints {
                start: w.start,
                issued: w.issued,
                redeemed: w.redeemed,
                outstanding: w.outstanding,
            })
            .collect(),
        points_issued: l.issued,
        points_redeemed: l.redeemed,
        points_outstanding: l.outstanding,
        redemption_rate: l.redemption_rate,
        tier_moves: l
            .tier_moves
            .iter()
            .map(|(from, to, members)| TierMove {
                from: from.clone(),
                to: to.clone(),
                members: *members,
            })
            .collect(),
        satisfaction: l.satisfaction.iter().map(group).collect(),
        returns: all_returns,
        purchasers: l.purchasers,
        repeat_purchasers: l.repeat_purchasers,
        previously_active: l.previously_active,
        churned: l.churned,
        recovery: RecoveryReturns {
            resolved: l.recovery_resolved,
            open: l.recovery_open,
        },
        recovery_comparison: l.recovery_comparison(),
        next_answer_comparison: l.next_answer_comparison(),
        cohorts: l
            .cohorts
            .iter()
            .map(|c| CohortRow {
                start: c.start,
                members: c.members,
                still_visiting: c.still_visiting.clone(),
            })
            .collect(),
        gift_effect: l
            .gift_effect
            .iter()
            .map(|g| GiftEffect {
                tier: g.tier.clone(),
                gifted: g.gifted,
                others: g.others,
            })
            .collect(),
        gift_comparison: l.gift_comparison(),
        holdouts: l.holdouts.clone(),
    }))
}
