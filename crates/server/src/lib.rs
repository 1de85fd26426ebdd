//! The Moments reference backend, in four layers with one direction: `web` (routes, dashboard,
//! errors, extractors) → `features` → `config` → `platform` (database, clock, tokens, metrics).
//! Nothing lower names anything higher (`tests/layers.rs` keeps it so); `startup` wires.

#[cfg(not(any(panic = "unwind", fuzzing)))]
compile_error!(
    "the server must unwind, so a panic fails one request and not the process: build it with `--profile server` (see Cargo.toml)"
);

pub mod config;
pub mod features;
pub mod platform;
pub mod startup;
pub mod web;
