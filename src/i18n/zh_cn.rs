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
    tier_up: "恭喜你升级为{tier}！",
    recent_activity: "最近记录",
    no_activity: "还没有积分，获得后会显示在这里。",
    badge_join: "加入赚积分",
    join_prompt: "加入会员计划，每笔订单都能赚积分。",
    join_link: "加入或登录",
    question: "这次访问体验如何？",
    faces: ["非常不满意", "不满意", "一般", "满意", "非常满意"],
    thanks: "感谢你的反馈！",
    dismiss_greeting: "关闭问候",
};
