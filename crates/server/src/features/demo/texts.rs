//! What the demo history's people are called and what they write, in the three languages the
//! widget speaks: answers' comments read like a shop's real inbox, in the visitor's language.

use moments_protocol::Locale;

#[derive(Clone, Copy)]
pub enum Mood {
    Happy,
    Mixed,
    Unhappy,
}

const NAMES_EN: &[&str] = &[
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "James", "Chloe", "Leo", "Grace",
    "Jack", "Ruby", "Owen", "Isla", "Finn", "Hannah", "Daniel",
];
const NAMES_ZH_CN: &[&str] = &[
    "王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵婷", "黄强", "周杰", "吴娜", "徐明", "孙丽",
];
const NAMES_ZH_TW: &[&str] = &[
    "陳怡君",
    "林志明",
    "黃淑芬",
    "張家豪",
    "李雅婷",
    "王建宏",
    "吳佩珊",
    "劉冠廷",
];

pub fn member_name(locale: Locale, n: usize) -> &'static str {
    let names = match locale {
        Locale::En => NAMES_EN,
        Locale::ZhCn => NAMES_ZH_CN,
        Locale::ZhTw => NAMES_ZH_TW,
    };
    names[n % names.len()]
}

const HAPPY_EN: &[&str] = &[
    "Found exactly what I needed, and checkout took a minute.",
    "The linen shirt fits perfectly. Ordering another colour.",
    "Love the points. Free shipping next time!",
    "Fast delivery and lovely packaging.",
    "Great help from support on chat.",
    "Easy to find my size.",
];
const MIXED_EN: &[&str] = &[
    "Nice things, but the size guide confused me.",
    "Shipping costs were a surprise at checkout.",
    "Okay, but the product photos could be bigger.",
    "Took a while to find the returns page.",
];
const UNHAPPY_EN: &[&str] = &[
    "My order arrived two weeks late and nobody answered my email.",
    "The discount code did not work at checkout.",
    "Payment failed three times.",
    "The tote arrived torn. Very disappointed.",
    "Site kept logging me out of my account.",
];
const HAPPY_ZH_CN: &[&str] = &[
    "很快就找到了想要的，结账也很顺利。",
    "亚麻衬衫很合身，准备再买一件。",
    "积分很实用，下次用来免运费！",
    "发货很快，包装也很精致。",
];
const MIXED_ZH_CN: &[&str] = &[
    "东西不错，但尺码表有点看不懂。",
    "结账时才看到运费，有点意外。",
    "还行，商品图片可以再大一些。",
];
const UNHAPPY_ZH_CN: &[&str] = &[
    "订单晚到了两个星期，邮件也没人回复。",
    "优惠码在结账时用不了。",
    "付款失败了三次。",
    "收到的帆布袋是破的，很失望。",
];
const HAPPY_ZH_TW: &[&str] = &[
    "很快就找到想要的，結帳也很順利。",
    "亞麻襯衫很合身，準備再買一件。",
    "點數很實用，下次用來免運費！",
    "出貨很快，包裝也很精緻。",
];
const MIXED_ZH_TW: &[&str] = &[
    "東西不錯，但尺寸表有點看不懂。",
    "結帳時才看到運費，有點意外。",
    "還可以，商品圖片可以再大一點。",
];
const UNHAPPY_ZH_TW: &[&str] = &[
    "訂單晚到了兩個星期，信也沒人回。",
    "折扣碼在結帳時不能用。",
    "付款失敗了三次。",
    "收到的帆布袋是破的，很失望。",
];

/// The shop changed couriers (to "SpeedyPost") two weeks before the demo's today: from then on,
/// four unhappy comments in five are about it, and the Themes section sees the name rise.
const NEW_COURIER: [&str; 3] = [
    "SpeedyPost is so slow, my parcel took two weeks.",
    "换了SpeedyPost以后物流很慢，等了两个星期。",
    "換了SpeedyPost以後物流很慢，等了兩個星期。",
];

/// The `n`th comment of someone in `mood` writing in `locale`, `after_courier_change` or not.
pub fn comment_then(locale: Locale, mood: Mood, n: usize, after_courier_change: bool) -> &'static str {
    match (mood, after_courier_change && n % 5 < 4) {
        (Mood::Unhappy, true) => match locale {
            Locale::En => NEW_COURIER[0],
            Locale::ZhCn => NEW_COURIER[1],
            Locale::ZhTw => NEW_COURIER[2],
        },
        _ => comment(locale, mood, n),
    }
}

/// The `n`th comment (wrapping) of someone in `mood` writing in `locale`.
pub fn comment(locale: Locale, mood: Mood, n: usize) -> &'static str {
    let comments = match (locale, mood) {
        (Locale::En, Mood::Happy) => HAPPY_EN,
        (Locale::En, Mood::Mixed) => MIXED_EN,
        (Locale::En, Mood::Unhappy) => UNHAPPY_EN,
        (Locale::ZhCn, Mood::Happy) => HAPPY_ZH_CN,
        (Locale::ZhCn, Mood::Mixed) => MIXED_ZH_CN,
        (Locale::ZhCn, Mood::Unhappy) => UNHAPPY_ZH_CN,
        (Locale::ZhTw, Mood::Happy) => HAPPY_ZH_TW,
        (Locale::ZhTw, Mood::Mixed) => MIXED_ZH_TW,
        (Locale::ZhTw, Mood::Unhappy) => UNHAPPY_ZH_TW,
    };
    comments[n % comments.len()]
}

const NOTES: &[&str] = &[
    "Called the customer; replacement shipped by express.",
    "Refunded the shipping and apologised by email.",
    "Code fixed; sent a new one that works.",
    "Payment provider issue, now solved; customer confirmed the order went through.",
    "Explained the size guide and arranged a free exchange.",
];

/// What staff wrote when they closed a case: the `n`th note (wrapping).
pub fn resolution_note(n: usize) -> &'static str {
    NOTES[n % NOTES.len()]
}
