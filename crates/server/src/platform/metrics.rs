//! The process's Prometheus metrics: request counts and latencies by route template, requests
//! in flight, panics, conflict retries, and the database's gauges, rendered for `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use sqlx::AnyPool;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Panics caught in handlers, process-wide (the catch-panic layer has no state to reach).
pub static PANICS: AtomicU64 = AtomicU64::new(0);

/// Requests run again after a serialization conflict (PostgreSQL), process-wide.
pub static CONFLICT_RETRIES: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum: f64,
    /// Requests at or under each bound of `BUCKETS`.
    buckets: [u64; BUCKETS.len()],
}

/// Counters of this process since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    pub in_flight: AtomicI64,
}

impl Metrics {
    pub fn record(&self, route: String, method: String, status: u16, seconds: f64) {
        let Ok(mut requests) = self.requests.lock() else { return };
        let series = requests.entry((route, method, status)).or_default();
        series.count += 1;
        series.sum += seconds;
        for (bound, bucket) in BUCKETS.iter().zip(series.buckets.iter_mut()) {
            if seconds <= *bound {
                *bucket += 1;
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self, db: &AnyPool, writer: &crate::platform::db::Writer, max_connections: u32) -> String {
        let mut out = String::new();
        let requests = self.requests.lock().map(|r| r.clone()).unwrap_or_default();
        out.push_str("# HELP moments_http_requests_total Requests answered, by route template, method and status.\n");
        out.push_str("# TYPE moments_http_requests_total counter\n");
        for ((route, method, status), series) in &requests {
            let _ = writeln!(
                out,
                "moments_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                series.count
            );
        }
        out.push_str(
            "# HELP moments_http_request_duration_seconds Time to answer, by route template, method and status.\n",
        );
        out.push_str("# TYPE moments_http_request_duration_seconds histogram\n");
        for ((route, method, status), series) in &requests {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (bound, count) in BUCKETS.iter().zip(series.buckets) {
                let _ = writeln!(
                    out,
                    "moments_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "moments_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                series.count
            );
            let _ = writeln!(
                out,
                "moments_http_request_duration_seconds_sum{{{labels}}} {}",
                series.sum
            );
            let _ = writeln!(
                out,
                "moments_http_request_duration_seconds_count{{{labels}}} {}",
                series.count
            );
        }
        let (size, idle) = (db.size(), db.num_idle() as u32);
        let gauges = [
            (
                "moments_http_requests_in_flight",
                "Requests being answered now.",
                self.in_flight.load(Ordering::Relaxed).to_string(),
            ),
            (
                "moments_db_connections_in_use",
                "Database connections running a query or held by a request.",
                size.saturating_sub(idle).to_string(),
            ),
            (
                "moments_db_connections_idle",
                "Open database connections waiting for work.",
                idle.to_string(),
            ),
            (
                "moments_db_connections_max",
                "The pool's limit; requests wait when all are in use.",
                max_connections.to_string(),
            ),
        ];
        for (name, help, value) in gauges {
            let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
        }
        if let Some(group) = writer.group_commit() {
            render_group_commit(&mut out, &group.stats);
        }
        let panics = PANICS.load(Ordering::Relaxed);
        let _ = write!(
            out,
            "# HELP moments_panics_total Handler panics caught (each failed one request).\n# TYPE moments_panics_total counter\nmoments_panics_total {panics}\n"
        );
        let retries = CONFLICT_RETRIES.load(Ordering::Relaxed);
        let _ = write!(
            out,
            "# HELP moments_db_conflict_retries_total Requests run again after a serialization conflict (PostgreSQL).\n# TYPE moments_db_conflict_retries_total counter\nmoments_db_conflict_retries_total {retries}\n"
        );
        out
    }
}

/// The SQLite writer: how many requests each commit (one fsync) carried, and the queue.
fn render_group_commit(out: &mut String, stats: &crate::platform::db::group_commit::Stats) {
    let name = "moments_db_group_commit_batch_size";
    let _ = write!(
        out,
        "# HELP {name} Writes per SQLite commit (one fsync each).\n# TYPE {name} histogram\n"
    );
    let mut cumulative = 0;
    for (bound, count) in crate::platform::db::BATCH_BUCKETS.iter().zip(&stats.batch_sizes) {
        cumulative += count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
    }
    let commits = stats.commits.load(Ordering::Relaxed);
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {commits}");
    let _ = writeln!(out, "{name}_sum {}", stats.writes.load(Ordering::Relaxed));
    let _ = writeln!(out, "{name}_count {commits}");
    let waiting = stats.waiting.load(Ordering::Relaxed);
    let _ = write!(
        out,
        "# HELP moments_db_writer_waiting Requests waiting for their turn on the SQLite writer.\n# TYPE moments_db_writer_waiting gauge\nmoments_db_writer_waiting {waiting}\n"
    );
}
