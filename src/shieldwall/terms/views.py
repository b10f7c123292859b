"""The rules pages of the desk (staff HTML), mounted under /desk/terms/.

Thin: parse the form, call `terms.services` (which checks MANAGE_RULES and audits) or
`terms.desk_reads` (which checks VIEW_RULES), render. A refused change comes back on its
form field with a 4xx status; nothing a staff member types gives a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Forbidden, NotFound, ServiceError
from shieldwall.core.roles import user_actor
from shieldwall.terms import desk_reads, services, words
from shieldwall.terms.forms import AddRuleForm, RemoveRuleForm, TryForm
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.permissions import MANAGE_RULES, VIEW_RULES

View = Callable[..., HttpResponse]
MAX_SEARCH = 200


def _actor(request: HttpRequest) -> Actor:
    return user_actor(request.user)


def rules_view(view: View) -> View:
    """Log-in required; a service's refusal shown as a page with its status, not a traceback."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except ServiceError as exc:
            return render(request, "terms/error.html", {"error": exc}, status=exc.status)

    return wrapped


def _shown(request: HttpRequest) -> desk_reads.Shown:
    try:
        return desk_reads.Shown(request.GET.get("show", desk_reads.Shown.ACTIVE))
    except ValueError:
        return desk_reads.Shown.ACTIVE


def _page(
    request: HttpRequest,
    *,
    add: AddRuleForm | None = None,
    trial: TryForm | None = None,
    verdicts: list[words.VerdictLine] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    shown = _shown(request)
    search = request.GET.get("q", "")[:MAX_SEARCH].replace("\x00", "")
    found = desk_reads.rule_list(actor=actor, shown=shown, search=search)
    context = {
        "found": found,
        "lines": [words.rule_line(r) for r in found.rows],
        "shown": shown,
        "search": search,
        "can_manage": actor.can(MANAGE_RULES),
        "add": add or AddRuleForm(),
        "trial": trial or TryForm(),
        "verdicts": verdicts,
        "exception": RuleEffect.ALLOW.value,
    }
    return render(request, "terms/rules.html", context, status=status)


def _on_form(form: forms.Form, exc: ServiceError) -> None:
    """Put a service's refusal on the field it names (or on the whole form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_GET
@rules_view
def rules(request: HttpRequest) -> HttpResponse:
    """The rules: active ones (removed ones behind a filter), add, remove, try it."""
    return _page(request)


@require_POST
@rules_view
def add(request: HttpRequest) -> HttpResponse:
    """Add a rule or an exception (leads and admins); audited by the service."""
    actor = _actor(request)
    require(actor, MANAGE_RULES)
    form = AddRuleForm(request.POST)
    if not form.is_valid():
        return _page(request, add=form, status=422)
    data = form.cleaned_data
    try:
        rule = services.add_rule(
            term=data["term"],
            actor=actor,
            reason=data["reason"],
            match=MatchKind(data["match"]),
            effect=RuleEffect(data["effect"]),
            source=RuleSource.STAFF,
        )
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            raise
        _on_form(form, exc)
        return _page(request, add=form, status=exc.status)
    what = "Exception" if rule.effect == RuleEffect.ALLOW else "Rule"
    messages.success(request, f"{what} {rule.pk} in place: {rule.match} {rule.term!r}.")
    return redirect(f"{reverse('terms:rules')}#rule-{rule.pk}")


@require_http_methods(["GET", "POST"])
@rules_view
def remove(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Ask to confirm with a reason (GET), then remove the rule (POST); audited."""
    actor = _actor(request)
    require(actor, MANAGE_RULES)
    found = desk_reads.rule(actor=actor, rule_id=rule_id)
    if found is None or not found.active:
        raise NotFound("no_such_rule", f"There is no active rule {rule_id}.")
    form = RemoveRuleForm(request.POST if request.method == "POST" else None)
    context = {"line": words.rule_line(found), "form": form}
    if request.method == "GET":
        return render(request, "terms/remove.html", context)
    if not form.is_valid():
        return render(request, "terms/remove.html", context, status=422)
    try:
        services.remove_rule(rule_id=rule_id, actor=actor, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            raise
        _on_form(form, exc)
        return render(request, "terms/remove.html", context, status=exc.status)
    messages.success(request, f"Rule {rule_id} removed: {found.term!r} is no longer matched.")
    return redirect("terms:rules")


@require_POST
@rules_view
def try_it(request: HttpRequest) -> HttpResponse:
    """Check tags or a query against the active rules, as the platform's checks do (a POST:
    what is tried stays out of URLs and access logs)."""
    require(_actor(request), VIEW_RULES)
    form = TryForm(request.POST)
    if not form.is_valid():
        return _page(request, trial=form, status=422)
    data = form.cleaned_data
    if data["kind"] == "query":
        verdicts = [words.query_line(services.check_query(data["query"]))]
    else:
        verdicts = words.tag_lines(services.check_tags(data["tags"]))
    return _page(request, trial=form, verdicts=verdicts)
