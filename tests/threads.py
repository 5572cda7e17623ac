"""Running one function in several threads at once, for the tests of what threads share."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def errors_in_threads(
    target: Callable[..., Any], calls: Iterable[Sequence[Any]]
) -> list[BaseException]:
    """``target(*arguments)`` in a thread of its own for each ``arguments`` of ``calls``, every
    thread started before any is waited for; the errors they raised, in no order (an error in a
    thread does not fail a test by itself)."""
    errors: list[BaseException] = []

    def run(*arguments: Any) -> None:
        try:
            target(*arguments)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=tuple(arguments)) for arguments in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
