# Event fixtures (post_events, post_otlp …) live in tests/fixtures/events.py (registered for the
# whole suite in tests/conftest.py); the helpers are re-exported here for the tests that import them.
from tests.fixtures.events import iso, make_conversation

__all__ = ["iso", "make_conversation"]
