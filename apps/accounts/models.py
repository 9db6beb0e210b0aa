from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


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


class PersonalToken(models.Model):
    """A user's read-only API credential for BI tools and scripts (DESIGN.md "Metrics API").

    Only a salted hash is stored; the plaintext is shown once. The token has no roles of its
    own: a request made with it is the user's request, so a role removed from the user or a
    deactivated user takes effect on the next call.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=32, unique=True)  # tsp_<12 hex>, shown in lists
    salt = models.CharField(max_length=32)
    hashed = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def status(self) -> str:
        """``active``, ``revoked`` or ``expired`` — what a request with this token would meet."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"
