//! The operators of the `stream!` language (being written).
