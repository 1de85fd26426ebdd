//! What refer-a-friend says to visitors, in the three languages the widget speaks: sent
//! already in the session's locale (like the greeting and the farewell), so the widget
//! carries only its button labels. `{n}` is a number of points, `{amount}` an order value.

use moments_protocol::Locale;
use moments_protocol::wire::ReferralOffer;

use crate::platform::numbers::group_thousands;

struct Texts {
    both: &'static str,
    thanked: &'static str,
    min_order: &'static str,
    glad: &'static str,
    welcome_points: &'static str,
    welcome_gift: &'static str,
    own_link: &'static str,
    not_for_you: &'static str,
}

const EN: Texts = Texts {
    both: "You both get {n} points when a friend you invite places their first order.",
    thanked: "You'll both be thanked when a friend you invite places their first order.",
    min_order: "First orders of {amount} or more count.",
    glad: "Glad you like it! Share your link:",
    welcome_points: "Place your first order and get {n} points.",
    welcome_gift: "Place your first order and get a welcome gift.",
    own_link: "This is your own invite link. Share it with a friend!",
    not_for_you: "This invite link can't be used here: invitations are for new customers.",
};

const ZH_CN: Texts = Texts {
    both: "你邀请的好友完成首单后，你们各得 {n} 积分。",
    thanked: "你邀请的好友完成首单后，你们都会收到谢礼。",
    min_order: "首单满 {amount} 方可计入。",
    glad: "很高兴你喜欢！分享你的链接：",
    welcome_points: "完成首单即可获得 {n} 积分。",
    welcome_gift: "完成首单即可获得一份欢迎礼。",
    own_link: "这是你自己的邀请链接，快分享给好友吧！",
    not_for_you: "此邀请链接无法在此使用：邀请仅限新顾客。",
};

const ZH_TW: Texts = Texts {
    both: "你邀請的好友完成首筆訂單後，你們各得 {n} 點。",
    thanked: "你邀請的好友完成首筆訂單後，你們都會收到謝禮。",
    min_order: "首筆訂單滿 {amount} 才會計入。",
    glad: "很高興你喜歡！分享你的連結：",
    welcome_points: "完成首筆訂單即可獲得 {n} 點。",
    welcome_gift: "完成首筆訂單即可獲得一份歡迎禮。",
    own_link: "這是你自己的邀請連結，快分享給好友吧！",
    not_for_you: "此邀請連結無法在此使用：邀請僅限新顧客。",
};

fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
        Locale::ZhTw => &ZH_TW,
    }
}

/// What a member's link brings (the panel's words); `asking`: after a promoter's answer.
pub fn promise(offer: &ReferralOffer, locale: Locale, asking: bool) -> String {
    let t = texts(locale);
    let mut line = match (offer.referrer_points, offer.friend_points) {
        (Some(mine), Some(theirs)) if mine == theirs => t.both.replace("{n}", &group_thousands(mine)),
        _ => t.thanked.to_owned(),
    };
    if let Some(min) = offer.min_order_value.filter(|m| *m > 0.0) {
        let amount = if min.fract() == 0.0 {
            format!("{min:.0}")
        } else {
            format!("{min:.2}")
        };
        line = format!("{line} {}", t.min_order.replace("{amount}", &amount));
    }
    if asking { format!("{} {line}", t.glad) } else { line }
}

/// What the friend is told after their click: `refused` with its reason, or the offer.
pub fn arrival(offer: &ReferralOffer, refused: Option<&str>, locale: Locale) -> String {
    let t = texts(locale);
    match refused {
        Some(super::reasons::OWN_CODE) => t.own_link.to_owned(),
        Some(_) => t.not_for_you.to_owned(),
        None => match offer.friend_points {
            Some(points) => t.welcome_points.replace("{n}", &group_thousands(points)),
            None => t.welcome_gift.to_owned(),
        },
    }
}

/// For an unknown code (the click answers 404 with it).
pub fn unknown_link(locale: Locale) -> String {
    texts(locale).not_for_you.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_says_every_sentence() {
        let offer = ReferralOffer {
            referrer_points: Some(1200),
            friend_points: Some(1200),
            friend_coupon: false,
            min_order_value: Some(30.0),
        };
        for locale in [Locale::En, Locale::ZhCn, Locale::ZhTw] {
            let asked = promise(&offer, locale, true);
            assert!(
                asked.contains("1,200") && asked.contains("30") && !asked.contains('{'),
                "{asked}"
            );
            assert!(arrival(&offer, None, locale).contains("1,200"));
            assert_ne!(
                arrival(&offer, Some("own_code"), locale),
                arrival(&offer, Some("already_member"), locale)
            );
        }
        assert_eq!(
            promise(&offer, Locale::En, true),
            "Glad you like it! Share your link: You both get 1,200 points when a friend you invite places their first order. First orders of 30 or more count."
        );
    }
}
