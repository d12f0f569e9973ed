"""Load kubesim results with pandas and reproduce the availability-per-variant plot.

    python3 examples/analysis.py results/<name> [out.png]

summary.csv has one row per (variant, service) with <metric>_mean and <metric>_ci95 columns
(and one column per swept key); runs.csv one row per (variant, run, service). The plot shows
availability per variant with its 95 % confidence interval, in "nines".
"""
import math
import sys

import pandas as pd


def load(results_dir):
    summary = pd.read_csv(f"{results_dir}/summary.csv")
    runs = pd.read_csv(f"{results_dir}/runs.csv")
    return summary, runs


def check(summary, runs):
    """The summary is the runs aggregated: recompute the availability means from runs.csv."""
    means = runs.groupby(["variant", "service"], sort=False)["availability"].mean()
    for _, row in summary.iterrows():
        got = means[(row["variant"], row["service"])]
        assert math.isclose(got, row["availability_mean"], rel_tol=1e-12), (got, row["availability_mean"])
    return means


def plot(summary, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    labels = summary["variant"] + " / " + summary["service"]
    unavail = 1.0 - summary["availability_mean"]
    ax.errorbar(range(len(summary)), 100 * summary["availability_mean"], yerr=100 * summary["availability_ci95"], fmt="o", capsize=4)
    ax.set_xticks(range(len(summary)), labels, rotation=20, ha="right")
    ax.set_ylabel("availability (%), 95 % CI")
    for i, u in enumerate(unavail):
        ax.annotate(f"{-math.log10(u):.2f} nines" if u > 0 else "∞ nines", (i, 100 * (1 - u)), textcoords="offset points", xytext=(6, 6))
    fig.tight_layout()
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    summary, runs = load(sys.argv[1])
    means = check(summary, runs)
    print(means.to_string())
    if len(sys.argv) > 2:
        plot(summary, sys.argv[2])
