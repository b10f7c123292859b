"""HTTP edge of actions: the pull API for platforms that cannot receive webhooks."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from shieldwall.core.http import ApiRequest
from shieldwall.integrations import services
from shieldwall.integrations.schemas import (
    AckedActionOut,
    AckIn,
    ActionPageOut,
    acked_action_out,
    action_out,
)

router = Router(tags=["actions"])


class PageQuery(Schema):
    after: str | None = Field(default=None, max_length=40, description="a `next` cursor")
    limit: int = Field(default=100, ge=1, le=1000)


@router.get("", response=ActionPageOut, operation_id="list_actions")
def list_actions(request: ApiRequest, q: Query[PageQuery]) -> ActionPageOut:
    """Actions in creation order after the cursor; pass `next` back as `after`."""
    page = services.list_actions(actor=request.auth, after=q.after, limit=q.limit)
    return ActionPageOut(actions=[action_out(a) for a in page.actions], next=page.next)


@router.post("/{action_id}/ack", response=AckedActionOut, operation_id="ack_action")
def ack_action(request: ApiRequest, action_id: str, body: AckIn) -> AckedActionOut:
    """Record the platform's result for an action (the last ack wins)."""
    action = services.ack_action(
        action_id=action_id, status=body.status, detail=body.detail, actor=request.auth
    )
    return acked_action_out(action)
