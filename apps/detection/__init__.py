"""Sensitive-data detection: recognizers (``recognizers``), spaCy wiring (``pipeline``) and the
stable entry point ``apps.detection.sensitive.detect``."""
