from django.urls import path

from apps.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.assistant_list_view, name="list"),
    path("new/", views.assistant_create_view, name="create"),
    path("new/validate/", views.assistant_validate_view, name="validate-new"),
    path("<int:pk>/", views.assistant_detail_view, name="detail"),
    path("<int:pk>/edit/", views.assistant_edit_view, name="edit"),
    path("<int:pk>/validate/", views.assistant_validate_view, name="validate"),
    path("<int:pk>/keys/", views.api_key_create_view, name="key-create"),
    path("<int:pk>/keys/<int:key_id>/revoke/", views.api_key_revoke_view, name="key-revoke"),
    path("<int:pk>/releases/", views.release_create_view, name="release-create"),
]
