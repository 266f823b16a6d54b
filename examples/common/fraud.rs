//! The fraud-detection job of `examples/fraud.rs`, shared with `tests/fraud.rs`: the line
//! format, the three rules, the `stream!` program and the deterministic transaction
//! generator.
//!
//! A transaction is one line, `time,account,amount,country,merchant`, for example
//! `2024-06-01T09:00:00.025Z,ACC-1003,42.50,FR,Carrefour`. The job raises an alert per
//! account when:
//!
//! 1. **amount**: a transaction's amount exceeds the account's running mean by more than
//!    [`DEVIATIONS`] standard deviations, once the account has [`MIN_HISTORY`] transactions
//!    (`map_with_state`, Welford's running mean and variance);
//! 2. **velocity**: the account makes more than `limit` transactions within the velocity
//!    window (`reduce_by_key_and_window`, incremental);
//! 3. **travel**: the account pays in two countries or more within the travel window
//!    (`group_by_key_and_window`).
//!
//! The window rules alert once per episode: when the condition starts to hold, not again at
//! every slide while it goes on (`update_state_by_key` remembers which accounts are in an
//! episode). Windows are in processing time, as in Spark Streaming: they hold the batches
//! the transactions arrived in; the `time` field is carried into the alerts.

use dstream::feed::Rng;
use dstream::prelude::*;
use std::collections::VecDeque;
use std::fmt::Write as _;

/// Transactions an account needs before its amounts are judged.
pub const MIN_HISTORY: u64 = 5;

/// How many standard deviations above the mean an amount must be to raise an alert.
pub const DEVIATIONS: f64 = 3.0;

/// One transaction.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transaction {
    /// When it was made, as written in the line (ISO 8601, UTC).
    pub time: String,
    /// The account.
    pub account: String,
    /// The amount, positive.
    pub amount: f64,
    /// Where it was made: an ISO 3166 alpha-2 code (`FR`).
    pub country: String,
    /// Who was paid.
    pub merchant: String,
}

/// Reads one line, `time,account,amount,country,merchant`. `None` for a malformed line (the
/// job skips it): a field missing or extra, a time that is not `YYYY-MM-DDTHH:MM:SS[.fff]Z`,
/// an empty account or merchant, an amount that is not a positive number, or a country that
/// is not two letters (lowercase letters are accepted and uppercased).
pub fn parse_transaction<S: AsRef<str>>(line: S) -> Option<Transaction> {
    let fields: Vec<&str> = line.as_ref().split(',').map(str::trim).collect();
    let [time, account, amount, country, merchant] = fields[..] else { return None };
    let amount = amount.parse::<f64>().ok().filter(|a| a.is_finite() && *a > 0.0)?;
    let valid = is_timestamp(time)
        && !account.is_empty()
        && !merchant.is_empty()
        && country.len() == 2
        && country.bytes().all(|b| b.is_ascii_alphabetic());
    valid.then(|| Transaction {
        time: time.to_string(),
        account: account.to_string(),
        amount,
        country: country.to_ascii_uppercase(),
        merchant: merchant.to_string(),
    })
}

/// Whether `s` is `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.fffZ` (digits not range-checked).
fn is_timestamp(s: &str) -> bool {
    let shape = match s.len() {
        20 => "dddd-dd-ddTdd:dd:ddZ",
        24 => "dddd-dd-ddTdd:dd:dd.dddZ",
        _ => return false,
    };
    s.bytes().zip(shape.bytes()).all(|(c, p)| if p == b'd' { c.is_ascii_digit() } else { c == p })
}

/// An account's running amount statistics (Welford): count, mean, and the sum of squared
/// deviations from the mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    /// Transactions counted.
    pub count: u64,
    /// Their mean amount.
    pub mean: f64,
    /// The sum of squared deviations from the mean.
    pub m2: f64,
}

impl Profile {
    /// The profile with one more amount.
    pub fn with(self, amount: f64) -> Profile {
        let count = self.count + 1;
        let delta = amount - self.mean;
        let mean = self.mean + delta / count as f64;
        Profile { count, mean, m2: self.m2 + delta * (amount - mean) }
    }

    /// The sample standard deviation (0 with fewer than two amounts).
    pub fn deviation(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            (self.m2 / (self.count - 1) as f64).sqrt()
        }
    }
}

/// Which rule raised an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Rule {
    /// An amount far above the account's usual ones.
    Amount,
    /// Too many transactions within the velocity window.
    Velocity,
    /// Two countries or more within the travel window.
    Travel,
}

