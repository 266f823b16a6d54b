//! The flow-control settings of a job, from the builder or the environment, with the names
//! of Spark's configuration keys they mirror.

use super::estimator::PidSettings;
use crate::error::{Error, Result};

/// How a job paces its receivers (see `docs/flow-control.md`). The default: no limit, no
/// backpressure. [`FlowControl::from_env`] reads it from `DSTREAM_*` variables; the
/// `Job::with_*` methods override them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowControl {
    /// Most records per second each receiver takes in, 0 for no limit (Spark's
    /// `spark.streaming.receiver.maxRate`; `DSTREAM_RECEIVER_MAX_RATE`). A receiver's own
    /// setting (such as `SocketConfig::max_rate`) can only lower it.
    pub max_rate: u64,
    /// Most records per second each partition of a partitioned source gives, 0 for no limit
    /// (`spark.streaming.kafka.maxRatePerPartition`; `DSTREAM_MAX_RATE_PER_PARTITION`).
    pub max_rate_per_partition: u64,
    /// Backpressure: after every batch, a PID estimator sets each receiver's rate from how
    /// fast the batch was processed and how long it waited (Spark's
    /// `spark.streaming.backpressure.enabled`; `DSTREAM_BACKPRESSURE=true`).
    pub backpressure: bool,
    /// With backpressure, the rate of each receiver until the first estimate, 0 for no limit
    /// (`spark.streaming.backpressure.initialRate`; `DSTREAM_BACKPRESSURE_INITIAL_RATE`).
    pub initial_rate: u64,
    /// The estimator's gains (`spark.streaming.backpressure.pid.*`;
    /// `DSTREAM_BACKPRESSURE_PID_PROPORTIONAL`, `_INTEGRAL`, `_DERIVED`, `_MIN_RATE`).
    pub pid: PidSettings,
}

impl FlowControl {
    /// The settings from the process's environment; unset variables keep the defaults.
    /// Fails on a value that does not parse, naming the variable.
    pub fn from_env() -> Result<FlowControl> {
        FlowControl::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings from `var`, which looks a variable up by name.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<FlowControl> {
        let mut settings = FlowControl::default();
        read(&var, "DSTREAM_RECEIVER_MAX_RATE", &mut settings.max_rate)?;
        read(&var, "DSTREAM_MAX_RATE_PER_PARTITION", &mut settings.max_rate_per_partition)?;
        read(&var, "DSTREAM_BACKPRESSURE", &mut settings.backpressure)?;
        read(&var, "DSTREAM_BACKPRESSURE_INITIAL_RATE", &mut settings.initial_rate)?;
        read(&var, "DSTREAM_BACKPRESSURE_PID_PROPORTIONAL", &mut settings.pid.proportional)?;
        read(&var, "DSTREAM_BACKPRESSURE_PID_INTEGRAL", &mut settings.pid.integral)?;
        read(&var, "DSTREAM_BACKPRESSURE_PID_DERIVED", &mut settings.pid.derivative)?;
        read(&var, "DSTREAM_BACKPRESSURE_PID_MIN_RATE", &mut settings.pid.min_rate)?;
        Ok(settings)
    }
}

/// Parses the variable `name`, if set, into `into`.
fn read<T: std::str::FromStr>(var: &impl Fn(&str) -> Option<String>, name: &str, into: &mut T) -> Result<()> {
    let Some(value) = var(name) else { return Ok(()) };
    *into = value.trim().parse().map_err(|_| {
        Error::Config(format!("{name}={value:?} is not a valid {}", std::any::type_name::<T>()))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<FlowControl> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        FlowControl::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_environment_sets_what_it_names() {
        assert_eq!(from(&[]).unwrap(), FlowControl::default());
        let settings = from(&[
            ("DSTREAM_BACKPRESSURE", "true"),
            ("DSTREAM_RECEIVER_MAX_RATE", "5000"),
            ("DSTREAM_BACKPRESSURE_INITIAL_RATE", " 1000 "),
            ("DSTREAM_BACKPRESSURE_PID_MIN_RATE", "10.5"),
        ])
        .unwrap();
        assert!(settings.backpressure);
        assert_eq!((settings.max_rate, settings.initial_rate, settings.pid.min_rate), (5000, 1000, 10.5));
        assert_eq!(settings.pid.proportional, 1.0);
    }

    #[test]
    fn the_jobs_builders_set_what_they_name() {
        let job = crate::__private::placeholder_job()
            .with_max_rate(500)
            .with_max_rate_per_partition(50)
            .with_backpressure(true)
            .with_backpressure_initial_rate(100);
        let settings = job.flow_control().settings();
        let expected = FlowControl {
            max_rate: 500,
            max_rate_per_partition: 50,
            backpressure: true,
            initial_rate: 100,
            ..FlowControl::default()
        };
        assert_eq!(settings, expected);
        let job = job.with_flow_control(FlowControl::default());
        assert_eq!(job.flow_control().settings(), FlowControl::default());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let error = from(&[("DSTREAM_BACKPRESSURE", "yes")]).unwrap_err().to_string();
        assert!(error.contains("DSTREAM_BACKPRESSURE=\"yes\""), "{error}");
        let error = from(&[("DSTREAM_RECEIVER_MAX_RATE", "-1")]).unwrap_err().to_string();
        assert!(error.contains("DSTREAM_RECEIVER_MAX_RATE"), "{error}");
    }
}
