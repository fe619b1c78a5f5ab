"""Training: the one training loop, background jobs for the pages, and retraining the shipped models."""
