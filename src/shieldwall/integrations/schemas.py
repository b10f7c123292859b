"""Request and response shapes of the actions endpoints (the contract's action JSON)."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field

from shieldwall.integrations.models import AckStatus, Action
from shieldwall.integrations.services import action_payload, format_time

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class SubjectOut(Schema):
    type: str
    id: str


class ActionOut(Schema):
    id: str
    kind: str
    subject: SubjectOut
    reason: str
    note: str
    created_at: Timestamp


class ActionPageOut(Schema):
    actions: list[ActionOut]
    next: str = Field(description="pass back as `after` to continue after this page")


class AckIn(Schema):
    status: AckStatus
    detail: str = Field(default="", max_length=1000)


class AckOut(Schema):
    status: str
    detail: str
    acked_at: Timestamp


class AckedActionOut(ActionOut):
    ack: AckOut | None


def action_out(action: Action) -> ActionOut:
    """The response form of an action: exactly the webhook body's fields."""
    return ActionOut.model_validate(action_payload(action))


def acked_action_out(action: Action) -> AckedActionOut:
    """An action with the platform's last acknowledgement."""
    ack = None
    if action.acked_at is not None:
        ack = AckOut(
            status=action.ack_status,
            detail=action.ack_detail,
            acked_at=format_time(action.acked_at),
        )
    return AckedActionOut.model_validate({**action_payload(action), "ack": ack})
