//! What the later parts show, as a reducer: the end of the visit and its question, the
//! answer, gifts and redemptions. The launcher's state (`crate::state`) holds what the badge
//! shows and whether the panel is open.

use std::cell::Cell;
use std::rc::Rc;

use moments_protocol::wire::{ClaimedSurprise, Redeemed, Redemption, Scale, SurpriseOffer};
use yew::Reducible;

#[derive(Debug, Clone, PartialEq)]
pub struct LaterState {
    /// The lowest and highest score of the site's scale.
    pub scores: (u8, u8),
    /// The score that holds the radio group's one tab stop.
    pub focused_score: u8,
    /// The answer given on this page view, once there is one.
    pub answered: Option<Answered>,
    /// The session has ended (once per session, whatever ended it).
    pub ended: bool,
    /// The end-of-session prompt is on screen.
    pub prompt_open: bool,
    /// Inline widgets keep their panel open and ask there, with no floating prompt.
    pub inline: bool,
    /// Gifts waiting to be opened, oldest first.
    pub surprises: Vec<SurpriseOffer>,
    pub gift: GiftState,
    /// The gift just opened, on screen until closed.
    pub revealed: Option<ClaimedSurprise>,
    /// The revealed coupon code is on the clipboard.
    pub copied: bool,
    /// The one redemption under way in the rewards list, or how the last one ended.
    pub redeeming: Option<Redeeming>,
    /// The page's end-of-visit question for this site, shared with its other widgets.
    pub question: Rc<Cell<bool>>,
    /// What became of a referral link this page was opened through, on screen until closed.
    pub arrival: Option<Arrival>,
    /// The member's invite link is on the clipboard.
    pub link_copied: bool,
}

/// What the friend is told after their click was reported: the server's words, and whether
/// the click counts (then the card offers to join).
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    pub text: String,
    pub welcome: bool,
}

/// A redemption's steps: confirm, send, then the code (or why not).
#[derive(Debug, Clone, PartialEq)]
pub enum Redeeming {
    Confirm {
        key: String,
    },
    /// Confirmation declined: the reward's Redeem button takes the focus back.
    Cancelled {
        key: String,
    },
    Sending {
        key: String,
    },
    Done {
        redemption: Redemption,
        copied: bool,
    },
    /// `code` is the server's error code, or the widget's when no answer came.
    Failed {
        key: String,
        code: String,
    },
}

impl Redeeming {
    pub fn reward(&self) -> &str {
        match self {
            Redeeming::Confirm { key }
            | Redeeming::Cancelled { key }
            | Redeeming::Sending { key }
            | Redeeming::Failed { key, .. } => key,
            Redeeming::Done { redemption, .. } => &redemption.reward,
        }
    }
}

/// The gift button's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiftState {
    Idle,
    /// The claim is under way.
    Opening,
    /// The claim failed: `gone` when the gift expired or is not this visitor's.
    Failed {
        gone: bool,
    },
}

/// A one-tap answer, and what followed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    pub score: u8,
    /// The feedback event's id, which a comment names.
    pub event_id: String,
    pub low: bool,
    pub comment_sent: bool,
}

impl LaterState {
    /// Inline widgets (account pages) ask in their panel, which stays open.
    pub fn new(inline: bool, scale: Scale) -> Self {
        let range = scale.range();
        Self {
            scores: (*range.start(), *range.end()),
            focused_score: *range.start(),
            answered: None,
            ended: false,
            prompt_open: false,
            inline,
            surprises: Vec::new(),
            gift: GiftState::Idle,
            revealed: None,
            copied: false,
            redeeming: None,
            question: Rc::new(Cell::new(true)),
            arrival: None,
            link_copied: false,
        }
    }

    /// Shares the page's end-of-visit question with the site's other widgets.
    pub fn with_question(mut self, question: Rc<Cell<bool>>) -> Self {
        self.question = question;
        self
    }

    pub fn with_surprises(mut self, surprises: Vec<SurpriseOffer>) -> Self {
        self.surprises = surprises;
        self
    }
}

