//! The Moments reference backend.

pub mod admin_auth;
pub mod configuration;
pub mod csv;
pub mod dashboard;
pub mod db;
pub mod experiments;
pub mod demo;
pub mod error;
pub mod extract;
pub mod ledger;
pub mod member_token;
pub mod members;
pub mod origin;
pub mod recovery;
pub mod routes;
pub mod sites;
pub mod startup;
pub mod state;
pub mod surprises;
pub mod telemetry;
