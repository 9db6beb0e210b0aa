from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "apps.detection"
    label = "detection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Worker start-up (apps.nlp.warmup) also loads what detect() needs, so a worker's first
        # batch does not pay for it. Registering imports nothing heavy: spaCy loads when it runs.
        from apps.nlp.warmup import register_warm_up

        register_warm_up("detection", _warm_up_detection)


def _warm_up_detection() -> None:
    from apps.detection.sensitive import warm_up

    warm_up()
