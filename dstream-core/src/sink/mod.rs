//! Output operations: what a job does with each batch's result. They run in the order the
//! program writes them, one batch after another.

pub mod dashboard;
pub mod foreach;
pub mod print;
pub mod text_files;