impl Rule {
    /// The rule's name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Amount => "amount",
            Rule::Velocity => "velocity",
            Rule::Travel => "travel",
        }
    }
}

/// An alert about one account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Alert {
    /// The rule that raised it.
    pub rule: Rule,
    /// The account.
    pub account: String,
    /// What was seen, for a person to read.
    pub detail: String,
}

impl Alert {
    /// Rule 1: `transaction` against the account's `profile` before it.
    pub fn amount(transaction: &Transaction, profile: &Profile) -> Alert {
        Alert {
            rule: Rule::Amount,
            account: transaction.account.clone(),
            detail: format!(
                "{:.2} at {} ({}) on {}: usual {:.2} +/- {:.2} over {} transactions",
                transaction.amount,
                transaction.merchant,
                transaction.country,
                transaction.time,
                profile.mean,
                profile.deviation(),
                profile.count
            ),
        }
    }

    /// Rule 2: `count` transactions within `window`.
    pub fn velocity(account: String, count: u32, window: &str) -> Alert {
        Alert { rule: Rule::Velocity, account, detail: format!("{count} transactions within {window}") }
    }

    /// Rule 3: transactions in `countries` within `window`.
    pub fn travel(account: String, countries: Vec<String>, window: &str) -> Alert {
        Alert { rule: Rule::Travel, account, detail: format!("{} within {window}", countries.join(", ")) }
    }
}

/// Prints as `velocity ACC-1001 25 transactions within 6s`.
impl Render for Alert {
    fn render(&self, out: &mut String) {
        let _ = write!(out, "{:<8} {} {}", self.rule.name(), self.account, self.detail);
    }
}

/// Rule 1, the function of `map_with_state`: an alert if the transaction's amount is more
/// than [`DEVIATIONS`] standard deviations above the account's mean, once the account has
/// [`MIN_HISTORY`] transactions. The amount then joins the account's profile, unless it
/// raised an alert: an outlier does not become part of the account's usual behaviour.
pub fn amount_rule(transaction: Option<Transaction>, profile: &mut State<Profile>) -> Option<Alert> {
    let transaction = transaction?;
    let before = profile.get().copied().unwrap_or_default();
    if before.count >= MIN_HISTORY && transaction.amount > before.mean + DEVIATIONS * before.deviation() {
        return Some(Alert::amount(&transaction, &before));
    }
    profile.update(before.with(transaction.amount));
    None
}

/// Where an account stands in an episode of a window rule.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Episode<D> {
    /// The condition started to hold at this batch; what was seen.
    Started(D),
    /// The condition held at the previous slide already.
    Ongoing,
}

/// The function of `update_state_by_key` after a window rule's condition: `values` is the
/// account's window result if the condition holds at this slide (at most one), else empty.
/// The episode starts when the condition starts to hold and ends (the state is dropped) at
/// the first slide where it does not.
pub fn episode<D>(mut values: Vec<D>, state: Option<Episode<D>>) -> Option<Episode<D>> {
    let seen = values.pop()?;
    Some(match state {
        None => Episode::Started(seen),
        Some(_) => Episode::Ongoing,
    })
}

/// The accounts whose episode started at this batch, with what was seen.
pub fn started<D>((account, episode): (String, Episode<D>)) -> Option<(String, D)> {
    match episode {
        Episode::Started(seen) => Some((account, seen)),
        Episode::Ongoing => None,
    }
}

