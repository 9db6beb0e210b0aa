import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()

# Without a broker, the serving process runs queued tasks on its own thread after the response
# and re-queues batches a dead process left unenriched (apps/core/background.py).
from apps.core.background import background_start  # noqa: E402 - needs the app registry above

background_start()
