from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin (central AI team)"
    OWNER = "owner", "Department owner"
    PRODUCT = "product", "Product"
    CX = "cx", "Customer experience"
    COMPLIANCE = "compliance", "Compliance"
    VIEWER = "viewer", "Viewer"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("roles", [Role.ADMIN])
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person of one organization (lives in the organization's schema).

    In the public schema the same table holds the few operator accounts that provision
    organizations. Department membership is ``Department.members`` (apps.registry), reachable
    here as ``user.departments``.
    """

    username = None  # type: ignore[assignment]  # Django's documented way to drop a field; stubs can't express it
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    roles = ArrayField(models.CharField(max_length=20, choices=Role.choices), default=list, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # An email-keyed manager replaces AbstractUser's username-keyed one (Django's documented
    # pattern for a custom user model).
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # stubs pin contrib's UserManager

    # Set on first use by accounts.permissions.member_department_ids: one query per user object.
    _department_ids: set[int]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email
