//! Output operations: what a job does with each batch's result.

pub mod print;
