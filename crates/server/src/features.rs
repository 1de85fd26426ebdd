//! What Moments does, one module per feature, each with the SQL it runs. Any feature may use
//! the sites, the ledger and the webhook outbox; none knows HTTP (that is `web`).

pub mod audit;
pub mod demo;
pub mod experiments;
pub mod expiry;
pub mod holdouts;
pub mod insights;
pub mod ledger;
pub mod member_token;
pub mod members;
pub mod privacy;
pub mod proofs;
pub mod recovery;
pub mod referrals;
pub mod retention;
pub mod rewards;
pub mod rollups;
pub mod sessions;
pub mod site_keys;
pub mod sites;
pub mod snapshots;
pub mod sso;
pub mod staff;
pub mod staff_sessions;
pub mod support;
pub mod surprises;
pub mod themes;
pub mod verified_events;
pub mod visitor_events;
pub mod webhooks;
