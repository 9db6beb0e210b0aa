from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.forms import TokenForm
from apps.accounts.models import Role
from apps.accounts.permissions import dashboards_for
from apps.accounts.request import AuthedRequest
from apps.accounts.selectors import tokens_active_of_others, tokens_of, tokens_revocable_by
from apps.accounts.services import IssuedToken, token_create, token_revoke
from apps.core.forms import form_call


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


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: AuthedRequest) -> HttpResponse:
    """List the user's personal API tokens; a POST creates one and shows its plaintext once."""
    form = TokenForm(request.POST or None)
    issued: IssuedToken | None = None
    if request.method == "POST" and form.is_valid():
        issued = form_call(
            form,
            lambda: token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            ),
        )
        if issued is not None:
            form = TokenForm()
    context = {
        "form": form,
        # The plaintext lives only in this response: not in the session, a message or a log.
        "new_token": issued,
        "tokens": tokens_of(user=request.user),
        "others": tokens_active_of_others(admin=request.user),
        "role_labels": [label for value, label in Role.choices if value in request.user.roles],
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke_view(request: AuthedRequest, token_id: int) -> HttpResponse:
    # 404 for a token the user may not revoke: its existence is none of their business.
    token = get_object_or_404(tokens_revocable_by(user=request.user), pk=token_id)
    token_revoke(actor=request.user, token=token)
    owner = "" if token.user_id == request.user.pk else f" of {token.user.email}"
    messages.success(request, f"Token {token.prefix}…{owner} revoked; requests with it are refused from now on.")
    return HttpResponseRedirect(reverse("accounts:tokens"))
