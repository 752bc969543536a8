"""What a notification says: one JSON message per state change (or test), and the readable
forms channels send (Slack text, e-mail subject and body, PagerDuty event)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tracehouse.clock import iso

UNITS = {
    "error_rate": "%",
    "latency_p50": " ms",
    "latency_p95": " ms",
    "latency_p99": " ms",
    "score_share": "%",
}


def traces_link(base_url: str, project_id: str, rule: Any, span: tuple[int, int]) -> str:
    """The trace list filtered as the rule watches, over the evaluated window."""
    params: dict[str, Any] = {k: v for k, v in rule["filter"].items() if v and k != "tags"}
    params["from"], params["to"] = iso(span[0]), iso(span[1])
    query = urlencode(params) + "".join(f"&tags={t}" for t in rule["filter"].get("tags", []))
    return f"{base_url.rstrip('/')}/ui/p/{project_id}/traces?{query}"


def figure(rule: Any, value: float | None) -> str:
    """The value as people read it: `12.5%`, `$0.42`, `830 ms`, `+40%` for a change."""
    if value is None:
        return "no data"
    if rule["mode"] == "change":
        return f"{value:+.1f}%"
    if rule["metric"] == "cost":
        return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return text + UNITS.get(rule["metric"], "")


def build(
    rule: Any, project_id: str, change: tuple[str, str], value: float | None, link: str
) -> dict[str, Any]:
    """The message of a state change `change` = (from, to)."""
    before, after = change
    kind = "alert.resolved" if after == "ok" else "alert.firing"
    threshold = rule[after] if after in ("warning", "critical") else None
    return {
        "type": kind,
        "project_id": project_id,
        "rule": {"id": rule["id"], "name": rule["name"], "metric": rule["metric"]},
        "state": after,
        "previous_state": before,
        "value": value,
        "threshold": threshold,
        "summary": summary(rule, after, value, threshold),
        "url": link,
    }


def test_message(project_id: str, channel_name: str, link: str) -> dict[str, Any]:
    return {
        "type": "alert.test",
        "project_id": project_id,
        "rule": None,
        "state": "ok",
        "previous_state": "ok",
        "value": None,
        "threshold": None,
        "summary": f"Test notification from Tracehouse to channel {channel_name!r}.",
        "url": link,
    }


def summary(rule: Any, state: str, value: float | None, threshold: float | None) -> str:
    watched = rule["metric"].replace("_", " ")
    if rule["metric"].startswith("score_"):
        watched += f" of {rule['score_name']!r}"
    if state == "ok":
        return f"Resolved: {rule['name']} — {watched} is {figure(rule, value)}."
    limit = f" ({rule['comparison']} {figure(rule, threshold)})" if threshold is not None else ""
    return f"{state.upper()}: {rule['name']} — {watched} is {figure(rule, value)}{limit}."


def slack_body(message: dict[str, Any]) -> dict[str, Any]:
    text = f"{message['summary']} <{message['url']}|View traces>"
    return {
        "text": message["summary"],
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def pagerduty_body(message: dict[str, Any], routing_key: str) -> dict[str, Any]:
    rule = message["rule"] or {"id": "test"}
    return {
        "routing_key": routing_key,
        "event_action": "resolve" if message["type"] == "alert.resolved" else "trigger",
        "dedup_key": f"tracehouse-{rule['id']}",
        "payload": {
            "summary": message["summary"][:1024],
            "source": "tracehouse",
            "severity": message["state"] if message["state"] != "ok" else "info",
            "custom_details": {"value": message["value"], "threshold": message["threshold"]},
        },
        "links": [{"href": message["url"], "text": "Traces"}],
    }


def email_text(message: dict[str, Any]) -> tuple[str, str]:
    """(subject, plain-text body)."""
    subject = f"[Tracehouse] {message['summary']}"[:200]
    body = f"{message['summary']}\n\nTraces: {message['url']}\n"
    return subject, body
