from django.urls import path

from apps.registry.api.views import ApiKeyViewSet, AssistantViewSet, DepartmentViewSet, ReleaseViewSet

# Explicit paths rather than a router: the key and release routes nest under their assistant.
urlpatterns = [
    path("v1/assistants/", AssistantViewSet.as_view({"get": "list", "post": "create"}), name="assistant-list"),
    path(
        "v1/assistants/<int:pk>/",
        AssistantViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="assistant-detail",
    ),
    path(
        "v1/assistants/<int:assistant_pk>/keys/",
        ApiKeyViewSet.as_view({"get": "list", "post": "create"}),
        name="assistant-key-list",
    ),
    path(
        "v1/assistants/<int:assistant_pk>/keys/<int:pk>/revoke/",
        ApiKeyViewSet.as_view({"post": "revoke"}),
        name="assistant-key-revoke",
    ),
    path(
        "v1/assistants/<int:assistant_pk>/releases/",
        ReleaseViewSet.as_view({"get": "list", "post": "create"}),
        name="assistant-release-list",
    ),
    path("v1/departments/", DepartmentViewSet.as_view({"get": "list"}), name="department-list"),
    path("v1/departments/<int:pk>/", DepartmentViewSet.as_view({"get": "retrieve"}), name="department-detail"),
]
