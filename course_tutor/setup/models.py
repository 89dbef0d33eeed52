"""The model side of set-up: where the OpenAI-compatible server is, whether
it answers, and which models it offers."""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from course_tutor.canvas.address import is_loopback_host

OPENAI = "OpenAI"
OPENAI_KEYS_PAGE = "https://platform.openai.com/api-keys"

_TIMEOUT = 15.0  # seconds for the server to list its models


class ModelCheckError(Exception):
    """The model server cannot be used; ``fix`` says what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class ModelServer:
    base_url: str | None
    """None for OpenAI itself."""
    api_key: str | None

    def __repr__(self) -> str:
        return f"ModelServer(base_url={self.base_url!r})"

    @property
    def where(self) -> str:
        return self.base_url or OPENAI


def normalize_model_url(text: str) -> str:
    """A server address as typed (`localhost:11434`) made usable
    (`http://localhost:11434/v1`): a scheme is added (http for this computer,
    https otherwise), a trailing slash dropped, and `/v1` added when there is
    no path, since every common OpenAI-compatible server serves it there."""
    typed = text.strip()
    if "://" not in typed:
        host = typed.split("/", 1)[0].rsplit(":", 1)[0]
        scheme = "http" if is_loopback_host(host) else "https"
        typed = f"{scheme}://{typed}"
    try:
        url = httpx2.URL(typed)
    except httpx2.InvalidURL:
        raise ValueError(_not_an_address(text)) from None
    if url.scheme not in ("http", "https") or not url.host or url.userinfo:
        raise ValueError(_not_an_address(text))
    path = url.path.rstrip("/") or "/v1"
    port = f":{url.port}" if url.port else ""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}{port}{path}"


async def available_models(server: ModelServer) -> list[str]:
    """The ids of the models the server offers; ModelCheckError if it cannot
    be asked."""
    import openai

    if server.base_url is None and not server.api_key:
        raise ModelCheckError(
            "No model is set up: no OpenAI API key and no server address.",
            "Run `course-tutor init`, or set OPENAI_API_KEY (or OPENAI_BASE_URL "
            "for a server of your own, such as Ollama).",
        )
    client = openai.AsyncOpenAI(
        # Local servers accept any key; the SDK insists on having one.
        api_key=server.api_key or "not-needed",
        base_url=server.base_url,
        max_retries=0,
        timeout=_TIMEOUT,
    )
    try:
        async with client:
            page = await client.models.list()
            return sorted(model.id for model in page.data)
    except openai.AuthenticationError:
        raise _refused_key(server) from None
    except openai.PermissionDeniedError:
        raise _refused_key(server) from None
    except openai.NotFoundError:
        raise ModelCheckError(
            f"{server.where} answered, but has no list of models there.",
            "Check the address: OpenAI-compatible servers usually end in /v1, "
            "such as http://localhost:11434/v1 for Ollama.",
        ) from None
    except openai.APIConnectionError:
        raise ModelCheckError(
            f"Could not reach the model server at {server.where}.",
            _start_server_hint(server),
        ) from None
    except openai.APIStatusError as error:
        raise ModelCheckError(
            f"{server.where} answered HTTP {error.status_code} when asked for its "
            "models.",
            "Try again later; if it keeps happening, check the server.",
        ) from None


def missing_model_fix(server: ModelServer, model: str, offered: list[str]) -> str:
    """What to do when ``model`` is not among those ``offered``."""
    some = ", ".join(offered[:8]) + (", …" if len(offered) > 8 else "")
    choose = (
        f"Choose one it offers ({some}) with `course-tutor init` or COURSE_TUTOR_MODEL"
        if offered
        else "The server offers no models yet"
    )
    if server.base_url and "11434" in server.base_url:
        return f"{choose}, or download it: `ollama pull {model}`."
    return f"{choose}."


def _refused_key(server: ModelServer) -> ModelCheckError:
    if server.base_url is None:
        fix = (
            f"Make a new key at {OPENAI_KEYS_PAGE}, then run `course-tutor init` "
            "or set OPENAI_API_KEY."
        )
    else:
        fix = "Check the server's API key (`course-tutor init`, or OPENAI_API_KEY)."
    return ModelCheckError(f"{server.where} did not accept the API key.", fix)


def _start_server_hint(server: ModelServer) -> str:
    if server.base_url is None:
        return "Check your internet connection."
    if "11434" in server.base_url:
        return "Start Ollama (`ollama serve`), or check the address."
    return "Start the server, or check the address (`course-tutor init`)."


def _not_an_address(text: str) -> str:
    return (
        f"{text.strip()[:100]!r} is not a server address. Enter something like "
        "http://localhost:11434/v1, or press Enter for OpenAI."
    )
