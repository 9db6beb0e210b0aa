"""Property: masking never lets the original through, for any generated e-mail, phone, card, IBAN.

Each value is embedded in a sentence the way a user would write it; ``detect`` plus ``mask_text``
(what enrichment stores) must leave no trace of the value, nor of its digits run together.
"""

from __future__ import annotations

import os
import string

import phonenumbers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.detection.masking import mask_text
from apps.detection.recognizers.contact import PHONE_REGIONS
from apps.detection.sensitive import detect

# A longer run: MASKING_PROPERTY_EXAMPLES=2000 ./scripts/test.sh tests/detection/test_masking_properties.py
EXAMPLES = int(os.environ.get("MASKING_PROPERTY_EXAMPLES", "100"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _masked(text: str) -> str:
    return mask_text(text, detect([text])[0], {})[0]


def _assert_gone(text: str, value: str) -> None:
    masked = _masked(text)
    assert value not in masked, (text, masked)
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) >= 7:
        assert digits not in "".join(c for c in masked if c.isdigit()), (text, masked)


_label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum() and s[-1].isalnum()
)
_local = st.builds(
    lambda head, seps: head + "".join(sep + part for sep, part in seps),
    _label,
    st.lists(st.tuples(st.sampled_from([".", "_", "-", "+"]), _label), max_size=2),
)
emails = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    _local,
    st.lists(_label, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "net", "io", "de", "co.uk", "example"]),
)


def _luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _grouped(number: str, sep: str) -> str:
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


cards = st.builds(
    lambda prefix, rest, sep: _grouped(_luhn_complete(prefix + rest[: 15 - len(prefix)]), sep),
    st.sampled_from(["4", "51", "52", "55", "2221", "2720"]),
    st.text(string.digits, min_size=15, max_size=15),
    st.sampled_from(["", " ", "-"]),
)


def _iban(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


# Countries whose BBAN has no national check digits beyond the IBAN's own (any digits are valid).
_BBAN = {"DE": ("", 18), "GB": ("WEST", 14), "NL": ("ABNA", 10), "FR": ("", 23), "IT": ("X", 22), "AT": ("", 16)}
ibans = st.builds(
    lambda country, digits, sep: _grouped(_iban(country, _BBAN[country][0] + digits[: _BBAN[country][1]]), sep),
    st.sampled_from(sorted(_BBAN)),
    st.text(string.digits, min_size=23, max_size=23),
    st.sampled_from(["", " "]),
)


@st.composite
def phones(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(PHONE_REGIONS))
    kind = draw(st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]))
    example = phonenumbers.example_number_for_type(region, kind)
    assume(example is not None)
    national = str(example.national_number)
    tail = draw(st.text(string.digits, min_size=3, max_size=3))
    number = phonenumbers.parse(f"+{example.country_code}{national[:-3]}{tail}", None)
    assume(phonenumbers.is_valid_number(number))
    fmt = draw(
        st.sampled_from([phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164, "national"])
    )
    if fmt == "national":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, fmt)


SENTENCES = st.sampled_from(["{} ", "Please contact me at {} today.", "my details: {}, thanks", "({})"])


@PROPERTY
@given(value=emails, sentence=SENTENCES)
def test_email_never_survives_masking(value: str, sentence: str) -> None:
    _assert_gone(sentence.format(value), value)


@PROPERTY
@given(value=phones(), sentence=st.sampled_from(["call me on {} please", "My phone number is {}.", "tel: {}"]))
def test_phone_never_survives_masking(value: str, sentence: str) -> None:
    _assert_gone(sentence.format(value), value)


@PROPERTY
@given(value=cards, sentence=st.sampled_from(["my card {} was charged twice", "Card number: {}", "{}"]))
def test_card_never_survives_masking(value: str, sentence: str) -> None:
    _assert_gone(sentence.format(value), value)


@PROPERTY
@given(value=ibans, sentence=st.sampled_from(["send it to IBAN {} please", "Account: {}", "{}"]))
def test_iban_never_survives_masking(value: str, sentence: str) -> None:
    _assert_gone(sentence.format(value), value)
