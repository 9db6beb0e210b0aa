from django.urls import path

from apps.compliance import review_views as views

app_name = "compliance"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("bulk/", views.bulk_view, name="bulk"),
    path("cases/<int:pk>/", views.case_detail_view, name="case"),
    path("cases/<int:pk>/decide/", views.case_decide_view, name="case-decide"),
    path("cases/<int:pk>/assign/", views.case_assign_view, name="case-assign"),
    path("findings/<int:pk>/unmask/", views.finding_unmask_view, name="finding-unmask"),
    path("unmask-requests/<int:pk>/decide/", views.unmask_request_decide_view, name="unmask-decide"),
    path("policy/", views.policy_view, name="policy"),
]
