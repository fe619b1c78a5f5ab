"""Models: configs, building blocks, fusion operators, strategies, checkpoints and named presets."""
