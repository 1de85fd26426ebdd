//! Token buckets that slow a flood: per client address on every public endpoint, per visitor
//! once a request says who it is. A full bucket lets a burst through; then requests pass at
//! the refill rate and the rest are answered 429 `rate_limited` with `Retry-After`.
//!
//! Buckets live in each process's memory, unlike every other limit in this server: counting
//! each request in the database would turn a flood into a flood of writes. With N processes
//! behind a balancer a client may get up to N times the rate; the limits that protect value
//! (surprise caps and budgets, recovery cases per visitor, sign-in failures) are in the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// A bucket's shape: how many requests at once, and how many per second after that.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub burst: u32,
    pub per_second: f64,
}

impl Rate {
    pub fn check(&self, what: &str) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.burst >= 1 && self.per_second > 0.0 && self.per_second.is_finite(),
            "{what}: burst of 1 or more, per_second above 0"
        );
        Ok(())
    }
}

/// Whose requests a bucket counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BucketKey {
    Address(IpAddr),
    SiteAddress(String, IpAddr),
    Visitor(String, String),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Past this many buckets, full ones (idle long enough to have refilled) are dropped.
const MAX_BUCKETS: usize = 50_000;

#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<BucketKey, (Bucket, Rate)>>,
}

/// Refused: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limited {
    pub retry_after: Duration,
}

impl RateLimiter {
    /// Takes one token from `key`'s bucket, or says how long until there is one.
    pub fn admit(&self, key: BucketKey, rate: Rate, now: Instant) -> Result<(), Limited> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(&key) {
            buckets.retain(|_, (bucket, rate)| refilled(*bucket, *rate, now) < f64::from(rate.burst));
        }
        let (bucket, stored_rate) = buckets.entry(key).or_insert((
            Bucket {
                tokens: f64::from(rate.burst),
                updated: now,
            },
            rate,
        ));
        *stored_rate = rate;
        bucket.tokens = refilled(*bucket, rate, now);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Limited {
                retry_after: Duration::from_secs_f64((1.0 - bucket.tokens) / rate.per_second),
            })
        }
    }
}

fn refilled(bucket: Bucket, rate: Rate, now: Instant) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * rate.per_second).min(f64::from(rate.burst))
}

/// An address range written `10.0.0.0/8`, `::1/128` or a bare address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let (address, prefix) = text.split_once('/').unwrap_or((text, ""));
        let network: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{text:?} is not an address or address/prefix"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() {
            max
        } else {
            prefix
                .parse()
                .map_err(|_| anyhow::anyhow!("{text:?}: bad prefix length"))?
        };
        anyhow::ensure!(prefix <= max, "{text:?}: prefix longer than the address");
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        // IPv4 in the top 32 bits, so one mask serves both families.
        let bits = |a: IpAddr| match a {
            IpAddr::V4(v4) => (true, u128::from(u32::from(v4)) << 96),
            IpAddr::V6(v6) => (false, u128::from(v6)),
        };
        // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        let ((network_v4, network), (address_v4, address)) = (bits(self.network), bits(address));
        let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
        network_v4 == address_v4 && network & mask == address & mask
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last address
/// in `X-Forwarded-For` that is not one of ours (the ones before it the client could write).
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |a: IpAddr| trusted.iter().any(|c| c.contains(a));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = forwarded_for
        .unwrap_or("")
        .split(',')
        .rev()
        .map(str::trim)
        .filter(|h| !h.is_empty());
    let mut client = peer;
    for hop in hops {
        match hop.parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !is_trusted(address) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        burst: 3,
        per_second: 2.0,
    };

    #[test]
    fn a_bucket_lets_a_burst_through_then_refills_at_its_rate() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        let key = || BucketKey::Address("192.0.2.1".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(limiter.admit(key(), RATE, start), Ok(()));
        }
        let refused = limiter.admit(key(), RATE, start).unwrap_err();
        assert!((refused.retry_after.as_secs_f64() - 0.5).abs() < 1e-9, "{refused:?}");
        assert_eq!(limiter.admit(key(), RATE, start + Duration::from_millis(500)), Ok(()));
        assert!(limiter.admit(key(), RATE, start + Duration::from_millis(600)).is_err());
        // Another client has its own bucket.
        assert_eq!(
            limiter.admit(BucketKey::Address("192.0.2.2".parse().unwrap()), RATE, start),
            Ok(())
        );
        // Long idle: full again, never more than the burst.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limiter.admit(key(), RATE, later), Ok(()));
        }
        assert!(limiter.admit(key(), RATE, later).is_err());
    }

    #[test]
    fn address_ranges() {
        let lan = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(lan.contains("10.200.3.4".parse().unwrap()));
        assert!(!lan.contains("11.0.0.1".parse().unwrap()));
        assert!(
            lan.contains("::ffff:10.1.2.3".parse().unwrap()),
            "an IPv4 peer on a dual-stack socket"
        );
        assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("203.0.113.9".parse().unwrap())
        );
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.0/x"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxies = [Cidr::parse("10.0.0.0/8").unwrap()];
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("198.51.100.1"), &proxies),
            ip("203.0.113.9"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("198.51.100.1"), &proxies),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.1, 10.0.0.7"), &proxies),
            ip("198.51.100.1"),
            "the client may prepend anything"
        );
        assert_eq!(client_address(ip("10.0.0.2"), None, &proxies), ip("10.0.0.2"));
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("garbage"), &proxies),
            ip("10.0.0.2")
        );
    }
}
