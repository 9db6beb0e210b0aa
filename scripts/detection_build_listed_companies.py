"""Writes apps/detection/data/listed_companies.txt: companies of the stock indices people's
employers, suppliers and customers are most often in, for the ORGANIZATION gazetteer.

    pip install --target /tmp/companies_site pytickersymbols==1.17.10 wordfreq==3.1.1
    PYTHONPATH=/tmp/companies_site .venv/bin/python scripts/detection_build_listed_companies.py

Source: ``pytickersymbols`` (MIT): the members of 20 indices (S&P 500 / 100 / 600, NASDAQ 100, Dow
Jones, FTSE 100, DAX, MDAX, SDAX, TecDAX, CAC 40, CAC Mid 60, IBEX 35, AEX, BEL 20, SMI, OMX
Stockholm 30, OMX Helsinki 25, EURO STOXX 50, Nikkei 225), ~1,800 names. Each is kept as written
and without its legal form ("Abbott Laboratories", "Roche Holding AG" → "Roche Holding" too: the
legal-form rule finds the form). Left out, because written in chat they are more often something
else: one-word names that are everyday words in a language we serve (wordfreq Zipf ≥ ``COMMON_ZIPF``:
"Target", "Next", "Progressive"), card networks ("American Express"), first names and surnames ("Morgan", "Gartner": a name alone
is a person as often), places ("Phoenix"), and names shorter than three letters. The hand-written
``companies.txt`` (banks, airlines, media, agencies the indices lack) is read beside this list. Nothing
of the packages is needed at run time.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import wordfreq  # noqa: E402 — build-time only, see the docstring
from pytickersymbols import PyTickerSymbols  # noqa: E402

from apps.detection.recognizers.gazetteers import NOT_NAMES, first_names, name_list, surnames  # noqa: E402

OUT = ROOT / "apps" / "detection" / "data" / "listed_companies.txt"
PLACES = OUT.with_name("places.txt")
COMMON_ZIPF = 3.0
LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "nl")
_FORM = re.compile(
    r"(?:,?\s+(?:Inc\.?|Incorporated|Corp\.?|Corporation|Co\.|Company|Ltd\.?|Limited|plc|PLC|AG|SE|S\.A\.|SA|N\.V\.|NV"
    r"|Group|Holdings?|KGaA|& Co\.|Oyj|AB|ASA|A/S))+\s*\Z"
)


# Card networks name a way to pay far more often than a company in chat ("Is American Express
# accepted?"); ``tests/detection/test_precision_rules.py`` holds them to no entity.
PAYMENT_NETWORKS = frozenset(["American Express", "Mastercard", "Visa", "Discover Financial", "PayPal", "Block"])


def _usable(name: str) -> bool:
    words = name.split()
    if len(name) < 3 or not name[0].isupper() or name in PAYMENT_NETWORKS:
        return False
    if len(words) > 1:
        return True
    lower = name.lower()
    if lower in NOT_NAMES or lower in first_names() or lower in surnames() or name in name_list(PLACES).names:
        return False
    return max(wordfreq.zipf_frequency(lower, code) for code in LANGUAGES) < COMMON_ZIPF


def main() -> None:
    names: set[str] = set()
    for stock in PyTickerSymbols().get_all_stocks():
        # A share class glued to the name by the source ("KalmarB", "IndustrivärdenC").
        full = re.sub(r"(?<=[a-zäöüå])[ABC]\Z", "", " ".join(stock["name"].split()))
        short = _FORM.sub("", full)
        for name in {full, short}:
            if _usable(name):
                names.add(name)
    OUT.write_text(
        "# Members of 20 stock indices from pytickersymbols 1.17.10 (MIT), as written and without their legal"
        " form; built by scripts/detection_build_listed_companies.py\n" + "\n".join(sorted(names)) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
