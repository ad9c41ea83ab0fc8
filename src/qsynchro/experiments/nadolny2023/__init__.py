r"""Figures 2-4 of T. Nadolny and C. Bruder, PRL 131, 190402 (2023).

Every panel is a declared :class:`~qsynchro.sweeps.grid.Sweep` over a registered kernel
(``"network"`` for the mean-field Eq. 2, ``"driven"`` for the single driven oscillator of
Fig. 2(d)) run by :func:`qsynchro.experiments.runner.run_sweep`: one code path for figures,
the CLI and user sweeps. Units: :math:`\gamma_- = 1` (rates, couplings, detunings and
frequencies in units of :math:`\gamma_-`, times in :math:`1/\gamma_-`).

The choices the paper leaves open (axis ranges, averaging windows, the two-group order
parameter, the drive of Fig. 2(d)) are documented in ``docs/nadolny2023.md`` and written
into the ``choices`` and ``settings`` attributes of every NetCDF file, next to the sweep
engine's provenance attributes (package version, full sweep declaration, fingerprint).

Files: ``DIR/nadolny2023-fig2a.nc`` ... ``-fig2d.nc`` and ``DIR/nadolny2023-fig2.png``;
``-fig3a..d.nc`` and ``-fig3.png``; ``-fig4a..c.nc`` and ``-fig4.png``. Resumable chunk
stores live in ``DIR/.sweeps/<panel>-<fingerprint>/`` while a figure computes and are
removed when it is complete.
"""

from __future__ import annotations

from qsynchro.experiments.nadolny2023._common import FIG2_V, K_RELATIVE
from qsynchro.experiments.nadolny2023.declare import sweeps
from qsynchro.experiments.nadolny2023.figure2 import fig2
from qsynchro.experiments.nadolny2023.figure3 import fig3
from qsynchro.experiments.nadolny2023.figure4 import fig4

__all__ = ["FIG2_V", "K_RELATIVE", "fig2", "fig3", "fig4", "sweeps"]
