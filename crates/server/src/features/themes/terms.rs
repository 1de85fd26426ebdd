//! A comment's terms: Chinese cut into words by jieba (simplified and traditional), other
//! text by Unicode word boundaries with English stemming; stop words, numbers and order ids
//! dropped; and the runs of two and three words that follow each other within a clause
//! ("快递 太慢", "never arriv"), which the ranking keeps only where they recur.

use std::collections::HashSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// A term as counted (`key`: stemmed words joined by a space) and as shown (`label`: the
/// words as the comment wrote them, lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    pub label: String,
}

/// At most this many terms are kept per comment (the words first, then the pairs, then the
/// triples): a pasted essay counts as much as a sentence.
pub const MAX_PER_COMMENT: usize = 48;
/// Longer terms (a URL, a pasted token) are not themes.
const MAX_KEY_BYTES: usize = 96;

static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);
static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));
static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [include_str!("stopwords/en.txt"), include_str!("stopwords/zh.txt")]
        .into_iter()
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Loads the dictionary and the lists (a few hundred milliseconds), so the first answer
/// counted does not wait for them.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
    LazyLock::force(&STOP_WORDS);
}

/// One word of a comment: its key, and where it was (byte offsets), to label runs of words.
struct Word {
    key: String,
    start: usize,
    end: usize,
}

