"""Time a model run end to end on the real 2016 graph (or a synthetic one), as quoted in the README.

    python -m benchmarks.time_model --steps 40 --n-sources 1024
    python -m benchmarks.time_model --steps 10 --exact
    python -m benchmarks.time_model --synthetic 10000 --steps 20

The real files are read from the data folder (:func:`sim.data.paths.data_dir`) or ``--data``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.data.paths import data_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--n-sources", type=int, default=1024)
    parser.add_argument("--exact", action="store_true", help="all-pairs reachability every step")
    parser.add_argument("--synthetic", type=int, help="a synthetic topology of this many ASes instead")
    parser.add_argument(
        "--data",
        type=Path,
        default=data_dir(),
        help="folder with caida/, geo/, state_owned/ (default: the data folder, $FRAGSIM_DATA)",
    )
    parser.add_argument("--mechanisms", default="m0")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    import sim

    if args.synthetic:
        topo = sim.synthetic_topology(args.synthetic, seed=0)
    else:
        topo = sim.load_topology(
            args.data / "caida" / "20161101.as-rel.txt.bz2",
            args.data / "geo" / "as_country_2018.csv.gz",
            args.data / "state_owned" / "state_owned_ases.csv",
        )
    t1 = time.perf_counter()
    model = sim.FragmentationModel(
        topology=topo,
        rng=args.seed,
        n_sources=None if args.exact else args.n_sources,
        mechanisms=args.mechanisms.split(","),
        adoption_frac=0.5,
    )
    t2 = time.perf_counter()
    for _ in range(args.steps):
        model.step()
    t3 = time.perf_counter()
    loss = model.datacollector.get_model_vars_dataframe()["loss"]
    print(
        f"{topo.name}: load {t1 - t0:.1f} s, model {t2 - t1:.1f} s, {args.steps} steps {t3 - t2:.1f} s, "
        f"total {t3 - t0:.1f} s; final loss {loss.iloc[-1]:.3f}"
    )


if __name__ == "__main__":
    main()
