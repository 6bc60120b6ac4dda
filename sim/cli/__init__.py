"""The console scripts (``fragsim``, ``fragsim-data``, ``fragsim-report``, ``fragsim-experiment``,
``fragsim-dashboard``). Each imports what it needs inside its ``main``."""
