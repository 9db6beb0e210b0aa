from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from apps.accounts.views import token_revoke_view, tokens_view

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("tokens/", tokens_view, name="tokens"),
    path("tokens/<int:token_id>/revoke/", token_revoke_view, name="token-revoke"),
]
