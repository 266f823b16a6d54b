//! The sentiment example's program (`examples/common/sentiment.rs`) over small deterministic
//! inputs, driven by the harness's manual clock. The expected output is computed here, by
//! scoring each post with the VADER analyser directly and windowing by hand.

use dstream::testing::{BatchOutput, Harness};
use std::collections::BTreeMap;
use vader_sentimental::SentimentIntensityAnalyzer;

#[allow(dead_code)] // the socket job is the example's
#[path = "../examples/common/sentiment.rs"]
mod sentiment;

const DASHES: &str = "-------------------------------------------";

/// The 15 batches a window spans, at both scales.
const WINDOW_BATCHES: usize = 15;

/// How many of the most negative posts the job prints.
const WORST: usize = 3;

/// A valid post of the test input: (source, text).
type Post = (&'static str, &'static str);

fn compound(text: &str) -> f64 {
    SentimentIntensityAnalyzer::new().polarity_scores(text).compound
}

/// The `print` blocks of one batch's output: each block's record lines.
fn blocks(out: &BatchOutput) -> Vec<Vec<String>> {
    let lines: Vec<&str> = out.printed.lines().collect();
    let header = format!("Time: {} ms", out.time.as_millis());
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        assert_eq!(lines[i], DASHES, "{}", out.printed);
        assert_eq!(lines[i + 1], header);
        assert_eq!(lines[i + 2], DASHES);
        i += 3;
        let mut records = Vec::new();
        while !lines[i].is_empty() {
            records.push(lines[i].to_string());
            i += 1;
        }
        blocks.push(records);
        i += 1;
    }
    blocks
}

/// A `mood` line: (source, mean, posts).
fn parse_mood(line: &str) -> (String, f64, u64) {
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(fields[0], "mood");
    assert_eq!(fields[3], "over");
    let posts: u64 = fields[4].parse().unwrap();
    assert_eq!(fields[5], if posts == 1 { "post" } else { "posts" });
    (fields[1].to_string(), fields[2].parse().unwrap(), posts)
}

/// A `worst` line: (score, source, text).
fn parse_worst(line: &str) -> (f64, String, String) {
    let rest = line.strip_prefix("worst ").expect(line);
    let (score, rest) = rest.split_once(' ').unwrap();
    let (source, text) = rest.split_once(": ").unwrap();
    (score.parse().unwrap(), source.to_string(), text.to_string())
}

/// What one batch should print, computed from the posts of the batches in its window.
struct Expected {
    /// source → (mean score, posts).
    moods: BTreeMap<String, (f64, u64)>,
    /// Every negative post of the window: (score, source, text).
    negative: Vec<(f64, String, String)>,
}

fn expected(batches: &[Vec<(String, String)>], batch: usize) -> Expected {
    let first = (batch + 1).saturating_sub(WINDOW_BATCHES);
    let mut sums: BTreeMap<String, (f64, u64)> = BTreeMap::new();
    let mut negative = Vec::new();
    for (source, text) in batches.iter().take(batch + 1).skip(first).flatten() {
        let score = compound(text);
        let entry = sums.entry(source.clone()).or_insert((0.0, 0));
        entry.0 += score;
        entry.1 += 1;
        if score < 0.0 {
            negative.push((score, source.clone(), text.clone()));
        }
    }
    let moods = sums.into_iter().map(|(s, (sum, n))| (s, (sum / n as f64, n))).collect();
    negative.sort_by(|a, b| a.0.total_cmp(&b.0));
    Expected { moods, negative }
}

/// Checks every batch's output against the hand-computed windows of `posts`.
fn check(outputs: &[BatchOutput], posts: &[Vec<(String, String)>], interval_ms: u64) {
    for (k, out) in outputs.iter().enumerate() {
        assert_eq!(out.time.as_millis(), interval_ms * (k as u64 + 1));
        let expected = expected(posts, k);
        let blocks = blocks(out);
        assert_eq!(blocks.len(), 2, "two prints per batch: {}", out.printed);

        let moods: Vec<(String, f64, u64)> = blocks[0].iter().map(|l| parse_mood(l)).collect();
        let sources: Vec<&String> = moods.iter().map(|m| &m.0).collect();
        assert_eq!(sources, expected.moods.keys().collect::<Vec<_>>(), "batch {k}: sources in order");
        for (source, mean, n) in &moods {
            let (want_mean, want_n) = expected.moods[source];
            assert_eq!(*n, want_n, "batch {k}: posts of {source}");
            // Printed with 4 decimals.
            assert!((mean - want_mean).abs() <= 0.000_051, "batch {k}: {source} mean {mean} vs {want_mean}");
        }

        // The lowest scores of the window, lowest first, each from a negative post of it.
        let worst: Vec<(f64, String, String)> = blocks[1].iter().map(|l| parse_worst(l)).collect();
        let want: Vec<f64> = expected.negative.iter().take(WORST).map(|n| n.0).collect();
        assert_eq!(worst.len(), want.len(), "batch {k}: {:?}", blocks[1]);
        for ((score, source, text), want_score) in worst.iter().zip(&want) {
            assert!((score - want_score).abs() <= 0.000_051, "batch {k}: {score} vs {want_score}");
            let post = expected.negative.iter().find(|n| &n.1 == source && &n.2 == text);
            let post = post.unwrap_or_else(|| panic!("batch {k}: {source}: {text} is not in the window"));
            assert!((post.0 - score).abs() <= 0.000_051);
        }
    }
}

fn owned(batches: &[Vec<Post>]) -> Vec<Vec<(String, String)>> {
    batches.iter().map(|b| b.iter().map(|(s, t)| (s.to_string(), t.to_string())).collect()).collect()
}

