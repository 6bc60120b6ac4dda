"""Runs from configuration: the Hydra schema, composition and write-once run folders."""
