from django.http import HttpRequest

from apps.accounts.permissions import dashboards_for


def navigation(request: HttpRequest) -> dict:
    """The navigation bar: exactly the pages the signed-in user's roles open, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_pages": []}
    pages = dashboards_for(user)
    # The longest matching prefix is the current page (/dashboards/product/ is not /dashboards/).
    current = max((p["href"] for p in pages if request.path.startswith(p["href"])), key=len, default="")
    return {"nav_pages": [{**p, "current": p["href"] == current} for p in pages]}
