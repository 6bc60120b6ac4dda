"""Reading run folders and drawing figures: shared by ``fragsim-report`` and the experiments."""
