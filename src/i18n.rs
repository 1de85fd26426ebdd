//! Every text the widget shows, in each language it speaks. Texts the site writes
//! (greeting, question) come from the server instead, already in the session's locale.

mod en;
mod zh_cn;
mod zh_tw;

use moments_protocol::Locale;
use moments_protocol::text::cat;

/// One language's catalog. `{points}`, `{tier}` and `{n}` are filled in by [`fill`].
#[derive(Debug, PartialEq)]
pub struct Messages {
    pub locale: Locale,
    /// The badge of a member: `{points}` is the formatted balance.
    pub badge_points: &'static str,
    /// The badge of an anonymous visitor.
    pub badge_anonymous: &'static str,
    /// Accessible name of the badge button.
    pub badge_label: &'static str,
    pub panel_title: &'static str,
    /// In the panel while its contents are on their way (when they were not fetched earlier).
    pub panel_loading: &'static str,
    /// In the panel when its contents could not be fetched.
    pub panel_failed: &'static str,
    /// The button that fetches them again.
    pub try_again: &'static str,
    pub close: &'static str,
    pub points_label: &'static str,
    /// `{tier}` is the tier's name.
    pub tier_label: &'static str,
    /// `{n}` points still needed, `{tier}` the next tier.
    pub to_next_tier: &'static str,
    pub top_tier: &'static str,
    /// Celebrates reaching `{tier}`, once per tier-up.
    pub tier_up: &'static str,
    pub recent_activity: &'static str,
    pub no_activity: &'static str,
    /// The badge of an anonymous visitor on a site with a join page.
    pub badge_join: &'static str,
    pub join_prompt: &'static str,
    pub join_link: &'static str,
    /// The feedback question when the site sets none.
    pub question: &'static str,
    /// The question on an NPS site and on a thumbs site, when the site sets none.
    pub question_nps: &'static str,
    pub question_thumbs: &'static str,
    /// Accessible names of the five faces, worst to best.
    pub faces: [&'static str; 5],
    /// The ends of the 0 to 10 scale.
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub thumbs_down: &'static str,
    pub thumbs_up: &'static str,
    pub thanks: &'static str,
    /// After a low answer, when the site words none.
    pub apology: &'static str,
    pub follow_up: &'static str,
    /// `{n}` goodwill points a member gets after a low answer.
    pub goodwill: &'static str,
    pub comment_label: &'static str,
    /// `{n}` characters left.
    pub comment_left: &'static str,
    /// `{n}` characters over the limit.
    pub comment_over: &'static str,
    pub comment_send: &'static str,
    pub comment_sent: &'static str,
    /// The end-of-session prompt's close button.
    pub prompt_close: &'static str,
    pub dismiss_greeting: &'static str,
    /// The gift button by the badge (its name too).
    pub surprise_gift: &'static str,
    /// The gift button while the claim is under way.
    pub surprise_opening: &'static str,
    pub surprise_title: &'static str,
    /// `{n}` points credited by a gift.
    pub surprise_points: &'static str,
    /// Above a gift's coupon code.
    pub surprise_coupon: &'static str,
    pub surprise_copy: &'static str,
    pub surprise_copied: &'static str,
    /// A gift's words when the site gives none.
    pub surprise_thanks: &'static str,
    /// A gift that expired or is no longer this visitor's.
    pub surprise_gone: &'static str,
    pub surprise_failed: &'static str,
    /// The heading of the site's ways to earn points.
    pub ways_to_earn: &'static str,
    /// The heading of the rewards catalog.
    pub rewards_title: &'static str,
    /// `{n}` points a reward costs.
    pub reward_cost: &'static str,
    pub reward_redeem: &'static str,
    /// `{n}` points the member still lacks.
    pub reward_more: &'static str,
    /// A reward for `{tier}` members and up.
    pub reward_tier: &'static str,
    pub reward_sold_out: &'static str,
    /// The member redeemed it as often as its limit allows for now.
    pub reward_limit: &'static str,
    /// Asks before spending: `{n}` points, `{reward}` its title.
    pub redeem_confirm: &'static str,
    pub redeem_yes: &'static str,
    pub redeem_cancel: &'static str,
    pub redeem_sending: &'static str,
    /// Above the code a redemption gave; `{reward}` its title.
    pub redeem_code: &'static str,
    /// Refused: not enough points.
    pub redeem_short: &'static str,
    /// Refused: the stock ran out meanwhile.
    pub redeem_gone: &'static str,
    /// Refused: the member's tier is too low.
    pub redeem_tier: &'static str,
    /// Any other failure; trying again may help.
    pub redeem_failed: &'static str,
    /// The heading of the member's redeemed codes.
    pub your_codes: &'static str,
    /// `{n}` points lapse on `{date}` unless the member earns or spends before.
    pub points_expire: &'static str,
}

pub fn messages(locale: Locale) -> &'static Messages {
    match locale {
        Locale::En => &en::MESSAGES,
        Locale::ZhCn => &zh_cn::MESSAGES,
        Locale::ZhTw => &zh_tw::MESSAGES,
    }
}

