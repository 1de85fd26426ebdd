#!/usr/bin/env python3
"""Writes the experiment statistics fixtures from GrowthBook's own engine (gbstats 0.8.0).

The Rust tests of `features/experiments/stats/effects.rs` read the file and must agree with
every figure to 4 significant digits. `--check` rewrites nothing and fails when the committed
file differs from what gbstats says today (the test script runs it, so the fixtures cannot
drift from the reference).

    .venv-gbstats/bin/python scripts/gbstats_fixtures.py [--check]
"""

import json
import math
import random
import sys
from pathlib import Path

from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)

OUT = Path(__file__).resolve().parent.parent / "crates/server/src/features/experiments/stats/effects/gbstats.json"


def summary(kind, n, values):
    if kind == "proportion":
        return {"type": "proportion", "n": n, "sum": float(sum(values))}
    return {
        "type": "mean",
        "n": n,
        "sum": float(sum(values)),
        "sum_squares": float(sum(v * v for v in values)),
    }


def statistic(s):
    if s["type"] == "proportion":
        return ProportionStatistic(n=s["n"], sum=s["sum"])
    return SampleMeanStatistic(n=s["n"], sum=s["sum"], sum_squares=s["sum_squares"])


def gb_arm(arm):
    post = statistic(arm["post"])
    if arm.get("pre") is None:
        return post
    return RegressionAdjustedStatistic(
        n=arm["post"]["n"],
        post_statistic=post,
        pre_statistic=statistic(arm["pre"]["summary"]),
        post_pre_sum_of_products=arm["pre"]["post_pre_sum_of_products"],
        theta=0,
    )


def simulate(rng, kind, n, mean, effect, pre_correlation):
    """One arm's units: (pre, post) per unit, the post shifted by `effect`."""
    pre, post = [], []
    for _ in range(n):
        activity = rng.gauss(0, 1)
        noise = rng.gauss(0, 1)
        latent = pre_correlation * activity + math.sqrt(1 - pre_correlation**2) * noise
        if kind == "proportion":
            p_pre = min(max(mean + 0.15 * activity, 0.01), 0.99)
            p_post = min(max(mean * (1 + effect) + 0.15 * latent, 0.01), 0.99)
            pre.append(1 if rng.random() < p_pre else 0)
            post.append(1 if rng.random() < p_post else 0)
        else:
            pre.append(max(0.0, round(mean + 3 * activity, 2)))
            post.append(max(0.0, round(mean * (1 + effect) + 3 * latent, 2)))
    return pre, post


def arm_of(kind, pre, post, cuped):
    arm = {"post": summary(kind, len(post), post)}
    if cuped:
        arm["pre"] = {
            "summary": summary(kind, len(pre), pre),
            "post_pre_sum_of_products": float(sum(a * b for a, b in zip(pre, post))),
        }
    return arm


def result(test):
    r = test.compute_result()
    if getattr(r, "error_message", None):
        return None
    out = {"value": r.expected, "low": r.ci[0], "high": r.ci[1]}
    if hasattr(r, "p_value"):
        out["p_value"] = r.p_value
    if hasattr(r, "chance_to_win"):
        out["chance_to_win"] = r.chance_to_win
    return out


def expectations(control, treatment):
    expected = {}
    for difference in ["absolute", "relative"]:
        fixed = TwoSidedTTest(gb_arm(control), gb_arm(treatment), FrequentistConfig(difference_type=difference))
        expected[f"fixed_{difference}"] = result(fixed)
        for tuning in [5000, 500]:
            sequential = SequentialTwoSidedTTest(
                gb_arm(control),
                gb_arm(treatment),
                SequentialConfig(difference_type=difference, sequential_tuning_parameter=tuning),
            )
            expected[f"sequential_{tuning}_{difference}"] = result(sequential)
        bayes = EffectBayesianABTest(gb_arm(control), gb_arm(treatment), EffectBayesianConfig(difference_type=difference))
        expected[f"bayesian_{difference}"] = result(bayes)
    return expected


def cases():
    rng = random.Random(20261202)
    made = []
    plans = [
        # name, kind, n control, n treatment, mean, effect, pre-period correlation
        ("small conversion, no effect", "proportion", 120, 130, 0.2, 0.0, 0.0),
        ("conversion, +10%", "proportion", 4000, 4100, 0.12, 0.10, 0.0),
        ("large return rate, +3%", "proportion", 40000, 39500, 0.35, 0.03, 0.0),
        ("points per member, +8%", "mean", 900, 950, 20.0, 0.08, 0.0),
        ("scores, -5%", "mean", 300, 280, 4.0, -0.05, 0.0),
        ("return rate with a pre-period, CUPED", "proportion", 3000, 3000, 0.3, 0.05, 0.7),
        ("points with a strong pre-period, CUPED", "mean", 2000, 2100, 15.0, 0.04, 0.9),
        ("points with a weak pre-period, CUPED", "mean", 1500, 1450, 10.0, 0.0, 0.1),
    ]
    for name, kind, n_a, n_b, mean, effect, correlation in plans:
        cuped = correlation > 0
        pre_a, post_a = simulate(rng, kind, n_a, mean, 0.0, correlation if cuped else 0.0)
        pre_b, post_b = simulate(rng, kind, n_b, mean, effect, correlation if cuped else 0.0)
        control, treatment = arm_of(kind, pre_a, post_a, cuped), arm_of(kind, pre_b, post_b, cuped)
        made.append({"name": name, "control": control, "treatment": treatment, "expected": expectations(control, treatment)})
        if cuped:
            # The same data without the covariate: CUPED's intervals must be no wider.
            plain = ({"post": control["post"]}, {"post": treatment["post"]})
            made.append(
                {
                    "name": name.replace("CUPED", "without CUPED"),
                    "control": plain[0],
                    "treatment": plain[1],
                    "expected": expectations(*plain),
                }
            )
    return made


def main():
    document = {
        "generated_by": "scripts/gbstats_fixtures.py with gbstats 0.8.0 (GrowthBook's engine)",
        "alpha": 0.05,
        "cases": cases(),
    }
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        committed = json.loads(OUT.read_text())
        if not agrees(committed, document):
            sys.exit(f"{OUT} differs from what gbstats computes now: run scripts/gbstats_fixtures.py")
        print(f"gbstats fixtures agree with gbstats ({len(document['cases'])} cases)")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(document['cases'])} cases)")


def agrees(a, b):
    """Equal, floats to 12 significant digits (another scipy build may differ in the last bits)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(agrees(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(agrees(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)
    return a == b


if __name__ == "__main__":
    main()
