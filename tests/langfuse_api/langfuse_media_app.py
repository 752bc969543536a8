"""An app using the real `langfuse` SDK's media support, configured only by environment (as
`langfuse_app.py`): a trace whose input holds image bytes and whose metadata holds an audio data
URI, plus a generation with OpenAI-style usage and list-valued model parameters. Run as a
separate process by the tests; prints the ids it made."""

from __future__ import annotations

import base64
import json
import sys

from langfuse import get_client
from langfuse.media import LangfuseMedia

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1d3a80000000049454e44ae426082"
)
WAV = b"RIFF" + bytes(range(256)) * 4


def main() -> None:
    client = get_client()
    if not client.auth_check():
        sys.exit("auth_check failed")
    audio = "data:audio/wav;base64," + base64.b64encode(WAV).decode()
    with client.start_as_current_observation(
        name="describe-image",
        input={
            "question": "what is this?",
            "image": LangfuseMedia(content_bytes=PNG, content_type="image/png"),
        },
        metadata={"context": {"recording": audio}},
    ) as root:
        with root.start_as_current_observation(
            name="vision-call",
            as_type="generation",
            model="gpt-4o-mini",
            model_parameters={
                "temperature": 0.7,
                "max_tokens": "100",
                "stop": ["user-1", "user-2"],
            },
            usage_details={"prompt_tokens": 10, "completion_tokens": 20},
        ) as generation:
            generation.update(output="a single pixel")
        ids = {"trace": root.trace_id, "root": root.id, "generation": generation.id}
    client.flush()
    print(json.dumps({**ids, "audio": audio, "png": base64.b64encode(PNG).decode()}))


if __name__ == "__main__":
    main()