/// Replaces each `{name}` in `template` by its value; unknown names stay as they are.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after
            .find('}')
            .and_then(|end| Some((end, values.iter().find(|(n, _)| *n == &after[..end])?)))
        {
            Some((end, (_, value))) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `n` the way `locale` writes it: English and both Chinese group thousands with a comma, as
/// `Intl.NumberFormat` does for them (checked in tests/browser.rs). Done here because the
/// first `toLocaleString` loads the browser's locale data: 54 ms of a slow phone's first render.
pub fn number(n: i64, locale: Locale) -> String {
    let separator = match locale {
        Locale::En | Locale::ZhCn | Locale::ZhTw => ',',
    };
    let written = moments_protocol::text::decimal(n);
    let digits = written.trim_start_matches('-');
    let mut text = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        text.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(separator);
        }
        text.push(digit);
    }
    text
}

/// A calendar date as `Intl` writes it in `locale`'s medium style (`Sep 21, 2026`,
/// `2026年9月21日`), without `Intl`, whose first use loads the browser's locale data (about
/// 100 ms on a slow phone, on the tap that opens the panel). `month` is 1 to 12.
pub fn date(year: i64, month: u32, day: u32, locale: Locale) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, day) = (
        moments_protocol::text::decimal(year),
        moments_protocol::text::decimal(i64::from(day)),
    );
    match locale {
        Locale::En => cat(&[MONTHS[(month.clamp(1, 12) - 1) as usize], " ", &day, ", ", &year]),
        Locale::ZhCn | Locale::ZhTw => cat(&[
            &year,
            "年",
            &moments_protocol::text::decimal(i64::from(month)),
            "月",
            &day,
            "日",
        ]),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn numbers_group_thousands() {
        let written: Vec<String> = [0, 7, 999, 1_000, 1_240, -1_240, 12_345_678, i64::MIN]
            .iter()
            .map(|&n| number(n, Locale::En))
            .collect();
        assert_eq!(
            written,
            [
                "0",
                "7",
                "999",
                "1,000",
                "1,240",
                "-1,240",
                "12,345,678",
                "-9,223,372,036,854,775,808"
            ]
        );
        assert_eq!(number(1_240, Locale::ZhTw), "1,240");
    }

    use super::*;

    fn texts(m: &Messages) -> Vec<&'static str> {
        let mut all = vec![
            m.badge_points,
            m.badge_anonymous,
            m.badge_label,
            m.panel_title,
            m.panel_loading,
            m.panel_failed,
            m.try_again,
            m.close,
            m.points_label,
            m.tier_label,
            m.to_next_tier,
            m.top_tier,
            m.tier_up,
            m.recent_activity,
            m.no_activity,
            m.badge_join,
            m.join_prompt,
            m.join_link,
            m.question,
            m.question_nps,
            m.question_thumbs,
            m.nps_low,
            m.nps_high,
            m.thumbs_down,
            m.thumbs_up,
            m.thanks,
            m.apology,
            m.follow_up,
            m.goodwill,
            m.comment_label,
            m.comment_left,
            m.comment_over,
            m.comment_send,
            m.comment_sent,
            m.prompt_close,
            m.dismiss_greeting,
            m.surprise_gift,
            m.surprise_opening,
            m.surprise_title,
            m.surprise_points,
            m.surprise_coupon,
            m.surprise_copy,
            m.surprise_copied,
            m.surprise_thanks,
            m.surprise_gone,
            m.surprise_failed,
            m.ways_to_earn,
            m.rewards_title,
            m.reward_cost,
            m.reward_redeem,
            m.reward_more,
            m.reward_tier,
            m.reward_sold_out,
            m.reward_limit,
            m.redeem_confirm,
            m.redeem_yes,
            m.redeem_cancel,
            m.redeem_sending,
            m.redeem_code,
            m.redeem_short,
            m.redeem_gone,
            m.redeem_tier,
            m.redeem_failed,
            m.your_codes,
            m.points_expire,
        ];
        all.extend(m.faces);
        all
    }

    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn every_catalog_is_complete_and_keeps_the_placeholders() {
        let english = texts(messages(Locale::En));
        for locale in Locale::ALL {
            let catalog = messages(locale);
            assert_eq!(catalog.locale, locale);
            for (text, reference) in texts(catalog).iter().zip(&english) {
                assert!(!text.trim().is_empty(), "{locale:?} has an empty text");
                assert_eq!(placeholders(text), placeholders(reference), "{locale:?}: {text}");
                if locale != Locale::En {
                    assert_ne!(text, reference, "{locale:?} is not translated: {text}");
                }
            }
        }
    }

    #[test]
    fn dates_are_written_in_each_locales_medium_style() {
        assert_eq!(date(2026, 9, 21, Locale::En), "Sep 21, 2026");
        assert_eq!(date(2026, 12, 2, Locale::En), "Dec 2, 2026");
        assert_eq!(date(2026, 1, 31, Locale::ZhCn), "2026年1月31日");
        assert_eq!(date(2026, 11, 23, Locale::ZhTw), "2026年11月23日");
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill("{n} points to {tier}", &[("n", "200"), ("tier", "Gold")]),
            "200 points to Gold"
        );
        assert_eq!(
            fill("再得 {n} 點升至{tier}", &[("n", "1,000"), ("tier", "金卡")]),
            "再得 1,000 點升至金卡"
        );
        assert_eq!(fill("{x} {n} {", &[("n", "1")]), "{x} 1 {");
    }
}
