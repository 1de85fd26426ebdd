use super::*;
use crate::wire::Event;

const ID: &str = "0b9f6d0e-2c1a-4f3e-9d8c-7b6a5f4e3d2c";
const AT: f64 = 1_790_000_000_000.0;

fn feedback(scale: Scale, score: i64, comment: Option<&str>) -> Event {
    Event::Feedback {
        id: ID.into(),
        at: AT,
        scale,
        score,
        comment: comment.map(Into::into),
        context: None,
    }
}

#[test]
fn site_keys() {
    assert!(SiteKey::parse("demo").is_ok());
    assert!(SiteKey::parse("shop_01-eu").is_ok());
    for bad in ["", "Demo", "a b", "x/../y", &"a".repeat(65)] {
        assert_eq!(SiteKey::parse(bad).unwrap_err().code, "invalid_site_key", "{bad:?}");
    }
}

#[test]
fn visitor_ids() {
    assert!(VisitorId::parse(ID).is_ok());
    for bad in ["short", "has space here", "ümlaut-ümlaut", &"v".repeat(65)] {
        assert_eq!(VisitorId::parse(bad).unwrap_err().code, "invalid_visitor_id", "{bad:?}");
    }
}

#[test]
fn scores_stay_inside_their_scale() {
    for (scale, ok, bad) in [
        (Scale::Csat5, vec![1, 5], vec![0, 6, -1]),
        (Scale::Nps, vec![0, 10], vec![-1, 11]),
        (Scale::Thumbs, vec![0, 1], vec![2, -1]),
    ] {
        for v in ok {
            assert_eq!(Score::parse(scale, v).unwrap().value() as i64, v);
        }
        for v in bad {
            assert_eq!(Score::parse(scale, v).unwrap_err().code, "score_out_of_range");
        }
    }
    assert!(Score::parse(Scale::Nps, i64::MAX).is_err());
}

#[test]
fn comments_count_what_the_user_sees() {
    let family = "👨‍👩‍👧‍👦"; // one grapheme, seven code points
    assert_eq!(Comment::length(family), 1);
    let at_limit = family.repeat(MAX_COMMENT_GRAPHEMES);
    assert!(Comment::parse(&at_limit).unwrap().is_some());
    let over = "é".repeat(MAX_COMMENT_GRAPHEMES + 1);
    assert_eq!(Comment::parse(&over).unwrap_err().code, "comment_too_long");
    assert_eq!(Comment::parse("   ").unwrap(), None);
    assert_eq!(Comment::parse(" ok ").unwrap().unwrap().as_str(), "ok");
}

#[test]
fn events_parse_or_say_why() {
    let ok = ValidEvent::try_from(feedback(Scale::Csat5, 4, Some("great"))).unwrap();
    assert_eq!(ok.id.as_str(), ID);
    assert_eq!(ok.at_ms, AT as i64);
    assert!(matches!(ok.kind, ValidEventKind::Feedback { score, comment: Some(_), .. } if score.value() == 4));

    let cases = [
        (feedback(Scale::Csat5, 9, None), "score_out_of_range"),
        (feedback(Scale::Csat5, 3, Some(&"x".repeat(1001))), "comment_too_long"),
        (
            Event::Dismiss {
                id: "not-a-uuid".into(),
                at: AT,
            },
            "invalid_event_id",
        ),
        (
            Event::Dismiss {
                id: ID.into(),
                at: f64::NAN,
            },
            "invalid_timestamp",
        ),
        (Event::Dismiss { id: ID.into(), at: 5.0 }, "invalid_timestamp"),
        (
            Event::Track {
                id: ID.into(),
                at: AT,
                name: " ".into(),
                value: None,
                proof: None,
            },
            "invalid_event_name",
        ),
        (
            Event::Track {
                id: ID.into(),
                at: AT,
                name: "buy".into(),
                value: Some(f64::INFINITY),
                proof: None,
            },
            "invalid_value",
        ),
    ];
    for (event, code) in cases {
        assert_eq!(ValidEvent::try_from(event.clone()).unwrap_err().code, code, "{event:?}");
    }
}

#[test]
fn events_have_a_stable_wire_form() {
    let json = serde_json::to_value(feedback(Scale::Nps, 9, None)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"type": "feedback", "id": ID, "at": AT, "scale": "nps", "score": 9})
    );
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(back, feedback(Scale::Nps, 9, None));
}

