"""Word lists that decide whether a capitalised word can be a name: UI labels, first names.

People quote interface labels in capitals ("choose Reset", "click Submit, then Save") and the
small NER model tags them as people, organizations or places. A span made only of such words is
never a name. First names (from Faker's MIT-licensed lists, copied into ``data/first_names.txt``
by ``scripts/detection_build_first_names.py``) confirm a single capitalised word after a weak
cue ("Hi Tomasz,", "ask Lucia whether"); they are never a finding on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS

from apps.detection.recognizers.base import unaccented, word_set
from apps.nlp.word_frequencies import word_frequencies

_DATA = Path(__file__).resolve().parents[1] / "data" / "first_names.txt"


# Buttons, menus and the imperatives that introduce them, plus capitalised document and
# product words that are not proper names ("Quarterly Review", "Terms of Service").
UI_WORDS = word_set(
    """
    reset submit save cancel settings setting ok apply close open edit delete remove undo redo next back previous
    finish done continue confirm accept decline reject allow deny login logout log sign signin signup register
    search find filter sort export import download upload refresh reload retry send share print preview view
    copy paste cut select choose pick click tap press hit enter exit quit start stop pause resume run play
    menu file files folder archive inbox outbox drafts trash spam help about account profile preferences
    options advanced general security privacy notifications notification dashboard reports report admin
    billing payments payment checkout cart add create update upgrade install uninstall enable disable
    on off yes no submit next skip learn more details summary overview status history tools tool view window
    compare summarize summarise translate explain rewrite draft write use go see check fix list show tell
    quarterly annual monthly weekly review notes release manifesto terms service services conditions policy
    agreement theorem slides deck spreadsheet document documents template templates attachment attachments
    button tab page screen dialog modal panel sidebar toolbar field form portal app application
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december today tomorrow yesterday
    python java javascript typescript rust go ruby kotlin swift excel word powerpoint outlook teams slack
    zoom chrome firefox safari windows linux macos android ios sql json api cli
    """
)
# The same buttons and imperatives in es/pt/fr/de/it/nl ("Cliquez sur Enregistrer puis Fermer", "Haz
# clic en Guardar"), and the department and job words of e-mail signatures ("Departamento de
# Compras", "Senior Buyer"), which NER tags as people.
UI_WORDS_OTHER_LANGUAGES = word_set(
    """
    guardar enviar cancelar aceptar cerrar siguiente anterior abrir borrar eliminar descargar subir buscar
    haz clic pulsa toca selecciona elige configuración ajustes inicio salvar fechar próximo excluir baixar
    clique toque selecione escolha configurações enregistrer envoyer annuler fermer suivant précédent ouvrir
    supprimer télécharger valider cliquez cliquer appuyez sélectionnez choisissez paramètres accueil
    speichern senden abbrechen schließen weiter zurück öffnen löschen herunterladen hochladen klicken wählen
    einstellungen bestätigen salva invia annulla chiudi avanti apri elimina scarica carica clicca premi
    seleziona scegli impostazioni opslaan verzenden annuleren sluiten volgende vorige openen verwijderen
    downloaden klik kies selecteer instellingen
    departamento ufficio abteilung afdeling département service compras acquisti achats einkauf inkoop
    senior junior buyer purchasing procurement manager director head lead officer assistant analyst
    consultant specialist coordinator responsable gerente diretor directeur directrice leiter leiterin
    direttore responsabile
    directora diretora direttrice comercial commercial project account accounts grands comptes country
    finance finanzas finanças financeiro contabilidad contabilidade comptabilité buchhaltung contabilità
    payroll nómina legal jurídico juridique recht legale marketing procurement operations engineering
    compliance
    """
)
UI_WORDS = UI_WORDS | UI_WORDS_OTHER_LANGUAGES
# Software, data tools, cloud services and apps that people name in chat with an assistant
# ("sum amount in Postgres?", "open a ticket with Zendesk", "export from BigQuery"). The small
# NER model tags them as places after "in", as people after "with", as organizations anywhere;
# none of them identifies a person or a customer. Names that are mostly employers ("Google",
# "Microsoft", "Salesforce") are left out: "I work at Salesforce" is about someone.
PRODUCT_WORDS = word_set(
    """
    postgres postgresql mysql mariadb sqlite mongodb redis cassandra dynamodb elasticsearch opensearch
    bigquery snowflake redshift databricks clickhouse duckdb oracle db2 kafka rabbitmq airflow dbt spark
    hadoop hive pandas numpy scipy matplotlib jupyter notebook django flask fastapi rails laravel spring
    react angular vue svelte nextjs node nodejs npm yarn pip conda docker kubernetes k8s helm terraform
    ansible jenkins circleci github gitlab bitbucket git jira confluence trello asana notion airtable
    monday clickup linear figma sketch canva miro zendesk freshdesk intercom hubspot pipedrive mailchimp
    shopify stripe paypal quickbooks xero tableau looker powerbi metabase grafana kibana datadog sentry
    splunk postman vscode intellij pycharm xcode eclipse vim emacs bash powershell zsh terminal
    gmail sharepoint onedrive dropbox gdrive whatsapp telegram instagram facebook linkedin twitter youtube
    tiktok pinterest reddit wordpress webflow wix chatgpt gpt gpt-4 gpt-4o copilot midjourney
    perplexity dall-e llama php html css typescript graphql rest webhook webhooks oauth saml sso
    atm atms visa mastercard mastercards amex american express maestro jcb unionpay discover venmo zelle
    klarna afterpay sepa swift bacs chaps ach debit credit card cards transaction transactions withdrawal
    transfer payment refund deposit balance direct bank
    usd eur gbp aud cad chf jpy cny rub inr brl mxn nzd sek nok dkk pln huf czk zar hkd sgd
    euro euros dollar dollars pound pounds ruble rubles rouble roubles yen peso pesos franc francs rupee rupees
    """
)
# Payment networks and money words (above, from the last three lines) are what banking chat names
# most: "top up with Mastercard", "the ATM ate my card", "Apple Pay", "in AUD". None is a
# person, a place or a company someone works for in those messages; 25k public banking/assistant
# requests gave 300+ such ORGANIZATION/PERSON/LOCATION findings before.
# Months and weekdays as es/pt/fr/de/it/nl write them (the Unicode CLDR's wide names, through
# babel, copied here), less those that are also first names ("Abril", "Domingo", "Julio", "Juni")
# or English month names ("April", "August"): capitalised in chat ("la factura de Marzo", "em
# Agosto"), the English model called them people and the place cue ("em", "a") a place.
MONTHS_AND_DAYS = word_set(
    """
    agosto août aprile avril dezember dezembro dicembre diciembre dienstag dimanche dinsdag domenica
    donderdag donnerstag décembre enero febbraio febrero februar februari fevereiro freitag février
    gennaio giovedì giugno janeiro januar januari janvier jeudi jueves juillet juin julho juli junho
    junio luglio lundi lunedì lunes maandag maart maggio mai maio mardi mars martedì martes marzo
    março mayo mei mercoledì mercredi mittwoch miércoles montag märz novembre novembro noviembre
    octobre octubre oktober ottobre outubro quarta-feira quinta-feira sabato samedi samstag
    segunda-feira septembre septiembre setembro settembre sexta-feira sonntag sábado terça-feira
    vendredi venerdì viernes vrijdag woensdag zaterdag zondag
    """
)
# Plan, role and department words and business acronyms ("the Premium plan", "VP Operations", "ask
# HR about PTO"): never a name or a place on their own (NER's triggers, cued places).
ROLE_AND_PLAN_WORDS = word_set(
    """
    basic plus premium business family pro enterprise starter standard free unlimited
    vp svp evp avp ceo cto cfo coo cmo cio ciso cpo
    operations sales marketing finance engineering legal procurement hr it pto iso kpi okr crm erp
    platform infrastructure devops sre qa
    emea apac latam
    """
)

NOT_NAMES = UI_WORDS | PRODUCT_WORDS | frozenset(EN_STOP_WORDS) | MONTHS_AND_DAYS
# After a company's name, its product rather than the company: "Apple Pay", "my Apple Watch",
# "my Google account", "Google Sheets".
PRODUCT_AFTER_RE = re.compile(
    r"[ \t]+(?:pay|watch|card|cards|wallet|account|sheets|docs|drive|calendar|analytics|maps|cloud|workspace|ads"
    r"|meet|forms|slides|translate|search|console|store|play|photos|music|prime|office|teams|outlook|excel|api|sdk"
    r"|app|apps)\b",
    re.IGNORECASE,
)
# A word in capitals right after a span: the span is part of a shouted sentence ("MENTRE LORO SE
# LA SPASSANO"), whose capitals say nothing about names or companies.
SHOUTED_WORD_AFTER_RE = re.compile(r"[ \t]+[A-ZÀ-Þ]{2,}\b")


@cache
def first_names() -> frozenset[str]:
    """The listed first names, lower case, and each also without its accents: people type
    "benoit", "francois", "joao" for Benoît, François, João (ninth session)."""
    names = _lowered_lines(_DATA)
    bare = sorted({unaccented(name) for name in names} - names)
    # Not where the bare form is an everyday English word ("age" of Åge, "america" of América).
    common = word_frequencies(bare, ("en",))[:, 0] >= _BARE_NAME_COMMON_FROM
    return names | frozenset(name for name, everyday in zip(bare, common, strict=True) if not everyday)


_BARE_NAME_COMMON_FROM = -5.0  # log10 frequency in English


@cache
def surnames() -> frozenset[str]:
    """Faker's surnames of the first names' locales, lower case (``scripts/detection_build_first_names.py``)."""
    return _lowered_lines(_DATA.with_name("surnames.txt"))


def _lowered_lines(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_ui_phrase(value: str) -> bool:
    """True when every word of the span is a UI label or common word ("Reset", "Terms of Service")."""
    words = [w.strip(".,:;!?()\"'’").lower() for w in value.split()]
    return all(w in NOT_NAMES for w in words if w)


@dataclass(frozen=True)
class NameList:
    """Proper names of one kind (places, companies) as written, for exact matching in text."""

    names: frozenset[str]
    first_words: frozenset[str]  # as written: only a run word among these can start a name
    longest: int  # most words in one name


@cache
def name_list(path: Path) -> NameList:
    lines = path.read_text(encoding="utf-8").splitlines()
    return name_list_of(line for line in lines if line and not line.startswith("#"))


@cache
def known_companies() -> NameList:
    """The hand-written well-known companies (``companies.txt``) and the stock indices' members
    (``listed_companies.txt``, ``scripts/detection_build_listed_companies.py``), one list."""
    data = _DATA.parent
    return name_list_of(
        line
        for path in (data / "companies.txt", data / "listed_companies.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )


def name_list_of(names: Iterable[str]) -> NameList:
    listed = frozenset(names)
    words = [_NAME_WORD_RE.findall(name) for name in listed]
    return NameList(listed, frozenset(w[0] for w in words), max(len(w) for w in words))


# Runs of capitalised words, with the short connectors of names inside ("Rio de Janeiro",
# "Frankfurt am Main", "Stratford-upon-Avon", "Bank of America", "Ana de la Cruz", "Jan van Dijk").
# The first capital comes before the lookbehind that checks the character in front of it: a
# pattern that starts with a character class lets the engine skip straight to capitals, where a
# leading lookbehind is tried at every position (4.6 against 10 µs a message, same matches).
_CAP_RUN_RE = re.compile(
    # Not inside a word, a handle or a path, but after an elided article ("d'Inès Marchand",
    # "l'Université de Strasbourg", "dell'Anna").
    r"[A-ZÀ-ÖØ-ÞĀ-Ž](?:(?<![\w'’@./\\-][A-ZÀ-ÖØ-ÞĀ-Ž])|(?<=(?<!\w)[dDlL]['’][A-ZÀ-ÖØ-ÞĀ-Ž])|(?<=ll['’][A-ZÀ-ÖØ-ÞĀ-Ž]))"
    # An apostrophe inside a word or before its "s" ("O'Neil", "Anna's"), not a closing quote after
    # it ("name Daniel Okoro'").
    r"\w*(?:['’]\w+)*"
    r"(?:(?:(?:[ -](?:de|do|da|dos|das|del|di|du|am|an|la|le|el|upon|sur|on|of|van|von|der|den|ter)){1,2}(?=[ -][A-ZÀ-ÖØ-ÞĀ-Ž]))?"
    r"[ -][A-ZÀ-ÖØ-ÞĀ-Ž]\w*(?:['’]\w+)*)*"
)
_NAME_WORD_RE = re.compile(r"[^ -]+")


@lru_cache(maxsize=4)
def capitalised_runs(text: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """Each run's words as ``(start, end, word)``; cached for the next reader of the same text
    (the name, place and company recognizers run one after the other on every message)."""
    runs: list[tuple[tuple[int, int, str], ...]] = []
    for run in _CAP_RUN_RE.finditer(text):
        value = run.group()
        offset = run.start()
        if " " not in value and "-" not in value:  # one word, most runs: the words regex would return it whole
            runs.append(((offset, run.end(), value),))
            continue
        runs.append(tuple((m.start() + offset, m.end() + offset, m.group()) for m in _NAME_WORD_RE.finditer(value)))
    return tuple(runs)


@lru_cache(maxsize=4)
def run_words(text: str) -> frozenset[str]:
    """Every word of ``capitalised_runs(text)`` as written: one set check tells the gazetteers
    and the name rules whether any word could start a name they know."""
    return frozenset(word for run in capitalised_runs(text) for _, _, word in run)


def find_names(text: str, names: NameList) -> list[tuple[int, int, bool]]:
    """``(start, end, alone)`` of each listed name in ``text``, longest first at each position;
    ``alone``: the name is the whole run of capitalised words it stands in ("in Sevilla," vs
    "Banco Santander")."""
    found: list[tuple[int, int, bool]] = []
    if names.first_words.isdisjoint(run_words(text)):
        return found  # no word can start a listed name (the loop below would find none)
    for parts in capitalised_runs(text):
        i = 0
        while i < len(parts):
            if parts[i][2] in names.first_words:  # most capitalised words start no listed name
                for j in range(min(len(parts), i + names.longest), i, -1):
                    start, end = parts[i][0], parts[j - 1][1]
                    if text[start:end] in names.names:
                        # A possessive ends the run before it: "Warren Buffett's Berkshire Hathaway".
                        first = i == 0 or parts[i - 1][2].endswith(("'s", "’s"))
                        found.append((start, end, first and j == len(parts)))
                        i = j - 1
                        break
            i += 1
    return found
