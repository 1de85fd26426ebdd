#!/usr/bin/env python3
"""The reference for the Themes ranking: the weighted log-odds ratio with an informative
Dirichlet prior (Monroe, Colaresi and Quinn, "Fightin' Words", 2008, eq. 16 and 19), written
from the paper in plain Python, independently of the server's Rust.

Writes crates/server/tests/fixtures/themes/ranking.json: a few sets of term counts (generated
from a fixed seed) with each term's log-odds ratio and z-score, highest z first. The server's
unit test ranks the same counts and must agree to three significant digits. With --check it
writes nothing and fails when the committed file differs from what it would write.

    python3 scripts/themes_reference.py [--check]
"""
import json
import math
import random
import sys
from pathlib import Path

PRIOR_WEIGHT = 1000.0
FIXTURE = Path(__file__).resolve().parent.parent / "crates/server/tests/fixtures/themes/ranking.json"


def fightin_words(counts):
    """counts: [{term, focus, rest}] -> [{term, log_odds, z}], highest z first."""
    n_focus = sum(c["focus"] for c in counts)
    n_rest = sum(c["rest"] for c in counts)
    background = {c["term"]: c["focus"] + c["rest"] for c in counts}
    total = sum(background.values())
    out = []
    for c in counts:
        alpha = PRIOR_WEIGHT * background[c["term"]] / total
        if alpha <= 0:
            continue
        # omega-hat: the log-odds of the term in each corpus, smoothed by its prior (eq. 16).
        focus = math.log((c["focus"] + alpha) / (n_focus + PRIOR_WEIGHT - c["focus"] - alpha))
        rest = math.log((c["rest"] + alpha) / (n_rest + PRIOR_WEIGHT - c["rest"] - alpha))
        delta = focus - rest
        # Its variance, approximately (eq. 18), and the z-score (eq. 19).
        variance = 1 / (c["focus"] + alpha) + 1 / (c["rest"] + alpha)
        out.append({"term": c["term"], "log_odds": delta, "z": delta / math.sqrt(variance)})
    out.sort(key=lambda r: (-r["z"], r["term"]))
    return out


WORDS = ["物流 慢", "快递", "退款", "客服", "never arriv", "late", "size", "broken", "love", "fast",
         "質感", "包装", "price", "code", "refund", "deliveri", "好", "slow", "tote", "shirt"]


def generated(rng, name, terms, scale):
    counts = []
    for term in terms:
        base = rng.randint(0, scale)
        lean = rng.random()
        counts.append({"term": term, "focus": int(base * lean), "rest": int(base * (1 - lean) * 3)})
    counts = [c for c in counts if c["focus"] + c["rest"] > 0]
    return {"name": name, "counts": counts, "expected": fightin_words(counts)}


def fixture():
    rng = random.Random(20261203)
    cases = [
        # A small week: a handful of answers per term, where the prior matters most.
        generated(rng, "small", WORDS[:10], 12),
        generated(rng, "medium", WORDS, 200),
        generated(rng, "big", WORDS, 20000),
        # One term only in the band, one only outside it, one in neither proportion.
        {"name": "edges", "counts": [
            {"term": "only low", "focus": 40, "rest": 0},
            {"term": "only others", "focus": 0, "rest": 40},
            {"term": "even", "focus": 10, "rest": 30},
            {"term": "rare", "focus": 1, "rest": 0},
        ]},
    ]
    cases[-1]["expected"] = fightin_words(cases[-1]["counts"])
    return {"prior_weight": PRIOR_WEIGHT, "generated_by": "scripts/themes_reference.py", "cases": cases}


def main():
    text = json.dumps(fixture(), ensure_ascii=False, indent=1) + "\n"
    if "--check" in sys.argv:
        if FIXTURE.read_text(encoding="utf-8") != text:
            sys.exit(f"{FIXTURE} is not what scripts/themes_reference.py writes: run it again")
        print(f"{FIXTURE.name}: as the reference writes it")
        return
    FIXTURE.write_text(text, encoding="utf-8")
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
