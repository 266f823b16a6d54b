//! Combining tables: the per-partition hash tables that combine values by key, the tables
//! specialised for short text keys and for keys with few values, and the conversion of
//! borrowed records into owned ones where they outlive their batch.

pub mod choose;
pub mod combine;
pub mod dense_keys;
mod encoding;
pub mod owned;
pub mod pool;
pub mod short_keys;

pub use dense_keys::DenseKey;
pub use owned::{BorrowBack, IntoOwned};
