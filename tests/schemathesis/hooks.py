"""Schemathesis hooks: what a real client does that generated data would not."""

import os
import re
import uuid

import schemathesis

VALID_KEY = re.compile(os.environ["MOMENTS_IDEMPOTENCY_KEY_PATTERN"])


@schemathesis.hook
def map_body(context, body):
    """A client makes a new idempotency key for each new request: a valid key stays valid but
    becomes unique, since one reused for another request is refused (422, by design)."""
    key = body.get("idempotency_key") if isinstance(body, dict) else None
    if isinstance(key, str) and VALID_KEY.search(key):
        return {**body, "idempotency_key": str(uuid.uuid4())}
    return body
