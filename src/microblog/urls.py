"""URL map of the microblog."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.static import serve

from microblog.accounts import views as accounts
from microblog.posts import views as posts
from microblog.reporting import views as reporting
from microblog.safety import views as safety

urlpatterns = [
    path("", posts.home, name="home"),
    path("compose", posts.compose, name="compose"),
    path("p/<str:public_id>", posts.post_detail, name="post"),
    path("p/<str:public_id>/reshare", posts.reshare, name="reshare"),
    path("p/<str:public_id>/delete", posts.delete_post, name="delete_post"),
    path("p/<str:public_id>/report", reporting.report_post, name="report_post"),
    path("tag/<str:name>", posts.tag, name="tag"),
    path("tag/<str:name>/report", reporting.report_hashtag, name="report_hashtag"),
    path("search", posts.search, name="search"),
    path("search/suggest", posts.suggest, name="suggest"),
    path("media/<str:public_id>", posts.media, name="media"),
    path("@<str:handle>", accounts.profile, name="profile"),
    path("@<str:handle>/report", reporting.report_account, name="report_account"),
    *(
        path(f"@<str:handle>/{verb}", accounts.relate, {"verb": verb}, name=verb)
        for verb in ("block", "unblock", "mute", "unmute")
    ),
    path("reports", reporting.your_reports, name="your_reports"),
    path("reports/<str:report_id>", reporting.report_done, name="report_done"),
    path("signup", accounts.signup, name="signup"),
    path(
        "login",
        auth_views.LoginView.as_view(template_name="microblog/login.html"),
        name="login",
    ),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("hooks/shieldwall", safety.shieldwall_hook, name="shieldwall_hook"),
    # One stylesheet and one script: served by the app itself, no CDN and no extra server.
    path("static/<path:path>", serve, {"document_root": settings.STATIC_DIR}),
]
