"""Tables of the analytics app."""

from apps.analytics.models_decisions import Alert, Recommendation  # noqa: F401  (kept apart while the rollups land)