/// The comment's distinct terms, words first.
pub fn terms(comment: &str) -> Vec<Term> {
    let text = comment.replace(['’', '‘'], "'");
    let mut clauses: Vec<Vec<Word>> = vec![Vec::new()];
    for piece in pieces(&text) {
        match piece {
            Piece::Break => {
                if clauses.last().is_some_and(|c| !c.is_empty()) {
                    clauses.push(Vec::new());
                }
            }
            Piece::Word(word) => {
                if let Some(clause) = clauses.last_mut() {
                    clause.push(word);
                }
            }
            Piece::StopWord => {}
        }
    }
    let label = |words: &[Word]| -> String {
        let (Some(first), Some(last)) = (words.first(), words.last()) else {
            return String::new();
        };
        text[first.start..last.end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for n in 1..=3 {
        for clause in &clauses {
            for run in clause.windows(n) {
                if out.len() == MAX_PER_COMMENT {
                    return out;
                }
                let key = run.iter().map(|w| w.key.as_str()).collect::<Vec<_>>().join(" ");
                if key.len() <= MAX_KEY_BYTES && seen.insert(key.clone()) {
                    out.push(Term { key, label: label(run) });
                }
            }
        }
    }
    out
}

enum Piece {
    Word(Word),
    /// Dropped; a run of words goes on past it ("物流很慢": 物流 慢).
    StopWord,
    /// Punctuation, a number or an order id: a run of words does not reach across it.
    Break,
}

/// The comment's words and breaks, in order: Han runs through jieba, the rest by Unicode
/// word boundaries.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut run_start = 0;
    let mut run_is_han = None;
    for (at, c) in text.char_indices() {
        let han = is_han(c);
        if run_is_han != Some(han) {
            if let Some(was_han) = run_is_han {
                split_run(text, run_start, at, was_han, &mut out);
            }
            run_start = at;
            run_is_han = Some(han);
        }
    }
    if let Some(was_han) = run_is_han {
        split_run(text, run_start, text.len(), was_han, &mut out);
    }
    out
}

fn split_run(text: &str, start: usize, end: usize, han: bool, out: &mut Vec<Piece>) {
    let run = &text[start..end];
    if han {
        for token in JIEBA.cut(run, true) {
            let (from, to) = (start + token.byte_start, start + token.byte_end);
            out.push(word(token.word, token.word.to_owned(), from, to));
        }
        return;
    }
    // An id is a whitespace-free chunk with a digit in it ("#A1234-99", "8841-XYZ"): all of
    // it goes, not only its digits.
    for (chunk_offset, chunk) in chunks(run) {
        if chunk.chars().any(char::is_numeric) {
            out.push(Piece::Break);
            continue;
        }
        for (offset, segment) in chunk.split_word_bound_indices() {
            let from = start + chunk_offset + offset;
            if !segment.chars().any(char::is_alphanumeric) {
                out.push(Piece::Break);
                continue;
            }
            let lower = segment.to_lowercase();
            let stemmed = STEMMER.stem(lower.trim_matches('\'')).into_owned();
            out.push(word(&lower, stemmed, from, from + segment.len()));
        }
    }
}

/// The run's whitespace-free chunks, with their byte offsets.
fn chunks(run: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut begun = None;
    for (at, c) in run.char_indices() {
        match (c.is_whitespace(), begun) {
            (false, None) => begun = Some(at),
            (true, Some(from)) => {
                out.push((from, &run[from..at]));
                begun = None;
            }
            _ => {}
        }
    }
    if let Some(from) = begun {
        out.push((from, &run[from..]));
    }
    out
}

/// A word, a stop word, or a break (punctuation, a number, an id, a lone letter).
fn word(surface: &str, key: String, start: usize, end: usize) -> Piece {
    let surface = surface.trim_matches('\'');
    if STOP_WORDS.contains(surface) {
        return Piece::StopWord;
    }
    let alphanumeric = surface.chars().filter(|c| c.is_alphanumeric()).count();
    if alphanumeric == 0 || surface.chars().any(|c| c.is_numeric()) || (alphanumeric == 1 && surface.is_ascii()) {
        return Piece::Break;
    }
    Piece::Word(Word { key, start, end })
}

fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2EBEF}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[derive(serde::Deserialize)]
    struct Fixture {
        cases: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        lang: String,
        comment: String,
        words: Vec<String>,
        phrases: BTreeMap<String, String>,
        absent: Vec<String>,
    }

    #[test]
    fn comments_in_english_and_both_chinese_scripts_give_the_fixtures_terms() {
        let fixture: Fixture =
            serde_json::from_str(include_str!("../../../tests/fixtures/themes/segmentation.json")).unwrap();
        let langs: std::collections::BTreeSet<&str> = fixture.cases.iter().map(|c| c.lang.as_str()).collect();
        assert!(["en", "zh-CN", "zh-TW"].iter().all(|l| langs.contains(l)));
        for case in &fixture.cases {
            let terms = super::terms(&case.comment);
            let words: Vec<&str> = terms
                .iter()
                .map(|t| t.key.as_str())
                .filter(|k| !k.contains(' '))
                .collect();
            assert_eq!(words, case.words, "{}: {}", case.lang, case.comment);
            for (key, label) in &case.phrases {
                let found = terms.iter().find(|t| &t.key == key);
                assert_eq!(
                    found.map(|t| t.label.as_str()),
                    Some(label.as_str()),
                    "{}: {key}",
                    case.comment
                );
            }
            for absent in &case.absent {
                assert!(
                    terms.iter().all(|t| &t.key != absent),
                    "{}: {absent} is not a term",
                    case.comment
                );
            }
        }
    }

    #[test]
    fn odd_text_gives_terms_or_none_and_never_panics() {
        for text in [
            "",
            "   ",
            "!!!???",
            "🙂👍🏽👨‍👩‍👧",
            "e\u{301}te\u{301} cafe\u{301}",
            "مرحبا بالعالم",
            "ＡＢＣ１２３ 全角",
            "退款\u{3000}退款",
            "a\u{0}b",
            "'''",
            "don't won’t can't",
            &"很".repeat(5000),
        ] {
            let terms = super::terms(text);
            assert!(terms.len() <= super::MAX_PER_COMMENT);
            assert!(
                terms.iter().all(|t| !t.key.is_empty() && !t.label.is_empty()),
                "{text:?}: {terms:?}"
            );
        }
    }

    #[test]
    fn a_long_comment_gives_at_most_the_cap() {
        let essay: String = (b'a'..=b'z')
            .flat_map(|a| [a, b'q'])
            .map(|a| format!("b{}x ", a as char))
            .collect();
        assert_eq!(super::terms(&essay).len(), super::MAX_PER_COMMENT);
    }
}
