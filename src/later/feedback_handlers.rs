use moments_protocol::domain::Score;
use moments_protocol::wire::Event;
use yew::prelude::*;

use super::Parts;
use super::state::{Action, Answered};
use crate::chunks::LaterView;
use crate::{browser, outbox};

/// What the feedback question does with the visitor's input.
#[derive(Clone, PartialEq)]
pub struct FeedbackHandlers {
    pub on_answer: Callback<u8>,
    pub on_focus: Callback<u8>,
    pub on_comment: Callback<String>,
}

/// What the visitor's answers become: events written to the outbox before any send (the
/// answer, its comment), `moments:feedback` for the host, and the state that shows them.
pub fn feedback_handlers(parts: &Parts) -> FeedbackHandlers {
    let on_answer = {
        let LaterView {
            session,
            config,
            host,
            context,
            ..
        } = parts.view.clone();
        let ui = parts.state.clone();
        Callback::from(move |score: u8| {
            if ui.answered.is_some() {
                return;
            }
            let scale = session.response.feedback.scale;
            let id = browser::new_uuid();
            let event = Event::Feedback {
                id: id.clone(),
                at: browser::now_ms(),
                scale,
                score: i64::from(score),
                comment: None,
                context: context.current(),
            };
            outbox::record(&config, &session, &event);
            browser::emit(&host, "moments:feedback", &score.into());
            let low = Score::parse(scale, i64::from(score)).is_ok_and(Score::is_low);
            ui.dispatch(Action::Answer(Answered {
                score,
                event_id: id,
                low,
                comment_sent: false,
            }));
        })
    };
    let on_comment = {
        let LaterView { session, config, .. } = parts.view.clone();
        let ui = parts.state.clone();
        Callback::from(move |comment: String| {
            let Some(answer) = &ui.answered else { return };
            let event = Event::Comment {
                id: browser::new_uuid(),
                at: browser::now_ms(),
                feedback_id: answer.event_id.clone(),
                comment,
            };
            outbox::record(&config, &session, &event);
            ui.dispatch(Action::CommentSent);
        })
    };
    let ui = parts.state.clone();
    let on_focus = Callback::from(move |score: u8| ui.dispatch(Action::FocusScore(score)));
    FeedbackHandlers {
        on_answer,
        on_focus,
        on_comment,
    }
}
