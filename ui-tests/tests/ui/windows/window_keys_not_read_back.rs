// A record type with references whose owned form is written by hand (`IntoOwned`) but
// without `BorrowBack`: a window emits its records in the type they had before it, so it
// cannot read `Word` back. One error, on the windowed reduction.
use dstream::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Word<'a>(&'a str);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct OwnedWord(String);

impl dstream::IntoOwned for Word<'_> {
    type Owned = OwnedWord;
    fn into_owned(self) -> OwnedWord {
        OwnedWord(self.0.to_string())
    }
}

fn main() {
    let lines = vec![vec!["a b"]];
    let _job = stream! {
        queue(lines) |> flat_map(split) |> map(|w| (Word(w), 1)) every 1s
            |> reduce_by_key_and_window(+, -, 2s) |> print
    };
}
