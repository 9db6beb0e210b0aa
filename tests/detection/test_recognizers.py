"""Each pattern recognizer on valid, invalid-checksum and look-alike inputs, with exact offsets."""

from __future__ import annotations

import pytest

from apps.detection.recognizers import (
    MIN_SCORE,
    recognize_credit_card,
    recognize_date_of_birth,
    recognize_email,
    recognize_iban,
    recognize_ids,
    recognize_ip,
    recognize_patterns,
    recognize_phone,
    recognize_secrets,
)


def spans(findings, text, min_score=MIN_SCORE):
    return [(f.type, text[f.start : f.end]) for f in findings if f.score >= min_score]


def test_email_offsets_exact():
    text = "Write to ana.silva+news@empresa.com.br, thanks."
    assert spans(recognize_email(text), text) == [("EMAIL", "ana.silva+news@empresa.com.br")]
    found = recognize_email(text)[0]
    assert (found.start, found.end, found.recognizer) == (9, 38, "email")


def test_email_ignores_ssh_remote_and_plain_at():
    text = "clone git@github.com:acme/app.git and ping @maria"
    assert recognize_email(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call me at +1 415-555-2671 please", "+1 415-555-2671"),
        ("mi teléfono es 612 345 678", "612 345 678"),
        ("Meine Handynummer ist +49 151 23456789.", "+49 151 23456789"),
        ("téléphone : 06 12 34 56 78", "06 12 34 56 78"),
        ("whatsapp 0044 20 7946 0958", "0044 20 7946 0958"),
    ],
)
def test_phone_valid_numbers(text, value):
    assert spans(recognize_phone(text), text) == [("PHONE", value)]


@pytest.mark.parametrize(
    "text",
    [
        "order 4155552671 shipped",  # valid US number shape, but an order reference
        "meeting on 2024-01-15 at 10:30",
        "server 192.168.1.20",
        "invoice total 12345",
        "+1 000 000",  # invalid per libphonenumber metadata
    ],
)
def test_phone_look_alikes_rejected(text):
    assert spans(recognize_phone(text), text) == []


def test_card_luhn_valid_grouped_and_plain():
    text = "card 4111 1111 1111 1111 or 5500-0000-0000-0004 or 378282246310005"
    assert spans(recognize_credit_card(text), text) == [
        ("CREDIT_CARD", "4111 1111 1111 1111"),
        ("CREDIT_CARD", "5500-0000-0000-0004"),
        ("CREDIT_CARD", "378282246310005"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # no card word: a failed checksum is any number
        "order 4111 1111 1111 1112",
        "payment ref 4111 1111 1111 1112",  # "payment" proves a valid card, not an invalid one
        "order number 4111 1111 1111 1112 for my card",  # a card word after it does not count
        "card 1111 1111 1111 1111",  # one digit repeated is a placeholder
        "card 411 111 111 111 1112",  # not a card's grouping
        "card 4111 1111 1111 112",  # 15 digits in fours: not Amex's 4-6-5
    ],
)
def test_card_luhn_invalid_rejected(text):
    assert recognize_credit_card(text) == []


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("card 4111 1111 1111 1112", "4111 1111 1111 1112"),
        ("my credit card 1234 5678 9012 3456 was declined", "1234 5678 9012 3456"),
        ("card number 4532 7153 3790 1234 expires 11/26", "4532 7153 3790 1234"),
        ("mi tarjeta es 4532715337901234", "4532715337901234"),
        ("amex 3782 822463 10006", "3782 822463 10006"),
    ],
)
def test_card_that_fails_luhn_is_a_card_after_a_card_word(text, card):
    # A mistyped or made-up card number still discloses what a card number looks like to a reader.
    assert spans(recognize_credit_card(text), text) == [("CREDIT_CARD", card)]


def test_order_number_that_passes_luhn_is_not_a_card():
    text = "Where is my order #4000123412341234? It's late."
    assert spans(recognize_credit_card(text), text) == []


def test_nearest_context_word_wins():
    text = "Card 4111 1111 1111 1111 exp 12/27, order #4000123412341234"
    assert spans(recognize_credit_card(text), text) == [("CREDIT_CARD", "4111 1111 1111 1111")]


