"""fragsim's Hydra launcher plugin (Hydra finds launchers in the ``hydra_plugins`` namespace): the ``local``
launcher of ``configs/hydra/launcher/local.yaml``."""
