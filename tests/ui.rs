//! Compile-time diagnostics of the `stream!` macro: every file under `tests/ui/<category>/`
//! is a program with one mistake (or, in `several_errors.rs`, several) and its `.stderr` is
//! exactly what the user sees. Bless changed messages with
//! `TRYBUILD=overwrite cargo test --test ui`, then review the `.stderr` diff like code.
//!
//! `tests/ui_features/` holds programs that use an optional feature of dstream which the
//! build leaves out; trybuild builds them with the features of this test, so they run only
//! when those features are off (`cargo test --test ui features_left_out`, not with
//! `--all-features`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for category in ["syntax", "operators", "types", "durations", "streams", "windows", "state"] {
        t.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
    t.pass("tests/ui/pass/*.rs");
}

/// Built without the `dashboard` feature, `dashboard(..)` is an error that names it.
#[test]
#[cfg(not(feature = "dashboard"))]
fn features_left_out() {
    trybuild::TestCases::new().compile_fail("tests/ui_features/dashboard_without_feature.rs");
}
