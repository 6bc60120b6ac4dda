"""The Hydra configuration of ``fragsim``, installed as the package ``sim.configs`` (read as ``pkg://sim.configs``).

``config.yaml`` is the primary config; each folder is a config group (``topology``, ``scenario``, ``mechanism``,
``experiment``, ``paths``, ``hydra/launcher``). The scenario group is the scenario library in the repository's
``scenarios/`` folder, installed as ``sim.configs.scenario``.
"""