pub enum Action {
    /// A new session replaced the one this state began with; its gifts are waiting.
    SessionChanged(Vec<SurpriseOffer>),
    /// The panel opened: it asks the same question, so the prompt's goes (one on screen).
    PanelOpened,
    FocusScore(u8),
    Answer(Answered),
    CommentSent,
    /// The session ended; `ask` says whether this visitor is to be asked.
    EndSession {
        ask: bool,
    },
    ClosePrompt,
    /// Gifts earned mid-session (an events answer).
    Earned(Vec<SurpriseOffer>),
    OpenGift,
    Opened(ClaimedSurprise),
    OpenFailed {
        id: String,
        gone: bool,
    },
    CodeCopied,
    CloseReveal,
    /// Redeem was tapped: ask to confirm.
    AskRedeem(String),
    CancelRedeem,
    /// Confirmed: the request is on its way.
    SendRedeem,
    Redeemed(Redeemed),
    RedeemFailed {
        key: String,
        code: String,
    },
    RedeemedCodeCopied,
    Arrived(Arrival),
    CloseArrival,
    LinkCopied,
}

impl Reducible for LaterState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if let Action::SessionChanged(waiting) = &action
            && self.revealed.is_none()
            && self.redeeming.is_none()
            && self.surprises == *waiting
        {
            return self;
        }
        let mut next = (*self).clone();
        match action {
            Action::SessionChanged(waiting) => {
                next.surprises = waiting;
                next.gift = GiftState::Idle;
                next.revealed = None;
                next.copied = false;
                next.redeeming = None;
            }
            Action::PanelOpened => next.prompt_open = false,
            Action::FocusScore(score) => next.focused_score = score.clamp(next.scores.0, next.scores.1),
            Action::Answer(answer) if next.answered.is_none() => next.answered = Some(answer),
            Action::Answer(_) => {}
            Action::CommentSent => {
                if let Some(answer) = &mut next.answered {
                    answer.comment_sent = true;
                }
            }
            // At most once per session, and never to someone who answered already.
            Action::EndSession { ask } if !next.ended => {
                next.ended = true;
                // One question per page: taken by the first widget of the site to ask it.
                // (The launcher closes the panel and the bubble for it: one question on screen.)
                next.prompt_open = ask && next.answered.is_none() && !next.inline && next.question.replace(false);
            }
            Action::EndSession { .. } => {}
            Action::ClosePrompt => next.prompt_open = false,
            Action::Earned(offers) => {
                for offer in offers {
                    let opened = next.revealed.as_ref().is_some_and(|r| r.id == offer.id);
                    if !opened && !next.surprises.iter().any(|s| s.id == offer.id) {
                        next.surprises.push(offer);
                    }
                }
            }
            Action::OpenGift if next.gift != GiftState::Opening && !next.surprises.is_empty() => {
                next.gift = GiftState::Opening;
                next.revealed = None;
                next.copied = false;
            }
            Action::OpenGift => {}
            Action::Opened(claimed) => {
                next.surprises.retain(|s| s.id != claimed.id);
                next.revealed = Some(claimed);
                next.gift = GiftState::Idle;
            }
            Action::OpenFailed { id, gone } => {
                if gone {
                    next.surprises.retain(|s| s.id != id);
                }
                next.gift = GiftState::Failed { gone };
            }
            Action::CodeCopied => next.copied = true,
            Action::AskRedeem(key) if !matches!(next.redeeming, Some(Redeeming::Sending { .. })) => {
                next.redeeming = Some(Redeeming::Confirm { key })
            }
            Action::AskRedeem(_) => {}
            Action::CancelRedeem => {
                if let Some(Redeeming::Confirm { key }) = &next.redeeming {
                    next.redeeming = Some(Redeeming::Cancelled { key: key.clone() });
                }
            }
            Action::SendRedeem => {
                if let Some(Redeeming::Confirm { key }) = &next.redeeming {
                    next.redeeming = Some(Redeeming::Sending { key: key.clone() });
                }
            }
            Action::Redeemed(redeemed) => {
                next.redeeming = Some(Redeeming::Done {
                    redemption: redeemed.redemption,
                    copied: false,
                });
            }
            Action::RedeemFailed { key, code } => next.redeeming = Some(Redeeming::Failed { key, code }),
            Action::RedeemedCodeCopied => {
                if let Some(Redeeming::Done { copied, .. }) = &mut next.redeeming {
                    *copied = true;
                }
            }
            Action::CloseReveal => {
                next.revealed = None;
                next.gift = GiftState::Idle;
            }
            Action::Arrived(arrival) => next.arrival = Some(arrival),
            Action::CloseArrival => next.arrival = None,
            Action::LinkCopied => next.link_copied = true,
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

#[cfg(test)]
mod tests {
    use moments_protocol::wire::MemberSummary;

    use super::*;

    fn apply(state: LaterState, actions: Vec<Action>) -> LaterState {
        actions
            .into_iter()
            .fold(Rc::new(state), |s, a| s.reduce(a))
            .as_ref()
            .clone()
    }

    fn answer(score: u8) -> Answered {
        Answered {
            score,
            event_id: format!("id-{score}"),
            low: score < 3,
            comment_sent: false,
        }
    }

    #[test]
    fn focus_stays_on_the_scale() {
        assert_eq!(
            apply(LaterState::new(false, Scale::Csat5), vec![Action::FocusScore(9)]).focused_score,
            5
        );
        assert_eq!(
            apply(LaterState::new(false, Scale::Csat5), vec![Action::FocusScore(0)]).focused_score,
            1
        );
        let nps = LaterState::new(false, Scale::Nps);
        assert_eq!(nps.focused_score, 0);
        assert_eq!(apply(nps, vec![Action::FocusScore(10)]).focused_score, 10);
    }

    #[test]
    fn the_first_answer_is_kept_and_its_comment_noted() {
        let s = apply(
            LaterState::new(false, Scale::Csat5),
            vec![Action::Answer(answer(4)), Action::Answer(answer(1))],
        );
        assert_eq!(s.answered.as_ref().map(|a| a.score), Some(4));
        let s = apply(s, vec![Action::CommentSent]);
        assert!(s.answered.is_some_and(|a| a.comment_sent));
    }

    fn offer(id: &str) -> SurpriseOffer {
        SurpriseOffer {
            id: id.into(),
            expires_at: 0,
        }
    }

    fn claimed(id: &str) -> ClaimedSurprise {
        ClaimedSurprise {
            id: id.into(),
            reward: moments_protocol::wire::Reward::Message,
            message: None,
            member: None,
        }
    }

    #[test]
    fn gifts_are_opened_one_at_a_time_and_each_is_shown_once() {
        let s = LaterState::new(false, Scale::Csat5).with_surprises(vec![offer("a")]);
        let s = apply(s, vec![Action::Earned(vec![offer("a"), offer("b")]), Action::OpenGift]);
        assert_eq!(s.surprises.len(), 2, "an offer already waiting is not added twice");
        assert_eq!(s.gift, GiftState::Opening);
        let s = apply(s, vec![Action::Opened(claimed("a")), Action::Earned(vec![offer("a")])]);
        assert_eq!(s.surprises, vec![offer("b")], "the opened gift does not come back");
        assert_eq!(s.revealed.as_ref().map(|r| r.id.as_str()), Some("a"));
        let s = apply(s, vec![Action::CodeCopied, Action::OpenGift]);
        assert!(
            s.revealed.is_none() && !s.copied,
            "opening the next gift replaces the reveal"
        );
        let s = apply(
            s,
            vec![Action::OpenFailed {
                id: "b".into(),
                gone: true,
            }],
        );
        assert!(s.surprises.is_empty());
        assert_eq!(s.gift, GiftState::Failed { gone: true });
        assert_eq!(
            apply(s, vec![Action::OpenGift]).gift,
            GiftState::Failed { gone: true },
            "nothing left to open"
        );
    }

    #[test]
    fn a_failed_claim_that_may_succeed_keeps_the_gift() {
        let s = LaterState::new(false, Scale::Csat5).with_surprises(vec![offer("a")]);
        let s = apply(
            s,
            vec![
                Action::OpenGift,
                Action::OpenFailed {
                    id: "a".into(),
                    gone: false,
                },
            ],
        );
        assert_eq!((s.surprises.len(), s.gift), (1, GiftState::Failed { gone: false }));
        assert_eq!(
            apply(s, vec![Action::OpenGift]).gift,
            GiftState::Opening,
            "tap again to retry"
        );
    }

    fn redeemed(points: i64) -> Redeemed {
        let redemption = Redemption {
            reward: "five-off".into(),
            title: "€5 off".into(),
            code: "FIVE-0001".into(),
            how_to_use: None,
            points: 500,
            at: 0,
        };
        let member = MemberSummary {
            name: None,
            points,
            lifetime_points: 1300,
            tier: None,
            tier_up: false,
            recent: Vec::new(),
            redeemed: vec![redemption.clone()],
            expiring: None,
        };
        Redeemed { redemption, member }
    }

    #[test]
    fn a_redemption_is_confirmed_sent_once_and_shows_its_code() {
        let s = apply(LaterState::new(false, Scale::Csat5), vec![Action::SendRedeem]);
        assert_eq!(s.redeeming, None, "nothing is sent before a confirmation");
        let s = apply(
            s,
            vec![
                Action::AskRedeem("five-off".into()),
                Action::CancelRedeem,
                Action::SendRedeem,
            ],
        );
        assert_eq!(
            s.redeeming,
            Some(Redeeming::Cancelled { key: "five-off".into() }),
            "declined: nothing sent"
        );
        let s = apply(
            s,
            vec![
                Action::AskRedeem("five-off".into()),
                Action::SendRedeem,
                Action::AskRedeem("free-shipping".into()),
            ],
        );
        assert_eq!(
            s.redeeming,
            Some(Redeeming::Sending { key: "five-off".into() }),
            "one redemption at a time"
        );
        let s = apply(s, vec![Action::Redeemed(redeemed(740)), Action::RedeemedCodeCopied]);
        assert!(
            matches!(&s.redeeming, Some(Redeeming::Done { redemption, copied: true }) if redemption.code == "FIVE-0001")
        );
        let s = apply(
            s,
            vec![
                Action::AskRedeem("five-off".into()),
                Action::SendRedeem,
                Action::RedeemFailed {
                    key: "five-off".into(),
                    code: "sold_out".into(),
                },
            ],
        );
        assert_eq!(s.redeeming.as_ref().map(Redeeming::reward), Some("five-off"));
        assert!(matches!(s.redeeming, Some(Redeeming::Failed { .. })));
    }

    #[test]
    fn a_session_ends_once_and_asks_only_those_to_be_asked() {
        let s = apply(
            LaterState::new(false, Scale::Csat5),
            vec![Action::EndSession { ask: true }],
        );
        assert!(s.ended && s.prompt_open);
        let s = apply(s, vec![Action::ClosePrompt, Action::EndSession { ask: true }]);
        assert!(!s.prompt_open, "at most once per session");
        let s = apply(
            LaterState::new(false, Scale::Csat5),
            vec![Action::EndSession { ask: false }],
        );
        assert!(s.ended && !s.prompt_open);
        let s = apply(
            LaterState::new(false, Scale::Csat5),
            vec![Action::Answer(answer(5)), Action::EndSession { ask: true }],
        );
        assert!(!s.prompt_open, "answered in the panel already");
        let s = apply(
            LaterState::new(true, Scale::Csat5),
            vec![Action::EndSession { ask: true }],
        );
        assert!(s.ended && !s.prompt_open, "inline widgets ask in their panel");
        let shared = Rc::new(Cell::new(true));
        let first = apply(
            LaterState::new(false, Scale::Csat5).with_question(shared.clone()),
            vec![Action::EndSession { ask: true }],
        );
        let second = apply(
            LaterState::new(false, Scale::Csat5).with_question(shared),
            vec![Action::EndSession { ask: true }],
        );
        assert!(
            first.prompt_open && !second.prompt_open,
            "two widgets of a site, one question"
        );
        let s = apply(
            LaterState::new(false, Scale::Csat5),
            vec![Action::EndSession { ask: true }, Action::PanelOpened],
        );
        assert!(
            !s.prompt_open,
            "opening the panel puts the prompt's question away: never both"
        );
    }
}
