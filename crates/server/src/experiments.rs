//! Greeting and farewell experiments: definitions, sticky assignment, exposures, results.

pub mod stats;
