from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "apps.detection"
    label = "detection"
    default_auto_field = "django.db.models.BigAutoField"
