//! What any server needs and no feature knows: the database and its group commit, the clock,
//! rate-limit buckets, signed tokens and session keys, CSV, telemetry.

pub mod clock;
pub mod csv;
pub mod db;
pub mod hashed_key;
pub mod http;
pub mod metrics;
pub mod numbers;
pub mod origin;
pub mod random;
pub mod rate_limit;
pub mod retry;
pub mod session_key;
pub mod signed_token;
pub mod telemetry;
pub mod url;
