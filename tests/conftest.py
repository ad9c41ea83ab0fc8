"""Test configuration: float64 everywhere (the tests, not the library, set this)."""

import jax

jax.config.update("jax_enable_x64", True)
