from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.logging import install_log_redaction
        from apps.core.lookups import register

        install_log_redaction()
        register()
