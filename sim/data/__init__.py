"""The world's data: the AS-level topology, its loaders (CAIDA files, annotations), the synthetic Internet and
the downloader. The lowest layer: it imports nothing else of fragsim."""
