//! File names as messages print them: a name is bytes the user chose, and a newline or an
//! escape sequence in it would forge lines or move the terminal's cursor. Control characters
//! are written as escapes (`\n`, `\t`, `\e`, `\x7f`, as coreutils' `ls --quoting-style=escape`
//! does), bytes that are not UTF-8 as `\xNN`, and a backslash as `\\`; everything else as it is.

use std::path::Path;

/// `path` as a message prints it.
pub fn path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    escaped(path.as_os_str().as_bytes())
}

/// `.shown()`: a path as a message prints it (where `.display()` would print it raw).
pub trait Shown {
    fn shown(&self) -> String;
}

impl Shown for Path {
    fn shown(&self) -> String {
        path(self)
    }
}

/// `bytes` (a name) with control characters and invalid UTF-8 escaped.
pub fn escaped(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\x1b' => out.push_str("\\e"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bad_bytes_are_escaped() {
        assert_eq!(escaped(b"data/a.tsv"), "data/a.tsv");
        assert_eq!(escaped("ångström é.tsv".as_bytes()), "ångström é.tsv");
        assert_eq!(escaped(b"a\nb.tsv:1: forged"), "a\\nb.tsv:1: forged");
        assert_eq!(escaped(b"\x1b[31mred\x7f"), "\\e[31mred\\x7f");
        assert_eq!(escaped(b"a\\b\xff"), "a\\\\b\\xff");
    }
}
