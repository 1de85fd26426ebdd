//! Which terms separate one band of answers (the low ones, the promoters) from the rest: the
//! weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn,
//! "Fightin' Words", Political Analysis 16(4), 2008, section 3.5). A term's count is the
//! number of answers whose comment has it; the prior is the term's share of a background (all
//! answers of the period) times `PRIOR_WEIGHT`, which shrinks rare terms' ratios towards 0.
//! `scripts/themes_reference.py` computes the same in plain Python; a test holds the two equal.

use std::collections::HashMap;

/// α₀: how many answers' worth of evidence the prior carries.
pub const PRIOR_WEIGHT: f64 = 1000.0;

/// One term's answers in the band (`focus`) and in the others (`rest`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct TermCounts {
    pub term: String,
    pub focus: i64,
    pub rest: i64,
}

/// A term's standing: its log-odds ratio (δ) and that divided by its standard deviation (z).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub term: String,
    pub focus: i64,
    pub rest: i64,
    pub log_odds: f64,
    pub z: f64,
}

/// Every term of `counts` the background knows, ranked by z (highest first; ties by term).
/// `background`: each term's count in the background and the background's total.
pub fn rank(counts: &[TermCounts], background: &HashMap<String, i64>, background_total: i64) -> Vec<Ranked> {
    let n_focus: i64 = counts.iter().map(|c| c.focus).sum();
    let n_rest: i64 = counts.iter().map(|c| c.rest).sum();
    let mut ranked: Vec<Ranked> = counts
        .iter()
        .filter_map(|c| {
            let share = *background.get(&c.term)? as f64 / background_total as f64;
            let alpha = PRIOR_WEIGHT * share;
            if alpha <= 0.0 {
                return None;
            }
            let odds = |y: i64, n: i64| {
                let y = y as f64 + alpha;
                (y / (n as f64 + PRIOR_WEIGHT - y)).ln()
            };
            let log_odds = odds(c.focus, n_focus) - odds(c.rest, n_rest);
            let variance = 1.0 / (c.focus as f64 + alpha) + 1.0 / (c.rest as f64 + alpha);
            Some(Ranked {
                term: c.term.clone(),
                focus: c.focus,
                rest: c.rest,
                log_odds,
                z: log_odds / variance.sqrt(),
            })
        })
        .collect();
    ranked.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.term.cmp(&b.term)));
    ranked
}

/// The background of `counts` themselves: each term's answers in every band.
pub fn own_background(counts: &[TermCounts]) -> (HashMap<String, i64>, i64) {
    let map: HashMap<String, i64> = counts.iter().map(|c| (c.term.clone(), c.focus + c.rest)).collect();
    let total = map.values().sum();
    (map, total)
}

/// Drops a term that a longer one holds whole ("物流" beside "物流 慢") when the longer one
/// has nearly all its answers in the band (80%): the phrase says it better, once.
pub fn without_covered(ranked: Vec<Ranked>) -> Vec<Ranked> {
    without_covered_by(ranked, |r| r.term.as_str(), |r| r.focus)
}

/// `without_covered` over any items with a term and a count.
pub fn without_covered_by<T>(items: Vec<T>, term: impl Fn(&T) -> &str, count: impl Fn(&T) -> i64) -> Vec<T> {
    let keep: Vec<bool> = items
        .iter()
        .map(|short| {
            !items.iter().any(|long| {
                term(long).len() > term(short).len()
                    && contains_words(term(long), term(short))
                    && count(long) * 5 >= count(short) * 4
            })
        })
        .collect();
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, k)| k.then_some(item))
        .collect()
}

/// Whether `long`'s words include `short`'s, in a row.
fn contains_words(long: &str, short: &str) -> bool {
    let long: Vec<&str> = long.split(' ').collect();
    let short: Vec<&str> = short.split(' ').collect();
    long.windows(short.len()).any(|w| w == short.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Fixture {
        prior_weight: f64,
        cases: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        counts: Vec<TermCounts>,
        expected: Vec<Expected>,
    }
    #[derive(serde::Deserialize)]
    struct Expected {
        term: String,
        z: f64,
        log_odds: f64,
    }

    /// To three significant digits.
    fn same(a: f64, b: f64) -> bool {
        let scale = 10f64.powi(2 - b.abs().log10().floor() as i32);
        (a * scale).round() == (b * scale).round()
    }

    #[test]
    fn the_ranking_agrees_with_the_python_reference() {
        let fixture: Fixture =
            serde_json::from_str(include_str!("../../../tests/fixtures/themes/ranking.json")).unwrap();
        assert_eq!(fixture.prior_weight, PRIOR_WEIGHT);
        assert!(fixture.cases.len() >= 3);
        for case in &fixture.cases {
            let (background, total) = own_background(&case.counts);
            let ranked = rank(&case.counts, &background, total);
            let order: Vec<&str> = ranked.iter().map(|r| r.term.as_str()).collect();
            let expected: Vec<&str> = case.expected.iter().map(|e| e.term.as_str()).collect();
            assert_eq!(order, expected, "{}: the order", case.name);
            for (r, e) in ranked.iter().zip(&case.expected) {
                assert!(same(r.z, e.z), "{} {}: z {} vs {}", case.name, r.term, r.z, e.z);
                assert!(
                    same(r.log_odds, e.log_odds),
                    "{} {}: δ {} vs {}",
                    case.name,
                    r.term,
                    r.log_odds,
                    e.log_odds
                );
            }
        }
    }

    #[test]
    fn a_phrase_that_holds_a_word_replaces_it_only_when_it_has_most_of_its_answers() {
        let r = |term: &str, focus| Ranked {
            term: term.into(),
            focus,
            rest: 0,
            log_odds: 1.0,
            z: 1.0,
        };
        let kept = without_covered(vec![r("物流", 50), r("物流 慢", 45), r("客服", 30), r("客服 回复", 10)]);
        let terms: Vec<&str> = kept.iter().map(|r| r.term.as_str()).collect();
        assert_eq!(terms, ["物流 慢", "客服", "客服 回复"]);
    }
}