def test_iban_valid_spaced_and_compact():
    text = "IBAN DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432."
    assert spans(recognize_iban(text), text) == [
        ("IBAN", "DE89 3704 0044 0532 0130 00"),
        ("IBAN", "GB82WEST12345698765432"),
    ]


def test_iban_wrong_check_digit_rejected():
    # Without an account word right before it ("IBAN", "Konto", "rekening": a mistyped IBAN, see below).
    text = "ref DE88 3704 0044 0532 0130 00"
    assert recognize_iban(text) == []
    assert recognize_iban("Konto DE88 3704 0044 0532 0130 00")[0].recognizer == "iban_unchecked"


def test_iban_not_extended_into_following_caps_word():
    text = "DE89370400440532013000 ASAP"
    assert spans(recognize_iban(text), text) == [("IBAN", "DE89370400440532013000")]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("SSN 123-45-6789", "SSN", "123-45-6789"),
        ("my NI number is AB 12 34 56 C", "NATIONAL_ID", "AB 12 34 56 C"),
        ("DNI 12345678Z", "NATIONAL_ID", "12345678Z"),
        ("NIE X1234567L", "NATIONAL_ID", "X1234567L"),
        ("codice fiscale RSSMRA85T10A562S", "NATIONAL_ID", "RSSMRA85T10A562S"),
        ("CPF 390.533.447-05", "NATIONAL_ID", "390.533.447-05"),
        ("NIF 501964843", "NATIONAL_ID", "501964843"),
        ("Steuer-ID 36 574 261 809", "NATIONAL_ID", "36 574 261 809"),
        ("VAT DE136695976", "NATIONAL_ID", "DE136695976"),
        ("numéro de sécu 2 69 05 49 588 157 80", "NATIONAL_ID", "2 69 05 49 588 157 80"),
    ],
)
def test_ids_valid(text, kind, value):
    assert spans(recognize_ids(text), text) == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "SSN 000-12-3456",  # area 000 never issued
        "SSN 666-12-3456",
        "DNI 12345678A",  # wrong control letter
        "NIE X1234567A",
        "CPF 390.533.447-06",
        "VAT DE136695977",
        "codice fiscale RSSMRA85T10A562X",
        "ticket 501964843",  # valid NIF checksum, but no NIF context: an id of anything
    ],
)
def test_ids_failing_checksum_or_context_rejected(text):
    assert spans(recognize_ids(text), text) == []


def test_ipv4_and_ipv6():
    text = "ssh into 10.0.12.7 or 2001:db8:85a3::8a2e:370:7334 now"
    assert spans(recognize_ip(text), text) == [
        ("IP_ADDRESS", "10.0.12.7"),
        ("IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "after upgrading to version 8.20.1.27 it crashes",
        "release 1.2.3.4 is out",
        "v1.2.3.4",
        "see section 1.2.3.4 of the contract",
        "999.1.1.1 is not an address",
        "it's 12:30:45 and std::vector<int> fails",
        "MAC 00:1A:2B:3C:4D:5E",
    ],
)
def test_version_strings_and_look_alikes_are_not_ips(text):
    assert spans(recognize_ip(text), text) == []


def test_aws_key_real_format_vs_fake():
    real = "key AKIAIOSFODNN7EXAMPLE here"
    assert spans(recognize_secrets(real), real) == [("SECRET", "AKIAIOSFODNN7EXAMPLE")]
    for fake in ("key AKIA1234 here", "key AKIAXXXXXXXX here", "key AKIA0189ABCDEFGH0189 here"):
        assert spans(recognize_secrets(fake), fake) == []


def test_private_key_block_spans_whole_block():
    block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc+/=\n-----END RSA PRIVATE KEY-----"
    text = f"my key:\n{block}\nthanks"
    assert spans(recognize_secrets(text), text) == [("SECRET", block)]


def test_jwt_and_provider_keys():
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    ghp = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
    slack = "xoxb-12345678901-123456789012-AbCdEfGhIjKlMnOpQrStUvWx"
    openai = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
    text = f"{jwt} and {ghp} and {slack} and {openai}"
    assert spans(recognize_secrets(text), text) == [("SECRET", v) for v in (jwt, ghp, slack, openai)]


