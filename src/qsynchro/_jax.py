"""Scoped JAX precision.

The package never changes global JAX settings on import. Public functions that
run JAX code wrap their body in :func:`x64`, a *scoped* ``jax.enable_x64(True)``
context, so results are float64 whatever the caller's global setting is.
The CLI and the test-suite additionally enable x64 globally.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def x64() -> Iterator[None]:
    """Run the enclosed JAX code in float64/complex128 (thread-local, restored on exit)."""
    import jax

    with jax.enable_x64(True):
        yield
