"""Time one dashboard step as a person sees it: click Step in headless Chromium until the step counter,
every chart and the world map show the new step (model step, panels, transfer and display).

    python -m benchmarks.dashboard_step_time                       # the synthetic default, 1,024 sources
    python -m benchmarks.dashboard_step_time --topology caida_2016 # the real 2016 graph ($FRAGSIM_DATA)

Prints each step's time and the median. Needs Debian's chromium and playwright (the test extra).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from sim.dashboard.controls import TITLE
from tests.browser import chromium_page, dashboard_server, step_and_wait


def time_steps(topology: str, n_steps: int, workdir: Path) -> list[float]:
    """Seconds from each click on Step to the redrawn page, for ``n_steps`` steps after the first page load."""
    with dashboard_server(workdir / "server.log", "--topology", topology, timeout=180) as url:
        with chromium_page(workdir / "profile") as page:
            page.set_default_timeout(180_000)  # the first page builds the model (the real graph: ~3 s)
            page.goto(url, wait_until="load")
            page.locator(".v-toolbar__title", has_text=TITLE).first.wait_for()  # the app bar's (the tab's is hidden)
            page.get_by_text("Step: 0").wait_for()
            return [step_and_wait(page, n) for n in range(1, n_steps + 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topology", default="synthetic", help="synthetic, caida_2016 or a CAIDA file")
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = time_steps(args.topology, args.steps, Path(tmp))
    print(
        f"{args.topology}: step + redraw "
        + ", ".join(f"{t:.2f}" for t in times)
        + f" s; median {statistics.median(times):.2f} s"
    )


if __name__ == "__main__":
    main()
