"""``fragsim-dashboard``: serve the interactive page (the ``dashboard`` extra: Mesa's SolaraViz, Solara).

    pip install 'fragsim[dashboard]'
    fragsim-dashboard --host 127.0.0.1 --port 8765

``--version`` answers at once; without the extra the command says which one to install and exits 2. The page
and its options live in :mod:`sim.dashboard.app`, imported only once the extra is known to be there.
"""

from __future__ import annotations

import sys

from sim.cli.preflight import answer_version, require_extra


def main(argv: list[str] | None = None) -> None:
    """Check ``--version`` and the ``dashboard`` extra, then hand over to :func:`sim.dashboard.app.main`."""
    argv = sys.argv[1:] if argv is None else argv
    answer_version(argv)
    require_extra("fragsim-dashboard", "dashboard", "the dashboard")
    from sim.dashboard.app import main as serve

    serve(argv)


if __name__ == "__main__":
    main()
