use super::Messages;
use moments_protocol::Locale;

pub static MESSAGES: Messages = Messages {
    locale: Locale::ZhTw,
    badge_points: "{points} 點",
    badge_anonymous: "意見回饋",
    badge_label: "開啟你的獎勵與意見回饋",
    panel_title: "你的造訪",
    close: "關閉",
    points_label: "點數",
    tier_label: "{tier}會員",
    to_next_tier: "再得 {n} 點升至{tier}",
    top_tier: "你已是最高等級",
    tier_up: "恭喜你升級為{tier}！",
    recent_activity: "最近紀錄",
    no_activity: "還沒有點數，獲得後會顯示在這裡。",
    badge_join: "加入賺點數",
    join_prompt: "加入會員計畫，每筆訂單都能賺點數。",
    join_link: "加入或登入",
    question: "這次造訪體驗如何？",
    faces: ["非常不滿意", "不滿意", "普通", "滿意", "非常滿意"],
    thanks: "感謝你的回饋！",
    dismiss_greeting: "關閉問候",
};
