//! `harness wordcount`, the job added as a kernel: every model and both algorithms agree with
//! serial (the command checks each against the first) and with the article's own toy
//! (`workload::toy::word_count`) as the oracle.

use std::process::Command;

use workload::toy::word_count;

/// Lines of words from a small vocabulary (non-ASCII, empty words from double spaces, CRLF
/// endings, no newline at the end), from a fixed seed.
fn text() -> String {
    let vocabulary = ["I", "know", "what", "that", "don't", "much", "They", "ångström", "日本", "know_VERB"];
    let mut state = 2012u64;
    let mut next = |n: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let mut text = String::new();
    for line in 0..3000 {
        let words: Vec<&str> = (0..1 + next(9)).map(|_| vocabulary[next(10) as usize]).collect();
        text.push_str(&words.join(if next(7) == 0 { "  " } else { " " }));
        if line < 2999 {
            text.push_str(if next(11) == 0 { "\r\n" } else { "\n" });
        }
    }
    text
}

#[test]
fn every_model_counts_the_words_the_articles_toy_counts() {
    let dir = std::env::temp_dir().join(format!("harness-wordcount-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, tsv) = (dir.join("text.txt"), dir.join("counts.tsv"));
    let text = text();
    std::fs::write(&input, &text).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["wordcount", input.to_str().unwrap(), "--model", "all", "--chunk-bytes", "1KiB", "--json"])
        .args(["--word", "know", "--output", tsv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let lines: Vec<&str> = text.lines().collect();
    let want = word_count(&lines);
    let mut want: Vec<(&str, u64)> = want.into_iter().collect();
    want.sort();
    let want: String = want.iter().map(|(word, n)| format!("{word}\t{n}\n")).collect();
    assert_eq!(std::fs::read_to_string(&tsv).unwrap(), want);

    let records: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let models = harness::models::Model::ALL.len();
    assert_eq!(records.len(), 2 * models, "every model with both algorithms");
    let know = lines.iter().flat_map(|l| l.split(' ')).filter(|w| *w == "know").count();
    for r in &records {
        assert_eq!(r["job"], "wordcount");
        assert_eq!(r["lines"], 3000);
        assert_eq!(r["words"]["know"], know);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
