"""Secrets: provider keys and tokens, credentials after a keyword, high-entropy tokens in context."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from apps.detection.context import REFERENCE_WORDS, make_context
from apps.detection.findings import SECRET, Finding, resolve_overlaps
from apps.detection.recognizers.base import MIN_SCORE, digit_count, literal_alternation, longest_word, lowered, word_set


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_random(value: str, min_entropy: float = 3.0) -> bool:
    """Rejects placeholders ("sk-xxxxxxxx", "sk-your-key-here") that share a key's prefix."""
    lowered = value.lower()
    if any(p in lowered for p in ("xxxx", "your", "placeholder", "redacted", "dummy", "<", "...", "****")):
        return False
    return shannon_entropy(value) >= min_entropy and bool(re.search(r"\d", value))


def _jwt_valid(value: str) -> bool:
    header = value.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        return isinstance(json.loads(decoded), dict)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False


@dataclass(frozen=True, slots=True)
class _SecretSpec:
    name: str
    pattern: re.Pattern[str]
    score: float
    validate: Callable[[str], bool]


_SECRET_SPECS: tuple[_SecretSpec, ...] = (
    _SecretSpec(
        "private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s]*)"
        ),
        1.0,
        lambda v: True,
    ),
    # AWS access key ids are 20 chars: a 4-letter type prefix then 16 base-32 characters.
    _SecretSpec(
        "aws_access_key",
        re.compile(
            r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}(?![A-Za-z0-9])"
        ),
        0.95,
        lambda v: len(set(v[4:])) > 4,
    ),
    _SecretSpec(
        "jwt",
        re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(?![\w-])"),
        0.95,
        _jwt_valid,
    ),
    _SecretSpec(
        "openai_key",
        re.compile(r"(?<![\w-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?![\w-])"),
        0.9,
        lambda v: _looks_random(v.split("-", 1)[1]),
    ),
    _SecretSpec(
        "anthropic_key",
        re.compile(r"(?<![\w-])sk-ant-[a-z0-9]{2,8}-[A-Za-z0-9_-]{20,}(?![\w-])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "github_token",
        re.compile(r"(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![\w])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "gitlab_token",
        re.compile(r"(?<![\w-])glpat-[A-Za-z0-9_-]{20,}(?![\w-])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "slack_token",
        re.compile(r"(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,}(?![\w-])"),
        0.9,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "stripe_key",
        re.compile(r"(?<![\w])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}(?![\w])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "google_api_key",
        re.compile(r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])"),
        0.95,
        lambda v: True,
    ),
    _SecretSpec(
        "sendgrid_key",
        re.compile(r"(?<![\w-])SG\.[\w-]{22}\.[\w-]{43}(?![\w-])"),
        0.95,
        lambda v: True,
    ),
    _SecretSpec(
        "huggingface_token",
        re.compile(r"(?<![\w])hf_[A-Za-z0-9]{30,}(?![\w])"),
        0.9,
        lambda v: _looks_random(v, 3.5) or shannon_entropy(v) >= 4.0,
    ),
    _SecretSpec(
        "npm_token",
        re.compile(r"(?<![\w])npm_[A-Za-z0-9]{36}(?![\w])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    # Further providers' documented prefixes (gitleaks' rules name the same shapes): Shopify,
    # DigitalOcean, PyPI, Square, Databricks, HashiCorp Vault, Postman, Linear, Notion, New Relic,
    # Grafana, Slack app tokens, Mailgun, Twilio, Google OAuth access tokens, Telegram bots.
    _SecretSpec(
        "provider_token",
        re.compile(
            r"(?<![\w-])(?:shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|do[por]_v1_[a-f0-9]{64}|pypi-AgE[A-Za-z0-9_-]{50,}"
            r"|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43}|dapi[a-f0-9]{32}(?:-\d)?|hv[sb]\.[A-Za-z0-9_-]{24,}"
            r"|PMAK-[a-f0-9]{24}-[a-f0-9]{34}|lin_(?:api|oauth)_[A-Za-z0-9]{40}|secret_[A-Za-z0-9]{43}"
            r"|NRAK-[A-Z0-9]{27}|gl(?:sa|c)_[A-Za-z0-9_+/=-]{32,}|xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,}"
            r"|key-[a-f0-9]{32}|(?:SK|AC)[a-f0-9]{32}|ya29\.[A-Za-z0-9_-]{30,}|\d{8,10}:AA[A-Za-z0-9_-]{33})(?![\w-])"
        ),
        0.9,
        lambda v: _looks_random(v),
    ),
    # Incoming-webhook URLs: whoever holds one can post as the integration.
    _SecretSpec(
        "webhook_url",
        re.compile(
            r"https://(?:hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}"
            r"|(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{15,}/[\w-]{50,})(?![\w-])"
        ),
        0.9,
        lambda v: True,
    ),
    # Azure storage connection strings: the account key after "AccountKey=".
    _SecretSpec(
        "azure_account_key",
        re.compile(r"(?<=AccountKey=)[A-Za-z0-9+/]{40,}={0,2}"),
        0.95,
        lambda v: True,
    ),
)
_SECRET_QUICK_RE = re.compile(
    r"PRIVATE KEY|AKIA|ASIA|A[BCGIRN][A-Z]A|eyJ|sk-|gh[pousr]_|github_pat_|glpat-|xox|_live_|_test_|AIza|SG\.|hf_|npm_"
    r"|shp|_v1_|pypi-|sq0|dapi|hv[sb]\.|PMAK-|lin_|secret_|NRAK-|gl(?:sa|c)_|xapp-|key-|SK|AC|ya29\.|:AA|AccountKey="
    r"|hooks\.slack|/api/webhooks/"
)
# The shortest provider shape is a Slack token ("xoxb-" and ten more characters); none of them
# has whitespace inside, so a message whose longest chunk is shorter holds none (a PEM private
# key's header has spaces and is looked for by name).
_SHORTEST_PROVIDER_KEY = 15

# "password: hunter2", "api_key=...", "mi contraseña es ...": the value after the keyword.
_CREDENTIAL_RE = re.compile(
    # An underscore may come first: the key word ends an identifier ("aws_secret_access_key = …").
    r"(?<![^\W_])(?P<key>pass(?:word|wd|phrase)?|pwd|pw|passwort|kennwort|contraseña|contrasena|clave|senha"
    r"|mot de passe|mdp|secret|client[_ -]?secret|api[_ -]?key|apikey|access[_ -]?key|secret[_ -]?key"
    r"|access[_ -]?token|auth[_ -]?token|token|bearer|pin|pin[ -]?code|passcode|code pin|código pin|wachtwoord"
    r"|chiave|sleutel|chave|clé|recovery[ -]code|backup[ -]codes?)(?!\w)"
    # The system it opens, in capitals or named ("mot de passe SMTP c'est …", "the password VPN: …").
    r"(?:\s+(?:(?-i:[A-Z]{2,6})|wifi|wi-fi|wlan|vpn|smtp|admin|root|router)(?=[\s:=]))?"
    # "the password for the wifi is …", "la clave del wifi es …", "das Passwort für das WLAN ist …",
    # "the wifi password for the Berlin office guest network is …", "temp pw for the new accounts: …"
    r"(?:\s+(?:of|for|to|del|de|da|do|du|della|dello|di|van|von|vom|für|voor)"
    r"(?:\s+(?!(?:is|es|est|ist|è|é|was|will)\b)[\w-]{1,20}){1,6}?"
    r"(?=\s*(?:(?:is|es|é|è|est|ist|lautet|era|was|will\s+be|c['’]est)\b|:)))?"
    r"(?P<sep>[\"']?\s*(?:=>|:=|[:=])\s*"
    r"|\s+(?:(?:is|was|has been)\s+(?:now\s+)?(?:set|changed|reset)\s+to|(?:set|changed|reset)\s+to|is\s+now"
    # "I set the password to Summer2024!", "change my pin to 4821": the value needs a digit or
    # symbol (below), so "the password to access the portal" stays prose.
    r"|(?:is\s+)?currently|\(currently|will\s+be|c['’]est"
    r"|is|was|es|é|è|est|ist|lautet|era|sería|to|:)\s*[:=]?\s*|\s+)"
    r"[\"'`“„«‘]?(?P<value>[^\s\"'`,;<>“”„«»‘’]{4,200})",
    re.IGNORECASE,
)
# A passphrase in quotes, spaces and all ("the GPG passphrase is 'correct horse battery staple'").
_QUOTED_PASSPHRASE_RE = re.compile(
    r"(?<![^\W_])(?:pass(?:word|phrase)|passwort|kennwort|contraseña|senha|mot de passe|wachtwoord)"
    r"(?:\s+[\w-]{1,20}){0,4}?\s*(?:(?:is|was|es|é|è|est|ist|lautet|c['’]est)\b|[:=])\s*"
    r"[\"'“„«‘](?P<value>[^\"'“”„«»‘’\n]{4,64})[\"'”“»’]",
    re.IGNORECASE,
)
# Words that make a quoted phrase a message about passwords, not one ("'Incorrect password'").
_PASSPHRASE_NOT = word_set(
    "password passphrase passwort kennwort contraseña senha mot passe wachtwoord invalid incorrect wrong "
    "required expired forgot forgotten reset enter your change new"
)
# Placeholders in templates and docs, not secrets: an environment variable's name ("YOUR_API_KEY",
# "TU_CLAVE_AQUI") or a value that addresses the reader ("la_tua_password", "your-db-password").
_ENV_NAME_RE = re.compile(r"\A[A-Z]+(?:_[A-Z]+)+\Z")
_PLACEHOLDER_WORDS = word_set(
    "your yours tu tua tuo votre ton dein deine ihr seu sua vostra vostro changeme placeholder example here aqui "
    "aquí qui ici hier"
)


def _placeholder(value: str) -> bool:
    return bool(_ENV_NAME_RE.match(value)) or not _PLACEHOLDER_WORDS.isdisjoint(re.split(r"[_\-.]", value.lower()))


# Kubernetes / compose environment entries: "- name: REDIS_PASSWORD" then "value: kL8#vQ2!pZ".
_ENV_ENTRY_RE = re.compile(
    r"name:\s*[\"']?\w*(?:PASSWORD|PASSWD|PASS|PWD|SECRET|TOKEN|API_?KEY)[\"']?[ \t]*\r?\n[ \t-]*value:[ \t]*"
    r"[\"']?(?P<value>[^\s\"']{4,200})",
    re.IGNORECASE,
)

# A piece of every key word of ``_CREDENTIAL_RE`` ("contras" of contraseña/contrasena, "pass" of
# passwort and mot de passe, "pin" of code pin), searched in ``lowered(text)``: the
# case-insensitive regex costs ~20 µs a message and most messages name no credential. As a trie
# (``literal_alternation``): 0.8 instead of 1.2 µs a message.
_CREDENTIAL_QUICK_RE = re.compile(
    literal_alternation(
        word_set(
            "pass pw kennwort contras clave senha mdp secret api access auth token bearer pin wachtwoord chiave"
            " sleutel chave clé recovery backup"
        )
    )
)
_CREDENTIAL_STOPWORDS = word_set(
    "the a an my your his her our their this that it is was not to for of and or reset change changed expired "
    "field manager policy requirements required generator strength please null none empty true false undefined "
    "here there below above same again too very el la mi tu su es de que para une un le mon ma est pas das der die "
    "mein ist nicht o a meu minha não bearer basic"
)

# Random-looking tokens next to a credential word; pure hex (git SHAs, UUIDs, checksums) is
# excluded unless the context names it a key.
_TOKEN_RE = re.compile(r"(?<![\w/+=.-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![\w/+=-])")
_TOKEN_MIN = 20  # characters of ``_TOKEN_RE``'s body, which has no whitespace
_UUID_RE = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_HEX_RE = re.compile(r"\A[0-9a-fA-F]+\Z")
_TOKEN_CONTEXT = make_context(
    positive=(
        "key",
        "api key",
        "apikey",
        "secret",
        "token",
        "bearer",
        "authorization",
        "auth",
        "credential*",
        "password",
        "passwort",
        "contraseña",
        "senha",
        "clé",
        "clave",
        "chave",
        "schlüssel",
        "private",
        "signing",
        "webhook",
    ),
    negative=(
        "commit",
        "sha",
        "hash",
        "checksum",
        "md5",
        "sha1",
        "sha256",
        "uuid",
        "guid",
        "request id",
        "trace",
        "url",
        "path",
        "file",
        "base64",
        "image",
        "data",
        "png",
        "jpeg",
        *REFERENCE_WORDS,
    ),
    boost=0.4,
    floor_with_context=0.7,
)


# The password of a URL's user info: "postgres://admin:S3cret@db:5432/prod".
_URL_PASSWORD_RE = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/@:]+:(?P<value>[^\s/@]+)@[\w.-]")

_MARKUP_EDGES = re.compile(r"^[*_`~]+|[*_`~]+$")
# Ticket and reference ids ("REF-1a2b", "INC-204918", "#88213") and anything in brackets
# ("[REF-1a2b]") after a question about a password are references, not the password.
_REFERENCE_ID_RE = re.compile(
    r"\A(?:#\d+|(?:REF|INC|TCK|TKT|TICKET|CASE|REQ|RITM|CHG|PRB|SR|CS|BUG|ISSUE|JIRA|ORD|INV)[-_#]?[0-9A-Za-z]+)\Z",
    re.IGNORECASE,
)


# Code that reads a secret rather than the secret: "password = os.environ['DB_PASSWORD']",
# "token: ${{ secrets.GITHUB_TOKEN }}", "api_key = getenv(…)", "secret: settings.API_SECRET".
# A variable, a template field or a command substitution ("$DB_PASSWORD", "${TOKEN}", "$(cat …)",
# "%(password)s", "%API_KEY%", "{password}", "{{ secret }}"), not a value: generated passwords
# start with "$" or "%" too ("$7+JELFlzUKe", "%Dxli4R84*", "%sjHuAw07cSw"), so only these shapes count.
_CODE_VALUE_RE = re.compile(
    r"\A(?:\$\{?[A-Za-z_][\w.]*\}?[\W]*\Z|\$\(|%\([A-Za-z_]\w*\)[sd]\Z|%[sd]\Z|%[A-Za-z_]\w*%|\{"
    # A call or a subscript as the value stops at its quote: "getenv(", "os.environ[", "get_secret(name)";
    # "Cp72W0e(#kWQ" is a password.
    r"|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:[(\[]\Z|\([\w.,: ]*\)?\Z|\[[\w.,: ]*\]?\Z)|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z)"
)


_TAG_RE = re.compile(r"#(?:\d+|[^\W\d_][\w-]*)")


def _is_reference(text: str, start: int, value: str) -> bool:
    # "#4521", "#billing": a ticket or a channel; "#SV9#nVea22K" is a generated password.
    hashed = value[:1] == "#" and _TAG_RE.fullmatch(value) is not None
    return (
        text[start - 1 : start] in ("[", "(", "#") or value[:1] in "[(" or hashed or bool(_REFERENCE_ID_RE.match(value))
    )


# A word shaped like a generated password stands for one wherever it is ("the code is MROWPnEx#6",
# "I think my key G*43lJRu leaked", "creds: admin:)_L0tI#6eb", "sent the token ($86&IZES2q&M)"):
# 8-64 characters holding a lower-case and an upper-case letter, a digit and one of these symbols
# ("@" too, outside e-mail addresses and handles: "Escritorio@2023").
# Prose, prices, hashtags, versions, e-mails and links never hold all four; a code expression
# rarely does and is short.
PASSWORD_SHAPED_SCORE = 0.6
_SHAPED_SYMBOLS = "!#$%^&*()+=?~[]{}|<>@"
_PASSWORD_SYMBOL_RE = re.compile(r"[!#$%^&*()+=?~\[\]{}|<>@]")
# A user name before the password ("admin:)_L0tI#6eb", "jsmith/Pa55#word").
_USER_PREFIX_RE = re.compile(r"[A-Za-z][\w.-]{0,40}[:/=](?=\S)")
# Log lines, JSON, paths, tables and calls hold these; the passwords people paste rarely do.
_NOT_IN_PASSWORD_RE = re.compile(r"[\"'’|/:=,{}\\]|[!?.]{2}|\^-\^|[^\x00-\x7f]")
# Words joined by symbols ("M5S+IDV+SEL+PD+Radicali") and numbered or bare hashtags ("1.#Grillo").
_ALPHA_CHUNK_RE = re.compile(r"(?<![^\W_])[^\W\d_]{2,}(?![^\W_])")
_HASHTAG_IN_RE = re.compile(r"#[^\W\d_]")
_WORD_END_RE = re.compile(r"\S*")
_DIGIT_RE = re.compile(r"\d")
_LONGEST_SHAPED = 100  # characters before a symbol in which its word must start (user name and value)
_PAIRS = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'", "`": "`", "<": ">"}


def _password_shaped(text: str) -> list[Finding]:
    found: list[Finding] = []
    if not digit_count(text):
        return found
    # Only the words around a symbol are read (most messages have one or two: "?", "!", a bracket).
    last_end = -1
    for symbol in _PASSWORD_SYMBOL_RE.finditer(text):
        if symbol.start() < last_end:
            continue
        end = _WORD_END_RE.match(text, symbol.end()).end()  # type: ignore[union-attr]
        last_end = end
        # The word's start: the last space before the symbol, looked for within a password's length.
        lo = max(0, symbol.start() - _LONGEST_SHAPED)
        start = max(text.rfind(space, lo, symbol.start()) for space in " \n\t\r") + 1
        if start == 0 and lo > 0:
            continue  # a word longer than any password
        if end - start < 8:
            continue
        word = text[start:end]
        # Lower and upper case and a digit, with string methods (a generator per test cost µs).
        if word.upper() == word or word.lower() == word or _DIGIT_RE.search(word) is None:
            continue
        if "://" in word or word.startswith(("www.", "@")) or re.search(r"@[\w-]+\.[A-Za-z]{2,}", word):
            continue  # a link, an e-mail address or a handle ("Escritorio@2023" is none of them)
        # A key or a user name before the value ("admin:)_L0tI#6eb", "MAIL_PASSWORD=Lasagna#77").
        if (user := _USER_PREFIX_RE.match(word)) is not None:
            start += user.end()
        # Brackets and quotes around the word, and the sentence's punctuation after it, are not in it.
        while end - start > 2 and text[start] in _PAIRS and text[end - 1] == _PAIRS[text[start]]:
            start, end = start + 1, end - 1
        while end - start > 8 and text[end - 1] in ".,;:":
            end -= 1
        value = text[start:end]
        if not 8 <= len(value) <= 64 or (value[0] == "#" and value[1:].replace("_", "").isalnum()):
            continue  # a hashtag
        if _NOT_IN_PASSWORD_RE.search(value) or len(_ALPHA_CHUNK_RE.findall(value)) >= 3:
            continue
        if _HASHTAG_IN_RE.search(value) and not any(c in _SHAPED_SYMBOLS.replace("#", "") for c in value):
            continue
        if (
            any(c.isdigit() for c in value)
            and any(c.islower() for c in value)
            and any(c.isupper() for c in value)
            and any(c in _SHAPED_SYMBOLS for c in value)
        ):
            found.append(Finding(SECRET, start, end, PASSWORD_SHAPED_SCORE, "password_shaped"))
    return found


def recognize_secrets(text: str) -> list[Finding]:
    found: list[Finding] = []
    longest = longest_word(text)
    if (longest >= _SHORTEST_PROVIDER_KEY or "PRIVATE KEY" in text) and _SECRET_QUICK_RE.search(text):
        for spec in _SECRET_SPECS:
            for m in spec.pattern.finditer(text):
                end = m.end()
                while end > m.start() and text[end - 1].isspace():
                    end -= 1
                if spec.validate(m.group()):
                    found.append(Finding(SECRET, m.start(), end, spec.score, spec.name))
    quick = _CREDENTIAL_QUICK_RE.search(lowered(text)) is not None
    for m in _CREDENTIAL_RE.finditer(text) if quick else ():
        value = m.group("value").rstrip(".,:;)")
        # Markdown emphasis around a UI label ("**Mot de passe oublié**") is not part of a value.
        if _MARKUP_EDGES.search(value) and not re.search(r"[\d\W_]", value.strip("*_`~")):
            continue
        # A closing "?" or "!" belongs to a password that has digits or symbols of its own
        # ("Sommer2024!"), and is sentence punctuation after a plain word ("Passwort zurück?").
        bare = value.rstrip("?!")
        if not re.search(r"[\d\W_]", bare):
            value = bare
        if text[m.start() - 1 : m.start()] in ("?", "&"):
            value = value.split("&", 1)[0]  # a URL query parameter ends at the next "&"
        if value.lower() in _CREDENTIAL_STOPWORDS or len(value) < 4 or _is_reference(text, m.start("value"), value):
            continue
        if _placeholder(value):
            continue
        if _CODE_VALUE_RE.match(value):
            continue
        explicit = any(c in m.group("sep") for c in ":=")
        has_digit_or_symbol = bool(re.search(r"[\d\W_]", value))
        if not explicit and not has_digit_or_symbol:
            continue  # "my password is weak" / "token expired" — prose, not a value
        key = m.group("key").lower()
        # A PIN is short digits ("my pin is 4821"); any other short value after these words
        # without ":" or "=" is prose ("token expired", "secret sauce").
        pin = key.replace("-", " ").startswith(("pin", "passcode", "code pin", "código pin"))
        if pin and not (value.isdigit() and 4 <= len(value) <= 8):
            continue
        if key in ("token", "bearer", "secret") and not explicit and len(value) < 8:
            continue
        score = 0.85 if explicit else 0.7
        found.append(Finding(SECRET, m.start("value"), m.start("value") + len(value), score, "credential_in_context"))
    if quick:
        for m in _QUOTED_PASSPHRASE_RE.finditer(text):
            words = m.group("value").split()
            if 2 <= len(words) <= 6 and _PASSPHRASE_NOT.isdisjoint(w.lower().strip(".,!?") for w in words):
                found.append(Finding(SECRET, m.start("value"), m.end("value"), 0.8, "credential_in_context"))
    if "value:" in text:
        for m in _ENV_ENTRY_RE.finditer(text):
            if not _placeholder(m.group("value")) and not _CODE_VALUE_RE.match(m.group("value")):
                found.append(Finding(SECRET, m.start("value"), m.end("value"), 0.85, "credential_in_context"))
    if "://" in text:
        for m in _URL_PASSWORD_RE.finditer(text):
            found.append(Finding(SECRET, m.start("value"), m.end("value"), 0.95, "url_credentials"))
    for m in _TOKEN_RE.finditer(text) if longest >= _TOKEN_MIN else ():
        value = m.group()
        if _UUID_RE.match(value) or not re.search(r"\d", value) or not re.search(r"[A-Za-z]", value):
            continue
        if _is_reference(text, m.start(), value):
            continue
        entropy = shannon_entropy(value)
        if _HEX_RE.match(value):
            base, needed = 0.3, 3.0  # hex is git SHAs and checksums unless context says key
        else:
            if not (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value)) or "/" in value.strip("/"):
                continue  # single-case words-with-digits and paths are identifiers, not keys
            base, needed = (0.55 if len(value) >= 32 else 0.4), 3.5
        if entropy < needed:
            continue
        score = _TOKEN_CONTEXT.score(text, m.start(), m.end(), base)
        found.append(Finding(SECRET, m.start(), m.end(), score, "high_entropy_token"))
    found.extend(_password_shaped(text))
    # A provider key is also a high-entropy token and often sits after "key:"; report it once,
    # under the most specific recognizer (ties in score go to the longer span).
    return resolve_overlaps(f for f in found if f.score >= MIN_SCORE) if found else found
