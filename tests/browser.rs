//! The widget's own tests, in headless Chromium (wasm-bindgen-test).
//!
//! Over 500 lines on purpose: wasm-bindgen-test builds one wasm binary per test file, so the
//! widget's browser tests share this one rather than pay that build several times.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use moments::config::WidgetConfig;
use moments::outbox;
use moments::session_end::EndSignal;
use moments::state::Session;
use moments_protocol::Locale;
use moments_protocol::wire::{
    ClaimedSurprise, ExperimentAssignment, FeedbackSettings, LedgerEntry, MemberSummary, NextTier, Scale,
    SessionResponse, Slot, SurpriseOffer, TierStatus,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const UNREACHABLE: &str = "http://127.0.0.1:9";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn response(locale: Locale, member: bool) -> SessionResponse {
    SessionResponse {
        session_id: "11111111-2222-4333-8444-555555555555".into(),
        locale,
        greeting: Some("Welcome back, Alice!".into()),
        member: member.then(|| MemberSummary {
            name: Some("Alice".into()),
            points: 1240,
            lifetime_points: 1300,
            tier: Some(TierStatus {
                name: "Silver".into(),
                threshold: 500,
                next: Some(NextTier {
                    name: "Gold".into(),
                    threshold: 1500,
                    points_needed: 200,
                }),
            }),
            tier_up: false,
            recent: vec![
                LedgerEntry {
                    delta: -60,
                    reason: "Redeemed: free shipping".into(),
                    at: 1_790_000_000_000,
                },
                LedgerEntry {
                    delta: 300,
                    reason: "Order #1042".into(),
                    at: 1_789_000_000_000,
                },
            ],
            redeemed: Vec::new(),
            expiring: None,
        }),
        join_url: None,
        hide_badge: false,
        feedback: FeedbackSettings {
            enabled: true,
            scale: Scale::Csat5,
            ask: true,
            question: None,
            farewell: Some("Thanks for visiting!".into()),
            apology: None,
            follow_up: None,
            recovery_points: None,
        },
        surprises: Vec::new(),
        experiments: Vec::new(),
        ways_to_earn: Vec::new(),
        rewards: Vec::new(),
        referral: None,
    }
}

fn session(locale: Locale, member: bool) -> Rc<Session> {
    with_response(response(locale, member))
}

fn with_response(response: SessionResponse) -> Rc<Session> {
    Rc::new(Session {
        visitor_id: "visitor-browser-test".into(),
        response,
    })
}

/// Draws the widget for `session` (started: no backend is asked) into a fresh element and
/// returns the container in its shadow root.
async fn render(session: Rc<Session>) -> Element {
    render_with(session, Rc::default(), 0).await
}

async fn render_with(session: Rc<Session>, end: Rc<EndSignal>, idle_timeout_secs: u32) -> Element {
    // Each test is a page view of its own.
    moments::session_end::forget_questions();
    render_beside(session, end, idle_timeout_secs).await
}

/// Another widget on the same page view.
async fn render_beside(session: Rc<Session>, end: Rc<EndSignal>, idle_timeout_secs: u32) -> Element {
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let config = WidgetConfig {
        backend: UNREACHABLE.into(),
        site: "demo".into(),
        member_token: None,
        locale: None,
        inline: false,
        idle_timeout_secs,
    };
    // Lives as long as the test's page.
    Box::leak(Box::new(moments::host::mount_started(
        host.clone(),
        config,
        Rc::unwrap_or_clone(session),
        end,
    )));
    let container = host
        .shadow_root()
        .unwrap()
        .query_selector(".moments-host")
        .unwrap()
        .expect("the widget draws into its shadow root");
    until_present(&container, ".moments").await;
    // Drawn whole: the later parts (fetched when the browser is idle) too.
    until_present(&container, ".later .live").await;
    container
}

/// Waits until `selector` matches in `root` (rendering is asynchronous; a loaded machine is slow).
async fn until_present(root: &Element, selector: &str) {
    for _ in 0..300 {
        if root.query_selector(selector).ok().flatten().is_some() {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    panic!("{selector} never appeared");
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .map(|e| e.text_content().unwrap_or_default())
        .unwrap_or_default()
}

fn click(root: &Element, selector: &str) {
    root.query_selector(selector)
        .unwrap()
        .expect(selector)
        .unchecked_into::<HtmlElement>()
        .click();
}

#[wasm_bindgen_test]
async fn a_member_badge_shows_points_tier_and_progress() {
    let root = render(session(Locale::En, true)).await;
    until_present(&root, ".badge").await;
    assert_eq!(text(&root, ".badge-points"), "1,240 pts");
    assert_eq!(text(&root, ".badge-tier"), "Silver");
    assert!(root.query_selector(".panel:not([hidden])").unwrap().is_none());
    // The live region is there first; the greeting fills it a moment later, to be announced.
    assert!(
        root.query_selector("[role=status][aria-live=polite]")
            .unwrap()
            .is_some()
    );
    until_present(&root, ".greeting-text").await;
    assert_eq!(text(&root, ".greeting-text"), "Welcome back, Alice!");

    // 1,300 lifetime points: 80% of the way from Silver (500) to Gold (1,500).
    assert_eq!(attribute(&root, ".badge-progress", "value"), "80");
    assert_eq!(attribute(&root, ".badge-progress", "aria-hidden"), "true");

    click(&root, ".badge");
    until_present(&root, ".panel:not([hidden])").await;
    assert_eq!(text(&root, ".member-progress"), "200 points to Gold");
    assert_eq!(text(&root, ".member-tier"), "Silver member");
    assert_eq!(attribute(&root, ".member-progress-bar", "value"), "80");
    let label = attribute(&root, ".member-progress-bar", "aria-labelledby");
    assert_eq!(text(&root, &format!("#{label}")), "200 points to Gold");
    assert_eq!(
        root.query_selector(".badge")
            .unwrap()
            .unwrap()
            .get_attribute("aria-expanded")
            .as_deref(),
        Some("true")
    );
    assert!(root.query_selector(".tier-up").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_panel_lists_the_latest_ledger_entries_with_dates() {
    let root = render(session(Locale::En, true)).await;
    click(&root, ".badge");
    until_present(&root, ".activity").await;
    assert_eq!(text(&root, ".activity-title"), "Recent activity");
    let entries = root.query_selector_all(".activity-entry").unwrap();
    assert_eq!(entries.length(), 2);
    let line = |i: u32| entries.item(i).unwrap().unchecked_into::<Element>();
    assert_eq!(text(&line(0), ".activity-reason"), "Redeemed: free shipping");
    assert_eq!(text(&line(0), ".activity-delta"), "-60");
    assert_eq!(text(&line(1), ".activity-delta"), "+300");
    // 1,790,000,000,000 ms is 21 September 2026 (UTC); the browser's Intl writes it.
    assert!(
        text(&line(0), ".activity-date").contains("2026"),
        "{}",
        text(&line(0), ".activity-date")
    );

    let mut empty = response(Locale::ZhCn, true);
    empty.member.as_mut().unwrap().recent.clear();
    let root = render(with_response(empty)).await;
    click(&root, ".badge");
    until_present(&root, ".activity-empty").await;
    assert_eq!(text(&root, ".activity-empty"), "还没有积分，获得后会显示在这里。");
}

#[wasm_bindgen_test]
async fn a_tier_up_is_celebrated_in_the_bubble_and_the_panel() {
    let mut answer = response(Locale::ZhTw, true);
    answer.member.as_mut().unwrap().tier_up = true;
    let root = render(with_response(answer)).await;
    until_present(&root, ".greeting-text").await;
    assert_eq!(text(&root, ".greeting-text"), "恭喜你升級為Silver！");
    click(&root, ".badge");
    until_present(&root, ".tier-up").await;
    assert_eq!(text(&root, ".tier-up"), "恭喜你升級為Silver！");
    assert_eq!(text(&root, ".panel-greeting"), "Welcome back, Alice!");
}

#[wasm_bindgen_test]
async fn anonymous_visitors_see_the_join_invitation_or_no_badge() {
    let mut joinable = response(Locale::En, false);
    joinable.join_url = Some("https://shop.example/join".into());
    let root = render(with_response(joinable)).await;
    until_present(&root, ".badge").await;
    assert_eq!(text(&root, ".badge-points"), "Join & earn");
    click(&root, ".badge");
    until_present(&root, ".join-link").await;
    assert_eq!(attribute(&root, ".join-link", "href"), "https://shop.example/join");
    assert_eq!(text(&root, ".join-link"), "Join or sign in");
    assert!(root.query_selector(".faces").unwrap().is_some(), "feedback stays");

    let mut scripted = response(Locale::En, false);
    scripted.join_url = Some("JavaScript:alert(document.cookie)".into());
    let root = render(with_response(scripted)).await;
    until_present(&root, ".badge").await;
    assert_eq!(text(&root, ".badge-points"), "Feedback", "no invitation to a script");
    click(&root, ".badge");
    until_present(&root, ".faces").await;
    assert!(root.query_selector(".join-link").unwrap().is_none());

    let mut hidden = response(Locale::En, false);
    hidden.hide_badge = true;
    let root = render(with_response(hidden)).await;
    until_present(&root, ".greeting-text").await;
    assert!(root.query_selector(".badge").unwrap().is_none());
}

fn attribute(root: &Element, selector: &str, name: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .expect(selector)
        .get_attribute(name)
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn an_anonymous_visitor_is_invited_to_give_feedback() {
    let root = render(session(Locale::En, false)).await;
    until_present(&root, ".badge").await;
    assert_eq!(text(&root, ".badge-points"), "Feedback");
    assert!(root.query_selector(".badge-tier").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn each_locale_renders_its_own_catalog() {
    let traditional = render(session(Locale::ZhTw, true)).await;
    until_present(&traditional, ".badge").await;
    assert_eq!(text(&traditional, ".badge-points"), "1,240 點");
    let simplified = render(session(Locale::ZhCn, false)).await;
    until_present(&simplified, ".badge").await;
    assert_eq!(text(&simplified, ".badge-points"), "反馈");
    click(&simplified, ".badge");
    until_present(&simplified, ".question").await;
    assert_eq!(text(&simplified, ".question"), "这次访问体验如何？");
}

#[wasm_bindgen_test]
async fn a_tap_is_written_to_the_outbox_before_it_is_sent() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let root = render(session(Locale::En, false)).await;
    until_present(&root, ".badge").await;
    click(&root, ".badge");
    until_present(&root, ".faces").await;
    let faces = root.query_selector_all("[role=radiogroup] [role=radio]").unwrap();
    assert_eq!(faces.length(), 5);
    click(&root, "[data-score='2']");
    until_present(&root, ".thanks").await;
    assert_eq!(text(&root, ".thanks"), "Thank you for your feedback!");

    // The backend is unreachable: the event waits in localStorage, whole.
    let waiting = outbox::pending();
    assert_eq!(waiting.len(), 1);
    let event = &waiting[0];
    assert_eq!(event.session_id, "11111111-2222-4333-8444-555555555555");
    assert!(moments_protocol::uuid::is_canonical(&event.id));
    let stored = web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item("moments:outbox:v1")
        .unwrap()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(json[0]["event"]["type"], "feedback");
    assert_eq!(json[0]["event"]["score"], 2);
    assert_eq!(json[0]["event"]["scale"], "csat5");
}

/// An experiment's message is counted as seen when it is on screen, not when it arrives:
/// the greeting once its bubble shows, the farewell once the prompt opens.
#[wasm_bindgen_test]
async fn exposures_are_reported_when_the_message_is_shown() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let mut answer = response(Locale::En, false);
    let assignment = |experiment: &str, variant: &str, slot| ExperimentAssignment {
        experiment: experiment.into(),
        variant: variant.into(),
        slot,
    };
    answer.experiments = vec![
        assignment("hello", "b", Slot::Greeting),
        assignment("bye", "a", Slot::Farewell),
    ];
    let end: Rc<EndSignal> = Rc::default();
    let root = render_with(with_response(answer), end.clone(), 0).await;
    until_present(&root, ".greeting-text").await;
    let exposures = || -> Vec<(String, String)> {
        outbox::pending()
            .iter()
            .map(|e| json_of(&e.event))
            .filter(|e| e["type"] == "exposure")
            .map(|e| {
                (
                    e["experiment"].as_str().unwrap().to_owned(),
                    e["variant"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        exposures(),
        [("hello".to_owned(), "b".to_owned())],
        "the farewell is not on screen yet"
    );
    end.send(());
    until_present(&root, ".prompt").await;
    gloo_timers::future::TimeoutFuture::new(20).await;
    assert_eq!(
        exposures(),
        [("hello".to_owned(), "b".to_owned()), ("bye".to_owned(), "a".to_owned())]
    );
    click(&root, ".badge");
    gloo_timers::future::TimeoutFuture::new(20).await;
    assert_eq!(exposures().len(), 2, "once per page view");
}

#[wasm_bindgen_test]
async fn mounting_without_a_site_reports_an_error_and_shows_nothing() {
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    host.set_attribute("backend", UNREACHABLE).unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let seen = Rc::new(std::cell::RefCell::new(None));
    let listener = {
        let seen = seen.clone();
        gloo_events_listener(&host, move |e: web_sys::CustomEvent| {
            let code = js_sys::Reflect::get(&e.detail(), &"code".into()).unwrap().as_string();
            *seen.borrow_mut() = code;
        })
    };
    let mut widget = moments::mount(host.clone(), wasm_bindgen::JsValue::NULL);
    assert_eq!(seen.borrow().as_deref(), Some("missing_site"));
    assert!(host.shadow_root().is_none());
    widget.unmount();
    drop(listener);
}

fn gloo_events_listener(
    target: &HtmlElement,
    f: impl Fn(web_sys::CustomEvent) + 'static,
) -> wasm_bindgen::closure::Closure<dyn Fn(web_sys::CustomEvent)> {
    let closure = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::CustomEvent)>::new(f);
    target
        .add_event_listener_with_callback("moments:error", closure.as_ref().unchecked_ref())
        .unwrap();
    closure
}

/// Shared with the protocol crate's native tests: both sides pick the same locale.
#[wasm_bindgen_test]
fn locale_negotiation_matches_the_shared_fixture() {
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("../crates/protocol/fixtures/locale_negotiation.json")).unwrap();
    for case in cases {
        let tags: Vec<String> = serde_json::from_value(case["tags"].clone()).unwrap();
        let fallback: Locale = serde_json::from_value(case["fallback"].clone()).unwrap();
        let expected: Locale = serde_json::from_value(case["expected"].clone()).unwrap();
        assert_eq!(
            Locale::negotiate(tags.iter().map(String::as_str), fallback),
            expected,
            "{tags:?}"
        );
    }
}

/// `setContext` and the `context` attribute follow the protocol's rule on the shared
/// fixture, objects that are not of text refused too; a refusal leaves the context as it was,
/// and `null` goes back to the attribute's.
#[wasm_bindgen_test]
fn host_contexts_follow_the_shared_fixture() {
    use moments::context::HostContext;
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("../crates/protocol/fixtures/contexts.json")).unwrap();
    for case in &cases {
        let context = HostContext::default();
        let value = js_sys::JSON::parse(&case["context"].to_string()).unwrap();
        let code = context.set(&value).err().map(|(code, _)| code);
        assert_eq!(code, case["code"].as_str(), "{}", case["why"]);
        let attribute = context
            .set_attribute(Some(case["context"].to_string()))
            .err()
            .map(|(code, _)| code);
        assert_eq!(attribute, case["code"].as_str(), "{} (attribute)", case["why"]);
    }
    let context = HostContext::default();
    context.set_attribute(Some(r#"{"topic": "returns"}"#.into())).unwrap();
    context
        .set(&js_sys::JSON::parse(r#"{"agent": "may"}"#).unwrap())
        .unwrap();
    let pairs = |c: &HostContext| c.current().map(|e| e.0);
    assert_eq!(pairs(&context), Some(vec![("agent".to_owned(), "may".to_owned())]));
    assert_eq!(
        context
            .set(&js_sys::JSON::parse(r#"{"agent": 7}"#).unwrap())
            .unwrap_err()
            .0,
        "context_value_not_text"
    );
    assert_eq!(
        pairs(&context),
        Some(vec![("agent".to_owned(), "may".to_owned())]),
        "a refusal changes nothing"
    );
    context.set(&wasm_bindgen::JsValue::NULL).unwrap();
    assert_eq!(pairs(&context), Some(vec![("topic".to_owned(), "returns".to_owned())]));
    assert_eq!(
        context.set_attribute(Some("{not json".into())).unwrap_err().0,
        "context_not_json"
    );
}

/// The widget's hand-written reader and the protocol's serde definition agree on every
/// document of the shared fixture.
#[wasm_bindgen_test]
fn session_answers_decode_as_the_protocol_defines_them() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../crates/protocol/fixtures/session_responses.json")).unwrap();
    for doc in fixture["valid"].as_array().unwrap() {
        let by_serde: SessionResponse = serde_json::from_value(doc.clone()).unwrap();
        let js = js_sys::JSON::parse(&doc.to_string()).unwrap();
        assert_eq!(moments::decode::session_response(&js), Some(by_serde), "{doc}");
    }
    for doc in fixture["invalid"].as_array().unwrap() {
        let js = js_sys::JSON::parse(&doc.to_string()).unwrap();
        assert_eq!(moments::decode::session_response(&js), None, "accepted {doc}");
    }
}

#[wasm_bindgen_test]
fn claim_answers_decode_as_the_protocol_defines_them() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../crates/protocol/fixtures/claimed_surprises.json")).unwrap();
    for doc in fixture["valid"].as_array().unwrap() {
        let by_serde: ClaimedSurprise = serde_json::from_value(doc.clone()).unwrap();
        let js = js_sys::JSON::parse(&doc.to_string()).unwrap();
        assert_eq!(moments::decode::claimed_surprise(&js), Some(by_serde), "{doc}");
    }
    for doc in fixture["invalid"].as_array().unwrap() {
        let js = js_sys::JSON::parse(&doc.to_string()).unwrap();
        assert_eq!(moments::decode::claimed_surprise(&js), None, "accepted {doc}");
    }
}

/// A waiting gift shows by the badge without taking focus; a claim that cannot reach the
/// server says so and keeps the gift for another try.
#[wasm_bindgen_test]
async fn a_waiting_gift_shows_and_a_failed_opening_keeps_it() {
    let mut answer = response(Locale::ZhTw, true);
    answer.surprises = vec![SurpriseOffer {
        id: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee".into(),
        expires_at: 1_790_000_000_000,
    }];
    let focused_before = document().active_element();
    let root = render(with_response(answer)).await;
    until_present(&root, ".gift").await;
    assert_eq!(
        text(&root, ".gift"),
        "有一份驚喜給你！",
        "the icon is a picture, not a character a font may lack"
    );
    assert!(
        root.query_selector(".gift svg.gift-icon[aria-hidden=true]")
            .unwrap()
            .is_some()
    );
    assert_eq!(document().active_element(), focused_before, "appearing takes no focus");
    click(&root, ".gift");
    until_present(&root, ".gift-problem").await;
    assert_eq!(text(&root, ".gift-problem"), "暫時無法打開驚喜，請稍後再試。");
    assert!(root.query_selector(".gift").unwrap().is_some(), "the gift stays");
    assert!(root.query_selector(".reveal").unwrap().is_none());
}

fn json_of(value: &wasm_bindgen::JsValue) -> serde_json::Value {
    numbers_as_f64(serde_json::from_str(&js_sys::JSON::stringify(value).unwrap().as_string().unwrap()).unwrap())
}

/// JSON has one number type: `1790000000000` and `1790000000000.0` are the same number.
fn numbers_as_f64(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect()),
        other => other,
    }
}

/// What the widget sends is exactly what the protocol's serde definition writes.
#[wasm_bindgen_test]
fn requests_and_events_encode_as_the_protocol_defines_them() {
    use moments_protocol::wire::{Event, SessionRequest};
    let requests = [
        SessionRequest {
            site: "demo".into(),
            visitor_id: "v-12345678".into(),
            member_token: None,
            locale: None,
            languages: vec![],
            page_url: None,
            device_id: None,
        },
        SessionRequest {
            site: "demo".into(),
            visitor_id: "v-12345678".into(),
            member_token: Some("a.b.c".into()),
            locale: Some("zh-HK".into()),
            languages: vec!["en-GB".into(), "zh".into()],
            page_url: Some("https://shop.example/?q=1".into()),
            device_id: Some("device-12345678".into()),
        },
    ];
    for request in requests {
        assert_eq!(
            json_of(&moments::encode::session_request(&request)),
            numbers_as_f64(serde_json::to_value(&request).unwrap())
        );
    }
    let id = "11111111-2222-4333-8444-555555555555".to_string();
    let events = [
        Event::Feedback {
            id: id.clone(),
            at: 1.79e12,
            scale: Scale::Nps,
            score: 9,
            comment: None,
            context: None,
        },
        Event::Feedback {
            id: id.clone(),
            at: 1.79e12,
            scale: Scale::Csat5,
            score: 2,
            comment: Some("slow «delivery» 🚚".into()),
            context: None,
        },
        Event::Feedback {
            id: id.clone(),
            at: 1.79e12,
            scale: Scale::Csat5,
            score: 1,
            comment: None,
            context: Some(moments_protocol::context::Entries(vec![
                ("agent".to_owned(), "may".to_owned()),
                ("topic".to_owned(), "退货".to_owned()),
            ])),
        },
        Event::Dismiss {
            id: id.clone(),
            at: 1.79e12,
        },
        Event::Track {
            id: id.clone(),
            at: 1.79e12,
            name: "purchase".into(),
            value: Some(80.5),
            proof: Some("h.p.s".into()),
        },
        Event::Track {
            id,
            at: 1.79e12,
            name: "signup".into(),
            value: None,
            proof: None,
        },
    ];
    for event in events {
        assert_eq!(
            json_of(&moments::encode::event(&event)),
            numbers_as_f64(serde_json::to_value(&event).unwrap()),
            "{event:?}"
        );
    }
    let claim = moments_protocol::wire::ClaimRequest {
        site: "demo".into(),
        visitor_id: "v-12345678".into(),
        session_id: "11111111-2222-4333-8444-555555555555.AAAAAAAAAAAAAAAAAAAAAA".into(),
        member_token: Some("a.b.c".into()),
        locale: Some("en".into()),
    };
    assert_eq!(
        json_of(&moments::encode::claim_request(&claim)),
        serde_json::to_value(&claim).unwrap()
    );
}

#[wasm_bindgen_test]
fn track_takes_a_name_a_value_and_the_proof_the_host_signed() {
    let properties = |text: &str| js_sys::JSON::parse(text).unwrap();
    match moments::track::event("purchase", &properties(r#"{"value": 79, "proof": "h.p.s"}"#)) {
        Ok(moments_protocol::wire::Event::Track { name, value, proof, .. }) => {
            assert_eq!(
                (name.as_str(), value, proof.as_deref()),
                ("purchase", Some(79.0), Some("h.p.s"))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        moments::track::event("signup", &wasm_bindgen::JsValue::NULL),
        Ok(moments_protocol::wire::Event::Track { proof: None, .. })
    ));
    assert_eq!(
        moments::track::event("purchase", &properties(r#"{"proof": 42}"#))
            .unwrap_err()
            .0,
        "invalid_track_proof"
    );
    assert_eq!(
        moments::track::event("purchase", &properties(r#"{"value": "a lot"}"#))
            .unwrap_err()
            .0,
        "invalid_track_value"
    );
    assert_eq!(
        moments::track::event("", &properties("{}")).unwrap_err().0,
        "invalid_track_name"
    );
    // The protocol's one rule, which the server applies too: trimmed, no control characters.
    for refused in ["   ", "sign\u{7}up", &"x".repeat(65)] {
        assert_eq!(
            moments::track::event(refused, &properties("{}")).unwrap_err().0,
            "invalid_track_name",
            "{refused:?}"
        );
        assert!(moments_protocol::domain::track_name(refused).is_err());
    }
    assert!(
        matches!(moments::track::event(" signup ", &properties("{}")), Ok(moments_protocol::wire::Event::Track { name, .. }) if name == "signup")
    );
}

fn clear_storage() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

fn outbox_events() -> Vec<serde_json::Value> {
    outbox::pending().iter().map(|e| json_of(&e.event)).collect()
}

#[wasm_bindgen_test]
async fn end_session_shows_the_farewell_prompt_without_taking_focus() {
    clear_storage();
    let end = Rc::new(EndSignal::default());
    let root = render_with(session(Locale::En, false), end.clone(), 0).await;
    until_present(&root, ".badge").await;
    let focused_before = document().active_element().map(|e| e.tag_name());
    assert!(root.query_selector(".prompt").unwrap().is_none());
    end.send(());
    until_present(&root, ".prompt").await;
    assert_eq!(text(&root, ".farewell"), "Thanks for visiting!");
    assert_eq!(root.query_selector_all(".prompt [role=radio]").unwrap().length(), 5);
    assert_eq!(
        document().active_element().map(|e| e.tag_name()),
        focused_before,
        "appearing steals no focus"
    );

    // Closing it unanswered records a dismissal, and it does not come back this session.
    click(&root, ".prompt .icon-button");
    for _ in 0..50 {
        if root.query_selector(".prompt").unwrap().is_none() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    assert!(root.query_selector(".prompt").unwrap().is_none());
    assert_eq!(outbox_events().iter().filter(|e| e["type"] == "dismiss").count(), 1);
    end.send(());
    gloo_timers::future::TimeoutFuture::new(50).await;
    assert!(
        root.query_selector(".prompt").unwrap().is_none(),
        "at most once per session"
    );
}

#[wasm_bindgen_test]
async fn a_visitor_outside_the_sample_is_never_prompted() {
    clear_storage();
    let mut answer = response(Locale::En, false);
    answer.feedback.ask = false;
    let end = Rc::new(EndSignal::default());
    let root = render_with(with_response(answer), end.clone(), 0).await;
    until_present(&root, ".badge").await;
    end.send(());
    gloo_timers::future::TimeoutFuture::new(100).await;
    assert!(root.query_selector(".prompt").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn idleness_ends_the_session() {
    clear_storage();
    let root = render_with(session(Locale::En, false), Rc::default(), 1).await;
    until_present(&root, ".badge").await;
    assert!(root.query_selector(".prompt").unwrap().is_none());
    until_present(&root, ".prompt").await;
}

#[wasm_bindgen_test]
async fn a_low_answer_gets_an_apology_then_a_comment_joins_it() {
    clear_storage();
    let mut answer = response(Locale::En, true);
    answer.feedback.apology = Some("So sorry about that.".into());
    answer.feedback.recovery_points = Some(50);
    let end = Rc::new(EndSignal::default());
    let root = render_with(with_response(answer), end.clone(), 0).await;
    until_present(&root, ".badge").await;
    end.send(());
    until_present(&root, ".prompt [data-score='1']").await;
    click(&root, ".prompt [data-score='1']");
    until_present(&root, ".apology").await;
    assert_eq!(text(&root, ".apology"), "So sorry about that.");
    assert_eq!(text(&root, ".follow-up"), "Your feedback goes straight to our team.");
    assert_eq!(
        text(&root, ".goodwill"),
        "We've added 50 points to your account as an apology."
    );
    assert_eq!(text(&root, ".comment-count"), "1,000 characters left");

    let area: web_sys::HtmlTextAreaElement = root.query_selector(".comment-input").unwrap().unwrap().unchecked_into();
    area.set_value("The parcel was late 👨‍👩‍👧");
    area.dispatch_event(&web_sys::InputEvent::new("input").unwrap())
        .unwrap();
    // 20 letters and spaces, and one family emoji made of five code points.
    until_text(&root, ".comment-count", "979 characters left").await;
    click(&root, ".comment-send");
    until_present(&root, ".comment-sent").await;
    let events = outbox_events();
    let feedback = events.iter().find(|e| e["type"] == "feedback").unwrap();
    let comment = events.iter().find(|e| e["type"] == "comment").unwrap();
    assert_eq!(feedback["score"], 1.0);
    assert_eq!(comment["feedback_id"], feedback["id"]);
    assert_eq!(comment["comment"], "The parcel was late 👨‍👩‍👧");
}

#[wasm_bindgen_test]
async fn nps_and_thumbs_sites_ask_on_their_own_scales() {
    for (scale, count, low, question) in [
        (Scale::Nps, 11, "6", "How likely are you to recommend us to a friend?"),
        (Scale::Thumbs, 2, "0", "Did you find what you needed?"),
    ] {
        clear_storage();
        let mut answer = response(Locale::En, false);
        answer.feedback.scale = scale;
        let root = render(with_response(answer)).await;
        until_present(&root, ".badge").await;
        click(&root, ".badge");
        until_present(&root, ".faces").await;
        assert_eq!(
            root.query_selector_all("[role=radiogroup] [role=radio]")
                .unwrap()
                .length(),
            count
        );
        assert_eq!(text(&root, ".question"), question);
        click(&root, &format!("[data-score='{low}']"));
        until_present(&root, ".apology").await;
        let events = outbox_events();
        assert_eq!(events[0]["scale"], scale.name());
        assert_eq!(events[0]["score"], low.parse::<f64>().unwrap());
    }
}

async fn until_text(root: &Element, selector: &str, expected: &str) {
    for _ in 0..300 {
        if text(root, selector) == expected {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    assert_eq!(text(root, selector), expected);
}

#[wasm_bindgen_test]
fn redemption_answers_decode_as_the_protocol_defines_them() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../crates/protocol/fixtures/redeemed.json")).unwrap();
    for doc in fixture["valid"].as_array().unwrap() {
        let by_serde: moments_protocol::wire::Redeemed = serde_json::from_value(doc.clone()).unwrap();
        let js = js_sys::JSON::parse(&doc.to_string()).unwrap();
        assert_eq!(moments::decode::redeemed(&js), Some(by_serde), "{doc}");
    }
    for doc in fixture["invalid"].as_array().unwrap() {
        let js = js_sys::JSON::parse(&doc.to_string()).unwrap();
        assert_eq!(moments::decode::redeemed(&js), None, "accepted {doc}");
    }
    let request = moments_protocol::wire::RedeemRequest {
        site: "demo".into(),
        visitor_id: "v-12345678".into(),
        session_id: "11111111-2222-4333-8444-555555555555.AAAAAAAAAAAAAAAAAAAAAA".into(),
        member_token: Some("a.b.c".into()),
        idempotency_key: "22222222-2222-4333-8444-555555555555".into(),
        locale: Some("zh-TW".into()),
    };
    assert_eq!(
        json_of(&moments::encode::redeem_request(&request)),
        serde_json::to_value(&request).unwrap()
    );
}

fn with_catalog(locale: Locale) -> Rc<Session> {
    use moments_protocol::wire::RewardOffer;
    let mut answer = response(locale, true);
    answer.ways_to_earn = vec!["5 points for every €1 you spend".into()];
    let offer = |key: &str, cost: i64, unavailable: Option<&str>| RewardOffer {
        key: key.into(),
        title: format!("Reward {key}"),
        description: None,
        cost,
        points_needed: (cost - 1240).max(0),
        min_tier: unavailable.map(|_| "Gold".into()),
        unavailable: unavailable.map(Into::into),
    };
    answer.rewards = vec![
        offer("five-off", 500, None),
        offer("big", 2000, None),
        offer("tote", 1500, Some("tier_too_low")),
    ];
    with_response(answer)
}

/// The catalog renders from the session answer: what each reward costs, why one cannot be
/// redeemed yet, and a redemption asked to confirm before anything is sent.
#[wasm_bindgen_test]
async fn the_rewards_list_explains_what_cannot_be_redeemed_and_asks_before_spending() {
    let root = render(with_catalog(Locale::En)).await;
    click(&root, ".badge");
    until_present(&root, ".rewards").await;
    assert_eq!(text(&root, "#moments-earn"), "Ways to earn");
    assert_eq!(text(&root, ".earn-list li"), "5 points for every €1 you spend");
    let rewards = root.query_selector_all(".reward").unwrap();
    assert_eq!(rewards.length(), 3);
    let reward = |n: u32| rewards.get(n).unwrap().unchecked_into::<Element>();
    assert_eq!(text(&reward(0), ".reward-cost"), "500 points");
    assert!(
        reward(0).query_selector(".reward-note").unwrap().is_none(),
        "affordable: nothing to explain"
    );
    assert_eq!(text(&reward(1), ".reward-note"), "760 more points");
    assert_eq!(text(&reward(2), ".reward-note"), "For Gold members");
    for n in [1, 2] {
        let button = reward(n).query_selector(".redeem").unwrap().unwrap();
        assert!(button.has_attribute("disabled"), "reward {n} cannot be redeemed yet");
        let note = button.get_attribute("aria-describedby").unwrap();
        assert!(
            reward(n).query_selector(&format!("#{note}")).unwrap().is_some(),
            "the button is described by its reason"
        );
    }
    assert_eq!(
        text(&reward(0), ".redeem"),
        "Redeem Reward five-off",
        "the button's name says which reward"
    );

    click(&reward(0), ".redeem");
    until_present(&root, ".redeem-confirm").await;
    assert_eq!(
        text(&root, ".redeem-confirm p"),
        "Spend 500 points for Reward five-off?"
    );
    until_focused(&root, ".redeem-yes").await;
    click(&root, ".redeem-no");
    until_focused(&root, ".reward .redeem").await;
    assert!(root.query_selector(".redeem-confirm").unwrap().is_none());
    assert_eq!(text(&root, ".badge-points"), "1,240 pts", "nothing was spent");

    // Confirmed, with no server to answer: it says so, and Redeem is there to try again.
    click(&reward(0), ".redeem");
    until_present(&root, ".redeem-yes").await;
    click(&root, ".redeem-yes");
    until_present(&root, ".reward-problem").await;
    assert_eq!(
        text(&root, ".reward-problem"),
        "We couldn't redeem this reward. Please try again."
    );
    assert!(
        root.query_selector(".reward .redeem:not([disabled])")
            .unwrap()
            .is_some()
    );
}

#[wasm_bindgen_test]
async fn the_rewards_list_speaks_traditional_chinese() {
    let root = render(with_catalog(Locale::ZhTw)).await;
    click(&root, ".badge");
    until_present(&root, ".rewards").await;
    assert_eq!(text(&root, "#moments-rewards"), "兌換獎勵");
    let rewards = root.query_selector_all(".reward").unwrap();
    let reward = |n: u32| rewards.get(n).unwrap().unchecked_into::<Element>();
    assert_eq!(text(&reward(0), ".reward-cost"), "500 點");
    assert_eq!(text(&reward(1), ".reward-note"), "還差 760 點");
    assert_eq!(text(&reward(2), ".reward-note"), "Gold會員專享");
}

async fn until_focused(root: &Element, selector: &str) {
    let shadow = root.get_root_node().unchecked_into::<web_sys::ShadowRoot>();
    for _ in 0..300 {
        let wanted = root.query_selector(selector).unwrap();
        if wanted.is_some() && shadow.active_element() == wanted {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    panic!("{selector} never took the focus");
}

#[wasm_bindgen_test]
async fn the_panel_warns_of_points_about_to_expire() {
    let mut answer = response(Locale::ZhCn, true);
    if let Some(member) = answer.member.as_mut() {
        member.expiring = Some(moments_protocol::wire::PointsExpiring {
            points: 420,
            on: 1_801_353_600_000,
        });
    }
    let root = render(with_response(answer)).await;
    click(&root, ".badge");
    until_present(&root, ".member-expiring").await;
    let warning = text(&root, ".member-expiring");
    assert!(
        warning.starts_with("420 积分将于 ") && warning.ends_with(" 过期") && warning.contains("2027"),
        "{warning}"
    );
}

/// A full outbox drops exposures and tracked events, oldest first, and never an answer.
#[wasm_bindgen_test]
fn a_full_outbox_keeps_every_answer() {
    use moments_protocol::wire::Event;
    let envelope = |event: Event| outbox::Envelope::new(UNREACHABLE, "demo", "visitor-browser-test", "s-1", &event);
    let id = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    let feedback = |n| {
        envelope(Event::Feedback {
            id: id(n),
            at: 1.79e12,
            scale: Scale::Csat5,
            score: 2,
            comment: None,
            context: None,
        })
    };
    let track = |n| {
        envelope(Event::Track {
            id: id(n),
            at: 1.79e12,
            name: "step".into(),
            value: None,
            proof: None,
        })
    };
    let exposure = |n| {
        envelope(Event::Exposure {
            id: id(n),
            at: 1.79e12,
            experiment: "e".into(),
            variant: "a".into(),
        })
    };
    let ids = |entries: &[outbox::Envelope]| entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>();

    let mut entries = vec![track(1), feedback(2), exposure(3), track(4), feedback(5)];
    assert!(!outbox::make_room(&mut entries, 5), "not full yet");
    assert!(outbox::make_room(&mut entries, 4));
    assert_eq!(ids(&entries), [id(1), id(2), id(4), id(5)], "exposures go first");
    assert!(outbox::make_room(&mut entries, 3));
    assert_eq!(ids(&entries), [id(2), id(4), id(5)], "then the oldest tracked event");
    assert!(outbox::make_room(&mut entries, 1));
    assert_eq!(ids(&entries), [id(2), id(5)], "answers stay, past the limit if need be");
}

/// Two widgets of one site on a page: the end of the visit asks one question between them.
#[wasm_bindgen_test]
async fn two_widgets_of_a_site_ask_one_question_between_them() {
    clear_storage();
    let (first_end, second_end) = (Rc::new(EndSignal::default()), Rc::new(EndSignal::default()));
    let first = render_with(session(Locale::En, false), first_end.clone(), 0).await;
    let second = render_beside(session(Locale::En, false), second_end.clone(), 0).await;
    until_present(&first, ".badge").await;
    until_present(&second, ".badge").await;
    first_end.send(());
    second_end.send(());
    until_present(&first, ".prompt").await;
    gloo_timers::future::TimeoutFuture::new(100).await;
    assert!(
        second.query_selector(".prompt").unwrap().is_none(),
        "the question is already on screen"
    );
}

/// The widget writes numbers itself (no locale data to load on a first render); what it writes
/// must be what the browser's Intl writes for each language it speaks.
#[wasm_bindgen_test]
fn dates_are_written_as_intl_writes_them() {
    for locale in Locale::ALL {
        // The first of each month of 2026, the last days of some, and the era's first day.
        let days = (0..12)
            .map(|m| js_sys::Date::new_with_year_month_day(2026, m, 1))
            .chain([31, 30, 28].map(|d| js_sys::Date::new_with_year_month_day(2026, 0, d)));
        for day in days.chain([js_sys::Date::new(&0.into())]) {
            let options = js_sys::Object::new();
            js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into()).unwrap();
            let intl = day.to_locale_date_string(locale.tag(), &options).as_string().unwrap();
            assert_eq!(
                moments::browser::format_date(day.get_time() as i64, locale),
                intl,
                "{intl} in {}",
                locale.tag()
            );
        }
    }
}

#[wasm_bindgen_test]
fn numbers_are_written_as_intl_writes_them() {
    for locale in Locale::ALL {
        for n in [0_i64, 7, 999, 1_000, 1_240, -1_240, 12_345_678, 9_007_199_254_740_991] {
            let intl = js_sys::Number::from(n as f64)
                .to_locale_string(locale.tag())
                .as_string()
                .unwrap();
            assert_eq!(moments::i18n::number(n, locale), intl, "{n} in {}", locale.tag());
        }
    }
}

fn with_referrals(member: bool) -> SessionResponse {
    let mut answer = response(Locale::En, member);
    answer.referral = Some(moments_protocol::wire::ReferralSettings {
        param: "ref".into(),
        link: member.then(|| "/?ref=ABCDEFGHJKMN".into()),
        promise: member.then(|| "You both get 200 points.".into()),
        ask: member.then(|| "Glad you like it! Share your link: You both get 200 points.".into()),
    });
    answer
}

/// Runs `body` as page script (the test's stand-in for what a browser or a host page has).
fn page_script(body: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(body)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap()
}

fn address() -> String {
    let location = web_sys::window().unwrap().location();
    location.pathname().unwrap() + &location.search().unwrap() + &location.hash().unwrap()
}

#[wasm_bindgen_test]
async fn a_referral_code_in_the_address_is_taken_once_removed_and_the_offer_shown() {
    clear_storage();
    let history = web_sys::window().unwrap().history().unwrap();
    let before = address();
    let path = web_sys::window().unwrap().location().pathname().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}?page=2&ref=ABCDEFGHJKMN#reviews")),
        )
        .unwrap();
    // The device id the loader keeps.
    page_script("localStorage.setItem('moments:device', 'device-of-this-browser');");
    // The backend, as the page's fetch sees it: every click is recorded and attributed.
    page_script(
        "window.__clicks = []; window.__fetch = window.fetch;
         window.fetch = async (request) => {
           if (!String(request.url).endsWith('/v1/referrals/click')) return window.__fetch(request);
           window.__clicks.push(JSON.parse(await request.text()));
           return new Response(JSON.stringify({ status: 'attributed', offer: { referrer_points: 200, friend_points: 150 }, expires_at: 1,
             message: 'Place your first order and get 150 points.' }),
             { headers: { 'content-type': 'application/json' } });
         };",
    );
    let root = render(with_response(with_referrals(false))).await;
    until_present(&root, ".referral-welcome").await;
    assert_eq!(
        text(&root, ".referral-welcome .reveal-reward"),
        "Place your first order and get 150 points."
    );
    assert_eq!(
        address(),
        format!("{path}?page=2#reviews"),
        "the code left the address, the rest stayed"
    );
    let second = render_beside(with_response(with_referrals(false)), Rc::default(), 0).await;
    gloo_timers::future::TimeoutFuture::new(100).await;
    assert!(second.query_selector(".referral-welcome").unwrap().is_none());
    let clicks = json_of(&page_script("return window.__clicks;"));
    assert_eq!(clicks.as_array().unwrap().len(), 1, "taken once: {clicks}");
    assert_eq!(clicks[0]["code"], "ABCDEFGHJKMN");
    assert_eq!(clicks[0]["session_id"], "11111111-2222-4333-8444-555555555555");
    assert_eq!(clicks[0]["device_id"], "device-of-this-browser");
    assert_eq!(clicks[0]["locale"], "en");
    page_script("window.fetch = window.__fetch;");
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before))
        .unwrap();
}

#[wasm_bindgen_test]
async fn the_invite_link_is_shared_with_the_web_share_api_where_there_is_one_and_copied_otherwise() {
    clear_storage();
    page_script(
        "window.__shared = [];
         Object.defineProperty(navigator, 'share', { configurable: true, value: async (data) => { window.__shared.push(data); } });",
    );
    let root = render(with_response(with_referrals(true))).await;
    click(&root, ".badge");
    until_present(&root, ".share-button").await;
    assert_eq!(text(&root, ".share-promise"), "You both get 200 points.");
    assert_eq!(text(&root, ".share-button"), "Share");
    click(&root, ".share-button");
    gloo_timers::future::TimeoutFuture::new(50).await;
    let shared = json_of(&page_script("return window.__shared;"));
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    assert_eq!(
        shared[0]["url"],
        format!("{origin}/?ref=ABCDEFGHJKMN"),
        "a path is on the page's origin"
    );
    assert!(
        outbox_events()
            .iter()
            .any(|e| e["type"] == "track" && e["name"] == "referral_shared")
    );

    page_script("delete navigator.share;");
    let root = render(with_response(with_referrals(true))).await;
    click(&root, ".badge");
    until_present(&root, ".share-button").await;
    assert_eq!(text(&root, ".share-button"), "Copy link");
}

#[wasm_bindgen_test]
async fn a_promoters_answer_brings_the_share_offer_and_a_low_one_does_not() {
    for (score, offered) in [(5, true), (2, false)] {
        clear_storage();
        let end = Rc::new(EndSignal::default());
        let root = render_with(with_response(with_referrals(true)), end.clone(), 0).await;
        end.send(());
        let face = format!(".prompt [data-score='{score}']");
        until_present(&root, &face).await;
        click(&root, &face);
        until_present(&root, ".prompt .thanks").await;
        gloo_timers::future::TimeoutFuture::new(50).await;
        assert_eq!(
            root.query_selector(".prompt .share").unwrap().is_some(),
            offered,
            "score {score}"
        );
        if offered {
            assert_eq!(
                text(&root, ".prompt .share-promise"),
                "Glad you like it! Share your link: You both get 200 points."
            );
        }
    }
}
