r"""Bifurcations of equilibria: minimally augmented systems and the first Lyapunov coefficient.

**Fold** (saddle-node): the Jacobian :math:`A = D_yF` is singular. Minimally augmented
system (Govaerts): with bordering vectors :math:`v \approx \ker A`, :math:`w\approx
\ker A^\top`, solve

.. math::  \begin{pmatrix} A & w\\ v^\top & 0\end{pmatrix}
           \begin{pmatrix} r\\ g\end{pmatrix} = \begin{pmatrix}0\\1\end{pmatrix},

then :math:`(F(y,p), g(y,p)) = 0` is a regular square system at a fold in
:math:`(y, p_i)`; adding a second parameter :math:`p_j` gives the fold curve.

**Hopf**: :math:`A` has eigenvalues :math:`\pm i\omega`. The complex bordered system with
:math:`A - i\omega I` gives a complex :math:`g`; :math:`(F, \mathrm{Re}\,g,
\mathrm{Im}\,g) = 0` in :math:`(y, p_i, \omega)` is regular at a Hopf point.

Derivatives of :math:`g` (and all multilinear forms) come from JAX autodiff through the
bordered solve, so no Hessian is written by hand.

**First Lyapunov coefficient** (Kuznetsov, *Elements of Applied Bifurcation Theory*,
Eq. 3.20): with :math:`Aq = i\omega q`, :math:`A^\top p = -i\omega p`,
:math:`\langle q, q\rangle = \langle p, q\rangle = 1` (:math:`\langle a,b\rangle =
\bar a^\top b`) and the multilinear forms :math:`B(u,v) = D^2F[u,v]`,
:math:`C(u,v,w) = D^3F[u,v,w]`,

.. math:: l_1 = \frac{1}{2\omega}\,\mathrm{Re}\Big[\langle p, C(q,q,\bar q)\rangle
     - 2\langle p, B(q, A^{-1}B(q,\bar q))\rangle
     + \langle p, B(\bar q, (2i\omega I - A)^{-1}B(q,q))\rangle\Big].

:math:`l_1 < 0`: supercritical (a stable cycle of amplitude :math:`\propto\sqrt{|p-p_H|}`
is born on the unstable side); :math:`l_1 > 0`: subcritical. For the normal form
:math:`\dot z = (\mu + i\omega)z + c\,z|z|^2`, :math:`l_1 = \mathrm{Re}\,c/\omega`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from qsynchro.solvers.continuation import ContinuationSettings, Kernels

__all__ = [
    "Bifurcation",
    "borders",
    "first_lyapunov",
    "fold_coefficient",
    "newton_square",
    "special_kernels",
]


@dataclass(frozen=True)
class Bifurcation:
    """A located bifurcation point.

    Attributes:
        kind: "fold", "hopf", "branch_point" (equilibria); "cycle_fold", "period_doubling",
            "neimark_sacker" (periodic orbits); "bogdanov_takens", "cusp", "bautin",
            "zero_hopf" (codimension two, on a fold or Hopf curve).
        parameter: name of the continued parameter.
        value: its value at the point.
        state: full state x (n,) (for periodic orbits: a point on the cycle).
        frequency: Hopf: imaginary part of the critical eigenvalue (> 0); Neimark-Sacker:
            the angle of the critical multiplier; NaN otherwise.
        l1: first Lyapunov coefficient at a Hopf point (NaN otherwise).
        eigenvalues: spectrum (or Floquet multipliers) at the point, neutral modes removed.
        residual: max residual of the defining system after location.
        other: other parameter values (two-parameter curves) and kind-specific numbers.
    """

    kind: str
    parameter: str
    value: float
    state: np.ndarray
    frequency: float = float("nan")
    l1: float = float("nan")
    eigenvalues: np.ndarray = field(default_factory=lambda: np.zeros(0, complex))
    residual: float = float("nan")
    other: dict[str, Any] = field(default_factory=dict)

    @property
    def criticality(self) -> str:
        """For Hopf points: "supercritical" (l1 < 0), "subcritical" (l1 > 0) or ""."""
        if self.kind != "hopf" or not np.isfinite(self.l1):
            return ""
        return "supercritical" if self.l1 < 0 else "subcritical"

    def __repr__(self) -> str:
        extra = ""
        if np.isfinite(self.frequency):
            extra += f", frequency={self.frequency:.6g}"
        if np.isfinite(self.l1):
            extra += f", l1={self.l1:.4g} ({self.criticality})"
        for k, v in self.other.items():
            if isinstance(v, float):
                extra += f", {k}={v:.10g}"
        return f"Bifurcation({self.kind!r}, {self.parameter}={self.value:.10g}{extra})"


# --------------------------------------------------------------------------------------
# compiled minimally augmented systems (fold and Hopf), cached per field
# --------------------------------------------------------------------------------------
class _Special:
    r"""Fold and Hopf systems with Govaerts' derivative of g (no autodiff through solves).

    Differentiating the bordered system gives :math:`\partial g/\partial z_k =
    -l^\top (\partial A/\partial z_k)\, r` with :math:`M(r; g) = e` and
    :math:`M^\top(l; h) = e`; the contractions :math:`l^\top (\partial_z D_yF) r` are
    gradients of a scalar from JAX (``Kernels.d_jac``), the bordered solves are NumPy.
    """

    def __init__(self, k: Kernels) -> None:
        self.k = k
        field_ = k.field

        def B(y: Any, p: Any, aux: Any, u: Any, v: Any) -> Any:
            inner = lambda yy: jax.jvp(lambda x: field_(x, p, aux), (yy,), (u,))[1]  # noqa: E731
            return jax.jvp(inner, (y,), (v,))[1]

        def C(y: Any, p: Any, aux: Any, u: Any, v: Any, w: Any) -> Any:
            return jax.jvp(lambda yy: B(yy, p, aux, u, v), (y,), (w,))[1]

        self.B = jax.jit(B)
        self.C = jax.jit(C)

    def _first(self, z: np.ndarray, p: np.ndarray, aux: Any, i: int, j: int, tail: int) -> Any:
        n = z.shape[0] - tail
        idx = np.array([i, j if j >= 0 else i])
        q = p.copy()
        q[idx[1]] = z[-1]
        q[i] = z[n]
        F, Jy, Fq = (np.asarray(a) for a in self.k.jac_q(z[:n], q, aux, idx))
        return n, idx, q, F, Jy, Fq

    def fold(self, z: np.ndarray, p: np.ndarray, aux: Any, i: int, j: int, v: Any, w: Any) -> Any:
        """G = (F, g) and DG over z = (y, p_i, p_j) (j < 0: the last entry is a dummy)."""
        n, idx, q, F, A, Fq = self._first(z, p, aux, i, j, 2)
        M = np.block([[A, w[:, None]], [v[None, :], np.zeros((1, 1))]])
        e = np.zeros(n + 1)
        e[n] = 1.0
        rg = np.linalg.solve(M, e)
        l = np.linalg.solve(M.T, e)[:n]
        pad = np.zeros((3, n))
        dg = -np.asarray(
            self.k.d_jac(z[:n], q, aux, idx, np.vstack([l, pad]), np.vstack([rg[:n], pad]))
        )[0]
        G = np.append(F, rg[n])
        DG = np.vstack([np.hstack([A, Fq]), dg[None, :]])
        return G, DG

    def hopf(self, z: np.ndarray, p: np.ndarray, aux: Any, i: int, j: int, v: Any, w: Any) -> Any:
        """G = (F, Re g, Im g) and DG over z = (y, p_i, omega, p_j)."""
        om = z[-2]
        zz = np.delete(z, -2)
        n, idx, q, F, A, Fq = self._first(zz, p, aux, i, j, 2)
        M = np.block([[A - 1j * om * np.eye(n), w[:, None]], [v.conj()[None, :], np.zeros((1, 1))]])
        e = np.zeros(n + 1, complex)
        e[n] = 1.0
        rg = np.linalg.solve(M, e)
        r, g = rg[:n], rg[n]
        l = np.linalg.solve(M.T, e)[:n]
        L = np.vstack([l.real, l.imag, l.real, l.imag])
        R = np.vstack([r.real, r.imag, r.imag, r.real])
        c = np.asarray(self.k.d_jac(z[:n], q, aux, idx, L, R))  # (4, n + 2)
        dg = -((c[0] - c[1]) + 1j * (c[2] + c[3]))  # -l^T dA r
        dg_om = 1j * (l @ r)  # d(A - i om)/d om = -i
        dg = np.concatenate([dg[: n + 1], [dg_om], dg[n + 1 :]])
        G = np.concatenate([F, [g.real, g.imag]])
        top = np.hstack([A, Fq[:, :1], np.zeros((n, 1)), Fq[:, 1:]])
        DG = np.vstack([top, dg.real[None, :], dg.imag[None, :]])
        return G, DG


@functools.lru_cache(maxsize=32)
def special_kernels(k: Kernels) -> _Special:
    """Fold/Hopf systems and multilinear forms of a field (cached)."""
    return _Special(k)


def borders(A: np.ndarray, omega: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Right and left (approximate) null vectors of ``A - i omega I`` (unit norm), via SVD.

    Returns ``(v, w)``: ``(A - i omega) v ~ 0`` and ``(A - i omega)^H w ~ 0``.
    """
    M = A - 1j * omega * np.eye(A.shape[0]) if omega else A
    u, _, vh = np.linalg.svd(M)
    v, w = vh[-1].conj(), u[:, -1]
    if not omega:
        v, w = v.real, w.real
    return v, w


