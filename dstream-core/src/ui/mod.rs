//! What lets a user watch a job: its counters.

pub mod metrics;
