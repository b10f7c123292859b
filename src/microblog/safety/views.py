"""Shieldwall's signed webhook: verify, apply the action once by its id, and acknowledge.

The 2xx answer is the acknowledgement (docs/integration.md): `{"status": "applied" |
"ignored", "detail": ...}`. A redelivery is answered with what the first delivery did, so an
answer lost on the way is given again; Shieldwall keeps the first ack it reads.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from microblog.safety.actions import apply_action
from shieldwall_client import WebhookSignatureError, verify_webhook

log = logging.getLogger(__name__)


@csrf_exempt  # authenticated by its HMAC signature instead of a CSRF token
@require_POST
def shieldwall_hook(request: HttpRequest) -> JsonResponse:
    """Receive one action: 401 for a bad signature, 400 for a body that is not JSON."""
    secret = settings.SHIELDWALL_WEBHOOK_SECRET
    if not secret:
        return JsonResponse({"error": "webhooks are not configured here"}, status=503)
    try:
        json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    try:
        action = verify_webhook(request.body, request.headers, secret)
    except WebhookSignatureError as exc:
        log.warning("webhook refused: %s", exc.reason)
        if exc.reason.startswith("signed body is not an action"):
            return JsonResponse({"error": "the body is not an action"}, status=400)
        return JsonResponse({"error": "bad signature"}, status=401)
    outcome = apply_action(action, via="webhook")
    return JsonResponse(
        {"status": outcome.status, "detail": outcome.detail, "duplicate": outcome.duplicate}
    )
