//! Sends the outbox (`crate::outbox`, where every event is written first): in batches, one
//! send at a time, with backoff after a failure (never sooner than the server's
//! `Retry-After`), each event removed only once the server has answered for it.

use std::cell::Cell;

use moments_protocol::limits::MAX_BATCH_EVENTS;
use moments_protocol::text::cat;

use crate::backend::{self, BackendError};
use crate::outbox::{self, Envelope};
use crate::{browser, retry};

thread_local! {
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
    static ATTEMPT: Cell<u32> = const { Cell::new(0) };
    /// After a failure, no send before this time (ms): the backoff, or the server's
    /// `Retry-After`, holds for new events too; the retry timer sends them all.
    static NOT_BEFORE: Cell<f64> = const { Cell::new(0.0) };
}

/// A session the server knows for `refused`'s visitor: this page's, or a new one.
async fn session_instead_of(refused: &Envelope) -> Result<String, BackendError> {
    let known = outbox::started_for(refused);
    if let Some(started) = &known
        && started.session_id != refused.session_id
    {
        return Ok(started.session_id.clone());
    }
    let request = moments_protocol::wire::SessionRequest {
        site: refused.site.clone(),
        visitor_id: refused.visitor_id.clone(),
        member_token: known.as_ref().and_then(|s| s.member_token.clone()),
        locale: None,
        languages: browser::languages(),
        page_url: browser::page_url(),
        device_id: crate::launcher::device_id(),
    };
    let response = backend::start_session_at(&refused.backend, &request).await?;
    outbox::session_started(
        &refused.backend,
        &refused.site,
        &refused.visitor_id,
        &response.session_id,
        request.member_token,
    );
    Ok(response.session_id)
}

/// Moves every waiting event of `refused`'s session to `session_id`.
fn move_to_session(refused: &Envelope, session_id: &str) {
    let moved = outbox::pending()
        .into_iter()
        .map(|mut e| {
            if e.same_batch(refused) {
                e.session_id = session_id.to_owned();
            }
            e
        })
        .collect();
    outbox::save(moved);
}

/// Removes the events the server has answered for; reads storage again first, because
/// another tab may have added events meanwhile.
fn settle(ids: &[String]) {
    let remaining = outbox::pending().into_iter().filter(|e| !ids.contains(&e.id)).collect();
    outbox::save(remaining);
}

/// Sends what is waiting, unless a send is already under way or a retry is scheduled.
pub fn send() {
    if browser::now_ms() < NOT_BEFORE.get() || FLUSHING.replace(true) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let outcome = send_all().await;
        FLUSHING.set(false);
        match outcome {
            Ok(()) => ATTEMPT.set(0),
            Err(error) => {
                let attempt = ATTEMPT.get();
                ATTEMPT.set(attempt.saturating_add(1));
                let delay = retry::delay_ms(attempt, browser::random(), error.retry_after_secs());
                NOT_BEFORE.set(browser::now_ms() + f64::from(delay));
                gloo_timers::callback::Timeout::new(delay, || {
                    NOT_BEFORE.set(0.0);
                    send();
                })
                .forget();
            }
        }
    });
}

async fn send_all() -> Result<(), BackendError> {
    let mut renewed = false;
    loop {
        let all = outbox::pending();
        let Some(first) = all.first() else {
            return Ok(());
        };
        let batch: Vec<&Envelope> = all
            .iter()
            .filter(|e| e.same_batch(first))
            .take(MAX_BATCH_EVENTS)
            .collect();
        let body = outbox::batch_body(first, &batch);
        let ids: Vec<String> = batch.iter().map(|e| e.id.clone()).collect();
        match backend::post_json(&cat(&[&first.backend, "/v1/events"]), &body).await {
            Ok(answer) => {
                settle(&ids);
                if let Some(answered) =
                    crate::decode::events_answer(&answer).filter(|a| *a != crate::earned::Answered::default())
                {
                    crate::earned::deliver(&first.session_id, answered);
                }
            }
            // A session the server did not issue (or no longer knows): nothing is lost, the
            // events go again in a session it knows. Once per send; after that, back off.
            Err(error) if error.code() == "unknown_session" && !renewed => {
                renewed = true;
                let session_id = session_instead_of(first).await?;
                move_to_session(first, &session_id);
            }
            // Refused for good (the site is gone, the batch is invalid): resending cannot help.
            Err(error) if error.code() != "unknown_session" && !error.is_transient() => {
                web_sys::console::warn_2(&"moments: events refused by the server:".into(), &error.code().into());
                settle(&ids);
            }
            Err(error) => return Err(error),
        }
    }
}
