r"""Pseudo-arclength continuation of equilibria of a generic vector field (JAX autodiff).

The engine knows nothing about density matrices: it works on a real vector field

.. math::  \dot x = f(x, p), \qquad x \in \mathbb R^n,\ p \in \mathbb R^k,

given as a JAX-traceable ``f(x, p)`` (``p`` holds *all* parameters, named in
:attr:`System.parameters`; continuation varies one of them). Jacobians come from
``jax.jacfwd``.

**Continuous symmetries (relative equilibria).** A :class:`Symmetry` lists generators
:math:`T_k` (f is equivariant under :math:`x\mapsto e^{\theta T_k}x`) and linear phase
conditions :math:`c_k\cdot x = 0` (a *slice*). A relative equilibrium is a state that is
stationary in a frame moving along the group, :math:`f(x) = \sum_k\omega_k T_k x`, i.e. a
zero of :math:`F(x,\omega) = (f(x) - \sum_k \omega_k T_k x,\ C x)`. The engine eliminates
:math:`\omega` and the neutral directions exactly: on the slice it integrates the
*slice vector field*

.. math::  g(x) = f(x) - \sum_k \mu_k(x)\,T_k x,\qquad (C\,T x)\,\mu = C f(x),

(so that :math:`C g = 0`: the slice is invariant) written in orthonormal coordinates
:math:`y = Q^\top x` of the slice. Its zeros are the relative equilibria, with frequency
:math:`\omega = \mu(x)`, and its Jacobian has the spectrum of :math:`D_x f_\omega` with
the neutral phase eigenvalue removed (exactly: :math:`D g = (I - T x\,c^\top/c\cdot Tx)\,
D f_\omega` is the map induced on the quotient by :math:`\mathrm{span}(Tx)`). Periodic
orbits of :math:`g` are modulated relative equilibria (:mod:`.periodic`). Everything
downstream (continuation, bifurcations, two-parameter curves, periodic orbits) sees a
plain vector field :math:`F(y, p)` in :math:`n - m` dimensions.

**Continuation** (:mod:`.arclength`). Solutions of :math:`G(z) = 0`,
:math:`G:\mathbb R^{N+1}\to\mathbb R^N`, are followed by a tangent predictor and a Newton
corrector on the hyperplane orthogonal to the tangent (Keller's pseudo-arclength), with
step-size control from the number of Newton iterations and the turning angle. The same
core follows branches of equilibria (:math:`z = (y, p_i)`), fold and Hopf curves
(:mod:`.codim2`) and periodic orbits (:mod:`.periodic`). Events between two accepted
points are located by the Illinois method on a test function along the arclength.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro._checks import check_choice, check_finite, check_int, check_positive

__all__ = ["ContinuationSettings", "Kernels", "Symmetry", "System", "kernels"]


@dataclass(frozen=True, eq=False)
class Symmetry:
    """Continuous symmetry to factor out (neutral directions of relative equilibria).

    Args:
        generators: :math:`T_k`, shape (m, n, n) (or (n, n) for m = 1); f must be
            equivariant under :math:`e^{\\theta T_k}`.
        phase: phase conditions :math:`c_k`, shape (m, n) (or (n,)); the slice is
            :math:`C x = 0`. It must be transversal to the group orbit (``C T x`` invertible)
            at every state continued.
    """

    generators: np.ndarray
    phase: np.ndarray

    def __post_init__(self) -> None:
        T = np.asarray(check_finite("generators", self.generators), dtype=np.float64)
        C = np.asarray(check_finite("phase", self.phase), dtype=np.float64)
        T = T[None] if T.ndim == 2 else T
        C = C[None] if C.ndim == 1 else C
        if T.ndim != 3 or T.shape[1] != T.shape[2] or C.shape != T.shape[:2]:
            raise ValueError(
                "Arguments `generators` (m, n, n) and `phase` (m, n) must have matching shapes, "
                f"but got {T.shape} and {C.shape}."
            )
        if np.linalg.matrix_rank(C) != C.shape[0]:
            raise ValueError("Argument `phase` must have linearly independent rows.")
        object.__setattr__(self, "generators", T)
        object.__setattr__(self, "phase", C)

    @functools.cached_property
    def basis(self) -> np.ndarray:
        """Orthonormal basis Q of the slice ``C x = 0``, shape (n, n - m)."""
        _, _, vt = np.linalg.svd(self.phase)
        return vt[self.phase.shape[0] :].T.copy()


@dataclass(frozen=True, eq=False)
class System:
    """A real vector field ``f(x, p) -> dx/dt`` with named parameters.

    Args:
        f: JAX-traceable function of ``x`` (n,) and ``p`` (k,) returning (n,).
        parameters: the k parameter names, in the order of ``p``.
        n: state dimension.
        symmetry: optional :class:`Symmetry` (continue relative equilibria on its slice).
    """

    f: Callable[[Any, Any], Any]
    parameters: tuple[str, ...]
    n: int
    symmetry: Symmetry | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", tuple(self.parameters))
        check_int("n", self.n, minimum=1)
        if self.symmetry is not None and self.symmetry.generators.shape[1] != self.n:
            raise ValueError(
                f"Argument `symmetry` acts on dimension {self.symmetry.generators.shape[1]}, "
                f"but the system has n = {self.n}."
            )

    def index(self, name: str) -> int:
        """Position of parameter ``name`` in ``p`` (the message lists the valid names)."""
        return self.parameters.index(check_choice("parameter", name, self.parameters))

    @property
    def dim(self) -> int:
        """Dimension N of the (reduced) phase space continued."""
        return self.n - (0 if self.symmetry is None else self.symmetry.phase.shape[0])

    @property
    def aux(self) -> Any:
        """Arrays of the slice (Q, T, C) or None, passed to the compiled kernels."""
        s = self.symmetry
        return None if s is None else (s.basis, s.generators, s.phase)

    def reduce(self, x: np.ndarray) -> np.ndarray:
        """Full state (n,) on the slice -> coordinates y (N,)."""
        x = np.asarray(x, dtype=np.float64)
        return x if self.symmetry is None else x @ self.symmetry.basis

    def lift(self, y: np.ndarray) -> np.ndarray:
        """Coordinates y (..., N) -> full states x (..., n)."""
        y = np.asarray(y, dtype=np.float64)
        return y if self.symmetry is None else y @ self.symmetry.basis.T

    def params(self, values: Any) -> np.ndarray:
        """Parameter vector (k,) from a sequence or a mapping name -> value (all required)."""
        if isinstance(values, dict):
            missing = [n for n in self.parameters if n not in values]
            extra = [n for n in values if n not in self.parameters]
            if missing or extra:
                raise ValueError(
                    f"Argument `params` must give exactly {list(self.parameters)}, but "
                    f"{missing} are missing and {extra} are unknown."
                )
            values = [values[n] for n in self.parameters]
        p = np.asarray(check_finite("params", values), dtype=np.float64).reshape(-1)
        if p.shape != (len(self.parameters),):
            raise ValueError(
                f"Argument `params` must have {len(self.parameters)} entries "
                f"{list(self.parameters)}, but got shape {p.shape}."
            )
        return p


class Kernels:
    """Compiled field, Jacobian and residuals of one vector field (cached per ``f``)."""

    def __init__(self, f: Callable[[Any, Any], Any], m: int) -> None:
        def field(y: Any, p: Any, aux: Any) -> Any:
            if m == 0:
                return f(y, p)
            Q, T, C = aux
            x = Q @ y
            fx = f(x, p)
            Tx = T @ x  # (m, n)
            mu = jnp.linalg.solve(C @ Tx.T, C @ fx)
            return Q.T @ (fx - Tx.T @ mu)

        def frequency(y: Any, p: Any, aux: Any) -> Any:
            if m == 0:
                return jnp.zeros(0)
            Q, T, C = aux
            x = Q @ y
            Tx = T @ x
            return jnp.linalg.solve(C @ Tx.T, C @ f(x, p))

        def with_q(p: Any, idx: Any, q: Any) -> Any:
            # p with p[i] = q[0] and (if j != i) p[j] = q[1]; i, j = idx are traced
            r = jnp.arange(p.shape[0])
            ei = (r == idx[0]).astype(p.dtype)
            ej = ((r == idx[1]) & (idx[1] != idx[0])).astype(p.dtype)
            return p + ei * (q[0] - p[idx[0]]) + ej * (q[1] - p[idx[1]])

        def jac_q(y: Any, p: Any, aux: Any, idx: Any) -> tuple[Any, Any, Any]:
            q = p[idx]
            yq = jnp.concatenate([y, q])
            G = lambda u: field(u[:-2], with_q(p, idx, u[-2:]), aux)  # noqa: E731
            D = jax.jacfwd(G)(yq)
            return G(yq), D[:, :-2], D[:, -2:]

        def d_jac(y: Any, p: Any, aux: Any, idx: Any, L: Any, R: Any) -> Any:
            # rows k: gradient over (y, p_i, p_j) of L[k] . (D_y F) R[k]
            def s(u: Any, l: Any, r: Any) -> Any:
                pp = with_q(p, idx, u[-2:])
                return l @ jax.jvp(lambda yy: field(yy, pp, aux), (u[:-2],), (r,))[1]

            u = jnp.concatenate([y, p[idx]])
            return jax.vmap(jax.grad(s), in_axes=(None, 0, 0))(u, L, R)

        self.field = field
        self.F = jax.jit(field)
        self.J = jax.jit(jax.jacfwd(field))
        self.frequency = jax.jit(frequency)
        self.jac_q = jax.jit(jac_q)
        self.d_jac = jax.jit(d_jac)

    def eq_rj(self, z: np.ndarray, p: np.ndarray, aux: Any, i: int) -> tuple[Any, Any]:
        """F and its Jacobian over z = (y, p_i), shapes (N,) and (N, N+1)."""
        q = p.copy()
        q[i] = z[-1]
        F, Jy, Fq = self.jac_q(z[:-1], q, aux, np.array([i, i]))
        return np.asarray(F), np.concatenate([np.asarray(Jy), np.asarray(Fq)[:, :1]], 1)


@functools.lru_cache(maxsize=32)
def _kernels(f: Callable[[Any, Any], Any], m: int) -> Kernels:
    return Kernels(f, m)


def kernels(system: System) -> Kernels:
    """The compiled kernels of ``system`` (shared by systems with the same ``f``)."""
    m = 0 if system.symmetry is None else system.symmetry.phase.shape[0]
    return _kernels(system.f, m)


@dataclass(frozen=True)
class ContinuationSettings:
    """How to follow a branch (keyword-only settings of every continuation verb).

    Attributes:
        ds: initial arclength step.
        ds_min: smallest step; a step that fails below it ends the branch (status "failed").
        ds_max: largest step (also bounds how far apart events can be detected).
        max_steps: maximal number of accepted points (status "incomplete" beyond).
        tol: Newton tolerance on max |G|.
        max_newton: Newton iterations per corrector.
        max_angle: largest angle (rad) between consecutive tangents; larger steps are retried.
        locate_tol: arclength bracket at which an event's location stops (then polished).
        detect: detect and locate bifurcations.
    """

    ds: float = 0.01
    ds_min: float = 1e-8
    ds_max: float = 0.05
    max_steps: int = 2000
    tol: float = 1e-10
    max_newton: int = 8
    max_angle: float = 0.3
    locate_tol: float = 1e-11
    detect: bool = True

    def __post_init__(self) -> None:
        for name in ("ds", "ds_min", "ds_max", "tol", "max_angle", "locate_tol"):
            check_positive(name, getattr(self, name))
        check_int("max_steps", self.max_steps, minimum=1)
        check_int("max_newton", self.max_newton, minimum=1)
        if not self.ds_min <= self.ds <= self.ds_max:
            raise ValueError(
                "Settings must satisfy ds_min <= ds <= ds_max, but got "
                f"{self.ds_min}, {self.ds}, {self.ds_max}."
            )
