//! What the first download shows beside the session: the greeting, whether the panel is open,
//! and the member's standing once a claim or a redemption changed it (`crate::launcher` draws
//! it). The later parts' own state is `crate::later::state`.

use moments_protocol::wire::{MemberSummary, SessionResponse};

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
pub struct FirstState {
    pub panel_open: bool,
    pub greeting: GreetingState,
    /// The member's standing after a claim or a redemption; the session's until then.
    pub member: Option<MemberSummary>,
}

impl FirstState {
    /// Inline widgets (account pages) show their panel from the start and no bubble.
    pub fn new(inline: bool) -> Self {
        let mut state = Self {
            panel_open: false,
            greeting: GreetingState::Pending,
            member: None,
        };
        if inline {
            state.open_panel();
        }
        state
    }

    pub fn show_greeting(&mut self) {
        if self.greeting == GreetingState::Pending {
            self.greeting = GreetingState::Shown;
        }
    }

    pub fn dismiss_greeting(&mut self) {
        self.greeting = GreetingState::Gone;
    }

    /// The panel shows the greeting too: the bubble would only repeat it.
    pub fn open_panel(&mut self) {
        self.panel_open = true;
        self.dismiss_greeting();
    }

    pub fn toggle_panel(&mut self) {
        if self.panel_open {
            self.panel_open = false
        } else {
            self.open_panel()
        }
    }

    /// Another session (the host changed the member token): its standing is the session's.
    pub fn new_session(&mut self) {
        self.member = None;
    }

    /// The session's answer with the member's standing as it is now.
    pub fn response(&self, session: &Session) -> SessionResponse {
        match &self.member {
            Some(member) => SessionResponse {
                member: Some(member.clone()),
                ..session.response.clone()
            },
            None => session.response.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_is_announced_once_then_goes() {
        let mut s = FirstState::new(false);
        s.show_greeting();
        assert_eq!(s.greeting, GreetingState::Shown);
        s.dismiss_greeting();
        s.show_greeting();
        assert_eq!(s.greeting, GreetingState::Gone);
    }

    #[test]
    fn opening_the_panel_retires_the_bubble() {
        let mut s = FirstState::new(false);
        s.show_greeting();
        s.toggle_panel();
        assert!(s.panel_open);
        assert_eq!(s.greeting, GreetingState::Gone);
        s.toggle_panel();
        assert!(!s.panel_open);
    }

    #[test]
    fn inline_widgets_start_open_without_a_bubble() {
        let mut s = FirstState::new(true);
        s.show_greeting();
        assert!(s.panel_open);
        assert_eq!(s.greeting, GreetingState::Gone);
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
        let mut s = FirstState::new(false);
        s.member = Some(member);
        assert_eq!(s.member.as_ref().map(|m| m.points), Some(740));
        s.new_session();
        assert_eq!(s.member, None);
    }
}
