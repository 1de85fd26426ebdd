pub mod admin;
pub mod events;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod session;
pub mod surprises;
