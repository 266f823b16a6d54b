//! The sentiment job of `examples/sentiment.rs`, shared with `tests/sentiment.rs`: the line
//! format, the scoring, the `stream!` program and the deterministic post generator.
//!
//! A post is one line, `source<TAB>text`, where `source` is one of [`SOURCES`]. Each post is
//! scored with VADER (the `vader-sentimental` crate): the compound score, from −1 (most
//! negative) to +1 (most positive). Over a window sliding every batch the job prints the
//! mean score and the number of posts of each source, then the most negative posts.

use dstream::feed::Rng;
use dstream::prelude::*;
use std::fmt::Write as _;
use vader_sentimental::SentimentIntensityAnalyzer;

/// The sources a post can come from.
pub const SOURCES: [&str; 4] = ["twitter", "facebook", "review", "comment"];

/// Reads one line, `source<TAB>text`: the source (lowercased) and the trimmed text. `None`
/// for a malformed line (no tab, an unknown source or an empty text): the job skips it.
pub fn parse_post<S: AsRef<str>>(line: S) -> Option<(String, String)> {
    let (source, text) = line.as_ref().split_once('\t')?;
    let source = source.trim().to_ascii_lowercase();
    let text = text.trim();
    (SOURCES.contains(&source.as_str()) && !text.is_empty()).then(|| (source, text.to_string()))
}

/// VADER's compound score of `text`, in `[-1, 1]`.
pub fn score(text: &str) -> f64 {
    // The analyser only borrows the crate's static lexicons: building one costs nothing.
    SentimentIntensityAnalyzer::new().polarity_scores(text).compound
}

/// A parsed post with its score: `(source, score, text)`.
pub fn scored((source, text): (String, String)) -> (String, f64, String) {
    let score = score(&text);
    (source, score, text)
}

/// The mean score and number of posts of one source over the window.
// Serde: the moods cross between processes when the program runs on a cluster (docs/cluster.md).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mood {
    /// One of [`SOURCES`].
    pub source: String,
    /// The mean compound score of the source's posts in the window.
    pub mean: f64,
    /// How many posts of the source the window holds.
    pub posts: u64,
}

/// Prints as `mood twitter  +0.2140 over 37 posts`.
impl Render for Mood {
    fn render(&self, out: &mut String) {
        let noun = if self.posts == 1 { "post" } else { "posts" };
        let _ = write!(out, "mood {:<8} {:+.4} over {} {noun}", self.source, self.mean, self.posts);
    }
}

/// The window's `(source, (sum of scores, posts))` as [`Mood`]s, in source order.
pub fn moods(mut per_source: Vec<(String, (f64, u64))>) -> Vec<Mood> {
    per_source.sort_by(|a, b| a.0.cmp(&b.0));
    per_source
        .into_iter()
        .map(|(source, (sum, posts))| Mood { source, mean: sum / posts as f64, posts })
        .collect()
}

/// The `n` lowest-scored of `posts` (`(source, score, text)`), lowest first; ties in score
/// are broken by source, then text, so the result does not depend on the records' order.
pub fn most_negative(mut posts: Vec<(String, f64, String)>, n: usize) -> Vec<(String, f64, String)> {
    posts.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)).then_with(|| a.2.cmp(&b.2)));
    posts.truncate(n);
    posts
}

/// One of the most negative posts of the window, as printed.
#[derive(Clone, Debug, PartialEq)]
pub struct Negative {
    /// The post's compound score.
    pub score: f64,
    /// The post's source.
    pub source: String,
    /// The post's text.
    pub text: String,
}

impl From<(String, f64, String)> for Negative {
    fn from((source, score, text): (String, f64, String)) -> Negative {
        Negative { score, source, text }
    }
}

/// Prints as `worst -0.8316 review: Terrible, never again`.
impl Render for Negative {
    fn render(&self, out: &mut String) {
        let _ = write!(out, "worst {:+.4} {}: {}", self.score, self.source, self.text);
    }
}

/// The program, once. `stream!` needs its source and durations written inside it, so each
/// job below instantiates this text with its own: the example and the test run the same
/// program.
macro_rules! sentiment_program {
    (source: [$($source:tt)*], every: $every:tt, window: $window:tt, slide: $slide:tt, worst: $worst:ident) => {
        stream! {
            let posts = $($source)* |> flat_map(parse_post) |> map(scored) every $every;
            // Mean score and post count per source over the window.
            posts
                |> map(|(source, score, _)| (source, (score, 1u64)))
                |> reduce_by_key_and_window(|(sum_a, n_a), (sum_b, n_b)| (sum_a + sum_b, n_a + n_b), $window, $slide)
                |> transform(|per_source, _| moods(per_source))
                |> print;
            // The most negative posts of the window: each batch keeps only its own `worst`
            // lowest, so the window holds `worst` posts per batch rather than every post.
            posts
                |> filter(|(_, score, _)| *score < 0.0)
                |> transform(|negative, _| most_negative(negative, $worst))
                |> window($window, $slide)
                |> transform(|negative, _| most_negative(negative, $worst))
                |> map(Negative::from)
                |> print($worst)
        }
    };
}

