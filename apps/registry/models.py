from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel


class Department(TimeStampedModel):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    # Membership lives here (tenant app) rather than on User, because User also exists in the
    # public schema where departments do not.
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="departments", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
