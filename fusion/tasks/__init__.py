"""Tasks: what a model is asked (modalities, classes, splits), their samples and split tensors."""
