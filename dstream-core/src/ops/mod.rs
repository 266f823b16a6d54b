//! The operators' runtime: typed helpers around user closures, joins, windows and keyed
//! state. Generated code calls these; users reach them only through the language.

pub mod branches;
pub mod closures;
pub mod durations;
pub mod join;
pub mod sizing;
pub mod split_records;
pub mod state;
pub mod window;
