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

/// The greeting bubble's life. It starts `Pending` so that the live region announcing it is
/// already on the page when the text arrives (screen readers announce changes, not arrivals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GreetingState {
    Pending,
    Shown,
    Gone,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UiState {
    pub panel_open: bool,
    pub greeting: GreetingState,
    /// The face that holds the radio group's one tab stop (1 to 5).
    pub focused_face: u8,
    /// The score the visitor gave on this page view, once they have.
    pub answered: Option<u8>,
}

impl UiState {
    /// Inline widgets (account pages) show their panel from the start and no bubble.
    pub fn new(inline: bool) -> Self {
        Self {
            panel_open: inline,
            greeting: if inline { GreetingState::Gone } else { GreetingState::Pending },
            focused_face: 1,
            answered: None,
        }
    }
}

pub enum Action {
    ShowGreeting,
    DismissGreeting,
    TogglePanel,
    ClosePanel,
    FocusFace(u8),
    Answer(u8),
}

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::ShowGreeting if next.greeting == GreetingState::Pending => next.greeting = GreetingState::Shown,
            Action::ShowGreeting => {}
            Action::DismissGreeting => next.greeting = GreetingState::Gone,
            Action::TogglePanel => {
                next.panel_open = !next.panel_open;
                // The panel shows the greeting too; the bubble would only repeat it.
                next.greeting = GreetingState::Gone;
            }
            Action::ClosePanel => next.panel_open = false,
            Action::FocusFace(face) => next.focused_face = face.clamp(1, 5),
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
    fn the_greeting_is_announced_once_then_goes() {
        let s = apply(UiState::new(false), vec![Action::ShowGreeting]);
        assert_eq!(s.greeting, GreetingState::Shown);
        let s = apply(s, vec![Action::DismissGreeting, Action::ShowGreeting]);
        assert_eq!(s.greeting, GreetingState::Gone);
    }

    #[test]
    fn opening_the_panel_retires_the_bubble() {
        let s = apply(UiState::new(false), vec![Action::ShowGreeting, Action::TogglePanel]);
        assert!(s.panel_open);
        assert_eq!(s.greeting, GreetingState::Gone);
        assert!(!apply(s, vec![Action::ClosePanel]).panel_open);
    }

    #[test]
    fn inline_widgets_start_open_without_a_bubble() {
        let s = apply(UiState::new(true), vec![Action::ShowGreeting]);
        assert!(s.panel_open);
        assert_eq!(s.greeting, GreetingState::Gone);
    }

    #[test]
    fn face_focus_stays_on_the_scale() {
        assert_eq!(apply(UiState::new(false), vec![Action::FocusFace(9)]).focused_face, 5);
        assert_eq!(apply(UiState::new(false), vec![Action::FocusFace(0)]).focused_face, 1);
    }

    #[test]
    fn an_answer_is_kept() {
        assert_eq!(apply(UiState::new(false), vec![Action::Answer(4)]).answered, Some(4));
    }
}
