//! Webhooks: every moment reaches the tools a team already uses. Signed to the Standard
//! Webhooks spec, written to an outbox in the same transaction as the fact it reports,
//! delivered by a worker every server runs (the database decides who sends what), retried for
//! up to three days, visible on the dashboard. See docs/webhooks.md.

pub mod address;
pub mod emit;
pub mod event_types;
pub mod render;
pub mod signature;
pub mod slack;
pub mod store;
pub mod worker;

use moments_protocol::InvalidInput;
use sqlx::AnyPool;

use self::address::EndpointUrl;
use self::event_types::EventType;
use self::signature::Secret;
use self::store::EndpointSpec;
use crate::config::WebhookEndpointSettings;
use crate::features::sites::Sites;

/// Longest description of an endpoint, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 200;
/// Longest endpoint id (config file), in characters.
pub const MAX_ENDPOINT_ID_LEN: usize = 64;
/// How long a rotated-out secret keeps signing: a day for receivers to take the new one.
pub const ROTATION_GRACE_MS: i64 = crate::platform::clock::DAY_MS;
/// What a delivery keeps of the receiver's answer.
pub const MAX_ANSWER_BYTES: usize = 1_024;

pub const FORMATS: [&str; 2] = ["standard", "slack"];

/// Checks what an endpoint is made or changed with (the admin API and the config file alike).
pub fn parse_spec(
    url: &str,
    events: &[String],
    format: &str,
    description: Option<&str>,
    include_coupon_codes: bool,
    enabled: bool,
) -> Result<(EndpointUrl, EndpointSpec), InvalidInput> {
    let url = EndpointUrl::parse(url)?;
    if events.is_empty() {
        return Err(InvalidInput::new(
            "events_empty",
            "name at least one event type the endpoint receives",
        ));
    }
    let mut wanted: Vec<String> = Vec::new();
    for name in events {
        let Some(kind) = EventType::parse(name) else {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
            return Err(InvalidInput::new(
                "unknown_event_type",
                format!("{name:?} is not an event type; use {}", known.join(", ")),
            ));
        };
        if !wanted.iter().any(|w| w == kind.name()) {
            wanted.push(kind.name().to_owned());
        }
    }
    if !FORMATS.contains(&format) {
        return Err(InvalidInput::new(
            "invalid_format",
            "format is standard (Standard Webhooks JSON) or slack",
        ));
    }
    let description = description.map(str::trim).filter(|d| !d.is_empty());
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_LEN) {
        return Err(InvalidInput::new(
            "description_too_long",
            format!("a description is at most {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
    let spec = EndpointSpec {
        url: url.as_str().to_owned(),
        events: wanted,
        format: format.to_owned(),
        description: description.map(str::to_owned),
        include_coupon_codes,
        enabled,
    };
    Ok((url, spec))
}

/// A config file's endpoint, checked once when the sites are built.
#[derive(Debug, Clone)]
pub struct ConfiguredEndpoint {
    pub id: String,
    pub spec: EndpointSpec,
    pub secrets: Vec<Secret>,
}

impl ConfiguredEndpoint {
    pub fn parse(endpoint: &WebhookEndpointSettings) -> anyhow::Result<Self> {
        let id = &endpoint.id;
        if id.is_empty()
            || id.chars().count() > MAX_ENDPOINT_ID_LEN
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            anyhow::bail!("id: 1 to {MAX_ENDPOINT_ID_LEN} letters, digits, - and _");
        }
        let (_, spec) = parse_spec(
            &endpoint.url,
            &endpoint.events,
            &endpoint.format,
            endpoint.description.as_deref(),
            endpoint.include_coupon_codes,
            endpoint.enabled,
        )
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        if endpoint.secrets.is_empty() {
            anyhow::bail!("secrets: give at least one whsec_ secret (`moments-server --new-webhook-secret` makes one)");
        }
        let secrets = endpoint
            .secrets
            .iter()
            .map(|s| Secret::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            id: id.clone(),
            spec,
            secrets,
        })
    }
}

/// An id for an endpoint made through the admin API.
pub fn new_endpoint_id() -> String {
    format!("ep_{}", &uuid::Uuid::new_v4().simple().to_string()[..20])
}

/// Writes every site's config endpoints to the database (at start-up).
pub async fn sync_config(db: &AnyPool, sites: &Sites, now: i64) -> anyhow::Result<()> {
    for key in sites.keys() {
        let Some(site) = sites.get(key) else { continue };
        let mut tx = crate::platform::db::begin_write(db).await?;
        store::sync_config(&mut tx, key, &site.webhooks, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_spec_names_known_events_once_and_a_known_format() {
        let (_, spec) = parse_spec(
            "https://h.example/x",
            &events(&["recovery.opened", "recovery.opened", "points.changed"]),
            "slack",
            Some("  "),
            false,
            true,
        )
        .unwrap();
        assert_eq!(spec.events, events(&["recovery.opened", "points.changed"]));
        assert_eq!(spec.description, None);
        let code = |url: &str, ev: &[&str], format: &str| {
            parse_spec(url, &events(ev), format, None, false, true)
                .map(drop)
                .map_err(|e| e.code)
        };
        assert_eq!(code("https://h.example/x", &[], "standard"), Err("events_empty"));
        assert_eq!(
            code("https://h.example/x", &["order.placed"], "standard"),
            Err("unknown_event_type")
        );
        assert_eq!(
            code("https://h.example/x", &["points.changed"], "teams"),
            Err("invalid_format")
        );
        assert_eq!(
            code("http://h.example/x", &["points.changed"], "standard"),
            Err("url_not_https")
        );
    }
}
