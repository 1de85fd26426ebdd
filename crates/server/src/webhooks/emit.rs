//! The facts that become webhook events, each queued in the transaction that makes the fact.
//! Each reads what its event needs only when some endpoint wants it.

use moments_protocol::domain::Score;
use sqlx::AnyConnection;

use super::events::{Event, EventType, ExperimentStopped, FeedbackReceived, PointsChanged, RecoveryOpened, RecoveryResolved, Surprise, TierChanged};
use super::store::{self, AnswerFacts};
use crate::ledger::{self, StoredEntry};
use crate::sites::Site;

async fn queue(tx: &mut AnyConnection, site: &str, endpoints: &[String], event: Event, now: i64) -> Result<(), sqlx::Error> {
    store::enqueue(tx, site, event.event_type().name(), &event.data(), endpoints, now).await.map(drop)
}

/// `send(tx, site, event)` for events whose data is at hand.
pub async fn send(tx: &mut AnyConnection, site: &str, event: Event, now: i64) -> Result<(), sqlx::Error> {
    let endpoints = store::subscribers(tx, site, event.event_type().name()).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    queue(tx, site, &endpoints, event, now).await
}

/// Only the path: a query string may carry an email address or an order number.
fn path_of(page_url: Option<&str>) -> Option<String> {
    let url = reqwest::Url::parse(page_url?).ok()?;
    Some(url.path().to_owned())
}

fn is_low(facts: &AnswerFacts) -> bool {
    let scale = match facts.scale.as_str() {
        "nps" => moments_protocol::wire::Scale::Nps,
        "thumbs" => moments_protocol::wire::Scale::Thumbs,
        _ => moments_protocol::wire::Scale::Csat5,
    };
    Score::parse(scale, facts.score).is_ok_and(|s| s.is_low())
}

/// A new answer, or a comment added to one (`feedback.received` again, with the comment).
pub async fn feedback_received(tx: &mut AnyConnection, site: &str, event_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let endpoints = store::subscribers(tx, site, EventType::FeedbackReceived.name()).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some(facts) = store::answer(tx, site, event_id).await? else { return Ok(()) };
    let variants = store::variants_seen(tx, site, &facts.visitor_id, facts.received_at).await?;
    let event = FeedbackReceived {
        low: is_low(&facts),
        page: path_of(facts.page_url.as_deref()),
        context: facts.context.as_deref().and_then(|c| serde_json::from_str(c).ok()),
        case_id: facts.case_id,
        dashboard_url: None,
        id: facts.id,
        site: site.to_owned(),
        scale: facts.scale,
        score: facts.score,
        comment: facts.comment,
        variants,
        member_id: facts.member_id,
        visitor_id: facts.visitor_id,
        received_at: facts.received_at,
    };
    queue(tx, site, &endpoints, Event::FeedbackReceived(event), now).await
}

/// A case opened by the answer `event_id` (after its goodwill points, if any).
pub async fn recovery_opened(tx: &mut AnyConnection, site: &str, event_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let endpoints = store::subscribers(tx, site, EventType::RecoveryOpened.name()).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some(facts) = store::answer(tx, site, event_id).await? else { return Ok(()) };
    let Some(case_id) = facts.case_id else { return Ok(()) };
    let event = RecoveryOpened {
        case_id,
        site: site.to_owned(),
        page: path_of(facts.page_url.as_deref()),
        feedback_id: facts.id,
        scale: facts.scale,
        score: facts.score,
        comment: facts.comment,
        member_id: facts.member_id,
        visitor_id: facts.visitor_id,
        goodwill_points: facts.points,
        opened_at: now,
        dashboard_url: None,
    };
    queue(tx, site, &endpoints, Event::RecoveryOpened(event), now).await
}

pub async fn recovery_resolved(tx: &mut AnyConnection, site: &str, case_id: i64, feedback_id: String, note: &str, now: i64) -> Result<(), sqlx::Error> {
    let event = RecoveryResolved { case_id, site: site.to_owned(), feedback_id, note: note.to_owned(), resolved_at: now, dashboard_url: None };
    send(tx, site, Event::RecoveryResolved(event), now).await
}

/// A new ledger entry: `points.changed`, and `member.tier_changed` when it lifts the member
/// into another tier.
pub async fn ledger_entry(tx: &mut AnyConnection, site: &Site, member: &str, entry: &StoredEntry, now: i64) -> Result<(), sqlx::Error> {
    let key = site.settings.key.as_str();
    let event = PointsChanged {
        site: key.to_owned(),
        member_id: member.to_owned(),
        entry_id: entry.id,
        delta: entry.delta,
        reason: entry.reason.clone(),
        balance: entry.balance_after,
        at: entry.created_at,
    };
    send(tx, key, Event::PointsChanged(event), now).await?;
    let tiers = &site.settings.tiers;
    if entry.delta <= 0 || tiers.is_empty() {
        return Ok(());
    }
    let endpoints = store::subscribers(tx, key, EventType::MemberTierChanged.name()).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let lifetime = ledger::standing(&mut *tx, key, member).await?.lifetime;
    let tier_at = |points: i64| tiers.iter().rposition(|t| points >= t.threshold);
    let (before, after) = (tier_at(lifetime - entry.delta), tier_at(lifetime));
    let Some(to) = after.filter(|_| after != before) else { return Ok(()) };
    let event = TierChanged {
        site: key.to_owned(),
        member_id: member.to_owned(),
        from: before.map(|i| tiers[i].name.clone()),
        to: tiers[to].name.clone(),
        lifetime_points: lifetime,
        at: entry.created_at,
    };
    queue(tx, key, &endpoints, Event::MemberTierChanged(event), now).await
}

pub async fn surprise(tx: &mut AnyConnection, site: &str, surprise: Surprise, claimed: bool, now: i64) -> Result<(), sqlx::Error> {
    send(tx, site, if claimed { Event::SurpriseClaimed(surprise) } else { Event::SurpriseGiven(surprise) }, now).await
}

pub async fn experiment_stopped(tx: &mut AnyConnection, site: &str, experiment: &str, shipped: Option<&str>, now: i64) -> Result<(), sqlx::Error> {
    let event = ExperimentStopped { site: site.to_owned(), experiment: experiment.to_owned(), shipped: shipped.map(str::to_owned), stopped_at: now };
    send(tx, site, Event::ExperimentStopped(event), now).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_path_of_a_page_is_sent() {
        assert_eq!(super::path_of(Some("https://shop.example/orders/42?email=a@b.example#top")).as_deref(), Some("/orders/42"));
        assert_eq!(super::path_of(Some("not a url")), None);
        assert_eq!(super::path_of(None), None);
    }
}