#[test]
fn session_requests() {
    let req = SessionRequest {
        site: "demo".into(),
        visitor_id: ID.into(),
        member_token: Some("  ".into()),
        locale: None,
        languages: vec!["zh-HK".into()],
        page_url: Some("https://shop.example/cart".into()),
        device_id: Some("device-0001".into()),
    };
    let start = SessionStart::try_from(req.clone()).unwrap();
    assert_eq!(start.device.as_ref().map(|d| d.as_str()), Some("device-0001"));
    let bad_device = SessionRequest {
        device_id: Some("a device".into()),
        ..req.clone()
    };
    assert_eq!(
        SessionStart::try_from(bad_device).unwrap_err().code,
        "invalid_device_id"
    );
    assert_eq!(start.member_token, None);
    assert_eq!(start.page_url.as_deref(), Some("https://shop.example/cart"));
    let private = SessionRequest {
        page_url: Some("https://shop.example/thanks?email=a%40b.example&order=9#token".into()),
        ..req.clone()
    };
    assert_eq!(
        SessionStart::try_from(private).unwrap().page_url.as_deref(),
        Some("https://shop.example/thanks"),
        "origin and path only"
    );
    let only_query = SessionRequest {
        page_url: Some("?secret=1".into()),
        ..req.clone()
    };
    assert_eq!(SessionStart::try_from(only_query).unwrap().page_url, None);
    let long_url = SessionRequest {
        page_url: Some("h".repeat(MAX_PAGE_URL_LEN + 1)),
        ..req.clone()
    };
    assert_eq!(SessionStart::try_from(long_url).unwrap_err().code, "invalid_page_url");
    let many = SessionRequest {
        languages: vec!["en".into(); 17],
        ..req.clone()
    };
    assert_eq!(SessionStart::try_from(many).unwrap_err().code, "invalid_locale");
    let long_tag = SessionRequest {
        locale: Some("x".repeat(MAX_LOCALE_TAG_LEN + 1)),
        ..req
    };
    assert_eq!(SessionStart::try_from(long_tag).unwrap_err().code, "invalid_locale");
}

#[test]
fn member_ids() {
    assert!(MemberId::parse("alice").is_ok());
    assert!(MemberId::parse("客户-42@example.com").is_ok());
    assert!(MemberId::parse(&"x".repeat(MAX_MEMBER_ID_LEN)).is_ok());
    for bad in ["", " alice", "alice ", "a\u{0}b", "line\nbreak", "erased:1b4e28ba"] {
        assert_eq!(MemberId::parse(bad).unwrap_err().code, "invalid_member_id", "{bad:?}");
    }
    assert!(MemberId::parse(&"x".repeat(MAX_MEMBER_ID_LEN + 1)).is_err());
}

#[test]
fn points_changes_say_what_is_wrong() {
    let ok = PointsChange::parse(Some(-60), " Redeemed: free shipping ", "order-1042").unwrap();
    assert_eq!((ok.delta, ok.reason.as_str()), (-60, "Redeemed: free shipping"));
    assert!(PointsChange::parse(Some(MAX_POINTS_DELTA), "r", "k").is_ok());
    assert!(PointsChange::parse(Some(-MAX_POINTS_DELTA), "r", "k").is_ok());
    let long_reason = "r".repeat(MAX_POINTS_REASON_LEN + 1);
    let long_key = "k".repeat(MAX_IDEMPOTENCY_KEY_LEN + 1);
    let cases: [(Option<i64>, &str, &str, &str); 8] = [
        (None, "r", "k", "delta_not_integer"),
        (Some(0), "r", "k", "delta_zero"),
        (Some(MAX_POINTS_DELTA + 1), "r", "k", "delta_too_large"),
        (Some(-MAX_POINTS_DELTA - 1), "r", "k", "delta_too_large"),
        (Some(5), "  ", "k", "reason_empty"),
        (Some(5), &long_reason, "k", "reason_too_long"),
        (Some(5), "r", "", "idempotency_key_empty"),
        (Some(5), "r", &long_key, "idempotency_key_too_long"),
    ];
    for (delta, reason, key, code) in cases {
        assert_eq!(PointsChange::parse(delta, reason, key).unwrap_err().code, code);
    }
    assert_eq!(
        PointsChange::parse(Some(5), "r", "moments:recovery:x")
            .unwrap_err()
            .code,
        "idempotency_key_reserved"
    );
}

#[test]
fn birthdays_are_real_dates() {
    assert_eq!(
        Birthday::parse("1990-02-28").unwrap(),
        Birthday {
            year: 1990,
            month: 2,
            day: 28
        }
    );
    assert!(Birthday::parse("2000-02-29").is_ok());
    for bad in [
        "1900-02-29",
        "1990-13-01",
        "1990-04-31",
        "1990-1-01",
        "19900101",
        "1990-01-00",
        "abcd-01-01",
        "+990-01-01",
    ] {
        assert!(Birthday::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn low_answers_call_for_recovery() {
    let low = |scale, value| Score::parse(scale, value).unwrap().is_low();
    assert!(low(Scale::Csat5, 1) && low(Scale::Csat5, 2) && !low(Scale::Csat5, 3));
    assert!(low(Scale::Nps, 0) && low(Scale::Nps, 6) && !low(Scale::Nps, 7));
    assert!(low(Scale::Thumbs, 0) && !low(Scale::Thumbs, 1));
}

#[test]
fn comment_events_name_their_answer_and_say_something() {
    let comment = |feedback_id: &str, text: &str| {
        ValidEvent::try_from(Event::Comment {
            id: ID.into(),
            at: AT,
            feedback_id: feedback_id.into(),
            comment: text.into(),
        })
    };
    let ok = comment("11111111-2222-4333-8444-555555555555", "  slow delivery ").unwrap();
    assert!(matches!(ok.kind, ValidEventKind::Comment { ref comment, .. } if comment.as_str() == "slow delivery"));
    assert_eq!(comment("nope", "x").unwrap_err().code, "invalid_feedback_id");
    assert_eq!(
        comment("11111111-2222-4333-8444-555555555555", "  ").unwrap_err().code,
        "comment_empty"
    );
    let long = "é".repeat(MAX_COMMENT_GRAPHEMES + 1);
    assert_eq!(
        comment("11111111-2222-4333-8444-555555555555", &long).unwrap_err().code,
        "comment_too_long"
    );
}
