use time::macros::date;

use super::*;
use crate::config::Settings;

fn rule(extra: &str) -> anyhow::Result<SurpriseRule> {
    let text = format!("[[sites]]\nkey = \"a\"\nallowed_origins = []\n[[sites.surprises.rules]]\nkey = \"r\"\n{extra}");
    let settings = Settings::from_toml(&text)?;
    SurpriseRule::parse(&settings.sites[0].surprises.rules[0])
}

#[test]
fn each_trigger_and_reward_parses() {
    let r = rule(
        "trigger = \"random\"\nprobability = 0.05\nreward = \"points\"\npoints = 50\ncap_days = 1\ndaily_limit = 10",
    )
    .unwrap();
    assert_eq!(r.trigger, Trigger::Random { probability: 0.05 });
    assert_eq!((r.points(), r.daily_limit, r.daily_points), (Some(50), 10, i64::MAX));
    let r = rule("trigger = \"after_event\"\nevent = \"purchase\"\nmin_value = 50\nreward = \"coupon\"\ncoupon_pool = \"spring\"\ncap_days = 30\ndaily_limit = 100").unwrap();
    assert_eq!(r.reward, RewardSpec::Coupon { pool: "spring".into() });
    assert!(r.gives_value());
    let r = rule("trigger = \"birthday\"\nreward = \"message\"\nmessage = { en = \"Happy birthday!\" }").unwrap();
    assert_eq!(r.trigger, Trigger::Birthday { within_days: 30 });
    assert!(!r.gives_value());
    assert_eq!(
        r.message_in(Locale::ZhCn, Locale::En).as_deref(),
        Some("Happy birthday!")
    );
}

#[test]
fn bad_rules_are_refused_with_a_reason() {
    for (bad, says) in [
        ("trigger = \"random\"\nreward = \"message\"", "probability"),
        (
            "trigger = \"random\"\nprobability = 1.5\nreward = \"message\"",
            "between 0 and 1",
        ),
        ("trigger = \"nth_visit\"\nevery = 0\nreward = \"message\"", "every"),
        (
            "trigger = \"milestone\"\nthreshold = -1\nreward = \"message\"",
            "threshold",
        ),
        ("trigger = \"after_event\"\nreward = \"message\"", "event"),
        ("trigger = \"sometimes\"\nreward = \"message\"", "sometimes"),
        ("trigger = \"manual\"\nreward = \"points\"", "points"),
        ("trigger = \"manual\"\nreward = \"points\"\npoints = 0", "points"),
        ("trigger = \"manual\"\nreward = \"coupon\"", "coupon_pool"),
        (
            "trigger = \"manual\"\nreward = \"coupon\"\ncoupon_pool = \"a b\"",
            "coupon_pool",
        ),
        ("trigger = \"manual\"\nreward = \"cash\"", "cash"),
        (
            "trigger = \"manual\"\nreward = \"message\"\nmessage = { fr = \"Merci\" }",
            "fr",
        ),
        (
            "trigger = \"random\"\nprobability = 1\nreward = \"message\"\nholdout = 0.6",
            "holdout",
        ),
        (
            "trigger = \"random\"\nprobability = 1\nreward = \"message\"\nholdout = -0.1",
            "holdout",
        ),
        ("trigger = \"manual\"\nreward = \"message\"\nholdout = 0.1", "manual"),
    ] {
        let error = format!("{:#}", rule(bad).unwrap_err());
        assert!(error.contains(says), "{bad}: {error}");
    }
}

#[test]
fn events_match_by_name_and_least_value() {
    let r = rule("trigger = \"after_event\"\nevent = \"purchase\"\nmin_value = 50\nreward = \"message\"").unwrap();
    assert!(r.matches_event("purchase", Some(80.0)));
    assert!(r.matches_event("purchase", Some(50.0)));
    assert!(!r.matches_event("purchase", Some(49.99)));
    assert!(!r.matches_event("purchase", None), "a minimum needs a value");
    assert!(!r.matches_event("signup", Some(80.0)));
    let any = rule("trigger = \"after_event\"\nevent = \"signup\"\nreward = \"message\"").unwrap();
    assert!(any.matches_event("signup", None));
}

#[test]
fn a_birthday_counts_on_the_day_and_within_the_window_after() {
    assert_eq!(birthday_occasion("11-24", date!(2026 - 11 - 24), 30), Some(2026));
    assert_eq!(birthday_occasion("11-24", date!(2026 - 12 - 24), 30), Some(2026));
    assert_eq!(birthday_occasion("11-24", date!(2026 - 12 - 25), 30), None);
    assert_eq!(
        birthday_occasion("11-25", date!(2026 - 11 - 24), 30),
        None,
        "not before the day"
    );
    assert_eq!(
        birthday_occasion("12-20", date!(2027 - 01 - 05), 30),
        Some(2026),
        "across new year"
    );
    assert_eq!(
        birthday_occasion("02-29", date!(2027 - 03 - 01), 0),
        Some(2027),
        "1 March outside leap years"
    );
    assert_eq!(birthday_occasion("02-29", date!(2028 - 02 - 29), 0), Some(2028));
    assert_eq!(birthday_occasion("13-01", date!(2026 - 11 - 24), 30), None);
}
