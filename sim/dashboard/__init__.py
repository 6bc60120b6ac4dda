"""The interactive dashboard (Mesa SolaraViz): an optional extra, ``pip install 'fragsim[dashboard]'``."""