def newton_square(
    rj: Any, z: np.ndarray, settings: ContinuationSettings, drop_last: bool = True
) -> tuple[np.ndarray, float, bool]:
    """Newton on a square system (the last column of DG dropped when ``drop_last``)."""
    z = z.copy()
    res = np.inf
    for _ in range(2 * settings.max_newton):
        G, DG = rj(z)
        res = float(np.max(np.abs(G)))
        if not np.isfinite(res):
            return z, res, False
        A = DG[:, :-1] if drop_last else DG
        try:
            dz = np.linalg.solve(A, G)
        except np.linalg.LinAlgError:
            return z, res, False
        if drop_last:
            z[:-1] -= dz
        else:
            z -= dz
        if res < settings.tol and np.max(np.abs(dz)) < 1e-9 * (1 + np.max(np.abs(z))):
            return z, float(np.max(np.abs(rj(z)[0]))), True
    G, _ = rj(z)
    res = float(np.max(np.abs(G)))
    return z, res, res < settings.tol


def _complex_form(form: Any, *vecs: np.ndarray) -> np.ndarray:
    """Evaluate a real multilinear form on complex vectors by expanding Re/Im parts."""
    out = 0j
    k = len(vecs)
    for mask in range(2**k):
        parts, factor = [], 1 + 0j
        for b, v in enumerate(vecs):
            if mask >> b & 1:
                parts.append(np.ascontiguousarray(v.imag))
                factor *= 1j
            else:
                parts.append(np.ascontiguousarray(v.real))
        if factor != 0 and all(np.any(q) for q in parts):
            out = out + factor * np.asarray(form(*parts))
    return np.asarray(out) if not np.isscalar(out) else np.zeros(vecs[0].shape, complex)


