//! The operators' runtime: typed helpers around user closures, joins, windows and keyed
//! state. Generated code calls these; users reach them only through the language.

pub mod closures;
pub mod join;
pub mod state;
pub mod window;