def test_placeholder_keys_rejected():
    text = "set OPENAI key to sk-your-key-here or sk-xxxxxxxxxxxxxxxxxxxxxxxx and ghp_xxxxxxxxxxxxxxxx"
    assert spans(recognize_secrets(text), text) == []


def test_password_in_context_spans_value_only():
    text = "username: jdoe, password: Hunter2!x"
    assert spans(recognize_secrets(text), text) == [("SECRET", "Hunter2!x")]
    prose = "my password is weak and the token expired"
    assert spans(recognize_secrets(prose), prose) == []


def test_high_entropy_token_needs_context_and_skips_hashes():
    token = "Zk8Qp2Lx7Vb4Nc9Rt1Ym6Hd3Jf5Gs0Wa"
    assert spans(recognize_secrets(f"webhook secret {token}"), f"webhook secret {token}") == [("SECRET", token)]
    sha = "commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 broke it"
    uuid = "request 123e4567-e89b-12d3-a456-426614174000 failed"
    assert spans(recognize_secrets(sha), sha) == []
    assert spans(recognize_secrets(uuid), uuid) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I was born on 12 March 1985.", "12 March 1985"),
        ("DOB: 04/23/1979", "04/23/1979"),
        ("nací el 3 de mayo de 1990", "3 de mayo de 1990"),
        ("Ich bin am 3. Mai 1990 geboren", "3. Mai 1990"),
        ("date de naissance 1988-11-02", "1988-11-02"),
    ],
)
def test_date_of_birth_in_context(text, value):
    assert spans(recognize_date_of_birth(text), text) == [("DATE_OF_BIRTH", value)]


def test_date_without_birth_context_is_not_reported():
    text = "I was born in Lisbon. Meeting on 2024-01-15, invoice due 03/04/2025."
    assert spans(recognize_date_of_birth(text), text) == []


def test_patterns_on_empty_and_emoji_text():
    assert recognize_patterns("") == []
    text = "🙂🙂 mail 👉 zoë@example.org 🎉"
    found = recognize_patterns(text)
    assert [(f.type, text[f.start : f.end]) for f in found] == [("EMAIL", "zoë@example.org")]


@pytest.mark.parametrize(
    "text",
    [
        "log line 2024-01-15 10:30:45,123 ERROR worker-3",
        "chrome 120.0.6099.109 crashes",
        "My account number is 12345678 and sort code 12-34-56",
        "SSN: 219 09 9999",  # an SSN number, and an invalid one: must not come back as a phone
    ],
)
def test_phone_rejects_timestamps_versions_and_account_numbers(text):
    assert spans(recognize_phone(text), text) == []


def test_iban_lowercase_is_validated_too():
    text = "iban: gb82 west 1234 5698 7654 32 thanks"
    assert spans(recognize_iban(text), text) == [("IBAN", "gb82 west 1234 5698 7654 32")]


def test_data_uri_and_url_parameters_are_not_secrets():
    blob = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    url = "https://example.com/reset?token=abc&session=1"
    assert spans(recognize_secrets(blob), blob) == []
    assert spans(recognize_secrets(url), url) == []


def test_iban_whose_country_check_fails_but_mod97_holds() -> None:
    # The standard's own example fails Belgium's national check: mod-97 and the structure decide.
    text = "Facture, IBAN BE68 5390 0754 7034, communication"
    assert spans(recognize_iban(text), text) == [("IBAN", "BE68 5390 0754 7034")]


def test_mistyped_iban_right_after_the_word() -> None:
    text = "sull'IBAN IT02 L123 4512 3451 2345 6789 012 grazie"
    assert spans(recognize_iban(text), text) == [("IBAN", "IT02 L123 4512 3451 2345 6789 012")]
    for text in ("ref IT02 L123 4512 3451 2345 6789 012", "Is IT02 L123 4512 3451 2345 6789 012 a valid IBAN?"):
        assert recognize_iban(text) == []
