//! `format = "slack"`: a message people read in a channel (Slack's incoming webhooks, and the
//! many tools that take the same `{ text, blocks }`), in the site's default language.

use moments_protocol::Locale;
use serde_json::{Value, json};

use crate::features::sites::Site;

struct Texts {
    answer: &'static str,
    low_answer: &'static str,
    case_opened: &'static str,
    case_resolved: &'static str,
    gift_given: &'static str,
    gift_claimed: &'static str,
    tier_changed: &'static str,
    points_changed: &'static str,
    experiment_stopped: &'static str,
    theme_rising: &'static str,
    test: &'static str,
    event: &'static str,
    comment: &'static str,
    page: &'static str,
    member: &'static str,
    visitor: &'static str,
    open_case: &'static str,
    shipped: &'static str,
    nothing_shipped: &'static str,
}

const EN: Texts = Texts {
    answer: "New answer",
    low_answer: "Low answer",
    case_opened: "Recovery case opened",
    case_resolved: "Recovery case resolved",
    gift_given: "Surprise given",
    gift_claimed: "Surprise claimed",
    tier_changed: "Member reached a new tier",
    points_changed: "Points changed",
    experiment_stopped: "Experiment stopped",
    theme_rising: "Rising in low answers",
    test: "Test event from Moments",
    event: "Event",
    comment: "Comment",
    page: "Page",
    member: "Member",
    visitor: "Anonymous visitor",
    open_case: "Open the case",
    shipped: "Shipped",
    nothing_shipped: "No variant shipped",
};

const ZH_CN: Texts = Texts {
    answer: "新的评价",
    low_answer: "低分评价",
    case_opened: "已开启服务补救个案",
    case_resolved: "服务补救个案已解决",
    gift_given: "已送出惊喜",
    gift_claimed: "惊喜已领取",
    tier_changed: "会员升到新等级",
    points_changed: "积分变动",
    experiment_stopped: "实验已停止",
    theme_rising: "差评中骤增的话题",
    test: "来自 Moments 的测试事件",
    event: "事件",
    comment: "留言",
    page: "页面",
    member: "会员",
    visitor: "匿名访客",
    open_case: "打开个案",
    shipped: "已上线",
    nothing_shipped: "未上线任何版本",
};

const ZH_TW: Texts = Texts {
    answer: "新的評價",
    low_answer: "低分評價",
    case_opened: "已開啟服務補救個案",
    case_resolved: "服務補救個案已解決",
    gift_given: "已送出驚喜",
    gift_claimed: "驚喜已領取",
    tier_changed: "會員升到新等級",
    points_changed: "點數變動",
    experiment_stopped: "實驗已停止",
    theme_rising: "差評中驟增的話題",
    test: "來自 Moments 的測試事件",
    event: "事件",
    comment: "留言",
    page: "頁面",
    member: "會員",
    visitor: "匿名訪客",
    open_case: "開啟個案",
    shipped: "已上線",
    nothing_shipped: "未上線任何版本",
};

fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
        Locale::ZhTw => &ZH_TW,
    }
}

/// Slack's mrkdwn takes `&`, `<` and `>` as markup: a comment must not make a link.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn field(data: &Value, name: &str) -> Option<String> {
    match data.get(name)? {
        Value::Null => None,
        Value::String(s) => Some(escape(s)),
        other => Some(other.to_string()),
    }
}

fn score_line(data: &Value) -> String {
    let top = match data.get("scale").and_then(Value::as_str) {
        Some("nps") => "10",
        Some("thumbs") => "1",
        _ => "5",
    };
    format!("{}/{top}", field(data, "score").unwrap_or_default())
}

