//! Refer a friend's labels in each language the widget speaks (the sentences come from the
//! server, already in the session's locale). Kept in the later parts: the first badge never
//! shows them.

use moments_protocol::Locale;

#[derive(Debug, PartialEq)]
pub struct ReferralTexts {
    pub title: &'static str,
    pub share: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    /// What the friend's card is titled.
    pub welcome_title: &'static str,
    /// A link whose code the server does not know (any more).
    pub unknown_link: &'static str,
}

const EN: ReferralTexts = ReferralTexts {
    title: "Invite a friend",
    share: "Share",
    copy: "Copy link",
    copied: "Copied!",
    welcome_title: "A friend invited you",
    unknown_link: "This invite link doesn't work any more.",
};

const ZH_CN: ReferralTexts = ReferralTexts {
    title: "邀请好友",
    share: "分享",
    copy: "复制链接",
    copied: "已复制！",
    welcome_title: "好友邀请了你",
    unknown_link: "此邀请链接已失效。",
};

const ZH_TW: ReferralTexts = ReferralTexts {
    title: "邀請好友",
    share: "分享",
    copy: "複製連結",
    copied: "已複製！",
    welcome_title: "好友邀請了你",
    unknown_link: "此邀請連結已失效。",
};

pub fn texts(locale: Locale) -> &'static ReferralTexts {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
        Locale::ZhTw => &ZH_TW,
    }
}
