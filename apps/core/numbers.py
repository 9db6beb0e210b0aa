"""What a payment card number and a phone number look like: shared by detection's recognizers
(inside free text) and ingestion's identifier checks (a whole id that is one), which may not
import detection. Validation is the maintained libraries' (``python-stdnum``, ``phonenumbers``).
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import luhn

# Regions tried for numbers written without a country code: the markets Tessera's users write
# from. Order matters only for speed (first valid wins).
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "PT", "BR", "MX", "IT", "NL", "CA", "AR", "CO", "CH", "AT", "BE", "IE")

# Issuer prefixes (IIN ranges) and lengths of the card networks that matter; a Luhn-valid number
# outside them is far more likely an id.
CARD_IIN_RE = re.compile(
    r"\A(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)\d{12}"
    r"|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11,16}|6(?:011|5\d\d|4[4-9]\d)\d{12,15}|35(?:2[89]|[3-8]\d)\d{12,15}"
    r"|62\d{14,17}"
    # Maestro (12-19 digits) and JCB's 15-digit ranges
    r"|(?:5018|5020|5038|5893|6304|6759|676[1-3]|0604|6390)\d{8,15}|5[6-8]\d{10,17}|(?:2131|1800)\d{11}"
    # National networks: Mir (2200-2204), the 50 ranges (Dankort 5019, Elo 504175/5066-5067/509,
    # Verve 5060-5061/5078, RuPay 5085-5089), RuPay 60/81-82, Hipercard 606282/3841, Elo 636297/636368,
    # Troy 9792
    r"|220[0-4]\d{12,15}|50\d{14,17}|60[6-8]\d{13}|8(?:1[7-9]|20)\d{13}|606282\d{10}|3841\d{12,15}"
    r"|636(?:297|368)\d{10}|9792\d{12})\Z"
)


def is_card_number(digits: str) -> bool:
    """``digits`` (digits only) carry a card network's prefix and length and pass Luhn."""
    return bool(CARD_IIN_RE.match(digits)) and luhn.is_valid(digits)


def is_valid_phone(text: str, regions: tuple[str, ...] = PHONE_REGIONS) -> bool:
    """``text`` is a valid phone number: international (``+…``) or national in one of ``regions``."""
    candidates = [None] if text.lstrip().startswith("+") else list(regions)
    for region in candidates:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False
