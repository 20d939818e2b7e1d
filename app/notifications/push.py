"""Web Push (RFC 8030, payloads encrypted per RFC 8291, VAPID per RFC 8292) through
pywebpush. The payload is JSON the service worker shows: a title, a body, the page to open
and a tag; never a name, an answer or anything typed."""

from __future__ import annotations

import json

import requests
from pywebpush import WebPushException, webpush

from app.notifications.errors import Gone, Permanent, Transient
from app.notifications.messages import Message

TIMEOUT_SECONDS = 10
# A push service keeps an undelivered message this long while the phone is off.
TTL_SECONDS = 24 * 3600


def payload(message: Message, tag: str) -> str:
    return json.dumps(
        {"title": message.push_title, "body": message.push_body, "url": message.link, "tag": tag},
        ensure_ascii=False,
    )


def send(subscription: dict, data: str, settings, *, urgent: bool, topic: str) -> None:
    """Deliver one payload to one subscription; raises Transient, Permanent or Gone."""
    alerts = settings.alerts
    try:
        webpush(
            subscription_info=subscription,
            data=data,
            vapid_private_key=alerts.vapid_private_key,
            vapid_claims={"sub": alerts.vapid_subject},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            # A later message with the same topic replaces one still waiting at the push
            # service: a message sent twice reaches the phone once.
            headers={"Urgency": "high" if urgent else "normal", "Topic": topic},
        )
    except WebPushException as failure:
        status = failure.status_code
        if status in (404, 410):
            raise Gone(f"push {status}") from None
        if status is None or status == 429 or status >= 500:
            raise Transient(f"push {status}") from None
        raise Permanent(f"push {status}") from None
    except requests.Timeout:
        raise Transient("push timeout") from None
    except requests.RequestException as failure:
        raise Transient(f"push {type(failure).__name__}"[:80]) from None
    except (ValueError, TypeError):
        # A subscription whose keys do not decode cannot be repaired by waiting.
        raise Permanent("push bad subscription") from None
