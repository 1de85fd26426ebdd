//! Where a webhook may be sent. HTTPS, except to this machine for development; and never into
//! private, loopback or link-local networks on a tenant's say-so (the operator's own network
//! behind the server), checked when the endpoint is made and again for each connection, so a
//! name that later resolves elsewhere (DNS rebinding) is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use moments_protocol::InvalidInput;
use reqwest::Url;

/// Longest endpoint URL accepted.
pub const MAX_URL_LEN: usize = 2_000;

/// A URL that may receive webhooks: parsed, https (or http to this machine), no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(Url);

impl EndpointUrl {
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        if text.len() > MAX_URL_LEN {
            return Err(InvalidInput::new(
                "url_too_long",
                format!("a webhook URL is at most {MAX_URL_LEN} characters"),
            ));
        }
        let url =
            Url::parse(text).map_err(|e| InvalidInput::new("invalid_url", format!("{text:?} is not a URL: {e}")))?;
        let host = url.host_str().unwrap_or_default();
        match url.scheme() {
            "https" => {}
            "http" if is_this_machine(host) => {}
            _ => {
                return Err(InvalidInput::new(
                    "url_not_https",
                    "a webhook URL must be https (http only to localhost or 127.0.0.1, for development)",
                ));
            }
        }
        if host.is_empty() {
            return Err(InvalidInput::new("invalid_url", "a webhook URL needs a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidInput::new(
                "invalid_url",
                "put no user name or password in a webhook URL; the signature proves who sent it",
            ));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    /// Refuses the URL when its host is, or resolves to, an address outside the public
    /// internet (or does not resolve at all).
    pub async fn check_public(&self) -> Result<(), InvalidInput> {
        let host = self
            .0
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = self.0.port_or_known_default().unwrap_or(443);
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| InvalidInput::new("url_unresolvable", format!("{host} does not resolve: {e}")))?
                .collect(),
        };
        match addresses.iter().find(|a| !is_public(a.ip())) {
            Some(private) => Err(private_refusal(&host, private.ip())),
            None if addresses.is_empty() => Err(InvalidInput::new(
                "url_unresolvable",
                format!("{host} resolves to no address"),
            )),
            None => Ok(()),
        }
    }
}

fn private_refusal(host: &str, ip: IpAddr) -> InvalidInput {
    InvalidInput::new(
        "url_private_address",
        format!(
            "{host} is {ip}, a private, loopback or link-local address; webhooks go to the public internet (the server's config may allow private networks)"
        ),
    )
}

fn is_this_machine(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Whether `ip` is on the public internet: not loopback, private, link-local, shared (CGNAT),
/// documentation, benchmarking, multicast, reserved or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

/// Only global unicast (2000::/3) is public, less the ranges inside it that are not or that
/// tunnel to an IPv4 address a tenant could choose: Teredo and the other IETF assignments
/// (2001::/23), documentation (2001:db8::/32, 3fff::/20) and 6to4 (2002::/16). Everything
/// outside 2000::/3 is refused with it: IPv4-compatible (::/96), SIIT (::ffff:0:0:0/96),
/// discard (100::/64), NAT64 (64:ff9b::/96), unique and link-local, multicast.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    let global_unicast = (first & 0xe000) == 0x2000;
    let ietf_or_teredo = first == 0x2001 && second < 0x0200;
    let documentation = (first == 0x2001 && second == 0x0db8) || (first & 0xfff0) == 0x3ff0;
    let six_to_four = first == 0x2002;
    global_unicast && !ietf_or_teredo && !documentation && !six_to_four
}

/// Resolves names for the delivery client, dropping every address that is not public: the
/// check made at creation, made again for each connection.
#[derive(Debug, Default)]
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = resolved.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let ip = resolved
                    .first()
                    .map(|a| a.ip())
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
                return Err(Box::new(std::io::Error::other(private_refusal(&host, ip).message))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl PublicOnly {
    pub fn shared() -> Arc<Self> {
        Arc::new(Self)
    }
}

/// For URLs naming an address rather than a host: the resolver is never asked about those.
pub fn literal_address_refused(url: &Url) -> Option<String> {
    let host = url.host_str()?.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = host.parse().ok()?;
    (!is_public(ip)).then(|| private_refusal(host, ip).message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(url: &str) -> Result<(), &'static str> {
        EndpointUrl::parse(url).map(drop).map_err(|e| e.code)
    }

    #[test]
    fn https_or_this_machine() {
        assert_eq!(code("https://hooks.example.com/moments"), Ok(()));
        assert_eq!(code("http://localhost:9000/hook"), Ok(()));
        assert_eq!(code("http://127.0.0.1:9000/hook"), Ok(()));
        assert_eq!(code("http://[::1]:9000/hook"), Ok(()));
        assert_eq!(code("http://hooks.example.com/moments"), Err("url_not_https"));
        assert_eq!(code("http://localhost.example.com/"), Err("url_not_https"));
        assert_eq!(code("ftp://example.com/"), Err("url_not_https"));
        assert_eq!(code("hooks.example.com"), Err("invalid_url"));
        assert_eq!(code("https://user:pw@example.com/"), Err("invalid_url"));
        assert_eq!(
            code(&format!("https://example.com/{}", "a".repeat(MAX_URL_LEN))),
            Err("url_too_long")
        );
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
            "::127.0.0.1",
            "::ffff:0:7f00:1",
            "2002:7f00:1::",
            "2002:101:101::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "100::1",
            "64:ff9b:1::a00:1",
            "3fff::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private} counted as public");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:1.1.1.1",
            "2a00:1450:4001:80b::200e",
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public} counted as private");
        }
    }

    #[tokio::test]
    async fn a_private_literal_is_refused_without_asking_dns() {
        let url = EndpointUrl::parse("https://10.0.0.7/hook").unwrap();
        assert_eq!(url.check_public().await.map_err(|e| e.code), Err("url_private_address"));
        assert!(literal_address_refused(url.url()).is_some());
        let metadata = EndpointUrl::parse("https://[fe80::1]/").unwrap();
        assert_eq!(
            metadata.check_public().await.map_err(|e| e.code),
            Err("url_private_address")
        );
    }
}
