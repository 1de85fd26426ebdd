//! Integration tests: the real server on a real port, over a fresh SQLite file.

mod abuse;
mod admin_points;
mod context;
mod dashboard;
mod demo;
mod events;
mod experiments;
mod expiry;
mod feedback;
mod group_commit;
mod helpers;
mod http_errors;
mod insights;
mod member_tokens;
mod operations;
mod pages;
mod privacy;
mod rate_limits;
mod resilience;
mod rewards;
mod session;
mod snapshots;
mod surprises;
mod webhook_receiver;
mod webhooks;
