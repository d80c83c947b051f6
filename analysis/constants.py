"""Physical constants and the nuclear table.

Fundamental constants come from :mod:`scipy.constants` (CODATA 2022 with recent scipy).
Nuclear data are the IUPAC 2001 recommendations (Harris et al., Pure Appl. Chem. 73, 1795
(2001)): gyromagnetic ratio γ, spin I, natural abundance, quadrupole moment Q and the
frequency ratio Ξ used for referencing. ¹H, ¹³⁹La and ⁶³Cu are checked against
``PHYSICS.md``; the others are the same table's values.

Never compute γ from the IUPAC "magnetic moment" column (it lists g·√(I(I+1))).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import scipy.constants as sc

HBAR: float = sc.hbar  #: J s
PLANCK_H: float = sc.h  #: J s
MU0: float = sc.mu_0  #: N A⁻²
MU0_OVER_4PI: float = sc.mu_0 / (4 * sc.pi)  #: N A⁻² (≈ 1e-7)
K_B: float = sc.k  #: J K⁻¹
PROTON_GYRO: float = sc.physical_constants["proton gyromag. ratio"][0]  #: rad s⁻¹ T⁻¹

#: ¹H in TMS per tesla, the basis of every Ξ reference frequency (Hz T⁻¹).
H_TMS_HZ_PER_T: float = 42.5763847e6

#: The reference study's magnet (T): the field assumed where a campaign does not give one.
STUDY_FIELD_T: float = 9.28


@dataclass(frozen=True, slots=True)
class Nucleus:
    """One NMR-active isotope.

    Attributes
    ----------
    symbol : str
        Canonical label, mass number first (``"139La"``).
    gamma : float
        Gyromagnetic ratio in rad s⁻¹ T⁻¹ (signed).
    spin : float
        Nuclear spin quantum number I.
    abundance : float
        Natural abundance as a fraction (0–1).
    xi : float
        IUPAC frequency ratio Ξ as a fraction (¹H in TMS = 1).
    quadrupole_fm2 : float
        Quadrupole moment in fm² (0 for I = ½).
    """

    symbol: str
    gamma: float
    spin: float
    abundance: float
    xi: float
    quadrupole_fm2: float = 0.0

    @property
    def gamma_hz_per_t(self) -> float:
        """|γ|/2π in Hz T⁻¹."""
        return abs(self.gamma) / (2 * sc.pi)

    @property
    def label(self) -> str:
        """Human label with superscript mass number, e.g. ``¹³⁹La``."""
        m = re.match(r"(\d+)([A-Za-z]+)", self.symbol)
        assert m is not None
        sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
        return m.group(1).translate(sup) + m.group(2)


def _n(symbol: str, gamma7: float, spin: float, abundance_pct: float, xi_pct: float,
       q: float = 0.0) -> Nucleus:
    return Nucleus(symbol, gamma7 * 1e7, spin, abundance_pct / 100, xi_pct / 100, q)


#: IUPAC 2001 table (γ in 10⁷ rad s⁻¹ T⁻¹, abundance %, Ξ %, Q fm²).
NUCLEI: dict[str, Nucleus] = {
    n.symbol: n
    for n in (
        _n("1H", 26.7522128, 0.5, 99.9885, 100.000000),
        _n("2H", 4.10662791, 1.0, 0.0115, 15.350609, 0.2860),
        _n("7Li", 10.3977013, 1.5, 92.41, 38.863797, -4.01),
        _n("11B", 8.5847044, 1.5, 80.1, 32.083974, 4.059),
        _n("13C", 6.728284, 0.5, 1.07, 25.145020),
        _n("15N", -2.71261804, 0.5, 0.368, 10.136767),
        _n("17O", -3.62808, 2.5, 0.038, 13.556457, -2.558),
        _n("19F", 25.18148, 0.5, 100.0, 94.094011),
        _n("23Na", 7.0808493, 1.5, 100.0, 26.451900, 10.4),
        _n("25Mg", -1.63887, 2.5, 10.00, 6.121635, 19.94),
        _n("27Al", 6.9762715, 2.5, 100.0, 26.056859, 14.66),
        _n("29Si", -5.3190, 0.5, 4.6832, 19.867187),
        _n("31P", 10.8394, 0.5, 100.0, 40.480742),
        _n("35Cl", 2.624198, 1.5, 75.76, 9.797909, -8.165),
        _n("45Sc", 6.5087973, 3.5, 100.0, 24.291747, -22.0),
        _n("51V", 7.0455117, 3.5, 99.750, 26.302948, -5.2),
        _n("55Mn", 6.6452546, 2.5, 100.0, 24.789218, 33.0),
        _n("63Cu", 7.1117890, 1.5, 69.17, 26.515473, -22.0),
        _n("65Cu", 7.60435, 1.5, 30.83, 28.403693, -20.4),
        _n("87Rb", 8.786400, 1.5, 27.83, 32.720454, 13.35),
        _n("89Y", -1.3162791, 0.5, 100.0, 4.900198),
        _n("93Nb", 6.5674, 4.5, 100.0, 24.476170, -32.0),
        _n("139La", 3.8083318, 3.5, 99.910, 14.125641, 20.0),
    )
}


def nucleus(label: str) -> Nucleus:
    """Look up a nucleus by any common spelling.

    Accepts ``"139La"``, ``"La139"``, ``"^139La"``, ``"La-139"``, ``"¹³⁹La"``, ``"H1"``, ``"1H"``.

    Raises
    ------
    KeyError
        If the label names no nucleus in the table.
    """
    text = str(label).strip().translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
    text = text.lstrip("^").replace("-", "").replace(" ", "")
    m = re.fullmatch(r"(\d+)([A-Za-z]{1,2})|([A-Za-z]{1,2})(\d+)", text)
    if not m:
        raise KeyError(f"unknown nucleus {label!r}")
    mass = m.group(1) or m.group(4)
    elem = (m.group(2) or m.group(3)).capitalize()
    key = f"{mass}{elem}"
    if key not in NUCLEI:
        raise KeyError(f"unknown nucleus {label!r}")
    return NUCLEI[key]
