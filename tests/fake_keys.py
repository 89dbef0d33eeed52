"""Made-up API keys for tests, shaped like real ones so the filters and scans
that look for `sk-…` are exercised. They are assembled here rather than
written out, so that no file in the repository looks like it holds a live
key to a secret scanner."""


def openai_key(body: str) -> str:
    """A fake OpenAI-style key: `sk-` followed by `body`."""
    return "sk-" + body
