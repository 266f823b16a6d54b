//! Where a process stands in a cluster: how many processes, which one this is, their
//! addresses, and the worker threads of each. Read from the environment
//! (`DSTREAM_PROCESSES`, `DSTREAM_PROCESS`, `DSTREAM_HOSTFILE`, `DSTREAM_WORKERS`,
//! `DSTREAM_CONNECT_TIMEOUT`), from timely-style arguments (`-n -p -h -w`), or built by hand.

use crate::error::{Error, Result};
use std::path::Path;

/// How long a process waits for its peers by default before it gives up.
pub const DEFAULT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// One process's view of the cluster it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// Number of processes (`DSTREAM_PROCESSES`, `-n`).
    pub processes: usize,
    /// This process's index, 0-based (`DSTREAM_PROCESS`, `-p`); process 0 is the driver.
    pub process: usize,
    /// `host:port` of every process, line `i` for process `i` (`DSTREAM_HOSTFILE`, `-h`).
    pub addresses: Vec<String>,
    /// Partitions (worker threads) per process (`DSTREAM_WORKERS`, `-w`); `None`: the
    /// job's own parallelism.
    pub workers: Option<usize>,
    /// How long to wait for the peers at start (`DSTREAM_CONNECT_TIMEOUT`, in seconds).
    pub connect_timeout: std::time::Duration,
}

impl ClusterConfig {
    /// A cluster of the processes at `addresses`, this one being `process`.
    pub fn new(process: usize, addresses: Vec<String>) -> ClusterConfig {
        ClusterConfig {
            processes: addresses.len(),
            process,
            addresses,
            workers: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Sets the partitions per process.
    pub fn with_workers(mut self, workers: usize) -> ClusterConfig {
        self.workers = Some(workers.max(1));
        self
    }

    /// Sets how long to wait for the peers at start.
    pub fn with_connect_timeout(mut self, timeout: std::time::Duration) -> ClusterConfig {
        self.connect_timeout = timeout;
        self
    }

    /// The cluster the environment describes: `None` when `DSTREAM_PROCESSES` is unset (one
    /// process, as always). A setting that cannot be read is an error naming it.
    pub fn from_env() -> Result<Option<ClusterConfig>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`ClusterConfig::from_env`] over any variable lookup (for tests).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Option<ClusterConfig>> {
        let Some(processes) = var("DSTREAM_PROCESSES") else { return Ok(None) };
        let processes = number("DSTREAM_PROCESSES", &processes)?;
        let process = match var("DSTREAM_PROCESS") {
            Some(p) => number("DSTREAM_PROCESS", &p)?,
            None if processes == 1 => 0,
            None => return Err(Error::Config("DSTREAM_PROCESSES is set but DSTREAM_PROCESS is not: set it to this process's index, 0-based".into())),
        };
        if process >= processes.max(1) {
            // Named before the hostfile is read: the index is the likelier mistake.
            return Err(Error::Config(format!(
                "DSTREAM_PROCESS is {process} but processes are numbered 0 to {} (DSTREAM_PROCESSES = {processes})",
                processes.max(1) - 1
            )));
        }
        let workers = var("DSTREAM_WORKERS").map(|w| number("DSTREAM_WORKERS", &w)).transpose()?;
        let timeout = var("DSTREAM_CONNECT_TIMEOUT")
            .map(|t| number("DSTREAM_CONNECT_TIMEOUT", &t))
            .transpose()?
            .map_or(DEFAULT_CONNECT_TIMEOUT, |s| std::time::Duration::from_secs(s as u64));
        let addresses = match var("DSTREAM_HOSTFILE") {
            Some(path) => read_hostfile(Path::new(&path))?,
            None if processes == 1 => vec!["127.0.0.1:0".to_string()],
            None => return Err(Error::Config("DSTREAM_PROCESSES is set but DSTREAM_HOSTFILE is not: name a file with one `host:port` per line, line i for process i".into())),
        };
        let config = ClusterConfig { processes, process, addresses, workers, connect_timeout: timeout };
        config.check().map(Some)
    }

    /// The cluster timely-style arguments describe (`-n N -p I -h FILE -w W`, also
    /// `--processes`, `--process`, `--hostfile`, `--threads`); `None` when `-n` is absent.
    /// Other arguments are left for the program.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Option<ClusterConfig>> {
        let mut found = std::collections::HashMap::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let name = match arg.as_str() {
                "-n" | "--processes" => "DSTREAM_PROCESSES",
                "-p" | "--process" => "DSTREAM_PROCESS",
                "-h" | "--hostfile" => "DSTREAM_HOSTFILE",
                "-w" | "--threads" => "DSTREAM_WORKERS",
                _ => continue,
            };
            let value =
                args.next().ok_or_else(|| Error::Config(format!("argument `{arg}` needs a value")))?;
            found.insert(name, value);
        }
        Self::from_lookup(|name| found.get(name).cloned())
    }

    /// Refuses a configuration that cannot form a cluster.
    pub fn check(self) -> Result<ClusterConfig> {
        if self.processes == 0 {
            return Err(Error::Config("DSTREAM_PROCESSES is 0: a cluster has at least one process".into()));
        }
        if self.process >= self.processes {
            return Err(Error::Config(format!(
                "DSTREAM_PROCESS is {} but processes are numbered 0 to {} (DSTREAM_PROCESSES = {})",
                self.process,
                self.processes - 1,
                self.processes
            )));
        }
        if self.addresses.len() < self.processes {
            return Err(Error::Config(format!(
                "the hostfile names {} processes but DSTREAM_PROCESSES is {}: one `host:port` line per process",
                self.addresses.len(),
                self.processes
            )));
        }
        Ok(self)
    }

    /// Whether this process is the driver (process 0).
    pub fn is_driver(&self) -> bool {
        self.process == 0
    }
}