/// The job reading posts from the TCP server at `host:port`. `demo`: batches of 1 s and a
/// 15 s window sliding every second; else batches of 1 min and a 15 min window sliding
/// every minute. `worst`: how many of the most negative posts to print.
pub fn socket_job(host: String, port: u16, demo: bool, worst: usize) -> Job {
    if demo {
        sentiment_program!(source: [socket(host, port)], every: 1s, window: 15s, slide: 1s, worst: worst)
    } else {
        sentiment_program!(source: [socket(host, port)], every: 1min, window: 15min, slide: 1min, worst: worst)
    }
}

/// The same job over queued batches of lines, one per batch time (for tests).
pub fn queue_job(batches: Vec<Vec<String>>, demo: bool, worst: usize) -> Job {
    if demo {
        sentiment_program!(source: [queue(batches)], every: 1s, window: 15s, slide: 1s, worst: worst)
    } else {
        sentiment_program!(source: [queue(batches)], every: 1min, window: 15min, slide: 1min, worst: worst)
    }
}

const SUBJECTS: &[&str] = &[
    "the new update",
    "the service desk",
    "the delivery",
    "this app",
    "the battery life",
    "the checkout",
    "the price",
    "the latest release",
    "the mobile site",
    "the return process",
    "the camera",
    "the onboarding",
];

const POSITIVE: &[&str] = &[
    "is great",
    "works perfectly",
    "is excellent",
    "is really helpful",
    "is fast and reliable, love it",
    "is fantastic",
    "is wonderful",
    "is the best so far",
    "was a pleasant surprise",
    "is good value for money",
    "is so easy to use",
    "makes me happy",
];

const NEGATIVE: &[&str] = &[
    "is terrible",
    "keeps crashing, so annoying",
    "was a waste of money",
    "is painfully slow",
    "is a total failure",
    "made me angry",
    "is broken again",
    "is the worst",
    "was a huge disappointment",
    "is awful and useless",
    "is a disaster",
    "ruined my weekend",
];

const NEUTRAL: &[&str] = &[
    "arrived on Tuesday",
    "was updated yesterday",
    "comes in blue and grey",
    "costs about the same as before",
    "has a new menu",
    "changed its layout",
    "is listed on the website",
    "ships from the warehouse",
];

#[derive(Clone, Copy, PartialEq)]
enum Polarity {
    Positive,
    Negative,
    Neutral,
}

/// An endless, deterministic sequence of post lines, `source<TAB>text`, for the example's
/// embedded feed and `--generate`. Each source has its own tone and style: Facebook posts
/// lean positive, comments negative, reviews are polarised, tweets use emoticons.
#[derive(Clone, Debug)]
pub struct PostLines {
    rng: Rng,
}

impl PostLines {
    /// The lines determined by `seed`.
    pub fn new(seed: u64) -> PostLines {
        PostLines { rng: Rng::new(seed) }
    }

    fn polarity(&mut self, source: &str) -> Polarity {
        // (positive, negative) shares; the rest is neutral.
        let (positive, negative) = match source {
            "facebook" => (0.55, 0.25),
            "review" => (0.45, 0.45),
            "comment" => (0.25, 0.50),
            _ => (0.40, 0.40),
        };
        let u = self.rng.unit();
        if u < positive {
            Polarity::Positive
        } else if u < positive + negative {
            Polarity::Negative
        } else {
            Polarity::Neutral
        }
    }

    fn text(&mut self, source: &str, polarity: Polarity) -> String {
        let subject = self.rng.pick(SUBJECTS);
        let predicate = self.rng.pick(match polarity {
            Polarity::Positive => POSITIVE,
            Polarity::Negative => NEGATIVE,
            Polarity::Neutral => NEUTRAL,
        });
        let rng = &mut self.rng;
        match source {
            "twitter" => {
                let suffix = rng.pick(match polarity {
                    Polarity::Positive => &["!", "!!", " :)", " lol", " 😍"][..],
                    Polarity::Negative => &["!!", " :(", " smh", " 😡", " #fail"][..],
                    Polarity::Neutral => &["", " fyi", "."][..],
                });
                format!("{} {predicate}{suffix}", capitalised(subject))
            }
            "facebook" => {
                let closing = rng.pick(match polarity {
                    Polarity::Positive => &[" Thanks everyone!", " Love it.", ""][..],
                    Polarity::Negative => &[" Not happy.", " So frustrating.", ""][..],
                    Polarity::Neutral => &["", " Just so you know."][..],
                });
                format!("Just noticed that {subject} {predicate}.{closing}")
            }
            "review" => {
                let (stars, verdict) = match polarity {
                    Polarity::Positive => (5, rng.pick(&["would buy again", "highly recommended"][..])),
                    Polarity::Negative => (1, rng.pick(&["avoid", "never again"][..])),
                    Polarity::Neutral => (3, rng.pick(&["as described", "nothing more to say"][..])),
                };
                format!("{stars}/5 - {} {predicate}, {verdict}.", capitalised(subject))
            }
            _ => {
                let opener = rng.pick(&["I think", "In my case", "Apparently", "So", "Today"][..]);
                format!("{opener} {subject} {predicate}.")
            }
        }
    }
}

impl Iterator for PostLines {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let source = self.rng.pick(&SOURCES);
        let polarity = self.polarity(source);
        let text = self.text(source, polarity);
        Some(format!("{source}\t{text}"))
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
