use super::Messages;
use moments_protocol::Locale;

pub static MESSAGES: Messages = Messages {
    locale: Locale::ZhCn,
    badge_points: "{points} 积分",
    badge_anonymous: "反馈",
    badge_label: "打开你的奖励与反馈",
    panel_title: "你的访问",
    close: "关闭",
    points_label: "积分",
    tier_label: "{tier}会员",
    to_next_tier: "再得 {n} 积分升至{tier}",
    top_tier: "你已是最高等级",
    question: "这次访问体验如何？",
    faces: ["非常不满意", "不满意", "一般", "满意", "非常满意"],
    thanks: "感谢你的反馈！",
    dismiss_greeting: "关闭问候",
};
