//! The facts that become webhook events, each queued in the transaction that makes the fact:
//! first the deliveries, one statement for every endpoint that wants the event (none wanted:
//! that is all it costs), then, only if there are any, what they send.

use moments_protocol::domain::Score;
use sqlx::AnyConnection;

use super::event_types::{
    Event, EventType, ExperimentStopped, FeedbackReceived, PointsChanged, RecoveryOpened, RecoveryResolved,
    SeenVariant, Surprise, ThemeRising, TierChanged,
};
use super::store;

/// Queues `event` for the endpoints that want it.
pub async fn send(tx: &mut AnyConnection, site: &str, event: Event, now: i64) -> Result<(), sqlx::Error> {
    let kind = event.event_type().name();
    let id = store::new_message_id();
    if store::fan_out(tx, site, kind, &id, now).await? > 0 {
        store::insert_message(tx, &id, site, kind, &event.data(), now).await?;
    }
    Ok(())
}

/// Only the path: a query string may carry an email address or an order number.
fn path_of(page_url: Option<&str>) -> Option<String> {
    let url = reqwest::Url::parse(page_url?).ok()?;
    Some(url.path().to_owned())
}

/// A new answer as the request that stored it knows it.
pub struct NewAnswer<'a> {
    pub id: &'a str,
    pub score: Score,
    pub comment: Option<&'a str>,
    pub context: Option<serde_json::Value>,
    pub session_id: &'a str,
    pub visitor_id: &'a str,
    pub member_id: Option<&'a str>,
    pub received_at: i64,
    /// The recovery case it opened, and the goodwill points given with it.
    pub case: Option<(i64, Option<i64>)>,
}

/// A new answer: `feedback.received`, and `recovery.opened` when it opened a case. The page
/// and the variants seen are read once, and only when some endpoint wants either.
pub async fn answer(tx: &mut AnyConnection, site: &str, answer: &NewAnswer<'_>, now: i64) -> Result<(), sqlx::Error> {
    let feedback_id = store::new_message_id();
    let case_message = store::new_message_id();
    let feedback_wanted = store::fan_out(tx, site, EventType::FeedbackReceived.name(), &feedback_id, now).await? > 0;
    let case_wanted = match answer.case {
        Some(_) => store::fan_out(tx, site, EventType::RecoveryOpened.name(), &case_message, now).await? > 0,
        None => false,
    };
    if !feedback_wanted && !case_wanted {
        return Ok(());
    }
    let (page_url, variants) = store::visit(tx, site, answer.session_id, answer.visitor_id, answer.received_at).await?;
    let page = path_of(page_url.as_deref());
    if feedback_wanted {
        let event = feedback_event(site, answer, page.clone(), variants);
        store::insert_message(
            tx,
            &feedback_id,
            site,
            EventType::FeedbackReceived.name(),
            &Event::FeedbackReceived(event).data(),
            now,
        )
        .await?;
    }
    if let (true, Some((case_id, goodwill_points))) = (case_wanted, answer.case) {
        let event = RecoveryOpened {
            case_id,
            site: site.to_owned(),
            feedback_id: answer.id.to_owned(),
            scale: answer.score.scale().name().to_owned(),
            score: i64::from(answer.score.value()),
            comment: answer.comment.map(str::to_owned),
            page,
            member_id: answer.member_id.map(str::to_owned),
            visitor_id: answer.visitor_id.to_owned(),
            goodwill_points,
            opened_at: now,
            dashboard_url: None,
        };
        store::insert_message(
            tx,
            &case_message,
            site,
            EventType::RecoveryOpened.name(),
            &Event::RecoveryOpened(event).data(),
            now,
        )
        .await?;
    }
    Ok(())
}

fn feedback_event(
    site: &str,
    answer: &NewAnswer<'_>,
    page: Option<String>,
    variants: Vec<SeenVariant>,
) -> FeedbackReceived {
    FeedbackReceived {
        id: answer.id.to_owned(),
        site: site.to_owned(),
        scale: answer.score.scale().name().to_owned(),
        score: i64::from(answer.score.value()),
        low: answer.score.is_low(),
        comment: answer.comment.map(str::to_owned),
        page,
        variants,
        member_id: answer.member_id.map(str::to_owned),
        visitor_id: answer.visitor_id.to_owned(),
        context: answer.context.clone(),
        received_at: answer.received_at,
        case_id: answer.case.map(|(id, _)| id),
        dashboard_url: None,
    }
}

