r"""The :class:`Adapter`: one mean-field network structure as a real vector field ``f(x, p)``.

Built by :mod:`qsynchro.solvers.continuation_network` (which holds the parameter names and
the model constructors, see its docstring) for the generic continuation engine
(:mod:`qsynchro.solvers.continuation`): the vector field on the trace-reduced real
coordinates, the U(1) symmetry and phase condition, and the observables of a state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from qsynchro.equations.meanfield import (
    MFParams,
    Structure,
    expand,
    expectation,
    from_real,
    params_from_model,
    prepare,
    reduce,
    rhs,
    rotate,
    structure,
)
from qsynchro.models.network import Network
from qsynchro.solvers.continuation import Symmetry, System

__all__ = ["Adapter"]


@dataclass(frozen=True, eq=False)
class Adapter:
    """One network structure for the continuation engine (see the module docstring).

    Attributes:
        key: "two_groups", "single_group" or "network-<hash>" (cache key of compiled code).
        oscillator: the oscillator of every group; G: number of groups.
        names: names of the entries of ``p`` (continuable names first, then hidden offsets
            of the aliases, which start with "_").
        mf: ``p -> MFParams`` (JAX). build: ``params dict -> Network``.
        u1_breaking: parameter names whose nonzero value breaks the U(1) symmetry.
        label: how error messages name the model.
    """

    key: str
    oscillator: Any
    G: int
    names: tuple[str, ...]
    mf: Callable[[Any], MFParams]
    build: Callable[[Mapping[str, float]], Network]
    u1_breaking: tuple[str, ...]
    label: str

    @property
    def public(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if not n.startswith("_"))

    @property
    def st(self) -> Structure:
        return structure(self.oscillator)

    @property
    def n_red(self) -> int:
        return self.st.n - 1

    def check_parameter(self, name: str) -> None:
        if name not in self.public:
            raise ValueError(
                f"Argument `parameter` must be one of {list(self.public)} for {self.label}, "
                f"but got {name!r}."
            )

    def u1(self, params: Mapping[str, float], varied: tuple[str, ...] = ()) -> bool:
        """True if locked states exist: no symmetry-breaking term is on or varied."""
        if np.any(np.isnan(self.oscillator.charges)):
            return False
        return all(params[k] == 0.0 and k not in varied for k in self.u1_breaking)

    @functools.cached_property
    def vector_field(self) -> Callable[[Any, Any], Any]:
        """``f(x, p)``: the mean-field equations on the reduced state x ((d^2-1) G,)."""
        G, st = self.G, self.st

        def f(x: Any, p: Any) -> Any:
            mp = self.mf(p)
            Y = self._from_x(x)
            return self._to_x(rhs(Y, prepare(mp, st), mp.Cr, mp.Ci, st))

        f.__qualname__ = f"vector_field[{self.key}, G={G}]"
        return f

    def _to_x(self, Y: Any) -> Any:
        """Full real coordinates (n, G) -> reduced flat x ((n-1) G,), coordinate-major."""
        return reduce(Y).reshape(-1)

    def _from_x(self, x: Any) -> Any:
        X = jnp.moveaxis(jnp.reshape(x, (*x.shape[:-1], self.n_red, self.G)), (-2, -1), (0, 1))
        return expand(X, self.st.d)

    def check(self, params: Mapping[str, float]) -> None:
        """Guard: the JAX parameter map equals ``params_from_model`` of the built Network."""
        ref = params_from_model(self.build(params), xp=np)
        got = self.mf(jnp.asarray([params[n] for n in self.names]))
        pairs = [(ref.coef, got.coef), (ref.Cr, got.Cr)]
        if ref.Ci is not None:
            pairs.append((ref.Ci, got.Ci))
        for a, b in pairs:
            if not np.allclose(np.asarray(a).reshape(-1), np.asarray(b).reshape(-1), atol=1e-14):
                raise RuntimeError(f"continuation adapter out of sync with {self.label}")

    def symmetry(self, ref: int) -> Symmetry:
        """U(1) generator T (d/dtheta of the phase rotation), phase condition Im <A>_ref = 0."""
        G, st = self.G, self.st
        n = self.n_red * G
        T = np.zeros((n, n))
        d = st.d
        for k, dq in enumerate(st.pair_charge):
            re, im = d + 2 * k - 1, d + 2 * k  # reduced coordinate indices (rho_00 dropped)
            for g in range(G):
                T[re * G + g, im * G + g] = dq
                T[im * G + g, re * G + g] = -dq
        c = np.zeros(n)
        for j, v in enumerate(st.a_im):
            if v != 0.0:
                c[(j - 1) * G + ref] = v
        return Symmetry(T, c)

    @functools.cache  # noqa: B019  (adapters are cached for the life of the process)
    def system(self, locked: bool, ref: int = 0) -> System:
        """Fixed points (``locked=False``, lab frame) or locked states (relative equilibria
        on the slice Im <A>_ref = 0)."""
        sym = self.symmetry(ref) if locked else None
        return System(self.vector_field, self.names, self.n_red * self.G, sym)

    def observables(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """<A> (..., G) complex and density matrices rho (..., G, d, d) of reduced states x."""
        x = np.asarray(x, dtype=np.float64)
        X = np.moveaxis(x.reshape(*x.shape[:-1], self.n_red, self.G), (-2, -1), (0, 1))
        Y = expand(X, self.st.d)  # (n, G, ...)
        sr, si = expectation(Y, self.st)
        rho = from_real(np.moveaxis(Y, 0, -1))  # (G, ..., d, d)
        return {
            "s_plus": np.moveaxis(np.asarray(sr + 1j * si), 0, -1),
            "rho": np.moveaxis(rho, 0, -3),
        }

    def rephase(self, x: np.ndarray, ref: int) -> np.ndarray:
        """Rotate the state x ((d^2-1) G,) by the U(1) phase that makes <A>_ref real > 0
        (moves a state onto the slice of reference group ``ref``)."""
        s = self.observables(x)["s_plus"]
        X = np.moveaxis(np.asarray(x, float).reshape(self.n_red, self.G), 0, 0)
        Y = expand(X, self.st.d)
        return np.asarray(self._to_x(rotate(Y, -np.angle(s[ref]), self.st)))

    def charge_one_sign(self, q: np.ndarray) -> float:
        """+1 if the complex mode q (A q = i w q) makes <A> rotate as exp(+i w t), else -1."""
        G = self.G

        def amp(v: np.ndarray) -> np.ndarray:  # <A> is linear in the coherences
            V = np.concatenate([np.zeros((1, G)), np.asarray(v).reshape(self.n_red, G)], 0)
            sr, si = expectation(V, self.st)
            return np.asarray(sr + 1j * si)

        s_re, s_im = amp(np.real(q)), amp(np.imag(q))
        plus = np.sum(np.abs(s_re + 1j * s_im) ** 2)  # coefficient of e^{+iwt}: s(q)
        minus = np.sum(np.abs(s_re - 1j * s_im) ** 2)  # coefficient of e^{-iwt}: s(conj q)
        return 1.0 if plus >= minus else -1.0


# ------------------------------------------------------------------ spin-1 dict models
