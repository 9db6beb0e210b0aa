"""Pure logic of the extra shadow-AI signals (docs/shadow-ai.md "More signals"); no database.

- ``telemetry_matches``: does a provider/model named by telemetry (OTLP ``gen_ai.provider.name`` /
  ``gen_ai.system``, ``gen_ai.response.model``; batch ``metadata.vendor`` and ``model``) fit the
  assistant's registered vendor and model?
- ``MentionMatcher``: user messages that report using an external AI tool ("I pasted this into
  ChatGPT", "Claude said…"), with one compiled alternation of the catalog's names and a usage
  cue required right before or after the name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from apps.detection.shadow.catalog import AIService

# --- unregistered model -------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Provider spellings → one vendor key. The left side is the spelling with everything but letters
# and digits removed, so "gcp.vertex_ai", "GCP Vertex AI" and "gcp-vertex-ai" are one entry.
# Covers the OpenTelemetry GenAI ``gen_ai.provider.name`` values and common registry spellings.
_VENDOR_ALIASES: dict[str, str] = {
    "openai": "openai",
    "openaiinc": "openai",
    "anthropic": "anthropic",
    "anthropicpbc": "anthropic",
    "cohere": "cohere",
    "deepseek": "deepseek",
    "groq": "groq",
    "mistral": "mistral",
    "mistralai": "mistral",
    "xai": "xai",
    "perplexity": "perplexity",
    "meta": "meta",
    "metaai": "meta",
    "ibm": "ibm",
    "ibmwatsonxai": "ibm",
    "watsonx": "ibm",
    "google": "google",
    "googlegemini": "google",
    "gemini": "google",
    "gcpgemini": "google",
    "gcpgenai": "google",
    "gcpvertexai": "google",
    "vertexai": "google",
    "googlevertexai": "google",
    "googlecloud": "google",
    "amazon": "amazon",
    "aws": "amazon",
    "awsbedrock": "amazon",
    "bedrock": "amazon",
    "amazonbedrock": "amazon",
    "amazonwebservices": "amazon",
    "microsoft": "microsoft",
    "azure": "microsoft",
    "azureopenai": "microsoft",
    "azureaiopenai": "microsoft",
    "azureaiinference": "microsoft",
    "azaiinference": "microsoft",
    "azaiopenai": "microsoft",
    "microsoftazure": "microsoft",
    "azureaifoundry": "microsoft",
}
# Clouds and routers that serve other makers' models: "aws.bedrock" in the telemetry of an
# assistant registered as Anthropic (or "openai" from the OpenAI SDK pointed at an assistant
# registered as Azure OpenAI) is the same model when the model names agree.
PLATFORMS = frozenset({"amazon", "microsoft", "google", "groq", "openrouter", "together", "fireworks", "ibm"})

# Bedrock ids carry a region group and the maker: "us.anthropic.claude-3-5-sonnet-20240620-v1:0".
_MODEL_PREFIX = re.compile(
    r"^(?:(?:us|eu|apac|global|us-gov)\.)?(?:anthropic|meta|amazon|cohere|mistral|ai21|deepseek|openai|writer)\."
)
# What may follow a registered model name and still be the same model: dated snapshots
# ("-2024-08-06", "-20240620", "@20240620", "-0613", "-002"), version tags ("-v1:0"), aliases
# ("-latest", "-preview"). "gpt-4o-mini" or "gpt-4.1" after "gpt-4o"/"gpt-4" is another model.
_VERSION_SUFFIX = re.compile(r"^(?:[-@:_](?:\d{4}-\d{2}-\d{2}|\d{3,8}|v\d+(?:[.:-]\d+)*|latest|preview))+$")


def vendor_key(vendor: str) -> str:
    """A vendor's comparison key: ``"OpenAI"``, ``"openai"`` and ``"Open AI"`` are one vendor."""
    key = _NON_ALNUM.sub("", vendor.casefold())
    return _VENDOR_ALIASES.get(key, key)


def model_key(model: str) -> str:
    """``"models/Gemini-1.5-Pro"`` → ``"gemini-1.5-pro"``; Bedrock's region/maker prefix dropped."""
    name = model.strip().casefold()
    name = name.rsplit("/", 1)[-1]
    return _MODEL_PREFIX.sub("", name)


def _versioned(longer: str, shorter: str) -> bool:
    return longer.startswith(shorter) and bool(_VERSION_SUFFIX.match(longer[len(shorter) :]))


