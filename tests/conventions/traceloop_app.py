"""An app instrumented with Traceloop's SDK (OpenLLMetry), run by `test_traceloop_sdk.py` in a
process of its own (`Traceloop.init` sets the global OpenTelemetry providers).

    python traceloop_app.py <tracehouse url> <secret key> <openai base url>

Prints the trace id of its workflow as JSON."""

from __future__ import annotations

import json
import sys

import openai
from opentelemetry import trace
from traceloop.sdk import Traceloop
from traceloop.sdk.decorators import workflow
from traceloop.sdk.instruments import Instruments


@workflow(name="support-workflow")
def run(openai_url: str) -> str:
    client = openai.OpenAI(base_url=openai_url, api_key="sk-test")
    messages = [{"role": "user", "content": "Capital of France?"}]
    client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
    return f"{trace.get_current_span().get_span_context().trace_id:032x}"


def main() -> None:
    url, secret, openai_url = sys.argv[1:4]
    Traceloop.init(
        app_name="traceloop-app",
        api_endpoint=url,
        headers={"Authorization": f"Bearer {secret}"},
        disable_batch=True,
        telemetry_enabled=False,
        instruments={Instruments.OPENAI},
    )
    Traceloop.set_association_properties(
        {"user_id": "tl-user", "session_id": "tl-session", "tier": "gold"}
    )
    trace_id = run(openai_url)
    print(json.dumps({"trace_id": trace_id}), flush=True)
    # the OTel SDK flushes spans and metrics at exit


if __name__ == "__main__":
    main()
