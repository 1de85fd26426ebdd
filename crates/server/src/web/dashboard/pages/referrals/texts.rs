//! The Referrals page's words, in the dashboard's three languages.

use moments_protocol::Locale;

pub struct Texts {
    pub intro: &'static str,
    pub figures: &'static str,
    pub clicks: &'static str,
    pub became_members: &'static str,
    pub first_orders: &'static str,
    pub completed: &'static str,
    pub completion_rate: &'static str,
    pub points_paid: &'static str,
    pub coupons_given: &'static str,
    pub links_shared: &'static str,
    pub held: &'static str,
    pub refusals: &'static str,
    pub no_refusals: &'static str,
    pub reason: &'static str,
    pub count: &'static str,
    pub review: &'static str,
    pub no_review: &'static str,
    pub referrer: &'static str,
    pub friend: &'static str,
    pub order_value: &'static str,
    pub approve: &'static str,
    pub refuse: &'static str,
    pub leaderboard: &'static str,
    pub points_earned: &'static str,
    pub download: &'static str,
    pub off: &'static str,
    /// Each refusal reason's words, by its code.
    pub reasons: [(&'static str, &'static str); 12],
}

const EN: Texts = Texts {
    intro: "Clicks on members' links in the period, and what became of them. A referral pays only when the shop vouches for the friend's first order; shares count taps on Share or Copy (the browser's word, nothing is paid for them).",
    figures: "Referral figures",
    clicks: "Clicks",
    became_members: "Friends who joined",
    first_orders: "First orders",
    completed: "Completed",
    completion_rate: "Completed per click",
    points_paid: "Points paid",
    coupons_given: "Coupons given",
    links_shared: "Links shared",
    held: "Waiting for review",
    refusals: "Refused, by reason",
    no_refusals: "Nothing was refused in this period.",
    reason: "Reason",
    count: "Referrals",
    review: "Review queue",
    no_review: "No referral is waiting for review.",
    referrer: "Referrer",
    friend: "Friend",
    order_value: "First order",
    approve: "Approve and pay",
    refuse: "Refuse",
    leaderboard: "Referrers with the most completions",
    points_earned: "Points earned",
    download: "Download the referrers (CSV)",
    off: "Refer-a-friend is off for this site ([sites.referrals] enabled = true turns it on).",
    reasons: [
        ("own_code", "Their own link (same member, browser or device)"),
        ("already_member", "Already a member before the click"),
        ("already_bought", "Had bought before"),
        ("claimed_by_another", "Another member's link came first"),
        ("replaced_by_later_click", "A later link took over"),
        ("referrer_cap", "Over the referrer's monthly cap"),
        ("address_velocity", "Too many from one address this week"),
        ("order_below_minimum", "First order below the minimum"),
        ("window_expired", "First order after the window"),
        ("refused_by_staff", "Refused in review"),
        ("review_value", "Large order: held for review"),
        ("review_velocity", "Many completions today: held for review"),
    ],
};

const ZH_CN: Texts = Texts {
    intro: "本期内会员链接的点击及其结果。只有商店为好友首单背书时才发放奖励；分享次数统计的是“分享”或“复制”的点击（仅为浏览器所报，不发放任何奖励）。",
    figures: "推荐数据",
    clicks: "点击",
    became_members: "加入的好友",
    first_orders: "首单",
    completed: "已完成",
    completion_rate: "每次点击的完成率",
    points_paid: "已发放积分",
    coupons_given: "已发放优惠券",
    links_shared: "链接分享次数",
    held: "待审核",
    refusals: "按原因统计的拒绝",
    no_refusals: "本期没有被拒绝的推荐。",
    reason: "原因",
    count: "推荐数",
    review: "审核队列",
    no_review: "没有待审核的推荐。",
    referrer: "推荐人",
    friend: "好友",
    order_value: "首单金额",
    approve: "批准并发放",
    refuse: "拒绝",
    leaderboard: "完成最多的推荐人",
    points_earned: "获得积分",
    download: "下载推荐人数据（CSV）",
    off: "此站点未开启推荐好友（[sites.referrals] enabled = true 可开启）。",
    reasons: [
        ("own_code", "自己的链接（同一会员、浏览器或设备）"),
        ("already_member", "点击前已是会员"),
        ("already_bought", "此前已购买"),
        ("claimed_by_another", "其他会员的链接在先"),
        ("replaced_by_later_click", "被之后的链接取代"),
        ("referrer_cap", "超出推荐人每月上限"),
        ("address_velocity", "本周同一地址次数过多"),
        ("order_below_minimum", "首单低于最低金额"),
        ("window_expired", "首单超出有效期"),
        ("refused_by_staff", "审核时拒绝"),
        ("review_value", "大额订单：待审核"),
        ("review_velocity", "今日完成过多：待审核"),
    ],
};

const ZH_TW: Texts = Texts {
    intro: "本期內會員連結的點擊及其結果。只有商店為好友首筆訂單背書時才發放獎勵；分享次數統計的是「分享」或「複製」的點擊（僅為瀏覽器所報，不發放任何獎勵）。",
    figures: "推薦數據",
    clicks: "點擊",
    became_members: "加入的好友",
    first_orders: "首筆訂單",
    completed: "已完成",
    completion_rate: "每次點擊的完成率",
    points_paid: "已發放點數",
    coupons_given: "已發放優惠券",
    links_shared: "連結分享次數",
    held: "待審核",
    refusals: "依原因統計的拒絕",
    no_refusals: "本期沒有被拒絕的推薦。",
    reason: "原因",
    count: "推薦數",
    review: "審核佇列",
    no_review: "沒有待審核的推薦。",
    referrer: "推薦人",
    friend: "好友",
    order_value: "首筆訂單金額",
    approve: "核准並發放",
    refuse: "拒絕",
    leaderboard: "完成最多的推薦人",
    points_earned: "獲得點數",
    download: "下載推薦人資料（CSV）",
    off: "此網站未開啟推薦好友（[sites.referrals] enabled = true 可開啟）。",
    reasons: [
        ("own_code", "自己的連結（同一會員、瀏覽器或裝置）"),
        ("already_member", "點擊前已是會員"),
        ("already_bought", "此前已購買"),
        ("claimed_by_another", "其他會員的連結在先"),
        ("replaced_by_later_click", "被之後的連結取代"),
        ("referrer_cap", "超出推薦人每月上限"),
        ("address_velocity", "本週同一位址次數過多"),
        ("order_below_minimum", "首筆訂單低於最低金額"),
        ("window_expired", "首筆訂單超出有效期"),
        ("refused_by_staff", "審核時拒絕"),
        ("review_value", "大額訂單：待審核"),
        ("review_velocity", "今日完成過多：待審核"),
    ],
};

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
        Locale::ZhTw => &ZH_TW,
    }
}

impl Texts {
    /// A reason's words; the code itself for one this page does not know.
    pub fn reason(&self, code: &str) -> String {
        self.reasons
            .iter()
            .find(|(c, _)| *c == code)
            .map_or_else(|| code.to_owned(), |(_, words)| (*words).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_words_in_every_language() {
        for locale in Locale::ALL {
            let t = texts(locale);
            for code in crate::features::referrals::reasons::ALL {
                assert_ne!(t.reason(code), code, "{code} in {locale:?}");
            }
        }
    }
}
