use moments_protocol::Locale;
use moments_protocol::text::cat;
use moments_protocol::wire::{LedgerEntry, MemberSummary, Redemption};
use yew::prelude::*;

use crate::browser::format_date;
use crate::i18n::{Messages, fill};
use crate::tier_progress::percent;

/// A member's points, tier, the way to the next tier, and their latest ledger entries.
pub fn member_standing(m: &'static Messages, member: &MemberSummary) -> Html {
    html! {
        <section class="member" part="member">
            if let Some(tier) = member.tier.as_ref().filter(|_| member.tier_up) {
                <p class="tier-up" part="tier-up">{fill(m.tier_up, &[("tier", &tier.name)])}</p>
            }
            <p class="member-points">
                <span class="member-points-value">{crate::i18n::number(member.points, m.locale)}</span>
                {" "}<span class="member-points-label">{m.points_label}</span>
            </p>
            if let Some(expiring) = &member.expiring {
                <p class="member-expiring" part="expiring">
                    {fill(m.points_expire, &[("n", &crate::i18n::number(expiring.points, m.locale)), ("date", &format_date(expiring.on, m.locale))])}
                </p>
            }
            if let Some(tier) = &member.tier {
                <p class="member-tier">{fill(m.tier_label, &[("tier", &tier.name)])}</p>
                if let Some(next) = &tier.next {
                    <progress class="member-progress-bar" part="progress" max="100" aria-labelledby="moments-progress"
                        value={percent(tier, member.lifetime_points)} />
                    <p id="moments-progress" class="member-progress">
                        {fill(m.to_next_tier, &[("n", &crate::i18n::number(next.points_needed, m.locale)), ("tier", &next.name)])}
                    </p>
                } else {
                    <p class="member-progress">{m.top_tier}</p>
                }
            }
            <h3 id="moments-activity" class="activity-title">{m.recent_activity}</h3>
            if member.recent.is_empty() {
                <p class="activity-empty">{m.no_activity}</p>
            } else {
                <ul class="activity" part="activity" aria-labelledby="moments-activity">
                    {for member.recent.iter().map(|entry| activity(entry, m.locale))}
                </ul>
            }
            if !member.redeemed.is_empty() {
                <h3 id="moments-codes" class="activity-title">{m.your_codes}</h3>
                <ul class="activity" part="codes" aria-labelledby="moments-codes">
                    {for member.redeemed.iter().map(|r| redeemed_code(r, m.locale))}
                </ul>
            }
        </section>
    }
}

fn activity(entry: &LedgerEntry, locale: Locale) -> Html {
    let amount = crate::i18n::number(entry.delta, locale);
    let (class, amount) = if entry.delta > 0 {
        ("activity-delta earned", cat(&["+", &amount]))
    } else {
        ("activity-delta", amount)
    };
    html! {
        <li class="activity-entry">
            <span class="activity-reason">{&entry.reason}</span>
            <span {class}>{amount}</span>
            <span class="activity-date">{format_date(entry.at, locale)}</span>
        </li>
    }
}

fn redeemed_code(redemption: &Redemption, locale: Locale) -> Html {
    html! {
        <li class="activity-entry">
            <span class="activity-reason">{&redemption.title}</span>
            <code class="activity-code">{&redemption.code}</code>
            <span class="activity-date">{format_date(redemption.at, locale)}</span>
        </li>
    }
}
