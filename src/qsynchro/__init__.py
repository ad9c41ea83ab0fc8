"""qsynchro: synchronization of quantum limit-cycle oscillators.

Importing the package is cheap and never changes JAX settings: the public
names below are loaded lazily on first access.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "ConvergenceError": "qsynchro._checks",
    # operators
    "spin_ops": "qsynchro.operators",
    # oscillators (any few-level limit-cycle oscillator)
    "Oscillator": "qsynchro.models.oscillator",
    "TruncationWarning": "qsynchro.models.oscillator",
    "spin1": "qsynchro.models.oscillator",
    "van_der_pol": "qsynchro.models.oscillator",
    "to_qutip": "qsynchro.equations.qutip_export",
    # Nadolny & Bruder (PRL 131, 190402): mean-field networks of any oscillator
    "Network": "qsynchro.models.network",
    # networks beyond two identical groups: frequency disorder
    "Lorentzian": "qsynchro.models.disorder",
    "Gaussian": "qsynchro.models.disorder",
    "Uniform": "qsynchro.models.disorder",
    "Samples": "qsynchro.models.disorder",
    "disordered_group": "qsynchro.models.disorder",
    "with_dissipative_coupling": "qsynchro.models.dissipative",
    "evolve": "qsynchro.solvers.evolve",
    "attractor": "qsynchro.measures.attractor",
    "Attractor": "qsynchro.measures.attractor",
    "AttractorSettings": "qsynchro.solvers.attractor_settings",
    "linear_stability": "qsynchro.solvers.linear_stability",
    "critical_coupling": "qsynchro.solvers.stability",
    "jacobian_eigenvalues": "qsynchro.solvers.jacobian",
    "continuation": "qsynchro.solvers.branch",
    "DrivenOscillator": "qsynchro.models.driven",
    "driven_steady_state": "qsynchro.solvers.driven",
    "driven_evolve": "qsynchro.solvers.driven",
    "spin_husimi_q": "qsynchro.measures.spin_husimi",
    "spin_phase_distribution": "qsynchro.measures.spin_husimi",
    # Murtadho, Vinjanampathy & Thingna (PRL 131, 030401): degenerate maser
    "Maser": "qsynchro.models.maser",
    "steady_state": "qsynchro.solvers.steady",
    "s_max": "qsynchro.measures.smax",
    "phase_distribution": "qsynchro.measures.husimi",
    # finite ensembles beyond mean field
    "Ensemble": "qsynchro.models.ensemble",
    "exact_evolve": "qsynchro.solvers.finite",
    "exact_steady_state": "qsynchro.solvers.finite",
    "exact_observables": "qsynchro.solvers.finite",
    "exact_correlation": "qsynchro.solvers.finite",
    "exact_spectrum": "qsynchro.solvers.finite",
    "exact_decay_rate": "qsynchro.solvers.finite",
    "cumulant_evolve": "qsynchro.solvers.finite",
    "cumulant_steady_state": "qsynchro.solvers.finite",
    "cumulant_observables": "qsynchro.solvers.finite",
    "cumulant_correlation": "qsynchro.solvers.finite",
    "cumulant_spectrum": "qsynchro.solvers.finite",
    "cumulant_decay_rate": "qsynchro.solvers.finite",
    "permutation_liouvillian": "qsynchro.equations.permutation",
    # sweeps
    "Axis": "qsynchro.sweeps.grid",
    "Sweep": "qsynchro.sweeps.grid",
    "run_sweep": "qsynchro.experiments.runner",
    "load_sweep": "qsynchro.sweeps.toml",
    "use_cluster": "qsynchro.experiments.runner",
    "reproduce": "qsynchro.experiments",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'qsynchro' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
