//! What the first module's view shows, as a reducer: the greeting, whether the panel is open,
//! and the member's standing once a claim or a redemption changed it. What the later parts
//! show has a reducer of its own (`crate::later::state`).

use std::rc::Rc;

use moments_protocol::wire::{MemberSummary, SessionResponse};
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
    /// The member's standing after a claim or a redemption; the session's until then.
    pub member: Option<MemberSummary>,
}

impl UiState {
    /// Inline widgets (account pages) show their panel from the start and no bubble; so does a
    /// widget whose badge was tapped before the session answered (`open`).
    pub fn new(inline: bool, open: bool) -> Self {
        let open = inline || open;
        Self {
            panel_open: open,
            greeting: if open {
                GreetingState::Gone
            } else {
                GreetingState::Pending
            },
            member: None,
        }
    }
}

pub enum Action {
    /// A new session replaced the one this state began with: its standing is the session's.
    SessionChanged,
    ShowGreeting,
    DismissGreeting,
    TogglePanel,
    ClosePanel,
    /// A claim or a redemption changed the member's standing.
    Standing(MemberSummary),
}

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::SessionChanged => next.member = None,
            Action::ShowGreeting if next.greeting == GreetingState::Pending => {
                next.greeting = GreetingState::Shown
            }
            Action::ShowGreeting => {}
            Action::DismissGreeting => next.greeting = GreetingState::Gone,
            Action::TogglePanel => {
                next.panel_open = !next.panel_open;
                // The panel shows the greeting too; the bubble would only repeat it.
                next.greeting = GreetingState::Gone;
            }
            Action::ClosePanel => next.panel_open = false,
            Action::Standing(member) => next.member = Some(member),
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

/// The session's answer with the member's standing as it is now.
pub fn current_response(session: &Session, ui: &UiState) -> SessionResponse {
    match &ui.member {
        Some(member) => SessionResponse {
            member: Some(member.clone()),
            ..session.response.clone()
        },
        None => session.response.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(state: UiState, actions: Vec<Action>) -> UiState {
        actions
            .into_iter()
            .fold(Rc::new(state), |s, a| s.reduce(a))
            .as_ref()
            .clone()
    }

    #[test]
    fn the_greeting_is_announced_once_then_goes() {
        let s = apply(UiState::new(false, false), vec![Action::ShowGreeting]);
        assert_eq!(s.greeting, GreetingState::Shown);
        let s = apply(s, vec![Action::DismissGreeting, Action::ShowGreeting]);
        assert_eq!(s.greeting, GreetingState::Gone);
    }

    #[test]
    fn opening_the_panel_retires_the_bubble() {
        let s = apply(
            UiState::new(false, false),
            vec![Action::ShowGreeting, Action::TogglePanel],
        );
        assert!(s.panel_open);
        assert_eq!(s.greeting, GreetingState::Gone);
        assert!(!apply(s, vec![Action::ClosePanel]).panel_open);
    }

    #[test]
    fn inline_widgets_and_early_taps_start_open_without_a_bubble() {
        for (inline, open) in [(true, false), (false, true)] {
            let s = apply(UiState::new(inline, open), vec![Action::ShowGreeting]);
            assert!(s.panel_open);
            assert_eq!(s.greeting, GreetingState::Gone);
        }
    }

    #[test]
    fn a_changed_standing_lasts_until_another_session() {
        let member = MemberSummary {
            name: None,
            points: 740,
            lifetime_points: 1300,
            tier: None,
            tier_up: false,
            recent: Vec::new(),
            redeemed: Vec::new(),
            expiring: None,
        };
        let s = apply(UiState::new(false, false), vec![Action::Standing(member)]);
        assert_eq!(s.member.as_ref().map(|m| m.points), Some(740));
        assert_eq!(apply(s, vec![Action::SessionChanged]).member, None);
    }
}