def models_match(observed: str, registered: str) -> bool:
    """Same model, allowing a dated/versioned form of either name (``gpt-4o-2024-08-06`` = ``gpt-4o``)."""
    a, b = model_key(observed), model_key(registered)
    if not a or not b:
        return True  # nothing to compare is no evidence of a mismatch
    return a == b or _versioned(a, b) or _versioned(b, a)


def registered_models(model: str) -> list[str]:
    """The registry holds one model field; a list ("gpt-4o, gpt-4o-mini") is read as alternatives."""
    return [m.strip() for m in re.split(r"[,;|]", model or "") if m.strip()]


def telemetry_matches(*, vendor: str, model: str, registered_vendor: str, registered_model: str) -> str:
    """``""`` when the telemetry fits the registration, else the reason: ``vendor``, ``model`` or
    ``vendor+model``. Empty values on either side are not evidence and never mismatch."""
    models = registered_models(registered_model)
    model_ok = not model or not models or any(models_match(model, m) for m in models)
    vendor_ok = True
    if vendor and registered_vendor:
        seen, registered = vendor_key(vendor), vendor_key(registered_vendor)
        if seen != registered:
            # A cloud serving the registered maker's model (or the reverse) is not a mismatch
            # as long as the model is the registered one (or unknown).
            vendor_ok = (seen in PLATFORMS or registered in PLATFORMS) and model_ok
    if vendor_ok and model_ok:
        return ""
    if not vendor_ok and not model_ok:
        return "vendor+model"
    return "vendor" if not vendor_ok else "model"


# --- external-AI mentions -----------------------------------------------------------------------

# Categories whose names people talk about as tools they used. Suite AI features are excluded:
# their names are the suite's ("Notion", "Zoom", "Salesforce"), which every business text mentions.
MENTION_CATEGORIES = frozenset(
    {
        "chat_assistant",
        "model_api",
        "coding_assistant",
        "image_generation",
        "video_generation",
        "voice_audio",
        "ai_search",
        "agent_platform",
        "productivity_ai",
        "meeting_ai",
    }
)
# Names that are ordinary words, big-tech or company names people cite for other reasons
# ("I'll continue", "according to Google", "Meta's policy"): never matched on their own.
_AMBIGUOUS = frozenset(
    {
        "pi",
        "continue",
        "cursor",
        "spark",
        "meta",
        "microsoft",
        "google",
        "amazon",
        "apple",
        "adobe",
        "alibaba",
        "tencent",
        "baidu",
        "bytedance",
        "github",
        "canva",
        "quora",
        "vercel",
        "jetbrains",
        "sberbank",
        "yandex",
        "vk",
        "exa",
        "glean",
        "pieces",
        "flux",
        "bolt",
        "core42",
        "tii",
        "baai",
        "alice",
        "step",
        "lepton",
        "replit",
        "duckduckgo",
        "you.com",
        "kagi",
        "cerebras",
        "novita",
        "hyperbolic",
        "fireworks",
        "refact",
        "iflytek",
        "qihoo 360",
        "strongwall",
        "write",
        "writer",
        "gamma",
        "dust",
        "runway",
        "otter",
        "viking",
        "cognition",
        "jasper",
        "manus",
    }
)
# Product names that are also first names: "Claude Dupont said…" is a colleague.
_PERSON_NAMES = frozenset({"claude", "devin", "kimi", "grok", "poe", "cody", "gemini"})
# Common names the catalog's product column does not spell out, by service key.
EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "openai-chatgpt": ("ChatGPT", "Chat GPT", "GPT-4o", "GPT-4", "GPT-5", "GPT"),
    "google-gemini": ("Gemini", "Bard"),
    "microsoft-copilot": ("Copilot", "Bing Chat"),
    "mistral-le-chat": ("Le Chat", "Mistral"),
    "anthropic-claude": ("Claude",),
    "deepseek-chat": ("DeepSeek",),
    "meta-ai": ("Meta AI", "Llama"),
    "alibaba-qwen": ("Qwen", "Tongyi"),
    "baidu-ernie": ("ERNIE", "Ernie Bot", "Wenxin"),
    "xai-grok": ("Grok",),
    "perplexity": ("Perplexity",),
    "midjourney": ("Midjourney",),
}
_NAME_SPLIT = re.compile(r"\s+and\s+|/|\(|\)|,")
_NAME_DROP = re.compile(r"\b(?:other services|api|la plateforme)\b", re.IGNORECASE)

