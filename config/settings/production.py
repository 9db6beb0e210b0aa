"""Deployment settings: refuse to start without real secrets, HTTPS everywhere.

``manage.py check --deploy`` is clean with these settings (tests/core/test_deploy_settings.py
runs it). Every secret is required: nothing falls back to a key derived from another, so a
database dump of a default deployment cannot be decrypted with a guessable key.
"""

from config.env import deployment_secrets_check, env_bool, env_int

deployment_secrets_check()  # before base: base would start an embedded PostgreSQL without DATABASE_URL

from config.settings.base import *  # noqa: E402, F403

DEBUG = False

# --- HTTPS (behind a proxy that sends X-Forwarded-Proto: https) ------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The container health check calls /healthz over plain http from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
# Organizations are subdomains of one name, so HSTS covers them all; preloading into browsers
# is a separate, hard-to-undo decision left to the operator (SECURE_HSTS_PRELOAD=true).
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # preload is opt-in, see above

# --- Static files (WhiteNoise, see base) ----------------------------------------------------
# `collectstatic` (run at image build) writes hashed, compressed copies to STATIC_ROOT; those
# are cached by browsers for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
