use super::Messages;
use moments_protocol::Locale;

pub static MESSAGES: Messages = Messages {
    locale: Locale::En,
    badge_points: "{points} pts",
    badge_anonymous: "Feedback",
    badge_label: "Open your rewards and feedback",
    panel_title: "Your visit",
    close: "Close",
    points_label: "Points",
    tier_label: "{tier} member",
    to_next_tier: "{n} points to {tier}",
    top_tier: "You're at our top tier",
    tier_up: "You've reached {tier}!",
    recent_activity: "Recent activity",
    no_activity: "No points yet. They'll show up here.",
    badge_join: "Join & earn",
    join_prompt: "Join our rewards program and earn points on every order.",
    join_link: "Join or sign in",
    question: "How was your visit?",
    faces: ["Very unhappy", "Unhappy", "Okay", "Happy", "Very happy"],
    thanks: "Thank you for your feedback!",
    dismiss_greeting: "Dismiss greeting",
};