/// The distinct values of `values`, sorted.
pub fn distinct(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

/// The alerts of a batch in a stable order: by rule, then account.
pub fn sorted(mut alerts: Vec<Alert>) -> Vec<Alert> {
    alerts.sort();
    alerts
}

/// The program, once. `stream!` needs its source and durations written inside it, so each
/// job below instantiates this text with its own: the example and the test run the same
/// program.
macro_rules! fraud_program {
    (
        source: [$($source:tt)*], every: $every:tt, velocity: $velocity:tt, travel: $travel:tt,
        limit: $limit:ident, prefix: $prefix:ident
    ) => {
        stream! {
            let transactions = $($source)* |> flat_map(parse_transaction) every $every;
            // 1. An amount far above the account's running mean.
            let amounts = transactions
                |> map(|t| (t.account.clone(), t))
                |> map_with_state(|_account, t, profile| amount_rule(t, profile))
                |> flat_map(|alert| alert);
            // 2. More than `limit` transactions within the velocity window.
            let velocity = transactions
                |> map(|t| (t.account, 1u32))
                |> reduce_by_key_and_window(+, -, $velocity, $every, |(_, n)| *n > 0)
                |> filter(|(_, n)| *n > $limit)
                |> update_state_by_key(episode)
                |> flat_map(started)
                |> map(|(account, n)| Alert::velocity(account, n, stringify!($velocity)));
            // 3. Two countries or more within the travel window.
            let travel = transactions
                |> map(|t| (t.account, t.country))
                |> group_by_key_and_window($travel, $every)
                |> map_values(distinct)
                |> filter(|(_, countries)| countries.len() >= 2)
                |> update_state_by_key(episode)
                |> flat_map(started)
                |> map(|(account, countries)| Alert::travel(account, countries, stringify!($travel)));
            let alerts = amounts |> union(velocity, travel) |> transform(|alerts, _| sorted(alerts));
            alerts |> print(20);
            alerts |> save_as_text_files($prefix, "txt")
        }
    };
}

/// The job reading transactions from the TCP server at `host:port`, writing its alerts to
/// standard output and to the directories `<prefix>-<batch time in ms>.txt`. `limit`: the
/// most transactions an account may make within the velocity window. `demo`: batches of
/// 1 s, a 6 s velocity window and a 30 s travel window; else batches of 10 s, a 1 min
/// velocity window and a 5 min travel window.
pub fn socket_job(host: String, port: u16, demo: bool, limit: u32, prefix: String) -> Job {
    if demo {
        fraud_program!(
            source: [socket(host, port)], every: 1s, velocity: 6s, travel: 30s,
            limit: limit, prefix: prefix
        )
    } else {
        fraud_program!(
            source: [socket(host, port)], every: 10s, velocity: 1min, travel: 5min,
            limit: limit, prefix: prefix
        )
    }
}

/// The same job over queued batches of lines, one per batch time (for tests).
pub fn queue_job(batches: Vec<Vec<String>>, demo: bool, limit: u32, prefix: String) -> Job {
    if demo {
        fraud_program!(
            source: [queue(batches)], every: 1s, velocity: 6s, travel: 30s,
            limit: limit, prefix: prefix
        )
    } else {
        fraud_program!(
            source: [queue(batches)], every: 10s, velocity: 1min, travel: 5min,
            limit: limit, prefix: prefix
        )
    }
}

/// Accounts of the generator.
pub const ACCOUNTS: usize = 16;

/// Transactions in one burst of the generator: more than the example's default limit (20).
pub const BURST: usize = 25;

/// Patterns repeat every this many cycles (a cycle: every account pays once).
const PERIOD: u64 = 8;

/// 2024-06-01T09:00:00Z: the time of the first generated transaction.
const START_MS: u64 = 1_717_232_400_000;

const HOMES: &[&str] = &["FR", "DE", "ES", "IT", "NL", "BE", "PT", "IE", "GB", "SE", "PL", "AT"];
const ABROAD: &[&str] = &["US", "BR", "TH", "AE", "MX", "JP", "ZA"];
const MERCHANTS: &[&str] = &[
    "Carrefour",
    "Lidl",
    "Shell",
    "Amazon",
    "Uber",
    "IKEA",
    "Zara",
    "Decathlon",
    "Starbucks",
    "Booking.com",
    "Apple Store",
    "Pharmacie Centrale",
];
const LUXURY: &[&str] = &["Gold & Diamonds", "ElectroMega", "Luxury Watches Ltd", "Jet Charter"];
const TRAVEL: &[&str] = &["Airport Duty Free", "Grand Hotel", "Car Rental Express", "Night Market"];

/// The warm-up amounts of an account, as factors of its usual amount: its first five
/// transactions use each once, in a random order, so that its first profile has a realistic
/// spread (five draws close together would make any later amount look like an outlier).
const WARM_UP: [f64; 5] = [0.6, 0.8, 1.0, 1.2, 1.4];

#[derive(Clone, Debug)]
struct Account {
    id: String,
    home: &'static str,
    usual: f64,
    warm_up: [f64; 5],
    regular: usize,
}

#[derive(Clone, Debug)]
struct Pending {
    account: usize,
    amount: f64,
    country: &'static str,
    merchant: &'static str,
}

/// An endless, deterministic sequence of transaction lines for the example's embedded feed
/// and `--generate`, timed for `lines_per_sec` from 2024-06-01T09:00:00Z.
///
/// Every account pays once per cycle, in a shuffled order, amounts within ±40% of its usual
/// amount, at home: no rule fires on these. Every 8 cycles the generator plays each fraud
/// pattern once, on accounts that take turns: a burst of [`BURST`] transactions (cycle 1 of
/// the period), a payment abroad (cycle 2) and an amount 8 to 15 times the usual one
/// (cycle 5, when every account has its five warm-up transactions).
#[derive(Clone, Debug)]
pub struct TransactionLines {
    rng: Rng,
    accounts: Vec<Account>,
    order: Vec<usize>,
    position: usize,
    cycle: u64,
    pending: VecDeque<Pending>,
    line: u64,
    ms_per_line: f64,
}

impl TransactionLines {
    /// The lines determined by `seed`, with timestamps `1 / lines_per_sec` s apart.
    pub fn new(seed: u64, lines_per_sec: u32) -> TransactionLines {
        let mut rng = Rng::new(seed);
        let accounts = (0..ACCOUNTS)
            .map(|i| {
                let mut warm_up = WARM_UP;
                rng.shuffle(&mut warm_up);
                Account {
                    id: format!("ACC-{}", 1001 + i),
                    home: rng.pick(HOMES),
                    usual: 12.0 * (250.0f64 / 12.0).powf(rng.unit()),
                    warm_up,
                    regular: 0,
                }
            })
            .collect();
        TransactionLines {
            rng,
            accounts,
            order: (0..ACCOUNTS).collect(),
            position: ACCOUNTS,
            cycle: u64::MAX, // the first cycle is 0
            pending: VecDeque::new(),
            line: 0,
            ms_per_line: 1000.0 / f64::from(lines_per_sec.max(1)),
        }
    }

    /// An amount as usual for `account`, rounded to the cent.
    fn usual_amount(&mut self, account: usize) -> f64 {
        let a = &mut self.accounts[account];
        let factor = match a.warm_up.get(a.regular) {
            Some(&f) => f,
            None => 0.6 + 0.8 * self.rng.unit(),
        };
        a.regular += 1;
        cents(a.usual * factor)
    }

    /// Starts a new cycle: a new order of the accounts, and this period's burst if it is
    /// cycle 1 of the period.
    fn next_cycle(&mut self) {
        self.cycle = self.cycle.wrapping_add(1);
        self.position = 0;
        self.rng.shuffle(&mut self.order);
        let period = self.cycle / PERIOD;
        if self.cycle % PERIOD == 1 {
            let account = (3 * period as usize) % ACCOUNTS;
            let merchant = self.rng.pick(MERCHANTS);
            for _ in 0..BURST {
                let amount = self.usual_amount(account);
                let country = self.accounts[account].home;
                self.pending.push_back(Pending { account, amount, country, merchant });
            }
        }
    }

    /// The regular transaction of `account` in this cycle, a pattern if it is its turn.
    fn regular(&mut self, account: usize) -> Pending {
        let period = self.cycle / PERIOD;
        let phase = self.cycle % PERIOD;
        if phase == 2 && account == (5 * period as usize + 1) % ACCOUNTS {
            let country = self.rng.pick(ABROAD); // no home country is in ABROAD
            let amount = self.usual_amount(account);
            return Pending { account, amount, country, merchant: self.rng.pick(TRAVEL) };
        }
        if phase == 5 && account == (7 * period as usize + 2) % ACCOUNTS {
            let amount = cents(self.accounts[account].usual * (8.0 + 7.0 * self.rng.unit()));
            let country = self.accounts[account].home;
            return Pending { account, amount, country, merchant: self.rng.pick(LUXURY) };
        }
        let amount = self.usual_amount(account);
        Pending { account, amount, country: self.accounts[account].home, merchant: self.rng.pick(MERCHANTS) }
    }
}

impl Iterator for TransactionLines {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let transaction = match self.pending.pop_front() {
            Some(t) => t,
            None => {
                if self.position == ACCOUNTS {
                    self.next_cycle();
                }
                match self.pending.pop_front() {
                    Some(t) => t,
                    None => {
                        let account = self.order[self.position];
                        self.position += 1;
                        self.regular(account)
                    }
                }
            }
        };
        let ms = START_MS + (self.line as f64 * self.ms_per_line) as u64;
        self.line += 1;
        let Pending { account, amount, country, merchant } = transaction;
        Some(format!("{},{},{amount:.2},{country},{merchant}", timestamp(ms), self.accounts[account].id))
    }
}

fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// `ms` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.fffZ`.
pub fn timestamp(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
