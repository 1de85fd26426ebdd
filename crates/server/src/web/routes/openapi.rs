mod constraints;

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Moments protocol",
        description = "What the Moments widget says to its backend. Any server that answers these \
                       endpoints this way can stand behind the widget."
    ),
    paths(
        super::health::health,
        super::health::ready,
        super::session::start_session,
        super::visitor_events::record_events,
        super::admin::points::add_points,
        super::admin::members::get_member,
        super::admin::feedback::list_feedback,
        super::admin::recovery::list_cases,
        super::admin::recovery::resolve_case,
        super::surprises::claim_surprise,
        super::rewards::redeem_reward,
        super::admin::rewards::list_rewards,
        super::admin::rewards::list_redemptions,
        super::admin::insights::insights,
        super::admin::insights::context_report,
        super::admin::themes::themes,
        super::admin::members::list_expiring,
        super::admin::surprises::grant_surprise,
        super::admin::surprises::list_surprises,
        super::admin::coupons::upload_codes,
        super::admin::experiments::create_experiment,
        super::admin::experiments::update_experiment,
        super::admin::experiments::start_experiment,
        super::admin::experiments::stop_experiment,
        super::admin::experiments::list_experiments,
        super::admin::experiments::experiment_results,
        super::admin::verified_events::report_event,
        super::admin::privacy::export_member,
        super::admin::privacy::export_visitor,
        super::admin::privacy::erase_member,
        super::admin::privacy::erase_visitor,
        super::admin::webhooks::create_webhook,
        super::admin::webhooks::list_webhooks,
        super::admin::webhooks::get_webhook,
        super::admin::webhooks::update_webhook,
        super::admin::webhooks::delete_webhook,
        super::admin::webhooks::rotate_secret,
        super::admin::webhooks::send_test,
        super::admin::webhooks::list_deliveries,
        super::admin::webhooks::resend_delivery,
        super::admin::keys::create_key,
        super::admin::keys::list_keys,
        super::admin::keys::revoke_key,
        super::admin::keys::rotate_key,
        super::admin::audit::list_audit,
        super::referrals::click,
        super::admin::referrals::list_referrals,
        super::admin::referrals::referral_figures,
        super::admin::referrals::decide_referral,
    ),
    components(schemas(
        moments_protocol::wire::Event,
        crate::features::webhooks::event_types::FeedbackReceived,
        crate::features::webhooks::event_types::RecoveryOpened,
        crate::features::webhooks::event_types::RecoveryResolved,
        crate::features::webhooks::event_types::Surprise,
        crate::features::webhooks::event_types::TierChanged,
        crate::features::webhooks::event_types::PointsChanged,
        crate::features::webhooks::event_types::ExperimentStopped,
        crate::features::webhooks::event_types::TestEvent,
        crate::features::webhooks::event_types::AuditRecorded,
        crate::features::webhooks::event_types::Referral,
        crate::features::webhooks::event_types::ThemeRising,
    )),
    modifiers(&AdminKeyScheme),
)]
pub struct ApiDoc;

/// The admin routes' `Authorization: Bearer <admin key>`.
struct AdminKeyScheme;

impl utoipa::Modify for AdminKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as served: generated from the routes, with every rule the server enforces.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        constraints::apply(&mut doc);
        doc["webhooks"] = crate::features::webhooks::event_types::openapi_webhooks();
        doc
    })
}

pub async fn openapi() -> Json<&'static serde_json::Value> {
    Json(document())
}
