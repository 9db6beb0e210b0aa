"""Harder sensitive-data set: hand-written chat messages, hard negatives, two separate splits.

    .venv/bin/python tests/data/sensitive_hard_generate.py

Writes ``sensitive_hard_dev.jsonl`` (rules may be tuned on it) and
``sensitive_hard_heldout.jsonl`` (written at the same time, before any rule change, and never
looked at while tuning; only its score is read). Both were written by hand to be unlike the
templates of ``sensitive_labelled.jsonl``: UI labels and imperatives in capitals, reference
tokens after password questions, names behind greetings and signatures, organizations and
places after cues, spaced/dashed cards, dates of birth in many formats, keys with provider
prefixes. Entities are marked inline as ``[[TYPE|value]]``; the generator strips the markup
and computes offsets. Every line without markup is a hard negative: nothing may be found in it.

The secrets below are random strings in the providers' formats, not real credentials.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
_MARK_RE = re.compile(r"\[\[([A-Z_]+)\|(.+?)\]\]", re.DOTALL)

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"

DEV = [
    # SECRET: assignment-like context and provider prefixes
    "my password is [[SECRET|Summer2019!x]] but it stopped working",
    "pwd: [[SECRET|qT7#mn2Lp]]",
    "set token=[[SECRET|a8F3kLmQ9zR2tYw7]] in the env file",
    "api key: [[SECRET|sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d]]",
    "export GITHUB_TOKEN=[[SECRET|ghp_KLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFR]]",
    "the bot uses [[SECRET|xoxb-2048-IBXuDL7DxtpYlSXpfKtHF4vUCs]] to post",
    "aws id [[SECRET|AKIAQ3EGRT7HXZ2LMN4P]] is in the config",
    f"Authorization: Bearer [[SECRET|{JWT}]]",
    "the wifi password is [[SECRET|Blue-Otter-42]]",
    # SECRET hard negatives
    "How do I reset my VPN password? [REF-1a2b]",
    "password reset link expired, ticket [INC-204918]",
    "What are the password requirements for the portal?",
    "Forgot password? Ticket REF-7c3d9e is still open",
    "my password is weak, how do I make a stronger one",
    "commit 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432 broke the build",
    "Change your password in Settings > Security.",
    # PERSON hard negatives: UI labels, imperatives, product words
    "Open the portal and choose Reset.",
    "Click Submit, then Save and close the dialog.",
    "Press Cancel if the Preview looks wrong.",
    "Go to Settings and pick Notifications.",
    "In the menu select Export, then Download.",
    "Tap Continue and then Done.",
    "Hit Refresh and try Login again.",
    "Use Search to find the Archive folder.",
    # PERSON positives: cues, greetings, signatures
    "Dear [[PERSON|Margaret]], thanks for the quick reply.",
    "Hi [[PERSON|Tomasz]], can you check the invoice?",
    "Please contact [[PERSON|Ingrid Halvorsen]] about the renewal.",
    "Thanks,\n[[PERSON|Rahul Mehta]]",
    "Best regards,\n[[PERSON|Chloé Martin]]",
    "I'm [[PERSON|Dmitri]] from the billing team.",
    "my name is [[PERSON|olga petrova]] and I need help",
    "Can you forward this to [[PERSON|Kwame Mensah]]?",
    "ask [[PERSON|Lucia]] whether the report is final",
    "Write an email to [[PERSON|Hannah Becker]] declining the offer.",
    "Hello [[PERSON|Yuki]], the meeting moved to 3pm.",
    # ORGANIZATION positives and negatives
    "I work at [[ORGANIZATION|Northwind Traders]] in [[LOCATION|Leeds]].",
    "We signed with [[ORGANIZATION|Brightline Logistics GmbH]] last week.",
    "Draft a complaint to [[ORGANIZATION|Contoso Ltd]] about the delay.",
    "The contract with [[ORGANIZATION|Halvard Systems Inc.]] renews in May.",
    "Summarize the Quarterly Review slides.",
    "Explain the Agile Manifesto in simple words.",
    "Translate the Terms of Service into Spanish.",
    "Compare Python and Rust for a CLI tool.",
    # LOCATION positives
    "I live in [[LOCATION|Bristol]] and commute daily.",
    "We are moving from [[LOCATION|Lisbon]] to [[LOCATION|Porto]] next month.",
    "Ship it to [[LOCATION|42 Elm Street]], [[LOCATION|Springfield]], please.",
    "She was born in [[LOCATION|Valparaíso]].",
    "Our office is in [[LOCATION|Rotterdam]].",
    # CREDIT_CARD
    "my card [[CREDIT_CARD|4111 1111 1111 1111]] was declined",
    "card: [[CREDIT_CARD|5500-0000-0000-0004]] exp 04/27",
    "charged twice on [[CREDIT_CARD|4012888888881881]]",
    "amex [[CREDIT_CARD|3782 822463 10005]]",
    "visa [[CREDIT_CARD|4111 - 1111 - 1111 - 1111]]",
    "order number 4000 1234 5678 9010 has not shipped",
    # DATE_OF_BIRTH
    "DOB: [[DATE_OF_BIRTH|01.02.1980]]",
    "I was born on [[DATE_OF_BIRTH|1 Feb 1980]].",
    "born [[DATE_OF_BIRTH|March 3rd, 1975]]",
    "Date of birth [[DATE_OF_BIRTH|1988-11-23]]",
    "date of birth (as on the passport): [[DATE_OF_BIRTH|14/07/1969]]",
    "The meeting is on 2024-03-15 at noon.",
    "Invoice dated 12.05.2023 is overdue.",
]

HELDOUT = [
    # SECRET
    "the admin password is [[SECRET|Pa55word!Q9]]",
    "passwd: [[SECRET|zK8#rQ2m]]",
    "API_KEY=[[SECRET|sk-FAc9QeWJKY40uvSwMFLZDe1f8rESQedUStPK]]",
    "token: [[SECRET|ghp_R0CsTy4Qwb8DwkNhFdnXsiVpzz63FfkCzJr4]]",
    "slack [[SECRET|xoxp-1111-i0B3JrTAwR4y9ojfljoQoaF1Ll]]",
    "key id [[SECRET|AKIAZ7QW3ERT5YUI2OPL]]",
    "here: [[SECRET|-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA8iS2G8NPRVdD53X83RZJ\n-----END RSA PRIVATE KEY-----]]",
    "client secret is [[SECRET|MdgaKjIg8xNbe3nNyjOq9wMx]]",
    f"jwt [[SECRET|{JWT}]]",
    # SECRET hard negatives
    "How do I change my email password? [REF-9c8d]",
    "password expired again [TCK-55810]",
    "Is there a password manager you recommend?",
    "My token expired, ticket #88213",
    "Where do I find the API key settings page?",
    "sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b matches",
    # PERSON hard negatives
    "Choose Edit, then Apply.",
    "Click Next and then Finish.",
    "Open Preferences and select Advanced.",
    "Press Delete to remove the row, or Undo.",
    "Select Print from the File menu.",
    "Hit Send when ready.",
    "Choose Import and browse to the file.",
    # PERSON positives
    "Dear Mr. [[PERSON|Okafor]], please find attached the quote.",
    "Hi [[PERSON|Sven]], quick question about access.",
    "contact [[PERSON|Priya Natarajan]] for the keys",
    "Cheers,\n[[PERSON|Liam O'Brien]]",
    "Kind regards,\n[[PERSON|Beatriz Souza]]",
    "I'm [[PERSON|Aleksandra]] from procurement.",
    "my name is [[PERSON|jonas weber]]",
    "Send the summary to [[PERSON|Fatima Zahra]].",
    "Tell [[PERSON|Mateo]] the build is green.",
    "Hello [[PERSON|Ana]], thanks!",
    # ORGANIZATION
    "I work for [[ORGANIZATION|Bluepeak Analytics]] in [[LOCATION|Denver]].",
    "Write a reply to [[ORGANIZATION|Fernhill Media Ltd]] about the invoice.",
    "our supplier [[ORGANIZATION|Kestrel Components GmbH]] is late",
    "We use [[ORGANIZATION|Orbital Freight Inc]] for shipping.",
    "Summarize the Annual Report for the board.",
    "Explain the Pythagorean Theorem.",
    "Rewrite the Release Notes in plain English.",
    # LOCATION
    "I'm based in [[LOCATION|Gdansk]].",
    "flying from [[LOCATION|Nairobi]] to [[LOCATION|Accra]] tomorrow",
    "deliver to [[LOCATION|17 Baker Road]], [[LOCATION|Cambridge]]",
    "The warehouse is in [[LOCATION|Tilburg]].",
    "my sister lives in [[LOCATION|Cork]]",
    # CREDIT_CARD
    "card number [[CREDIT_CARD|5555 5555 5555 4444]]",
    "pay with [[CREDIT_CARD|4242-4242-4242-4242]]",
    "cc [[CREDIT_CARD|6011111111111117]]",
    "tracking number 1Z999AA10123456784 shows delivered",
    # DATE_OF_BIRTH
    "DOB [[DATE_OF_BIRTH|23.04.1991]]",
    "born on [[DATE_OF_BIRTH|12 August 1984]]",
    "birthday: [[DATE_OF_BIRTH|Aug 12, 1984]]",
    "date of birth: [[DATE_OF_BIRTH|1979-06-30]]",
    "The release is planned for 01.06.2025.",
]


def to_rows(split: str, messages: list[str]) -> list[dict]:
    rows = []
    for n, marked in enumerate(messages):
        text, entities, pos = "", [], 0
        for m in _MARK_RE.finditer(marked):
            text += marked[pos : m.start()]
            start = len(text)
            text += m.group(2)
            entities.append({"type": m.group(1), "start": start, "end": len(text), "value": m.group(2)})
            pos = m.end()
        text += marked[pos:]
        for e in entities:
            assert text[e["start"] : e["end"]] == e["value"], (text, e)
        rows.append({"id": f"hard-{split}-{n:03d}", "lang": "en", "text": text, "entities": entities})
    return rows


def main() -> None:
    for split, messages in (("dev", DEV), ("heldout", HELDOUT)):
        path = HERE / f"sensitive_hard_{split}.jsonl"
        lines = [json.dumps(row, ensure_ascii=False) for row in to_rows(split, messages)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{path.name}: {len(lines)} messages")


if __name__ == "__main__":
    main()
