from django.urls import path

from apps.dashboards import explorer, shadow_ai, shadow_settings, views
from apps.dashboards.cx import cx_view, user_journey_view
from apps.dashboards.portfolio import department_view, portfolio_view
from apps.dashboards.product import product_view

app_name = "dashboards"

urlpatterns = [
    path("summary/", views.summary_view, name="summary"),
    path("digest/", views.digest_view, name="digest"),
    path("digest/subscription/", views.digest_subscription_view, name="digest-subscription"),
    path("portfolio/", portfolio_view, name="portfolio"),
    path("department/", department_view, name="department"),
    path("product/", product_view, name="product"),
    path("cx/", cx_view, name="cx"),
    path("shadow-ai/", shadow_ai.shadow_ai_view, name="shadow_ai"),
    path("shadow-ai/findings/<int:pk>/", shadow_ai.finding_view, name="shadow_ai_finding"),
    path("shadow-ai/findings/<int:pk>/decide/", shadow_ai.finding_decide_view, name="shadow_ai_decide"),
    path("shadow-ai/blocklist/", shadow_ai.blocklist_view, name="shadow_ai_blocklist"),
    path("shadow-ai/imports/", shadow_ai.imports_view, name="shadow_ai_imports"),
    path("shadow-ai/settings/", shadow_settings.settings_view, name="shadow_ai_settings"),
    path("users/", user_journey_view, name="user_journey"),
    path("conversations/", explorer.explorer_view, name="explorer"),
    path("conversations/<int:pk>/", explorer.transcript_view, name="conversation"),
    path("conversations/<int:pk>/tags/", explorer.conversation_tag_add_view, name="conversation-tags"),
    path(
        "conversations/<int:pk>/tags/<int:tag_id>/remove/",
        explorer.conversation_tag_remove_view,
        name="conversation-untag",
    ),
    path("conversations/<int:pk>/notes/", explorer.conversation_note_add_view, name="conversation-notes"),
    path("users/tags/", explorer.user_tag_add_view, name="user-tags"),
    path("users/tags/<int:tag_id>/remove/", explorer.user_tag_remove_view, name="user-untag"),
    path("users/notes/", explorer.user_note_add_view, name="user-notes"),
    path("notes/<int:pk>/", explorer.note_update_view, name="note"),
    path("notes/<int:pk>/delete/", explorer.note_delete_view, name="note-delete"),
    path("segments/", explorer.segment_create_view, name="segments"),
    path("segments/<int:pk>/", explorer.segment_update_view, name="segment"),
    path("segments/<int:pk>/delete/", explorer.segment_delete_view, name="segment-delete"),
]