def first_lyapunov(
    k: Kernels, y: np.ndarray, p: np.ndarray, aux: Any, omega: float
) -> tuple[float, np.ndarray]:
    """First Lyapunov coefficient l1 at a Hopf point (Kuznetsov Eq. 3.20, module doc).

    Args:
        k: kernels of the field. y: state (N,). p: parameters. aux: slice arrays.
        omega: Hopf frequency (> 0).

    Returns:
        ``(l1, q)`` with q the critical eigenvector (A q = i omega q, <q, q> = 1).
    """
    s = special_kernels(k)
    A = np.asarray(k.J(y, p, aux))
    q, _ = borders(A, omega)
    pv, _ = borders(A.T, -omega)  # A^T p = -i omega p
    pv = pv / np.conj(np.vdot(pv, q))  # <p, q> = 1

    def B(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return _complex_form(lambda a, b: s.B(y, p, aux, a, b), u, v)

    def C(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        return _complex_form(lambda a, b, c: s.C(y, p, aux, a, b, c), u, v, w)

    n = A.shape[0]
    try:
        h11 = np.linalg.solve(A, B(q, q.conj()))
        h20 = np.linalg.solve(2j * omega * np.eye(n) - A, B(q, q))
    except np.linalg.LinAlgError:  # at a Bogdanov-Takens point (omega -> 0) l1 is undefined
        return float("nan"), q
    val = (
        np.vdot(pv, C(q, q, q.conj()))
        - 2.0 * np.vdot(pv, B(q, h11))
        + np.vdot(pv, B(q.conj(), h20))
    )
    return float(val.real / (2.0 * omega)), q


def fold_coefficient(k: Kernels, y: np.ndarray, p: np.ndarray, aux: Any) -> tuple[float, float]:
    """Fold normal-form coefficient a = <p, B(q, q)>/2 and the BT test <p, q>.

    q, p: unit right/left null vectors of A (q oriented so that its largest entry is
    positive). a changes sign at a cusp; <p, q> vanishes at a Bogdanov-Takens point, where
    the null vectors of a Jordan block are orthogonal. Here p is normalized to unit length
    for the BT test and a uses p / <p, q>.
    """
    s = special_kernels(k)
    A = np.asarray(k.J(y, p, aux))
    q, pl = borders(A)
    q = q * np.sign(q[np.argmax(np.abs(q))])
    pl = pl * np.sign(pl @ q) if pl @ q != 0 else pl
    pq = float(pl @ q)
    a = 0.5 * float(pl @ np.asarray(s.B(y, p, aux, q, q))) / pq if pq else np.inf
    return a, pq
