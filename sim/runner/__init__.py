"""Runs from configuration: the Hydra schema (``schema``), the one door to the configuration (``compose``), the
Hydra job (``job``) and write-once run folders (``run``)."""
