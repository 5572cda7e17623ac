"""Round trips between Django and PostgreSQL, counted on the wire.

``CountingProxy`` is a TCP proxy on 127.0.0.1 in front of the suite's PostgreSQL. It forwards
every byte unchanged and counts the round trips: each time the server answers after the client
has sent something since the server last spoke. Statements sent together (psycopg's pipeline
mode) and answered together are one round trip; a statement sent alone and awaited is one.

``proxied_connection`` gives a Django connection of its own that reaches the test database
through such a proxy, outside the test's transaction.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator
from typing import Any

from django.db import connections


class CountingProxy:
    """Forwards one client connection at a time to ``(host, port)`` and counts round trips."""

    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._round_trips = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def round_trips(self) -> int:
        with self._lock:
            return self._round_trips

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with client, socket.create_connection(self._upstream) as server:
                self._pump(client, server)

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        chooser = selectors.DefaultSelector()
        chooser.register(client, selectors.EVENT_READ, server)
        chooser.register(server, selectors.EVENT_READ, client)
        client_spoke_last = False
        while not self._stop.is_set():
            for key, _events in chooser.select(timeout=0.1):
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                data = source.recv(65536)
                if not data:
                    chooser.close()
                    return
                # Counted before the answer is passed on: once the client has it, the count
                # it reads includes it.
                if source is client:
                    client_spoke_last = True
                elif client_spoke_last:
                    client_spoke_last = False
                    with self._lock:
                        self._round_trips += 1
                key.data.sendall(data)
        chooser.close()


@contextlib.contextmanager
def proxied_connection(
    alias: str = "roundtrips", **options: Any
) -> Iterator[tuple[Any, CountingProxy]]:
    """A Django connection to the test database through a ``CountingProxy``: the default's
    settings, ``options`` merged into its ``OPTIONS``, under ``alias`` in this thread for the
    block. As ``default`` it stands in for the default connection (the test's own comes back
    after): the block's work is then outside the test's transaction, so such a test must
    empty the database after itself (``django_db(transaction=True)``)."""
    original = connections[alias] if alias == "default" else None
    settings = connections["default"].settings_dict
    proxy = CountingProxy(settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))
    wrapper = type(connections["default"])(
        {
            **settings,
            "HOST": "127.0.0.1",
            "PORT": str(proxy.port),
            "OPTIONS": {**settings["OPTIONS"], **options},
        },
        alias,
    )
    connections[alias] = wrapper
    try:
        wrapper.ensure_connection()
        yield wrapper, proxy
    finally:
        wrapper.close()
        if original is not None:
            connections[alias] = original
        else:
            del connections[alias]
        proxy.close()
