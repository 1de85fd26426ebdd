use std::rc::Rc;

use moments_protocol::domain::Score;
use moments_protocol::wire::Event;
use web_sys::Element;
use yew::prelude::*;

use crate::browser;
use crate::components::FeedbackHandlers;
use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::outbox::{self, Envelope};
use crate::state::{Action, Answered, Session, UiState};

/// What the visitor's answers become: events written to the outbox before any send (the
/// answer, its comment, a dismissal), events for the host, and the state that shows them.
#[hook]
pub fn use_feedback(session: Rc<Session>, config: Rc<WidgetConfig>, host: Element, context: Rc<HostContext>, ui: UseReducerHandle<UiState>) -> (FeedbackHandlers, Callback<()>) {
    let record = {
        let (session, config) = (session.clone(), config.clone());
        move |event: &Event| {
            let r = &session.response;
            outbox::enqueue(Envelope::new(&config.backend, &config.site, &session.visitor_id, &r.session_id, event));
        }
    };
    let on_answer = {
        let (ui, session, host, record) = (ui.clone(), session.clone(), host.clone(), record.clone());
        Callback::from(move |score: u8| {
            if ui.answered.is_some() {
                return;
            }
            let scale = session.response.feedback.scale;
            let id = browser::new_uuid();
            let context = context.current();
            record(&Event::Feedback { id: id.clone(), at: browser::now_ms(), scale, score: i64::from(score), comment: None, context });
            browser::emit(&host, "moments:feedback", &score.into());
            let low = Score::parse(scale, i64::from(score)).is_ok_and(Score::is_low);
            ui.dispatch(Action::Answer(Answered { score, event_id: id, low, comment_sent: false }));
        })
    };
    let on_comment = {
        let (ui, record) = (ui.clone(), record.clone());
        Callback::from(move |comment: String| {
            let Some(answer) = &ui.answered else { return };
            let id = browser::new_uuid();
            record(&Event::Comment { id, at: browser::now_ms(), feedback_id: answer.event_id.clone(), comment });
            ui.dispatch(Action::CommentSent);
        })
    };
    let on_focus = {
        let ui = ui.clone();
        Callback::from(move |score: u8| ui.dispatch(Action::FocusScore(score)))
    };
    // Closing the prompt unanswered is an answer too: "not now".
    let close_prompt = Callback::from(move |_: ()| {
        if ui.prompt_open && ui.answered.is_none() {
            record(&Event::Dismiss { id: browser::new_uuid(), at: browser::now_ms() });
        }
        ui.dispatch(Action::ClosePrompt);
    });
    (FeedbackHandlers { on_answer, on_focus, on_comment }, close_prompt)
}
