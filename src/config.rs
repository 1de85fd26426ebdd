//! What the host says through the element's attributes, parsed once.

/// The widget's settings for one element.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    /// Base URL of the Moments backend, without a trailing slash.
    pub backend: String,
    pub site: String,
    pub member_token: Option<String>,
    pub locale: Option<String>,
    /// `mode="inline"`: rendered in place (an account page) instead of floating.
    pub inline: bool,
    /// `idle-timeout`: seconds without input that end the session; 0 never.
    pub idle_timeout_secs: u32,
}

/// Without an `idle-timeout` attribute (or with one that is not a number of seconds).
pub const DEFAULT_IDLE_TIMEOUT_SECS: u32 = 120;

/// Why the element cannot start; reported through a `moments:error` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    MissingBackend,
    MissingSite,
}

impl ConfigError {
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::MissingBackend => "missing_backend",
            ConfigError::MissingSite => "missing_site",
        }
    }
}

impl WidgetConfig {
    /// `attr` reads one attribute of the element.
    pub fn from_attributes(attr: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let present = |name| attr(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let backend = present("backend").ok_or(ConfigError::MissingBackend)?;
        Ok(Self {
            backend: backend.trim_end_matches('/').to_owned(),
            site: present("site").ok_or(ConfigError::MissingSite)?,
            member_token: present("member-token"),
            locale: present("locale"),
            inline: present("mode").is_some_and(|m| m.eq_ignore_ascii_case("inline")),
            idle_timeout_secs: present("idle-timeout")
                .and_then(|t| t.parse().ok())
                .unwrap_or(DEFAULT_IDLE_TIMEOUT_SECS),
        })
    }

    pub fn endpoint(&self, path: &str) -> String {
        moments_protocol::text::cat(&[&self.backend, path])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config the element with these attributes gets.
    fn parse(pairs: &[(&str, &str)]) -> Result<WidgetConfig, ConfigError> {
        WidgetConfig::from_attributes(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn reads_attributes_and_trims() {
        let config = parse(&[
            ("backend", " https://m.example.com/ "),
            ("site", "shop"),
            ("member-token", ""),
            ("locale", "zh-HK"),
        ]);
        let expected = WidgetConfig {
            backend: "https://m.example.com".into(),
            site: "shop".into(),
            member_token: None,
            locale: Some("zh-HK".into()),
            inline: false,
            idle_timeout_secs: DEFAULT_IDLE_TIMEOUT_SECS,
        };
        assert_eq!(
            config.as_ref().map(|c| c.endpoint("/v1/session")),
            Ok("https://m.example.com/v1/session".into())
        );
        assert_eq!(config, Ok(expected));
    }

    #[test]
    fn idle_timeout_in_seconds_zero_for_never() {
        let idle = |value: &str| {
            parse(&[("backend", "http://x"), ("site", "s"), ("idle-timeout", value)]).map(|c| c.idle_timeout_secs)
        };
        assert_eq!(
            [idle("5"), idle("0"), idle("soon"), idle("-3")],
            [
                Ok(5),
                Ok(0),
                Ok(DEFAULT_IDLE_TIMEOUT_SECS),
                Ok(DEFAULT_IDLE_TIMEOUT_SECS)
            ]
        );
    }

    #[test]
    fn inline_mode() {
        assert_eq!(
            parse(&[("backend", "http://x"), ("site", "s"), ("mode", "Inline")]).map(|c| c.inline),
            Ok(true)
        );
    }

    #[test]
    fn missing_essentials_are_errors() {
        assert_eq!(parse(&[("site", "x")]), Err(ConfigError::MissingBackend));
        assert_eq!(parse(&[("backend", "http://x")]), Err(ConfigError::MissingSite));
    }
}
