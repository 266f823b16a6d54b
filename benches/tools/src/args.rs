//! The tools' command lines: `--name value` pairs and `--flag`s, nothing more (the tools are
//! run by a script; a wrong option stops them with a message naming it).

use std::collections::HashMap;
use std::str::FromStr;

/// Parsed `--name value` options and `--flag`s.
pub struct Args {
    values: HashMap<String, String>,
    flags: Vec<String>,
    usage: &'static str,
}

impl Args {
    /// Parses the process's arguments; `flags` are the options that take no value. Exits with
    /// `usage` on `--help` or on anything that is not an option.
    pub fn parse(usage: &'static str, flags: &[&str]) -> Args {
        let mut args = Args { values: HashMap::new(), flags: Vec::new(), usage };
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else { args.fail(&format!("unexpected argument {a:?}")) };
            if name == "help" {
                println!("{usage}");
                std::process::exit(0);
            }
            if flags.contains(&name) {
                args.flags.push(name.to_string());
            } else {
                let Some(v) = it.next() else { args.fail(&format!("--{name} needs a value")) };
                args.values.insert(name.to_string(), v);
            }
        }
        args
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    /// The value of `--name`, if given.
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of `--name` parsed, or `default`; exits naming the option if it does not parse.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> T {
        match self.opt(name) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| self.fail(&format!("--{name} {v:?} is not valid"))),
        }
    }

    /// Prints `msg` and the usage to stderr and exits with status 2.
    pub fn fail(&self, msg: &str) -> ! {
        eprintln!("error: {msg}\n\n{}", self.usage);
        std::process::exit(2)
    }
}
