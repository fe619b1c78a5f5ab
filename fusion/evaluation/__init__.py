"""Evaluation: accuracy, side-by-side comparison and robustness of a task's models."""
