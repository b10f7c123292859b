"""Shieldwall's Python SDK: scan media, send events, register links, take actions, report,
check hashtags and searches, verify webhooks.

Published on its own; it depends on httpx only and imports nothing of the server.
"""

from __future__ import annotations

__version__ = "0.1.0"

from shieldwall_client import events
from shieldwall_client.client import Client
from shieldwall_client.errors import (
    ShieldwallError,
    ShieldwallUnavailable,
    WebhookSignatureError,
)
from shieldwall_client.events import Event
from shieldwall_client.models import (
    Ack,
    Action,
    ActionPage,
    AddResult,
    Bank,
    EventResult,
    EventsResult,
    FlowChoice,
    FlowField,
    FlowOption,
    FlowPosition,
    FlowStep,
    Frame,
    Hashes,
    HashRow,
    HashtagCheck,
    HelpLink,
    Interstitial,
    InvalidPath,
    Match,
    PlatformProfile,
    Report,
    ReportFlow,
    ScanResult,
    SearchCheck,
    Subject,
    TermRule,
)
from shieldwall_client.webhooks import verify_webhook

__all__ = [
    "Ack",
    "Action",
    "ActionPage",
    "AddResult",
    "Bank",
    "Client",
    "Event",
    "EventResult",
    "EventsResult",
    "FlowChoice",
    "FlowField",
    "FlowOption",
    "FlowPosition",
    "FlowStep",
    "Frame",
    "HashRow",
    "Hashes",
    "HashtagCheck",
    "HelpLink",
    "Interstitial",
    "InvalidPath",
    "Match",
    "PlatformProfile",
    "Report",
    "ReportFlow",
    "ScanResult",
    "SearchCheck",
    "ShieldwallError",
    "ShieldwallUnavailable",
    "Subject",
    "TermRule",
    "WebhookSignatureError",
    "__version__",
    "events",
    "verify_webhook",
]
