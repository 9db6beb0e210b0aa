from django.urls import path

from apps.compliance import overview_views
from apps.compliance import review_views as views

app_name = "compliance"

urlpatterns = [
    # The overview is the landing page; it sends old filtered queue links (/compliance/?status=…) on.
    path("", overview_views.overview_view, name="overview"),
    path("queue/", views.queue_view, name="queue"),
    path("queue/views/", views.queue_view_save_view, name="view-save"),
    path("queue/views/<int:pk>/delete/", views.queue_view_delete_view, name="view-delete"),
    path("findings/", overview_views.findings_view, name="findings"),
    path("conversations/<int:pk>/", views.conversation_view, name="conversation"),
    path("bulk/", views.bulk_view, name="bulk"),
    path("cases/<int:pk>/", views.case_detail_view, name="case"),
    path("cases/<int:pk>/decide/", views.case_decide_view, name="case-decide"),
    path("cases/<int:pk>/assign/", views.case_assign_view, name="case-assign"),
    path("findings/<int:pk>/unmask/", views.finding_unmask_view, name="finding-unmask"),
    path("unmask-requests/<int:pk>/decide/", views.unmask_request_decide_view, name="unmask-decide"),
    path("policy/", views.policy_view, name="policy"),
    path("policy/rules/", views.rule_create_view, name="rule-create"),
    path("policy/rules/<int:pk>/delete/", views.rule_delete_view, name="rule-delete"),
]
