//! Which browser origins may call a site's endpoints. A pattern is an origin
//! (`https://shop.example`) whose port may be `*` (`http://localhost:*`).

use anyhow::bail;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: String,
    port: Port,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    Any,
    Default,
    Exact(u16),
}

impl OriginPattern {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let Some((scheme, rest)) = text.split_once("://") else {
            bail!("origin {text:?} needs a scheme, like https://shop.example");
        };
        if !matches!(scheme, "http" | "https") {
            bail!("origin {text:?}: scheme must be http or https");
        }
        // A bracketed IPv6 host has colons of its own; only a colon after `]` starts a port.
        let port_split = rest
            .rsplit_once(':')
            .filter(|(host, _)| !host.contains('[') || host.ends_with(']'));
        let (host, port) = match port_split {
            Some((host, "*")) => (host, Port::Any),
            Some((host, port)) => match port.parse() {
                Ok(p) => (host, Port::Exact(p)),
                Err(_) => bail!("origin {text:?}: port must be a number or *"),
            },
            None => (rest, Port::Default),
        };
        let host_ok = !host.is_empty()
            && host
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'[' | b']' | b':'));
        if !host_ok {
            bail!("origin {text:?}: no path, query or wildcard host is allowed");
        }
        Ok(Self {
            scheme: scheme.into(),
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether a browser's `Origin` header value is one this pattern allows.
    pub fn matches(&self, origin: &str) -> bool {
        let Ok(origin) = Self::parse(origin) else { return false };
        if origin.port == Port::Any || origin.scheme != self.scheme || origin.host != self.host {
            return false;
        }
        match self.port {
            Port::Any => true,
            port => {
                port == origin.port || (origin.port == Port::Exact(default_port(&self.scheme)) && port == Port::Default)
            }
        }
    }
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_ports_match_any_port_of_that_host_only() {
        let p = OriginPattern::parse("http://localhost:*").unwrap();
        assert!(p.matches("http://localhost:3000"));
        assert!(p.matches("http://localhost"));
        assert!(!p.matches("https://localhost:3000"));
        assert!(!p.matches("http://localhost.evil.example:3000"));
        assert!(!p.matches("http://127.0.0.1:3000"));
        assert!(!p.matches("null"));
        let v6 = OriginPattern::parse("http://[::1]:*").unwrap();
        assert!(v6.matches("http://[::1]:8080"));
        assert!(OriginPattern::parse("http://[::1]").unwrap().matches("http://[::1]"));
    }

    #[test]
    fn exact_origins() {
        let p = OriginPattern::parse("https://shop.example").unwrap();
        assert!(p.matches("https://shop.example"));
        assert!(p.matches("https://shop.example:443"));
        assert!(p.matches("https://SHOP.example"));
        assert!(!p.matches("https://shop.example:8443"));
        assert!(!p.matches("http://shop.example"));
        assert!(!p.matches("https://shop.example.evil"));
    }

    #[test]
    fn bad_patterns() {
        for bad in [
            "localhost",
            "ftp://x",
            "https://*.example",
            "https://x/path",
            "https://x:port",
            "https://",
        ] {
            assert!(OriginPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
