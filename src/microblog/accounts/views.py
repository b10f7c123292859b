"""Sign-up and profiles; log-in and log-out are Django's own views."""

from __future__ import annotations

from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from microblog.accounts.forms import SignUpForm
from microblog.accounts.models import Profile
from microblog.accounts.services import SignUpError, sign_up
from microblog.posts import feeds


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and log in."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = sign_up(
                handle=form.cleaned_data["handle"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password"],
            )
        except SignUpError as exc:
            form.add_error("handle", str(exc))
        else:
            login(request, profile.user)
            return redirect("home")
    return render(request, "microblog/signup.html", {"form": form})


def profile(request: HttpRequest, handle: str) -> HttpResponse:
    """A profile and its posts; a suspended account shows only that it is suspended."""
    person = get_object_or_404(Profile, handle=handle.lower())
    listed = feeds.profile_posts(person, signed_in=request.user.is_authenticated)
    posts = Paginator(listed, 20).get_page(request.GET.get("page"))
    return render(request, "microblog/profile.html", {"person": person, "page": posts})
