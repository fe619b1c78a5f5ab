"""The interaction lab: synthetic two-modality tasks whose partial information decomposition is
known by construction (generative.py), and small early, late and hybrid models trained on them and
measured against that truth (experiment.py)."""