pub fn message(kind: &str, data: &Value, site: Option<&Site>) -> Value {
    let t = texts(site.map(|s| s.settings.default_locale).unwrap_or_default());
    let site_key = field(data, "site").unwrap_or_default();
    let low = data.get("low").and_then(Value::as_bool).unwrap_or(false);
    let headline = match kind {
        "feedback.received" if low => format!("{} · {}", t.low_answer, score_line(data)),
        "feedback.received" => format!("{} · {}", t.answer, score_line(data)),
        "recovery.opened" => format!(
            "{} #{} · {}",
            t.case_opened,
            field(data, "case_id").unwrap_or_default(),
            score_line(data)
        ),
        "recovery.resolved" => format!("{} #{}", t.case_resolved, field(data, "case_id").unwrap_or_default()),
        "surprise.given" => format!("{} · {}", t.gift_given, field(data, "rule").unwrap_or_default()),
        "surprise.claimed" => format!("{} · {}", t.gift_claimed, field(data, "rule").unwrap_or_default()),
        "member.tier_changed" => format!("{} · {}", t.tier_changed, field(data, "to").unwrap_or_default()),
        "points.changed" => format!(
            "{} · {:+}",
            t.points_changed,
            data.get("delta").and_then(Value::as_i64).unwrap_or(0)
        ),
        "experiment.stopped" => format!(
            "{} · {} · {}",
            t.experiment_stopped,
            field(data, "experiment").unwrap_or_default(),
            field(data, "shipped").map_or_else(|| t.nothing_shipped.to_owned(), |v| format!("{} {v}", t.shipped))
        ),
        "theme.rising" => {
            let percent = |name: &str| data.get(name).and_then(Value::as_f64).map_or(0.0, |v| v * 100.0);
            format!(
                "{} · {} · {:.0}% → {:.0}%",
                t.theme_rising,
                field(data, "label").unwrap_or_default(),
                percent("share_before"),
                percent("share")
            )
        }
        "webhook.test" => t.test.to_owned(),
        other => format!("{} · {}", t.event, escape(other)),
    };
    let headline = format!("{headline} ({site_key})");
    let mut blocks = vec![json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*{headline}*") } })];
    if let Some(comment) = field(data, "comment").or_else(|| field(data, "note")) {
        let quoted: String = comment.lines().map(|l| format!("> {l}\n")).collect();
        blocks.push(
            json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*{}*\n{quoted}", t.comment) } }),
        );
    }
    let mut facts = Vec::new();
    if let Some(page) = field(data, "page") {
        facts.push(format!("{}: `{page}`", t.page));
    }
    match (field(data, "member_id"), field(data, "visitor_id")) {
        (Some(member), _) => facts.push(format!("{}: {member}", t.member)),
        (None, Some(_)) => facts.push(t.visitor.to_owned()),
        (None, None) => {}
    }
    if !facts.is_empty() {
        blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": facts.join(" · ") }] }));
    }
    if let Some(url) = data.get("dashboard_url").and_then(Value::as_str) {
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("<{}|{}>", escape(url), t.open_case) } }));
    }
    let text = match field(data, "comment") {
        Some(comment) => format!("{headline}: {comment}"),
        None => headline,
    };
    json!({ "text": text, "blocks": blocks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rising_theme_reads_with_its_words_and_shares() {
        let data = json!({ "site": "shop", "week": "2026-11-30", "term": "退款", "label": "退款", "answers": 22,
            "low_answers": 200, "share": 0.11, "share_before": 0.02, "raised_at": 0 });
        assert_eq!(
            message("theme.rising", &data, None)["text"],
            "Rising in low answers · 退款 · 2% → 11% (shop)"
        );
    }

    #[test]
    fn a_low_answer_reads_with_its_score_comment_page_and_case() {
        let data = json!({ "site": "shop", "scale": "csat5", "score": 1, "low": true, "comment": "Late <again> & broken",
            "page": "/checkout", "visitor_id": "v1", "member_id": null, "dashboard_url": "https://m.example/dashboard/shop/recovery#case-4" });
        let sent = message("feedback.received", &data, None);
        let text = sent.to_string();
        assert_eq!(sent["text"], "Low answer · 1/5 (shop): Late &lt;again&gt; &amp; broken");
        assert!(text.contains("Page: `/checkout`"), "{text}");
        assert!(text.contains("Anonymous visitor"), "{text}");
        assert!(
            text.contains("<https://m.example/dashboard/shop/recovery#case-4|Open the case>"),
            "{text}"
        );
        assert_eq!(sent["blocks"].as_array().unwrap().len(), 4);
    }
}
