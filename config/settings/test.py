from config.env import env_str
from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins

# Tests run tasks in-process unless a test starts a real worker and turns eagerness off for
# itself (tests/core/test_celery_worker.py). The broker is still the real Redis for those.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = REDIS_URL or "redis://127.0.0.1:6379/15"
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
# Most tests read the enriched record right after posting (tests/fixtures/events.py): enrich
# inside the request. A server started by a test may ask for "background" through the environment.
TESSERA_EAGER_ENRICHMENT = env_str("TESSERA_EAGER_ENRICHMENT", "inline")

# The suite sends many bad keys from 127.0.0.1 into a shared Redis; the throttle's own test
# lowers this for itself (tests/core/test_auth_throttling.py).
API_AUTH_FAILURE_LIMIT = 1_000_000

# Nothing runs collectstatic before the tests: WhiteNoise looks files up per request instead of
# indexing a STATIC_ROOT that does not exist (and warning about it).
WHITENOISE_AUTOREFRESH = True
# …and finds them where they live (static/ and the apps), so a server a test starts on a fresh
# clone serves htmx and ECharts without a collectstatic (the browser tests need them).
WHITENOISE_USE_FINDERS = True

# Tests write rollups inside transactions that roll back, in one Redis shared by the session:
# the page cache stays off except where a test turns it on to check its invalidation.
DASHBOARD_CACHE_SECONDS = 0
