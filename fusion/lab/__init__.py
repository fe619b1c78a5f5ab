"""The interaction lab: synthetic two-modality tasks whose partial information decomposition is
known by construction (generative.py), and small early, late and hybrid models trained on them and
measured against that truth (experiment.py)."""

# The pure kinds of task, in the order of a mix's weights (R, U, S). Defined here, free of imports,
# so that the CLI's parser can offer them without loading the lab.
KINDS = ("redundancy", "uniqueness", "synergy")
