//! `#![crate = path]`: a crate that re-exports `dstream` under another path can use
//! `stream!` through it (as serde's `#[serde(crate = "...")]`).

/// A facade that re-exports dstream, as a company-wide crate would.
mod platform {
    pub mod streaming {
        pub use ::dstream as engine;
    }
}

#[test]
fn stream_through_a_re_exported_path() {
    use platform::streaming::engine::prelude::split;
    use platform::streaming::engine::testing::Harness;
    let job = platform::streaming::engine::stream! {
        #![crate = platform::streaming::engine]
        let words = queue(vec![vec!["a b a"]]) |> flat_map(split);
        words |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print;
        words |> count_by_window(2s) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    let printed = &out[0].printed;
    assert!(printed.contains("(a,2)\n") && printed.contains("(b,1)\n"), "{printed}");
    assert!(printed.ends_with("\n3\n\n"), "{printed}");
}
