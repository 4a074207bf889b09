//! The article's first MapReduce example: four lines of text, each split on spaces into a
//! word-frequency dict (map), the dicts merged pairwise (reduce).

use std::collections::HashMap;

/// The article's four lines of text.
pub const ARTICLE_LINES: [&str; 4] =
    ["I know what I know", "I know that I know", "I don't know that much", "They don't know much"];

/// Map: word frequencies of one line, split on single spaces (as `str.split(" ")` does).
pub fn map_frequency(text: &str) -> HashMap<&str, u64> {
    let mut frequencies = HashMap::new();
    for word in text.split(' ') {
        *frequencies.entry(word).or_insert(0) += 1;
    }
    frequencies
}

/// Reduce: a new dict with every key of either input and the sum of both counts.
pub fn merge_dict<'a>(
    first: &HashMap<&'a str, u64>,
    second: &HashMap<&'a str, u64>,
) -> HashMap<&'a str, u64> {
    first
        .keys()
        .chain(second.keys())
        .map(|key| (*key, first.get(key).unwrap_or(&0) + second.get(key).unwrap_or(&0)))
        .collect()
}

/// The whole toy: map every line, then fold the partial dicts with `merge_dict`
/// (Python's `functools.reduce(merge_dict, mapped_results)`).
pub fn word_count<'a>(lines: &[&'a str]) -> HashMap<&'a str, u64> {
    lines
        .iter()
        .map(|line| map_frequency(line))
        .reduce(|acc, next| merge_dict(&acc, &next))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_articles_result() {
        let result = word_count(&ARTICLE_LINES);
        let want: HashMap<&str, u64> =
            [("that", 2), ("know", 6), ("what", 1), ("much", 2), ("They", 1), ("don't", 2), ("I", 5)]
                .into_iter()
                .collect();
        assert_eq!(result, want);
    }

    #[test]
    fn map_splits_on_single_spaces_like_python() {
        // "a  b".split(" ") gives ["a", "", "b"] in Python too.
        let m = map_frequency("a  b");
        assert_eq!(m.get(""), Some(&1));
        assert_eq!(m.len(), 3);
    }
}
