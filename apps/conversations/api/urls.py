from django.urls import path

from apps.conversations.api.views import ConversationDetailView

urlpatterns = [
    path("v1/conversations/<str:conversation_id>", ConversationDetailView.as_view(), name="conversation-detail"),
]
