use dstream::prelude::*;

#[derive(Clone, Copy, Debug)]
struct Score(u32);

impl Render for Score {
    fn render(&self, out: &mut String) {
        self.0.render(out);
    }
}

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> map(|w| (w, Score(1))) |> reduce_by_key(+) every 1s |> print
    };
    let _ = job;
}
