from django.apps import AppConfig


class NlpConfig(AppConfig):
    name = "apps.nlp"
    label = "nlp"
    default_auto_field = "django.db.models.BigAutoField"
