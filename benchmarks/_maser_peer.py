"""The peer's Liouvillian of the maser for the benchmarks (shared by maser.py and maser_steady.py).

Built from QuTiP ``Qobj`` operators, independently of ``qsynchro.equations.maser``: the
peer workflow whose time the benchmarks report.
"""

from __future__ import annotations

import numpy as np
import qutip

from qsynchro.models.maser import Maser


def qutip_liouvillian(m: Maser) -> qutip.Qobj:
    """Rotating-frame Liouvillian of Eq. 8 from Qobj operators (paper's factor-2 dissipator)."""
    D = m.D
    ket = [qutip.basis(D, n) for n in range(D)]
    Om = m.drive_frequency
    H = (m.omega_1 + Om / 2) * ket[1] * ket[1].dag()
    lam = m.lam_vector
    for j in range(2, D):
        H += (m.omega_2 - Om / 2) * ket[j] * ket[j].dag()
        H += lam[j - 2] * ket[1] * ket[j].dag() + np.conj(lam[j - 2]) * ket[j] * ket[1].dag()
    c = [
        np.sqrt(2 * m.Gamma_c1) * ket[0] * ket[1].dag(),
        np.sqrt(2 * m.Gamma_c2) * ket[1] * ket[0].dag(),
    ]
    for j in range(2, D):
        c += [
            np.sqrt(2 * m.Gamma_h1) * ket[0] * ket[j].dag(),
            np.sqrt(2 * m.Gamma_h2) * ket[j] * ket[0].dag(),
        ]
    return qutip.liouvillian(H, c)
