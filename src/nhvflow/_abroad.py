"""Parties abroad: Norway's four regional health enterprises and the EU and
EEA states whose providers may join a European Reference Network.

Re-exported by :mod:`nhvflow.model`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import unicodedata

from nhvflow.errors import shown

__all__ = ["EU_EEA_COUNTRIES", "HEALTH_ENTERPRISES", "country_code", "health_enterprise_name"]


_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a"})


def _key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).casefold().translate(_FOLD).replace("-", " ")
    return " ".join(text.split())


HEALTH_ENTERPRISES: tuple[str, ...] = (
    "Helse Sør-Øst",
    "Helse Vest",
    "Helse Midt-Norge",
    "Helse Nord",
)
"""Norway's four regional health enterprises (regionale helseforetak).

Socialstyrelsen's report Förutsättningar för kompetenscentrum (2019) says
"ett av fyra regionala hälsoföretag" and "De fyra regionala
hälsoföretagen"; its appendix once says five, which the main text and the
list of services contradict.
"""


def health_enterprise_name(value: str) -> str:
    """The canonical name of one of the four regional health enterprises.

    Accepts the name in any case and spacing, with or without the suffix
    ``RHF`` (``"helse vest rhf"`` -> ``"Helse Vest"``), and spelt without
    the Norwegian letters (``"Helse Sor-Ost"`` -> ``"Helse Sør-Øst"``);
    raises ``ValueError`` for anything else.
    """
    if isinstance(value, str):
        key = _key(value).removesuffix(" rhf").strip()
        for name in HEALTH_ENTERPRISES:
            if _key(name) == key:
                return name
    raise ValueError(
        f"{shown(value)} is not one of Norway's four regional health enterprises "
        f"({', '.join(HEALTH_ENTERPRISES)})."
    )


EU_EEA_COUNTRIES: dict[str, str] = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
    "IS": "Iceland",
    "LI": "Liechtenstein",
    "NO": "Norway",
}
"""The states whose healthcare providers may join a European Reference
Network, by ISO 3166-1 alpha-2 code: the EU's 27 and the EEA's three
(Directive 2011/24/EU applies in the EEA)."""


def country_code(value: str | None) -> str | None:
    """The ISO code of an EU or EEA state, upper-cased (``None`` stays ``None``);
    raises ``ValueError`` or ``TypeError`` for anything else."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"'country' must be an ISO country code such as 'SE' (got {shown(value)}).")
    code = value.strip().upper()
    if code not in EU_EEA_COUNTRIES:
        raise ValueError(
            "'country' must be the ISO code of an EU or EEA state, such as 'SE' "
            f"(got {shown(value)})."
        )
    return code