/// A comment added to a stored answer: `feedback.received` again, with the comment.
pub async fn comment_added(tx: &mut AnyConnection, site: &str, event_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let id = store::new_message_id();
    if store::fan_out(tx, site, EventType::FeedbackReceived.name(), &id, now).await? == 0 {
        return Ok(());
    }
    let Some(facts) = store::answer(tx, site, event_id).await? else {
        return Ok(());
    };
    let Some(score) =
        moments_protocol::wire::Scale::from_name(&facts.scale).and_then(|scale| Score::parse(scale, facts.score).ok())
    else {
        return Ok(());
    };
    let answer = NewAnswer {
        id: &facts.id,
        score,
        comment: facts.comment.as_deref(),
        context: facts.context.as_deref().and_then(|c| serde_json::from_str(c).ok()),
        session_id: &facts.session_id,
        visitor_id: &facts.visitor_id,
        member_id: facts.member_id.as_deref(),
        received_at: facts.received_at,
        case: facts.case_id.map(|case| (case, facts.points)),
    };
    let (page_url, variants) = store::visit(tx, site, answer.session_id, answer.visitor_id, answer.received_at).await?;
    let event = feedback_event(site, &answer, path_of(page_url.as_deref()), variants);
    store::insert_message(
        tx,
        &id,
        site,
        EventType::FeedbackReceived.name(),
        &Event::FeedbackReceived(event).data(),
        now,
    )
    .await
}

pub async fn recovery_resolved(
    tx: &mut AnyConnection,
    site: &str,
    case_id: i64,
    feedback_id: String,
    note: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let event = RecoveryResolved {
        case_id,
        site: site.to_owned(),
        feedback_id,
        note: note.to_owned(),
        resolved_at: now,
        dashboard_url: None,
    };
    send(tx, site, Event::RecoveryResolved(event), now).await
}

/// A new ledger entry (the ledger tells what changed; this knows nothing of how it is kept).
pub async fn points_changed(tx: &mut AnyConnection, event: PointsChanged, now: i64) -> Result<(), sqlx::Error> {
    let site = event.site.clone();
    send(tx, &site, Event::PointsChanged(event), now).await
}

/// A ledger entry that moved the member to another tier.
pub async fn tier_changed(tx: &mut AnyConnection, event: TierChanged, now: i64) -> Result<(), sqlx::Error> {
    let site = event.site.clone();
    send(tx, &site, Event::MemberTierChanged(event), now).await
}

pub async fn surprise(
    tx: &mut AnyConnection,
    site: &str,
    surprise: Surprise,
    claimed: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    send(
        tx,
        site,
        if claimed {
            Event::SurpriseClaimed(surprise)
        } else {
            Event::SurpriseGiven(surprise)
        },
        now,
    )
    .await
}

pub async fn experiment_stopped(
    tx: &mut AnyConnection,
    site: &str,
    experiment: &str,
    shipped: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let event = ExperimentStopped {
        site: site.to_owned(),
        experiment: experiment.to_owned(),
        shipped: shipped.map(str::to_owned),
        stopped_at: now,
    };
    send(tx, site, Event::ExperimentStopped(event), now).await
}

/// A term rose sharply among a week's low answers (recorded once: see `themes::store::record_alert`).
pub async fn theme_rising(
    tx: &mut AnyConnection,
    site: &str,
    rise: &crate::features::themes::Rise,
    now: i64,
) -> Result<(), sqlx::Error> {
    let event = ThemeRising {
        site: site.to_owned(),
        week: crate::features::themes::report::day_text(rise.week),
        term: rise.term.clone(),
        label: rise.label.clone(),
        answers: rise.answers,
        low_answers: rise.low_answers,
        share: rise.share(),
        share_before: rise.share_before,
        raised_at: now,
    };
    send(tx, site, Event::ThemeRising(event), now).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_path_of_a_page_is_sent() {
        assert_eq!(
            super::path_of(Some("https://shop.example/orders/42?email=a@b.example#top")).as_deref(),
            Some("/orders/42")
        );
        assert_eq!(super::path_of(Some("not a url")), None);
        assert_eq!(super::path_of(None), None);
    }
}
