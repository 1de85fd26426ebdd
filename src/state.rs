//! What the visitor sees, as a reducer: every change is an [`Action`].

use std::rc::Rc;

use moments_protocol::wire::SessionResponse;
use yew::Reducible;

/// A started page view: the server's answer and the browser's visitor id.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub response: SessionResponse,
    pub visitor_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UiState {
    pub panel_open: bool,
    pub greeting_visible: bool,
    /// The score the visitor gave on this page view, once they have.
    pub answered: Option<u8>,
}

impl Default for UiState {
    fn default() -> Self {
        Self { panel_open: false, greeting_visible: true, answered: None }
    }
}

pub enum Action {
    TogglePanel,
    ClosePanel,
    DismissGreeting,
    Answer(u8),
}

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::TogglePanel => {
                next.panel_open = !next.panel_open;
                // Opening the panel shows the greeting there; the bubble would only repeat it.
                next.greeting_visible = false;
            }
            Action::ClosePanel => next.panel_open = false,
            Action::DismissGreeting => next.greeting_visible = false,
            Action::Answer(score) => next.answered = Some(score),
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(state: UiState, actions: Vec<Action>) -> UiState {
        actions.into_iter().fold(Rc::new(state), |s, a| s.reduce(a)).as_ref().clone()
    }

    #[test]
    fn opening_the_panel_hides_the_greeting_bubble() {
        let s = apply(UiState::default(), vec![Action::TogglePanel]);
        assert!(s.panel_open && !s.greeting_visible);
        let s = apply(s, vec![Action::ClosePanel]);
        assert!(!s.panel_open);
    }

    #[test]
    fn an_answer_is_kept() {
        assert_eq!(apply(UiState::default(), vec![Action::Answer(4)]).answered, Some(4));
    }
}
