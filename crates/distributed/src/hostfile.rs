//! The hostfile (`--hostfile`): one `host:port` per process, in process order. Read here
//! rather than by timely (which takes lines as they are), so that every mistake is named with
//! its line: blank lines and `#` comments are allowed and spaces around an entry trimmed
//! (an entry with a trailing space used to end in a connect timeout), an entry that is not
//! `host:port` or names a port twice is refused (a duplicated port made one of three
//! processes abort), and the number of entries must be the number of processes.

use std::path::Path;
use workload::shown::Shown;

/// The address of each process, from `path`, for `processes` processes.
pub fn addresses(path: &Path, processes: usize) -> Result<Vec<String>, String> {
    let name = path.shown();
    let text = std::fs::read_to_string(path).map_err(|e| format!("hostfile {name}: {e}"))?;
    let mut entries: Vec<(usize, String)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let entry = line.split('#').next().unwrap_or_default().trim();
        if entry.is_empty() {
            continue;
        }
        let port = entry.rsplit_once(':').and_then(|(host, port)| {
            let ok = !host.is_empty() && !host.contains(char::is_whitespace);
            port.parse::<u16>().ok().filter(|&p| ok && p > 0)
        });
        if port.is_none() {
            return Err(format!("{name}:{number}: '{entry}' is not host:port (a port from 1 to 65535)"));
        }
        if let Some((first, _)) = entries.iter().find(|(_, seen)| seen == entry) {
            return Err(format!(
                "{name}:{number}: {entry} is also on line {first}; every process needs its own port"
            ));
        }
        entries.push((number, entry.to_string()));
    }
    if entries.len() != processes {
        return Err(format!(
            "{name}: {} address(es), and --processes {processes} needs exactly one per process",
            entries.len()
        ));
    }
    Ok(entries.into_iter().map(|(_, entry)| entry).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, processes: usize) -> Result<Vec<String>, String> {
        let path = std::env::temp_dir().join(format!("hostfile-{}-{}", std::process::id(), text.len()));
        std::fs::write(&path, text).unwrap();
        let got = addresses(&path, processes).map_err(|e| e.replace(&path.display().to_string(), "H"));
        std::fs::remove_file(&path).unwrap();
        got
    }

    #[test]
    fn comments_blank_lines_and_spaces_are_allowed() {
        let text = "# the cluster\n  10.0.0.1:2101  \n\n10.0.0.2:2101 # second\n";
        assert_eq!(read(text, 2).unwrap(), ["10.0.0.1:2101", "10.0.0.2:2101"]);
    }

    #[test]
    fn every_mistake_names_its_line() {
        assert_eq!(
            read("a:1\nb 2\n", 2).unwrap_err(),
            "H:2: 'b 2' is not host:port (a port from 1 to 65535)"
        );
        assert_eq!(
            read("a:1\n\na:99999\n", 2).unwrap_err(),
            "H:3: 'a:99999' is not host:port (a port from 1 to 65535)"
        );
        assert_eq!(
            read("a:1\nb:2\na:1\n", 3).unwrap_err(),
            "H:3: a:1 is also on line 1; every process needs its own port"
        );
        assert_eq!(
            read("a:1\n", 2).unwrap_err(),
            "H: 1 address(es), and --processes 2 needs exactly one per process"
        );
    }
}
