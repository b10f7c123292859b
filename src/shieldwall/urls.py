"""URL map: the API under /api/v1/, the admin, health and JSON 404s for unknown API paths."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path

from shieldwall.api import api
from shieldwall.core.auth import StaffAdminLoginForm, StaffLoginView
from shieldwall.core.views import metrics_page
from shieldwall.reports.views import report_page, report_status

admin.site.login_form = StaffAdminLoginForm  # the admin's sign-in pauses like the desk's


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Unknown /api/ paths answer in the API's error shape, not an HTML page."""
    return JsonResponse(
        {"error": {"code": "not_found", "message": f"No API endpoint at /api/{rest}."}},
        status=404,
    )


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("admin/", admin.site.urls),
    path("desk/terms/", include("shieldwall.terms.urls")),
    path("desk/discovery/", include("shieldwall.discovery.urls")),
    path("desk/", include("shieldwall.cases.urls")),
    path(
        "accounts/login/",
        StaffLoginView.as_view(),
        name="login",
    ),
    path(
        "accounts/logout/",
        auth_views.LogoutView.as_view(next_page="/accounts/login/"),
        name="logout",
    ),
    path("staff/webhooks/", include("shieldwall.integrations.urls")),
    path("healthz", healthz),
    path("metrics", metrics_page),
    path("report", report_page, name="report"),
    path("report/status", report_status, name="report_status"),
]
