import socket

import pytest

from tests.conftest import NetworkBlocked


def test_non_loopback_connect_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect(("93.184.216.34", 443))


def test_loopback_connect_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())


async def test_async_clients_are_guarded_too() -> None:
    import httpx2

    async with httpx2.AsyncClient() as client:
        with pytest.raises(BaseException) as caught:  # noqa: PT011 (a group)
            await client.get("http://93.184.216.34/")
    assert _contains(caught.value, NetworkBlocked)


def _contains(error: BaseException, kind: type[BaseException]) -> bool:
    """True when `kind` is the error, its cause, or inside its groups."""
    if isinstance(error, kind):
        return True
    inner = list(getattr(error, "exceptions", ()))
    inner += [e for e in (error.__cause__, error.__context__) if e is not None]
    return any(_contains(e, kind) for e in inner)
