//! The Moments reference backend.

#[cfg(not(any(panic = "unwind", fuzzing)))]
compile_error!("the server must unwind, so a panic fails one request and not the process: build it with `--profile server` (see Cargo.toml)");

pub mod admin_auth;
pub mod configuration;
pub mod conflict_retry;
pub mod csv;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod expiry;
pub mod experiments;
pub mod extract;
pub mod ledger;
pub mod member_token;
pub mod members;
pub mod observe;
pub mod origin;
pub mod privacy;
pub mod proofs;
pub mod rate_limit;
pub mod recovery;
pub mod insights;
pub mod reports;
pub mod retention;
pub mod rewards;
pub mod routes;
pub mod session_key;
pub mod sessions;
pub mod signed_token;
pub mod sites;
pub mod snapshots;
pub mod staff_sessions;
pub mod startup;
pub mod state;
pub mod support;
pub mod surprises;
pub mod telemetry;
pub mod verified_events;
pub mod webhooks;
