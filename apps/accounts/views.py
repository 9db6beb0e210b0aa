from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from apps.accounts.models import Role
from apps.accounts.permissions import dashboards_for
from apps.accounts.request import AuthedRequest


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    role_labels = dict(Role.choices)
    context = {
        "roles": [role_labels.get(role, role) for role in user.roles],
        "departments": list(user.departments.values_list("name", flat=True)),
        "dashboards": dashboards_for(user),
    }
    return render(request, "accounts/home.html", context)
