//! Caps for partitioned sources, which take each batch as a range of every partition
//! (Spark's direct Kafka stream): how many records each partition may give to one batch.

/// Spark's `maxMessagesPerPartition`: the most records each partition may give to the next
/// batch, or `None` for no cap.
///
/// - `rate`: the stream's rate in records per second over all its partitions (the
///   backpressure estimate, or the initial rate before the first one), if any.
/// - `lags`: records available in each partition (latest offset minus the current one).
/// - `max_rate_per_partition`: records per second per partition
///   (`spark.streaming.kafka.maxRatePerPartition`), 0 for none.
/// - `min_per_partition`: the fewest records a capped partition still gives
///   (`spark.streaming.kafka.minRatePerPartition`, Spark's default 1).
///
/// With a rate, it is shared among the partitions in proportion to their lag, and each share
/// is capped by `max_rate_per_partition`; without one, every partition gets
/// `max_rate_per_partition`. A per-second rate times the batch interval is a batch's cap.
pub fn max_records_per_partition(
    rate: Option<f64>,
    lags: &[u64],
    max_rate_per_partition: u64,
    min_per_partition: u64,
    batch_interval_ms: u64,
) -> Option<Vec<u64>> {
    let cap = max_rate_per_partition as f64;
    let rates: Vec<f64> = match rate.filter(|r| *r > 0.0) {
        Some(rate) => {
            let total: u64 = lags.iter().sum();
            lags.iter()
                .map(|&lag| {
                    // With nothing to read the share does not matter (Spark divides by zero).
                    let share = if total == 0 { 0.0 } else { lag as f64 / total as f64 * rate };
                    if cap > 0.0 {
                        share.min(cap)
                    } else {
                        share
                    }
                })
                .collect()
        }
        None => vec![cap; lags.len()],
    };
    if rates.iter().sum::<f64>() <= 0.0 {
        return None;
    }
    let seconds = batch_interval_ms as f64 / 1000.0;
    Some(rates.into_iter().map(|r| ((seconds * r) as u64).max(min_per_partition)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_shared_by_lag_and_capped_per_partition() {
        // 1000/s over lags 100, 300, 600, batches of 2 s: 200, 600, 1200 records.
        assert_eq!(
            max_records_per_partition(Some(1000.0), &[100, 300, 600], 0, 1, 2000),
            Some(vec![200, 600, 1200])
        );
        // Capped at 400/s per partition: the third gives 800.
        assert_eq!(
            max_records_per_partition(Some(1000.0), &[100, 300, 600], 400, 1, 2000),
            Some(vec![200, 600, 800])
        );
        // A partition without lag still gives the minimum.
        assert_eq!(max_records_per_partition(Some(1000.0), &[0, 1000], 0, 1, 1000), Some(vec![1, 1000]));
    }

    #[test]
    fn without_a_rate_the_per_partition_cap_applies_and_without_either_nothing() {
        assert_eq!(max_records_per_partition(None, &[5, 50_000], 100, 1, 500), Some(vec![50, 50]));
        assert_eq!(max_records_per_partition(None, &[5, 50_000], 0, 1, 500), None);
        assert_eq!(max_records_per_partition(Some(500.0), &[0, 0], 0, 1, 500), None);
    }
}
