"""Turn a pytest-benchmark JSON file into the README's table: median times, baselines extrapolated to the
same question, and the kernel's speed-up over each.

    python -m benchmarks.ratios results/bench_reach.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def rows(path: str) -> list[dict]:
    with open(path) as fh:
        data = json.load(fh)
    out = []
    for b in data["benchmarks"]:
        name = b["name"].split("[")[0].removeprefix("test_")
        param = b["param"] or ("100k" if name.endswith("_100k") else "")
        name = name.removesuffix("_100k")
        info = b.get("extra_info", {})
        median = b["stats"]["median"]
        out.append(
            dict(
                group=f"{b['group']} {param}".strip(),
                impl=name.split("_")[0],
                measured=median,
                scale=info.get("scale", 1.0),
                extrapolated=median * info.get("scale", 1.0),
                rounds=b["stats"]["rounds"],
                n_sampled=info.get("n_sampled"),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    table = rows(argv[0])
    by_group = defaultdict(dict)
    for r in table:
        by_group[r["group"]][r["impl"]] = r
    print("| question | implementation | measured (median) | for the whole question | kernel speed-up |")
    print("| --- | --- | --- | --- | --- |")
    for group, impls in by_group.items():
        kernel = impls.get("kernel")
        for impl, r in impls.items():
            note = "" if r["n_sampled"] is None else f" ({r['n_sampled']} sources, ×{r['scale']:.0f})"
            ratio = "" if impl == "kernel" or not kernel else f"{r['extrapolated'] / kernel['measured']:,.0f}×"
            print(f"| {group} | {impl} | {r['measured']:.3f} s{note} | {r['extrapolated']:,.2f} s | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