# Cues. Each is anchored to the name: a "before" cue must end right before it (a few filler words
# allowed where the phrase needs them), an "after" cue must start right after it. A cue anywhere in
# the sentence is not enough: "I asked my manager whether ChatGPT is allowed" reports no use.
_FILLER = r"(?:\W+(?:the|a|an|my|our|it|this|that|these|those|free|paid|company|esto|eso|lo|isso|o|a|ça|le|la|das|es|den|die))*"
_BEFORE_CUES: tuple[tuple[str, str], ...] = (
    (
        "paste",
        r"\b(?:pasted|paste|put|dropped|fed|uploaded|ran|pegu[ée]|pegado|colei|colado|coll[ée]|copied|copi[ée]|copiei)"
        r"(?:\W+\w+){0,3}?\W+(?:into|in|to|through|on|en|em|no|na|dans|sur)" + _FILLER + r"\W*$",
    ),
    (
        "copy",
        r"\b(?:copied|copy-pasted|took|got|copi[ée]|copiei|tir[ée]|kopiert|sacado|sacad[oa]|peguei)"
        r"(?:\W+\w+){0,3}?\W+(?:from|de|do|da|del|von|aus)" + _FILLER + r"\W*$",
    ),
    (
        "attribution",
        r"\b(?:according to|as per|based on what|seg[úu]n|segundo o?|de acordo com o?|selon|d['’]apr[èe]s|laut|gem[äa][ßs])"
        + _FILLER
        + r"\W*$",
    ),
    (
        "ask",
        r"\b(?:asked|prompted|queried|le pregunt[ée] a|pregunt[ée] a|perguntei (?:ao?|para o|à)|j['’]ai demand[ée] [àa]|demand[ée] [àa])"
        + _FILLER
        + r"\W*$",
    ),
    (
        "use",
        r"\b(?:used|using|tried|i use|we use|with the help of|usé|usando|usei|utilis[ée]|en utilisant|con ayuda de|com ajuda do)"
        + _FILLER
        + r"\W*$",
    ),
)
_AFTER_CUES: tuple[tuple[str, str], ...] = (
    (
        "attribution",
        r"^\W*(?:said|says|told me|tells me|suggested|suggests|recommended|gave me|generated|wrote|answered|replied"
        r"|came up with|translated|dijo|me dijo|dice que|sugiri[óo]|gener[óo]|me dio|disse|sugeriu|gerou|me deu"
        r"|a dit|m['’]a dit|dit que|a sugg[ée]r[ée]|a g[ée]n[ée]r[ée]|sagt|sagte|meinte|hat gesagt|hat vorgeschlagen)\b",
    ),
    ("attribution", r"^['’]s\s+(?:answer|response|reply|suggestion|output|code|draft|summary|translation|version)\b"),
    # German puts the verb last: "Ich habe das in ChatGPT eingefügt", "ich habe ChatGPT gefragt".
    ("paste", r"^(?:\W+\w+){0,3}?\W+(?:eingef[üu]gt|reinkopiert|kopiert)\b"),
    ("ask", r"^(?:\W+\w+){0,2}?\W+gefragt\b"),
    ("use", r"^(?:\W+\w+){0,2}?\W+(?:benutzt|verwendet|genutzt)\b"),
)
_BEFORE = [(cue, re.compile(rx, re.IGNORECASE)) for cue, rx in _BEFORE_CUES]
_AFTER = [(cue, re.compile(rx, re.IGNORECASE)) for cue, rx in _AFTER_CUES]
_WINDOW_BEFORE = 60
_WINDOW_AFTER = 40
_SENTENCE_END = re.compile(r"[.!?;]\s|\n")
_CAPITALISED_WORD = re.compile(r"^\s+[A-Z][a-z]+\b")
# A usage cue only reports use when its own clause is not negated or hypothetical: "I never
# pasted it into ChatGPT", "if I used Claude", "should I ask Gemini?". The clause starts at the
# last comma, colon or conjunction before the name, so "the portal didn't work, so I pasted it
# into ChatGPT" still reports use.
_CLAUSE_START = re.compile(
    r"[,:;(]|\b(?:but|so|then|and then|because|pero|así que|entonces|porque|mas|então|mais|donc|alors|aber|also|dann|weil)\b",
    re.IGNORECASE,
)
_NOT_USE = re.compile(
    r"\b(?:never|not|no|didn['’]?t|don['’]?t|doesn['’]?t|won['’]?t|wouldn['’]?t|haven['’]?t|hasn['’]?t|can['’]?t|cannot"
    r"|shouldn['’]?t|mustn['’]?t|nobody|none of us"
    r"|if|whether|unless|should i|should we|can i|can we|could i|could we|may i|may we|am i allowed|are we allowed"
    r"|is it ok|is it okay|is it allowed|allowed to|would it be|instead of|rather than|without"
    r"|nunca|jamás|jamais|nenhum|ningún|ninguno|tampoco|sin|sem|sans|ohne|nie|niemals|nicht|kein|keine|keinen"
    r"|si|ob|falls|wenn|puedo|podemos|posso|puis-je|peut-on|darf ich|dürfen wir|kann ich"
    r"|n['’]ai|ne|n['’]|não)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    service_key: str
    name: str  # as written in the message
    cue: str
    start: int
    end: int


def mention_names(services: Iterable[AIService]) -> dict[str, str]:
    """Lower-cased name → service key: each eligible service's product (split at "and", "/",
    parentheses), its vendor when the vendor is a name of its own, and ``EXTRA_NAMES``. The first
    service to claim a name keeps it (services come sorted by key; extra names win)."""
    names: dict[str, str] = {}
    by_key = {service.key: service for service in services}
    for key, extra in EXTRA_NAMES.items():
        if key in by_key:
            for name in extra:
                names.setdefault(name.casefold(), key)
    for service in sorted(by_key.values(), key=lambda s: s.key):
        if service.category not in MENTION_CATEGORIES:
            continue
        candidates = [*_NAME_SPLIT.split(_NAME_DROP.sub("", service.product)), *_NAME_SPLIT.split(service.vendor)]
        for candidate in candidates:
            name = " ".join(candidate.split()).strip(" -.")
            folded = name.casefold()
            if len(folded) < 3 or folded in _AMBIGUOUS:
                continue
            names.setdefault(folded, service.key)
    return names


_NAME_TOKEN = re.compile(r"[^\W_]+")


class MentionMatcher:
    """One compiled alternation of every name (longest first), then a cue check around each hit.

    Cost per message is one regex scan, whatever the size of the catalog.
    """

    def __init__(self, names: dict[str, str]) -> None:
        self._keys = names
        alternation = "|".join(re.escape(name) for name in sorted(names, key=lambda n: (-len(n), n)))
        # Letters, digits and "-" on either side make another word ("ChatGPTs" is fine, "Claudette" is not).
        self._rx = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-]|\.\w)", re.IGNORECASE) if names else None
        # The first word of every name: a message with none of them cannot match, and checking a
        # set costs ~5 µs where the case-insensitive alternation of ~140 names costs ~40.
        firsts = [_NAME_TOKEN.findall(name.casefold()) for name in names]
        self._first_words = frozenset(words[0] for words in firsts if words)
        self._prefilter = all(firsts)  # a name with no word characters: always run the regex

    def find(self, text: str) -> list[Mention]:
        if self._rx is None or not text:
            return []
        if self._prefilter and self._first_words.isdisjoint(_NAME_TOKEN.findall(text.casefold())):
            return []
        found = []
        for hit in self._rx.finditer(text):
            name = hit.group(0)
            folded = name.casefold()
            if folded in _PERSON_NAMES and _CAPITALISED_WORD.match(text, hit.end()):
                continue  # "Claude Dupont said", "Devin Smith wrote"
            cue = self._cue(text, hit.start(), hit.end())
            if cue:
                found.append(Mention(self._keys[folded], name, cue, hit.start(), hit.end()))
        return found

    @staticmethod
    def _cue(text: str, start: int, end: int) -> str:
        before = text[max(0, start - _WINDOW_BEFORE) : start]
        cut = list(_SENTENCE_END.finditer(before))
        if cut:
            before = before[cut[-1].end() :]
        after = text[end : end + _WINDOW_AFTER]
        stop = _SENTENCE_END.search(after)
        if stop:
            after = after[: stop.start() + 1]
        clauses = list(_CLAUSE_START.finditer(before))
        clause = before[clauses[-1].end() :] if clauses else before
        if _NOT_USE.search(clause):
            return ""
        for cue, rx in _BEFORE:
            if rx.search(before):
                return cue
        for cue, rx in _AFTER:
            hit = rx.search(after)
            if hit and not _NOT_USE.search(hit.group(0)):
                return cue
        return ""
