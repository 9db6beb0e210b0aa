"""Generates tests/data/sensitive_labelled.jsonl: chat messages to AI assistants with labelled spans.

Run: .venv/bin/python tests/data/sensitive_generate.py  (deterministic; seed fixed)

Messages come from hand-written templates in five languages; slot values are generated valid
(checksums computed with python-stdnum / phonenumbers) or deliberately invalid for the hard
negatives (order numbers, invoice ids, versions, IDs failing checksums, UUIDs, git SHAs, fake
keys), which carry no label. Every span is asserted against the text before writing.
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import phonenumbers
from stdnum import iban, luhn
from stdnum.br import cpf
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.pt import nif

OUT = Path(__file__).with_name("sensitive_labelled.jsonl")
rng = random.Random(20261123)

FIRST = [
    "John",
    "Sarah",
    "Michael",
    "Emily",
    "David",
    "Jessica",
    "Robert",
    "Laura",
    "James",
    "Olivia",
    "Daniel",
    "Anna",
]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Taylor", "Anderson", "Thompson", "Clark"]
FIRST_ES = ["María", "José", "Lucía", "Carlos", "Javier", "Carmen", "Pablo", "Elena", "Alejandro", "Sofía"]
LAST_ES = ["García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz"]
FIRST_PT = ["João", "Ana", "Pedro", "Mariana", "Rafael", "Beatriz", "Tiago", "Inês", "Lucas", "Camila"]
LAST_PT = ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira", "Rodrigues"]
FIRST_FR = ["Jean", "Marie", "Pierre", "Camille", "Luc", "Julie", "Antoine", "Claire", "Nicolas", "Sophie"]
LAST_FR = ["Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Girard", "Fournier"]
FIRST_DE = ["Hans", "Anna", "Lukas", "Sabine", "Jonas", "Katrin", "Felix", "Julia", "Stefan", "Lena"]
LAST_DE = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann"]
NAMES = {
    "en": (FIRST, LAST),
    "es": (FIRST_ES, LAST_ES),
    "pt": (FIRST_PT, LAST_PT),
    "fr": (FIRST_FR, LAST_FR),
    "de": (FIRST_DE, LAST_DE),
}
ORGS = [
    "Microsoft",
    "Google",
    "Amazon",
    "Goldman Sachs",
    "Deloitte",
    "Siemens",
    "Accenture",
    "Pfizer",
    "Santander",
    "Telefónica",
    "Petrobras",
    "BNP Paribas",
    "Deutsche Bank",
    "Airbus",
    "JPMorgan Chase",
    "Walmart",
]
LOCS = {
    "en": ["London", "New York", "Chicago", "Boston", "Seattle", "Manchester", "Toronto", "Texas", "California"],
    "es": ["Madrid", "Barcelona", "Sevilla", "Valencia", "México", "Bogotá", "Buenos Aires"],
    "pt": ["Lisboa", "Porto", "São Paulo", "Rio de Janeiro", "Brasília", "Coimbra"],
    "fr": ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Bruxelles"],
    "de": ["Berlin", "München", "Hamburg", "Köln", "Frankfurt", "Wien", "Zürich"],
}
DOMAINS = [
    "gmail.com",
    "outlook.com",
    "acme-corp.com",
    "empresa.es",
    "uol.com.br",
    "orange.fr",
    "web.de",
    "yahoo.co.uk",
]
PHONE_REGION = {"en": ["US", "GB"], "es": ["ES", "MX"], "pt": ["PT", "BR"], "fr": ["FR"], "de": ["DE", "AT"]}
MONTHS = {
    "en": ["January", "March", "April", "June", "July", "September", "October", "December"],
    "es": ["enero", "marzo", "abril", "junio", "julio", "septiembre", "octubre", "diciembre"],
    "pt": ["janeiro", "março", "abril", "junho", "julho", "setembro", "outubro", "dezembro"],
    "fr": ["janvier", "mars", "avril", "juin", "juillet", "septembre", "octobre", "décembre"],
    "de": ["Januar", "März", "April", "Juni", "Juli", "September", "Oktober", "Dezember"],
}


def digits(n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def person(lang: str) -> str:
    first, last = NAMES[lang]
    return f"{rng.choice(first)} {rng.choice(last)}"


def email(lang: str) -> str:
    first, last = NAMES["en"] if rng.random() < 0.5 else NAMES[lang]
    local = f"{rng.choice(first)}.{rng.choice(last)}".lower()
    local = local.translate(str.maketrans("áéíóúãçêôüöäñ", "aeiouaceouoan"))
    return f"{local}{rng.choice(['', '', str(rng.randint(1, 99))])}@{rng.choice(DOMAINS)}"


def phone(lang: str) -> str:
    region = rng.choice(PHONE_REGION[lang])
    base = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    while True:
        national = str(base.national_number)
        national = national[:-4] + digits(4)
        number = phonenumbers.parse(national, region)
        if phonenumbers.is_valid_number(number):
            break
    fmt = rng.choice([phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL])
    return phonenumbers.format_number(number, fmt)


def card() -> str:
    prefix = rng.choice(["4", "4", "51", "55", "2221", "37", "6011"])
    length = 15 if prefix == "37" else 16
    body = prefix + digits(length - len(prefix) - 1)
    number = body + luhn.calc_check_digit(body)
    if length == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    style = rng.choice(["space", "dash", "plain"])
    groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return {"space": " ".join(groups), "dash": "-".join(groups), "plain": number}[style]


def bad_card_order() -> str:
    while True:
        number = rng.choice(["4", "5"]) + digits(15)
        if not luhn.is_valid(number):
            return number


IBAN_BODIES = {"DE": 18, "ES": 20, "FR": 23, "PT": 21, "GB": 18, "NL": 14, "IT": 23, "BE": 12, "AT": 16}


def make_iban(country: str | None = None) -> str:
    country = country or rng.choice(list(IBAN_BODIES))
    n = IBAN_BODIES[country]
    if country == "GB":
        bban = "NWBK" + digits(n - 4)
    elif country == "NL":
        bban = "ABNA" + digits(n - 4)
    elif country == "IT":
        bban = "X" + digits(n - 1)
    elif country == "FR":
        bban = digits(n - 2) + "".join(rng.choice(string.digits) for _ in range(2))
    else:
        bban = digits(n)
    check = iban.calc_check_digits(country + "00" + bban)
    compact = country + check + bban
    if not iban.is_valid(compact):  # some countries add a national check inside the BBAN
        return make_iban(country)
    if rng.random() < 0.6:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


def bad_iban() -> str:
    good = make_iban().replace(" ", "")
    check = int(good[2:4])
    wrong = f"{(check + rng.randint(1, 50)) % 97 + 2:02d}"
    bad = good[:2] + wrong + good[4:]
    return bad if not iban.is_valid(bad) else bad_iban()


def ssn() -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def nino() -> str:
    first = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
        return nino()
    d = digits(6)
    return rng.choice(
        [f"{first}{second}{d}{rng.choice('ABCD')}", f"{first}{second} {d[:2]} {d[2:4]} {d[4:]} {rng.choice('ABCD')}"]
    )


def es_dni() -> str:
    d = digits(8)
    return d + dni.calc_check_digit(d)


def es_nie() -> str:
    d = digits(7)
    p = rng.choice("XYZ")
    return p + d + nie.calc_check_digit(p + d)


def bad_dni() -> str:
    d = digits(8)
    good = dni.calc_check_digit(d)
    return d + rng.choice([c for c in "TRWAGMYFPDXBNJZSQVHLCKE" if c != good])


def br_cpf() -> str:
    while True:
        d = digits(11)
        if cpf.is_valid(d):
            return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"


def pt_nif() -> str:
    while True:
        d = rng.choice("12") + digits(8)
        if nif.is_valid(d):
            return d


def fr_nir() -> str:
    while True:
        body = f"{rng.choice('12')}{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}{digits(6)}"
        if body[5:7] == "20":
            continue
        full = body + nir.calc_check_digits(body)
        if nir.is_valid(full):
            return f"{full[0]} {full[1:3]} {full[3:5]} {full[5:7]} {full[7:10]} {full[10:13]} {full[13:]}"


def de_idnr() -> str:
    while True:
        d = rng.choice("123456789") + digits(10)
        if idnr.is_valid(d):
            return f"{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}" if rng.random() < 0.5 else d


VATS = ["DE136695976", "FR40303265045", "IT00743110157", "PT501964843", "ATU13585627", "BE0403019261", "ESB58378431"]
CODICI = ["RSSMRA85T10A562S", "MRTMTT91D08F205J", "VRDGPP80A01H501Z"]


def national_id(lang: str) -> str:
    choices = {
        "en": [nino, nino, lambda: rng.choice(VATS), lambda: rng.choice(CODICI)],
        "es": [es_dni, es_dni, es_nie],
        "pt": [br_cpf, pt_nif],
        "fr": [fr_nir],
        "de": [de_idnr],
    }[lang]
    return rng.choice(choices)()


def ip() -> str:
    if rng.random() < 0.2:
        return rng.choice(["2001:db8:85a3::8a2e:370:7334", "fe80::1ff:fe23:4567:890a", "2a00:1450:4001:81c::200e"])
    return rng.choice(
        [
            f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"{rng.randint(34, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        ]
    )


B32 = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


def rand(chars: str, n: int) -> str:
    while True:
        value = "".join(rng.choice(chars) for _ in range(n))
        if any(c.isdigit() for c in value) or chars == B32:
            return value


def secret() -> str:
    kind = rng.choice(["aws", "openai", "github", "slack", "stripe", "jwt", "google", "anthropic"])
    if kind == "aws":
        return "AKIA" + rand(B32, 16)
    if kind == "openai":
        return "sk-proj-" + rand(ALNUM, 40)
    if kind == "anthropic":
        return "sk-ant-api03-" + rand(ALNUM + "-_", 60)
    if kind == "github":
        return "ghp_" + rand(ALNUM, 36)
    if kind == "slack":
        return f"xoxb-{digits(11)}-{digits(12)}-{rand(ALNUM, 24)}"
    if kind == "stripe":
        return "sk_live_" + rand(ALNUM, 24)
    if kind == "google":
        return "AIza" + rand(ALNUM + "-_", 35)
    import base64

    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(json.dumps({"sub": digits(6), "iat": 1700000000}).encode()).decode().rstrip("=")
    return f"{header}.{payload}.{rand(ALNUM + '-_', 43)}"


def password() -> str:
    return rand(ALNUM, rng.randint(3, 6)) + rng.choice("!#$%&*@") + digits(rng.randint(2, 4))


def dob(lang: str) -> str:
    y, m, d = rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.choice(["numeric", "text", "iso"])
    if style == "iso":
        return f"{y}-{m:02d}-{d:02d}"
    if style == "numeric":
        return (
            f"{m:02d}/{d:02d}/{y}"
            if lang == "en"
            else f"{d:02d}.{m:02d}.{y}"
            if lang == "de"
            else f"{d:02d}/{m:02d}/{y}"
        )
    month = rng.choice(MONTHS[lang])
    return {
        "en": f"{month} {d}, {y}",
        "es": f"{d} de {month} de {y}",
        "pt": f"{d} de {month} de {y}",
        "fr": f"{d} {month} {y}",
        "de": f"{d}. {month} {y}",
    }[lang]


# Unlabelled look-alikes ---------------------------------------------------------------------
def version() -> str:
    return f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}"


def uuid() -> str:
    h = "0123456789abcdef"
    return f"{rand(h, 8)}-{rand(h, 4)}-4{rand(h, 3)}-a{rand(h, 3)}-{rand(h, 12)}"


def sha() -> str:
    return rand("0123456789abcdef", rng.choice([40, 40, 12]))


NEG = {
    "ORDER": bad_card_order,
    "INVOICE": lambda: f"INV-{rng.randint(2019, 2026)}-{digits(5)}",
    "VERSION": version,
    "BADIBAN": bad_iban,
    "BADDNI": bad_dni,
    "UUID": uuid,
    "SHA": sha,
    "DATE": lambda: f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    "FAKEKEY": lambda: rng.choice(["AKIA1234", "sk-your-key-here", "ghp_xxxxxxxxxxxxxxxx", "AKIAXXXXXXXX"]),
    "TRACKING": lambda: f"1Z{rand(B32, 6)}{digits(10)}",
    "AMOUNT": lambda: f"{rng.randint(1, 99)},{digits(3)}.{digits(2)}",
}
LABELLED = {
    "EMAIL": ("EMAIL", email),
    "PHONE": ("PHONE", phone),
    "CARD": ("CREDIT_CARD", lambda lang: card()),
    "IBAN": ("IBAN", lambda lang: make_iban()),
    # A mistyped IBAN right after the word is still the account number (ninth session; unlabelled
    # before). "Is {BADIBAN} a valid IBAN?" stays a look-alike: nothing names it before.
    "TYPOIBAN": ("IBAN", lambda lang: bad_iban()),
    "SSN": ("SSN", lambda lang: ssn()),
    "NID": ("NATIONAL_ID", national_id),
    "IP": ("IP_ADDRESS", lambda lang: ip()),
    "SECRET": ("SECRET", lambda lang: secret()),
    "PASSWORD": ("SECRET", lambda lang: password()),
    "DOB": ("DATE_OF_BIRTH", dob),
    "PERSON": ("PERSON", person),
    "ORG": ("ORGANIZATION", lambda lang: rng.choice(ORGS)),
    "LOC": ("LOCATION", lambda lang: rng.choice(LOCS[lang])),
}

TEMPLATES = {
    "en": [
        "Can you draft a reply to {PERSON}? Her email is {EMAIL} and she asked about the refund.",
        "My phone number is {PHONE}, please include it in the signature.",
        "Please update my billing: card {CARD}, the old one expired.",
        "Why was my payment declined? I used the card ending {CARD} yesterday.",
        "Write a formal letter to {ORG} asking them to wire the money to IBAN {IBAN}.",
        "Fill in this form for me: name {PERSON}, SSN {SSN}, date of birth {DOB}.",
        "I was born on {DOB} in {LOC}. What is my zodiac sign?",
        "The server at {IP} keeps timing out when I ssh in. Any ideas?",
        "Our app crashes after upgrading to version {VERSION}, how do I roll back?",
        "Here is my config, why doesn't it work?\n```\nAWS_ACCESS_KEY_ID={SECRET}\nregion=us-east-1\n```",
        "I pasted my key by mistake: {SECRET} — is that a problem?",
        "Login keeps failing. username: jdoe, password: {PASSWORD}",
        "Track order {ORDER} please, it was due last week.",
        "Summarize invoice {INVOICE} for the finance team at {ORG}.",
        "The commit {SHA} broke the build, can you explain the diff?",
        "Request id {UUID} failed with a 502, what does that mean?",
        "My national insurance number is {NID}, do I need it for the tax return?",
        "Is {BADIBAN} a valid IBAN? The bank rejected the transfer.",
        "Schedule a call with {PERSON} from {ORG} in {LOC} next Tuesday.",
        "Translate to Spanish: 'Contact {PERSON} at {PHONE} or {EMAIL}.'",
        '{{"customer": "{PERSON}", "email": "{EMAIL}", "phone": "{PHONE}"}} — turn this JSON into a CSV row.',
        "Firewall logs show repeated hits from {IP} and {IP}. Should I block them?",
        "Use this token to call the API: Bearer {SECRET}",
        "hey can u check why AKIA keys like {FAKEKEY} are rejected by the validator",
        "I moved from {LOC} to {LOC} last year and now work for {ORG}.",
        "Meeting notes {DATE}: {PERSON} will send the contract to {EMAIL}.",
        "Customer complained: shipment {TRACKING} still not delivered, total {AMOUNT} USD.",
        "VAT number for the invoice: {NID}. Company: {ORG}.",
        "What is 2+2? Also explain photosynthesis in simple words.",
        "Give me a recipe for banana bread without eggs.",
        "refactor this function so it returns early instead of nesting ifs",
        "Why does this log line fail to parse? `{DATE} 10:30:45,123 ERROR worker-3 pid=48213 ip={IP}`",
        "chrome {VERSION} crashes on login, python 3.11.7 works. Docker digest sha256:{SHA}",
        "Is {BADDNI} a valid Spanish DNI? And what about order {ORDER}?",
        "My account number is {AMOUNT} and the case number {INVOICE}; phone {PHONE}.",
        "- name: {PERSON}\n- e-mail: {EMAIL}\n- DOB: {DOB}\n- card: {CARD}",
        "Error: token expired at 1700000000 for user 4521, retry with key {FAKEKEY}",
    ],
    "es": [
        "Hola, soy {PERSON} y mi correo es {EMAIL}. ¿Me ayudas con una reclamación?",
        "Mi teléfono es {PHONE}, llámame cuando tengas la respuesta.",
        "Necesito pagar con la tarjeta {CARD}, ¿es seguro?",
        "Redacta un email a {ORG} para que me devuelvan el dinero a la cuenta {IBAN}.",
        "Mi DNI es {NID} y nací el {DOB}. ¿Qué documentos necesito?",
        "El pedido {ORDER} no ha llegado todavía a {LOC}.",
        "La factura {INVOICE} tiene un error en el importe.",
        "Tras actualizar a la versión {VERSION} la aplicación no arranca.",
        "¿Por qué el banco dice que {BADIBAN} no es válido?",
        "El documento {BADDNI} me da error en el formulario, ¿qué hago?",
        "mi contraseña: {PASSWORD} no funciona en el portal",
        "Escribe una carta de presentación para {PERSON}, que vive en {LOC}.",
        "Resume este texto sobre la historia de {LOC} en tres frases.",
        "¿Cómo configuro el servidor {IP} para que acepte conexiones?",
    ],
    "pt": [
        "Olá, meu nome é {PERSON} e meu e-mail é {EMAIL}.",
        "Pode ligar para o meu telefone {PHONE} amanhã?",
        "Meu CPF é {NID}, preciso dele para abrir a conta no {ORG}?",
        "Transfira o valor para o IBAN {IBAN}, por favor escreva a mensagem.",
        "Nasci em {DOB} em {LOC}. Quantos anos tenho?",
        "O cartão {CARD} foi recusado na loja.",
        "A encomenda {ORDER} ainda não chegou.",
        "Depois da atualização para a versão {VERSION} o sistema ficou lento.",
        "O NIF {NID} está correto para a fatura?",
        "Explique a diferença entre juros simples e compostos.",
        "senha: {PASSWORD} — por que não consigo entrar?",
        "Escreva um convite para {PERSON} para a reunião em {LOC}.",
    ],
    "fr": [
        "Bonjour, je suis {PERSON}, mon adresse e-mail est {EMAIL}.",
        "Mon numéro de téléphone est {PHONE}, rappelez-moi svp.",
        "Mon numéro de sécurité sociale est {NID}, est-ce que je dois le donner ?",
        "Rédige un courrier à {ORG} pour un virement sur l'IBAN {IBAN}.",
        "Je suis né le {DOB} à {LOC}.",
        "La carte {CARD} a été refusée, pourquoi ?",
        "La commande {ORDER} n'est toujours pas arrivée.",
        "Depuis la mise à jour vers la version {VERSION}, l'appli plante.",
        "L'IBAN {TYPOIBAN} est refusé par ma banque, il est faux ?",
        "mot de passe : {PASSWORD} ne marche plus",
        "Peux-tu résumer cet article sur {LOC} ?",
        "Écris un poème sur la mer.",
    ],
    "de": [
        "Hallo, ich bin {PERSON}, meine E-Mail ist {EMAIL}.",
        "Meine Handynummer ist {PHONE}, bitte ruf mich an.",
        "Meine Steuer-ID ist {NID}, brauche ich die für die Steuererklärung?",
        "Schreib eine Mail an {ORG}: Bitte überweisen Sie den Betrag auf IBAN {IBAN}.",
        "Ich bin am {DOB} in {LOC} geboren.",
        "Die Karte {CARD} wurde abgelehnt.",
        "Die Bestellung {ORDER} ist noch nicht angekommen.",
        "Seit dem Update auf Version {VERSION} startet die App nicht mehr.",
        "Rechnung {INVOICE} enthält einen Fehler.",
        "Passwort: {PASSWORD} funktioniert nicht",
        "Wie spät ist es in {LOC}?",
        "Erkläre mir den Unterschied zwischen TCP und UDP.",
    ],
}

SLOT_RE = re.compile(r"\{([A-Z]+)\}")


def render(template: str, lang: str) -> dict:
    text = ""
    entities = []
    pos = 0
    template = template.replace("{{", "\x00").replace("}}", "\x01")
    for m in SLOT_RE.finditer(template):
        text += template[pos : m.start()]
        slot = m.group(1)
        if slot in LABELLED:
            etype, make = LABELLED[slot]
            value = make(lang)
            if slot == "NID" and "VAT" in template:
                value = rng.choice(VATS)
            if slot == "NID" and "national insurance" in template:
                value = nino()
            if slot == "NID" and "CPF" in template:
                value = br_cpf()
            if slot == "NID" and "NIF" in template:
                value = pt_nif()
            entities.append({"type": etype, "start": len(text), "end": len(text) + len(value), "value": value})
        else:
            value = NEG[slot]()
        text += value
        pos = m.end()
    text += template[pos:]
    text = text.replace("\x00", "{").replace("\x01", "}")
    for e in entities:
        assert text[e["start"] : e["end"]] == e["value"], (text, e)
    return {"lang": lang, "text": text, "entities": entities}


def main() -> None:
    rows = []
    counts = {"en": 300, "es": 120, "pt": 100, "fr": 90, "de": 90}
    for lang, n in counts.items():
        templates = TEMPLATES[lang]
        for i in range(n):
            rows.append(render(templates[i % len(templates)], lang))
    with OUT.open("w", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            fh.write(json.dumps({"id": i, **row}, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} messages to {OUT}")


if __name__ == "__main__":
    main()
