//! Output operations: what a job does with each batch's result. They run in the order the
//! program writes them, one batch after another.

#[cfg(feature = "dashboard")]
pub mod dashboard;
// Without the feature, the paths generated code calls exist but reject every use.
#[cfg(not(feature = "dashboard"))]
#[path = "no_dashboard.rs"]
pub mod dashboard;
pub mod foreach;
pub mod print;
pub mod text_files;