/// Reads a timely hostfile: one `host:port` per line, line `i` for process `i`; blank lines
/// and `#` comments are skipped.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read the hostfile {}: {e}", path.display())))?;
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    for (i, line) in lines.iter().enumerate() {
        if line.rsplit_once(':').is_none_or(|(_, port)| port.parse::<u16>().is_err()) {
            return Err(Error::Config(format!(
                "hostfile {}: line for process {i} is `{line}`, not `host:port`",
                path.display()
            )));
        }
    }
    Ok(lines)
}

fn number(name: &str, value: &str) -> Result<usize> {
    value.trim().parse().map_err(|_| Error::Config(format!("{name} is `{value}`, not a whole number")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDir;

    fn lookup(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn unset_means_one_process() {
        assert_eq!(ClusterConfig::from_lookup(|_| None).unwrap(), None);
        assert_eq!(ClusterConfig::from_args(["prog".to_string(), "x".to_string()]).unwrap(), None);
    }

    #[test]
    fn env_and_args_read_the_same_cluster() {
        let dir = TempDir::new("cluster-config");
        let hostfile = dir.0.join("hosts");
        std::fs::write(&hostfile, "# two local processes\n127.0.0.1:2101\n\n127.0.0.1:2102\n").unwrap();
        let path = hostfile.display().to_string();
        let env = ClusterConfig::from_lookup(lookup(&[
            ("DSTREAM_PROCESSES", "2".into()),
            ("DSTREAM_PROCESS", "1".into()),
            ("DSTREAM_HOSTFILE", path.clone()),
            ("DSTREAM_WORKERS", "3".into()),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(env.addresses, ["127.0.0.1:2101", "127.0.0.1:2102"]);
        assert_eq!((env.processes, env.process, env.workers), (2, 1, Some(3)));
        let args = ["-n", "2", "-p", "1", "-h", &path, "-w", "3", "rest"].map(String::from);
        assert_eq!(ClusterConfig::from_args(args).unwrap(), Some(env));
    }

    #[test]
    fn bad_settings_are_named() {
        let err =
            |pairs: &[(&str, String)]| ClusterConfig::from_lookup(lookup(pairs)).unwrap_err().to_string();
        assert!(err(&[("DSTREAM_PROCESSES", "two".into())]).contains("DSTREAM_PROCESSES is `two`"));
        assert!(err(&[("DSTREAM_PROCESSES", "2".into())]).contains("DSTREAM_PROCESS is not"));
        let e = err(&[("DSTREAM_PROCESSES", "2".into()), ("DSTREAM_PROCESS", "2".into())]);
        assert!(e.contains("DSTREAM_PROCESS is 2"), "{e}");
        let e = err(&[
            ("DSTREAM_PROCESSES", "2".into()),
            ("DSTREAM_PROCESS", "0".into()),
            ("DSTREAM_HOSTFILE", "/nonexistent/hosts".into()),
        ]);
        assert!(e.contains("/nonexistent/hosts"), "{e}");
    }
}