/// The hand-written posts, one list per batch: 4 batches of posts, the third empty.
fn posts() -> Vec<Vec<Post>> {
    vec![
        vec![
            ("twitter", "I love this phone, it is amazing!"),
            ("review", "Terrible battery, it died in an hour."),
            ("comment", "The package arrived today."),
        ],
        vec![
            ("facebook", "What a wonderful day with friends :)"),
            ("twitter", "Worst customer service ever. Never again!!!"),
            ("review", "Good value, but the strap feels cheap and flimsy."),
        ],
        vec![],
        vec![
            ("comment", "This is not bad at all."),
            ("comment", "I hate waiting in line, so annoying."),
            ("twitter", "meh"),
            ("facebook", "Sad news today, I am heartbroken."),
        ],
    ]
}

/// The lines of `posts()`, with malformed lines mixed in and some sources written loosely.
fn lines() -> Vec<Vec<String>> {
    let mut lines: Vec<Vec<String>> =
        posts().iter().map(|b| b.iter().map(|(s, t)| format!("{s}\t{t}")).collect()).collect();
    lines[0].insert(1, "no tab on this line".to_string());
    lines[0].push("myspace\tan unknown source is skipped".to_string());
    lines[0].push("twitter\t   ".to_string());
    lines[1][2] = "  Review \t  Good value, but the strap feels cheap and flimsy.  ".to_string();
    lines[2].push(String::new());
    lines[3].insert(0, "\tno source".to_string());
    lines
}

#[test]
fn the_input_exercises_every_case() {
    let posts = posts();
    let scores: Vec<f64> = posts.iter().flatten().map(|(_, t)| compound(t)).collect();
    assert!(scores.iter().filter(|s| **s < 0.0).count() > WORST, "more negative posts than printed");
    assert!(scores.iter().any(|s| *s > 0.0));
    assert!(scores.contains(&0.0), "a neutral post");
    // The parser: the valid lines give the posts, the malformed ones nothing.
    let parsed: Vec<Vec<(String, String)>> =
        lines().iter().map(|b| b.iter().filter_map(sentiment::parse_post).collect()).collect();
    assert_eq!(parsed, owned(&posts));
}

#[test]
fn demo_scale_mean_per_source_and_most_negative_posts_over_a_15_s_window() {
    let batches = 20; // the last posts (batch 4) leave the window after batch 18
    let job = sentiment::queue_job(lines(), true, WORST);
    assert_eq!(job.batch_interval().as_millis(), 1000);
    let out = Harness::new(job).run_batches(batches).unwrap();
    check(&out, &owned(&posts()), 1000);
    // Spot checks of the hand computation itself.
    assert_eq!(blocks(&out[0])[0].len(), 3); // comment, review, twitter
    assert_eq!(blocks(&out[3])[0].len(), 4); // every source
    assert_eq!(blocks(&out[15])[0].len(), 4); // batch 1 has left: facebook, twitter, review, comment
    assert_eq!(parse_mood(&blocks(&out[16])[0][0]).0, "comment"); // only batch 4 left
    assert_eq!(blocks(&out[17])[0].len(), 3); // comment, facebook, twitter
    assert_eq!(blocks(&out[18]), vec![Vec::<String>::new(), Vec::new()]);
}

#[test]
fn production_scale_gives_the_same_results_at_one_minute_batches() {
    let job = sentiment::queue_job(lines(), false, WORST);
    assert_eq!(job.batch_interval().as_millis(), 60_000);
    let out = Harness::new(job).run_batches(20).unwrap();
    check(&out, &owned(&posts()), 60_000);
}

#[test]
fn generated_posts_through_the_job_match_a_direct_computation() {
    let mut generator = sentiment::PostLines::new(7);
    let lines: Vec<Vec<String>> = (0..12).map(|_| generator.by_ref().take(25).collect()).collect();
    // Independently of the example's parser: split at the tab.
    let posts: Vec<Vec<(String, String)>> = lines
        .iter()
        .map(|b| {
            b.iter()
                .map(|l| {
                    let (s, t) = l.split_once('\t').unwrap();
                    (s.to_string(), t.to_string())
                })
                .collect()
        })
        .collect();
    let job = sentiment::queue_job(lines, true, WORST);
    let out = Harness::new(job).with_parallelism(3).run_batches(30).unwrap();
    check(&out, &posts, 1000);
}

#[test]
fn the_generator_is_deterministic_and_each_source_has_its_tone() {
    let a: Vec<String> = sentiment::PostLines::new(1).take(2000).collect();
    assert_eq!(a, sentiment::PostLines::new(1).take(2000).collect::<Vec<_>>());
    assert_ne!(a, sentiment::PostLines::new(2).take(2000).collect::<Vec<_>>());
    let mut per_source: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in &a {
        let (source, text) = line.split_once('\t').expect("source<TAB>text");
        assert!(!text.is_empty() && !text.contains('\t') && !text.contains('\n'));
        per_source.entry(source.to_string()).or_default().push(compound(text));
    }
    assert_eq!(per_source.keys().collect::<Vec<_>>(), ["comment", "facebook", "review", "twitter"]);
    let mean = |s: &str| per_source[s].iter().sum::<f64>() / per_source[s].len() as f64;
    for scores in per_source.values() {
        assert!(scores.iter().any(|s| *s > 0.3) && scores.iter().any(|s| *s < -0.3));
    }
    assert!(mean("facebook") > 0.1, "facebook {}", mean("facebook"));
    assert!(mean("comment") < -0.05, "comment {}", mean("comment"));
}
