"""Text banks for the demo traffic: questions, rephrasings and answers per assistant, intent and language.

Every intent lists several phrasings of the *same* question per language: a rephrase picks another
phrasing of the intent the user already asked (same slots), so the NLP rephrase detector later has
genuine near-duplicates to find. Slots (``{order}``, ``{email}``...) are filled per conversation by
:class:`Slots`, which is also where the sensitive samples (e-mails, phones, Luhn-valid test cards,
person names) come from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    key: str
    questions: dict[str, tuple[str, ...]]  # language -> phrasings of the same question
    answers: dict[str, tuple[str, ...]]  # language -> good answers
    feature: str = "chat"
    weight: float = 1.0  # how often users ask this compared with the assistant's other intents


# --- shared per-language lines -------------------------------------------------------------------

REPHRASE_PREFIX: dict[str, tuple[str, ...]] = {
    "en": ("", "", "I mean, ", "No, ", "Let me rephrase: ", "Again: ", "That's not what I asked. "),
    "es": ("", "", "O sea, ", "No, ", "Te lo pregunto de otra forma: ", "Otra vez: ", "No es lo que pregunté. "),
    "pt": (
        "",
        "",
        "Quer dizer, ",
        "Não, ",
        "Vou perguntar de outro jeito: ",
        "De novo: ",
        "Não foi isso que perguntei. ",
    ),
    "fr": ("", "Je reformule : ", "Non, ", "Ce n'est pas ma question. "),
    "de": ("", "Anders gefragt: ", "Nein, ", "Das war nicht meine Frage. "),
}

# What a struggling bot says: a generic fallback, often in English even to non-English users,
# which is exactly why the Spanish and Portuguese support conversations go wrong.
FALLBACK: dict[str, tuple[str, ...]] = {
    "en": (
        "I'm sorry, I didn't quite understand. Could you rephrase your question?",
        "I can help with orders, billing, refunds and account access. Which of these is your question about?",
        "Here is an article that might help: Getting started with your account.",
        "I'm not sure I follow. Can you give me more details?",
    ),
    "es": (
        "I'm sorry, I didn't quite understand. Could you rephrase your question?",
        "Lo siento, no he entendido tu pregunta. ¿Puedes reformularla?",
        "Aquí tienes un artículo que puede ayudarte: Primeros pasos con tu cuenta.",
    ),
    "pt": (
        "I'm sorry, I didn't quite understand. Could you rephrase your question?",
        "Desculpe, não entendi sua pergunta. Pode reformular?",
        "Aqui está um artigo que pode ajudar: Primeiros passos com sua conta.",
    ),
    "fr": (
        "Désolé, je n'ai pas bien compris. Pouvez-vous reformuler votre question ?",
        "I'm sorry, I didn't quite understand. Could you rephrase your question?",
    ),
    "de": (
        "Entschuldigung, das habe ich nicht verstanden. Können Sie die Frage anders formulieren?",
        "I'm sorry, I didn't quite understand. Could you rephrase your question?",
    ),
}

ASK_HUMAN: dict[str, tuple[str, ...]] = {
    "en": (
        "I want to talk to a human.",
        "This is not helpful. Can I speak to an agent?",
        "agent please!!",
        "Just connect me to a real person.",
    ),
    "es": (
        "Quiero hablar con una persona.",
        "Esto no me ayuda. ¿Puedo hablar con un agente?",
        "¡¡Un agente por favor!!",
        "Pásame con alguien de verdad.",
    ),
    "pt": (
        "Quero falar com um atendente.",
        "Isso não ajuda. Posso falar com uma pessoa?",
        "atendente por favor!!",
        "Me passa para um humano, por favor.",
    ),
    "fr": ("Je veux parler à un conseiller.", "Ça ne m'aide pas. Un humain, s'il vous plaît."),
    "de": (
        "Ich möchte mit einem Menschen sprechen.",
        "Das hilft nicht. Bitte verbinden Sie mich mit einem Mitarbeiter.",
    ),
}

HANDOFF: dict[str, str] = {
    "en": "I'm connecting you with a member of our support team. Average wait time is about {wait} minutes.",
    "es": "Te estoy transfiriendo a un agente de soporte. El tiempo de espera medio es de {wait} minutos.",
    "pt": "Estou transferindo você para um atendente. O tempo médio de espera é de {wait} minutos.",
    "fr": "Je vous mets en relation avec un conseiller. Temps d'attente moyen : {wait} minutes.",
    "de": "Ich verbinde Sie mit unserem Support-Team. Die Wartezeit beträgt etwa {wait} Minuten.",
}

THANKS: dict[str, tuple[str, ...]] = {
    "en": ("Thanks, that worked!", "Perfect, thank you.", "Great, that's what I needed.", "ok thanks"),
    "es": ("¡Gracias, funcionó!", "Perfecto, muchas gracias.", "Genial, era lo que necesitaba."),
    "pt": ("Obrigado, funcionou!", "Perfeito, muito obrigada.", "Ótimo, era isso que eu precisava."),
    "fr": ("Merci, ça marche !", "Parfait, merci beaucoup."),
    "de": ("Danke, das hat funktioniert!", "Super, vielen Dank."),
}

FEEDBACK_COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "up": {
        "en": ("quick and clear", "exactly what I needed", "saved me a lot of time"),
        "es": ("rápido y claro", "justo lo que necesitaba"),
        "pt": ("rápido e claro", "exatamente o que eu precisava"),
        "fr": ("rapide et clair",),
        "de": ("schnell und klar",),
    },
    "down": {
        "en": ("didn't answer my question", "wrong information", "too long, not helpful", "it keeps repeating itself"),
        "es": ("no respondió mi pregunta", "no entiende español bien", "respuesta en inglés"),
        "pt": ("não respondeu minha pergunta", "respondeu em inglês", "não entendeu nada"),
        "fr": ("ne répond pas à ma question",),
        "de": ("beantwortet meine Frage nicht",),
    },
}

# --- slot values -----------------------------------------------------------------------------------

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("James", "Emily", "Michael", "Sarah", "David", "Olivia", "Daniel", "Hannah", "Ryan", "Grace"),
    "es": ("María", "Javier", "Lucía", "Carlos", "Sofía", "Alejandro", "Carmen", "Diego", "Elena", "Pablo"),
    "pt": ("João", "Ana", "Pedro", "Mariana", "Lucas", "Beatriz", "Rafael", "Camila", "Gabriel", "Juliana"),
    "fr": ("Camille", "Louis", "Chloé", "Hugo", "Manon", "Julien"),
    "de": ("Lukas", "Anna", "Jonas", "Lena", "Felix", "Marie"),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Smith", "Johnson", "Walker", "Thompson", "Carter", "Mitchell", "Turner", "Parker", "Collins", "Reed"),
    "es": ("García", "Martínez", "López", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz", "Morales", "Ortega"),
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira", "Carvalho", "Ribeiro"),
    "fr": ("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner"),
}
MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "example.com")
# Well-known Luhn-valid test card numbers (payment-processor sandboxes), never real cards.
TEST_CARDS = (
    "4111 1111 1111 1111",
    "4242 4242 4242 4242",
    "5555 5555 5555 4444",
    "5105 1051 0510 5100",
    "4012 8888 8888 1881",
    "6011 1111 1111 1117",
    "3782 822463 10005",
    "4000056655665556",
)
PRODUCTS = (
    "wireless headphones",
    "standing desk",
    "coffee grinder",
    "running shoes",
    "smart watch",
    "backpack",
    "monitor arm",
)
PLANS = ("Basic", "Plus", "Premium", "Family", "Business")
COMPANIES = (
    "Northwind Traders",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Retail",
    "Acme Foods",
)
PY_ERRORS = (
    "KeyError: 'customer_id'",
    "TypeError: 'NoneType' object is not subscriptable",
    "ValueError: invalid literal for int() with base 10: ''",
    "AttributeError: 'list' object has no attribute 'items'",
    "ImportError: cannot import name 'TypedDict' from 'typing_extensions'",
    "RecursionError: maximum recursion depth exceeded",
)
TABLES = ("orders", "invoices", "customers", "subscriptions", "events", "payments")
COLUMNS = ("created_at", "amount", "status", "country", "plan", "customer_id")
REGEX_TARGETS = (
    "UK postcodes",
    "ISO dates like 2024-03-15",
    "order ids like ORD-123456",
    "hex colour codes",
    "semantic versions like 1.2.3",
)
FUNCS = ("parse_invoice", "apply_discount", "merge_accounts", "normalize_phone", "compute_tax", "retry_request")
TOPICS = (
    "our spring sale",
    "the new mobile app",
    "sustainable packaging",
    "customer success stories",
    "the product webinar",
)
CHANNELS = ("LinkedIn", "Instagram", "X", "Facebook")
METRICS = (
    "monthly recurring revenue",
    "churn rate",
    "average order value",
    "weekly active users",
    "net promoter score",
)


class Slots(dict):
    """Per-conversation slot values, generated on first use so every rephrase reuses the same ones."""

    def __init__(self, rng: random.Random, lang: str) -> None:
        super().__init__()
        self._rng = rng
        self._lang = lang if lang in FIRST_NAMES else "en"

    def __missing__(self, key: str) -> str:
        value = self._make(key)
        self[key] = value
        return value

    def _make(self, key: str) -> str:
        rng, lang = self._rng, self._lang
        if key == "first":
            return rng.choice(FIRST_NAMES[lang])
        if key == "name":
            return f"{self['first']} {rng.choice(LAST_NAMES[lang])}"
        if key == "other_name":
            return f"{rng.choice(FIRST_NAMES[lang])} {rng.choice(LAST_NAMES[lang])}"
        if key == "email":
            first, last = self["name"].lower().split(" ", 1)
            sep = rng.choice((".", "_", ""))
            return f"{_ascii(first)}{sep}{_ascii(last)}{rng.randint(1, 99) if rng.random() < 0.4 else ''}@{rng.choice(MAIL_DOMAINS)}"
        if key == "phone":
            return _phone(rng, lang)
        if key == "card":
            return rng.choice(TEST_CARDS)
        if key == "order":
            return f"ORD-{rng.randint(100000, 999999)}"
        if key == "ticket":
            return f"#{rng.randint(40000, 89999)}"
        if key == "amount":
            return f"{rng.randint(9, 480)}.{rng.choice(('00', '99', '50', '95'))}"
        if key == "days":
            return str(rng.randint(3, 12))
        if key == "wait":
            return str(rng.randint(2, 15))
        if key == "product":
            return rng.choice(PRODUCTS)
        if key == "plan":
            return rng.choice(PLANS)
        if key == "company":
            return rng.choice(COMPANIES)
        if key == "error":
            return rng.choice(PY_ERRORS)
        if key == "table":
            return rng.choice(TABLES)
        if key == "column":
            return rng.choice(COLUMNS)
        if key == "regex_target":
            return rng.choice(REGEX_TARGETS)
        if key == "func":
            return rng.choice(FUNCS)
        if key == "topic":
            return rng.choice(TOPICS)
        if key == "channel":
            return rng.choice(CHANNELS)
        if key == "metric":
            return rng.choice(METRICS)
        if key == "n":
            return str(rng.choice((3, 5, 10)))
        if key == "pct":
            return str(rng.randint(8, 35))
        raise KeyError(key)


_ASCII = str.maketrans("áéíóúàâãçêôõüñèëäößï", "aeiouaaaceoouneeaosi")


def _ascii(text: str) -> str:
    return text.translate(_ASCII).replace("ß", "ss")


def _phone(rng: random.Random, lang: str) -> str:
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731 - tiny local helper
    if lang == "es":
        return f"+34 6{d(2)} {d(3)} {d(3)}"
    if lang == "pt":
        return f"+55 11 9{d(4)}-{d(4)}"
    if lang == "fr":
        return f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}"
    if lang == "de":
        return f"+49 15{d(1)} {d(8)}"
    return rng.choice((f"+1 415-555-{d(4)}", f"(212) 555-{d(4)}", f"+44 7700 900{d(3)}"))


# --- Support bot (Customer Support) -------------------------------------------------------------------

SUPPORT = (
    Intent(
        "password_reset",
        {
            "en": (
                "How do I reset my password?",
                "I forgot my password, how can I change it?",
                "Can't remember my password. What do I do to get a new one?",
                "The reset password link isn't arriving at {email}, how do I reset it?",
            ),
            "es": (
                "¿Cómo restablezco mi contraseña?",
                "Olvidé mi contraseña, ¿cómo la cambio?",
                "No me acuerdo de la contraseña, ¿qué hago para tener una nueva?",
                "No me llega el correo para cambiar la contraseña a {email}",
            ),
            "pt": (
                "Como eu redefino minha senha?",
                "Esqueci minha senha, como faço para trocar?",
                "Não lembro a senha. O que faço para criar uma nova?",
                "O link de redefinir senha não chega no {email}",
            ),
            "fr": ("Comment réinitialiser mon mot de passe ?", "J'ai oublié mon mot de passe, comment le changer ?"),
            "de": ("Wie setze ich mein Passwort zurück?", "Ich habe mein Passwort vergessen, wie ändere ich es?"),
        },
        {
            "en": (
                "To reset your password, go to the sign-in page and click **Forgot password**. We'll e-mail a reset link that is valid for 30 minutes. If it doesn't arrive, check your spam folder or make sure you're using the address on your account.",
            ),
            "es": (
                "Para restablecer tu contraseña, ve a la página de inicio de sesión y pulsa **¿Olvidaste tu contraseña?**. Te enviaremos un enlace válido durante 30 minutos.",
            ),
            "pt": (
                "Para redefinir sua senha, acesse a página de login e clique em **Esqueci minha senha**. Enviaremos um link válido por 30 minutos.",
            ),
            "fr": (
                "Pour réinitialiser votre mot de passe, cliquez sur **Mot de passe oublié** sur la page de connexion. Le lien reçu par e-mail est valable 30 minutes.",
            ),
            "de": (
                "Klicken Sie auf der Anmeldeseite auf **Passwort vergessen**. Wir senden Ihnen einen Link, der 30 Minuten gültig ist.",
            ),
        },
    ),
    Intent(
        "billing_question",
        {
            "en": (
                "Why was I charged twice this month? My card ending {card} shows two payments of ${amount}.",
                "I see a double charge of ${amount} on my card {card}, can you explain?",
                "There are two payments of ${amount} on my statement for the {plan} plan. Why?",
                "You billed me twice! ${amount} two times on card {card}.",
            ),
            "es": (
                "¿Por qué me cobraron dos veces este mes? En mi tarjeta {card} aparecen dos cargos de {amount} €.",
                "Veo un cargo doble de {amount} € en la tarjeta {card}, ¿me lo explicáis?",
                "Tengo dos pagos de {amount} € por el plan {plan}. ¿Por qué?",
                "¡Me habéis cobrado dos veces! {amount} € dos veces en la tarjeta {card}.",
            ),
            "pt": (
                "Por que fui cobrado duas vezes este mês? No cartão {card} aparecem duas cobranças de R$ {amount}.",
                "Vejo uma cobrança duplicada de R$ {amount} no cartão {card}, podem explicar?",
                "Tenho dois pagamentos de R$ {amount} do plano {plan}. Por quê?",
                "Vocês me cobraram duas vezes! R$ {amount} duas vezes no cartão {card}.",
            ),
            "fr": (
                "Pourquoi ai-je été débité deux fois de {amount} € sur ma carte {card} ?",
                "Je vois un double prélèvement de {amount} € pour l'offre {plan}.",
            ),
            "de": (
                "Warum wurde meine Karte {card} zweimal mit {amount} € belastet?",
                "Ich sehe eine doppelte Abbuchung von {amount} € für den Tarif {plan}.",
            ),
        },
        {
            "en": (
                "I'm sorry about that. The second charge of ${amount} is a pre-authorization that is released automatically within 3-5 business days. If it's still there after that, reply here and I'll open a refund request.",
                "I checked your billing history: one of the two ${amount} payments failed and was retried, and the failed attempt will disappear from your statement within a few days.",
            ),
            "es": (
                "Lamento las molestias. El segundo cargo de {amount} € es una preautorización que se libera automáticamente en 3-5 días hábiles.",
            ),
            "pt": (
                "Sinto muito. A segunda cobrança de R$ {amount} é uma pré-autorização liberada automaticamente em 3 a 5 dias úteis.",
            ),
            "fr": (
                "Désolé pour la gêne. Le second débit de {amount} € est une pré-autorisation annulée automatiquement sous 3 à 5 jours ouvrés.",
            ),
            "de": (
                "Das tut mir leid. Die zweite Belastung über {amount} € ist eine Vorautorisierung, die innerhalb von 3-5 Werktagen freigegeben wird.",
            ),
        },
    ),
    Intent(
        "order_status",
        {
            "en": (
                "Where is my order {order}?",
                "My order {order} hasn't arrived yet, can you check the status?",
                "Can you track order {order} for me? It was supposed to arrive yesterday.",
                "Any update on {order}? I ordered the {product} {days} days ago.",
            ),
            "es": (
                "¿Dónde está mi pedido {order}?",
                "Mi pedido {order} todavía no ha llegado, ¿podéis mirar el estado?",
                "¿Me podéis decir por dónde va el pedido {order}? Tenía que llegar ayer.",
                "¿Hay novedades del {order}? Pedí el {product} hace {days} días.",
            ),
            "pt": (
                "Onde está meu pedido {order}?",
                "Meu pedido {order} ainda não chegou, podem verificar?",
                "Podem rastrear o pedido {order}? Era para ter chegado ontem.",
                "Alguma novidade do {order}? Comprei o {product} há {days} dias.",
            ),
            "fr": ("Où en est ma commande {order} ?", "Ma commande {order} n'est toujours pas arrivée."),
            "de": ("Wo ist meine Bestellung {order}?", "Meine Bestellung {order} ist noch nicht angekommen."),
        },
        {
            "en": (
                "Your order {order} ({product}) left our warehouse and is with the carrier. The latest scan shows it at the local depot; expected delivery is tomorrow before 6 pm. You can follow it with the tracking link in your confirmation e-mail.",
                "Order {order} is out for delivery today. If you're not home, the courier will leave it at the nearest pickup point.",
            ),
            "es": (
                "Tu pedido {order} ya salió del almacén y está con la empresa de transporte. La entrega está prevista para mañana antes de las 18:00.",
            ),
            "pt": (
                "Seu pedido {order} já saiu do nosso armazém e está com a transportadora. A entrega está prevista para amanhã até as 18h.",
            ),
            "fr": ("Votre commande {order} a été expédiée ; la livraison est prévue demain avant 18 h.",),
            "de": ("Ihre Bestellung {order} ist unterwegs und wird voraussichtlich morgen bis 18 Uhr zugestellt.",),
        },
    ),
    Intent(
        "refund",
        {
            "en": (
                "I want a refund for the {product} I returned.",
                "How do I get my money back for order {order}?",
                "I sent back the {product} two weeks ago and still no refund. When will I get it?",
                "Can you refund ${amount} to my card {card}? The item was damaged.",
            ),
            "es": (
                "Quiero un reembolso por el {product} que devolví.",
                "¿Cómo recupero mi dinero del pedido {order}?",
                "Devolví el {product} hace dos semanas y todavía no me habéis devuelto el dinero.",
                "¿Podéis devolverme {amount} € a la tarjeta {card}? El producto llegó roto.",
            ),
            "pt": (
                "Quero o reembolso do {product} que devolvi.",
                "Como recebo meu dinheiro de volta do pedido {order}?",
                "Devolvi o {product} há duas semanas e até agora nada de reembolso.",
                "Podem estornar R$ {amount} no meu cartão {card}? O produto veio quebrado.",
            ),
            "fr": (
                "Je voudrais être remboursé pour la commande {order}.",
                "J'ai renvoyé le produit il y a deux semaines, toujours pas de remboursement.",
            ),
            "de": (
                "Ich möchte eine Rückerstattung für Bestellung {order}.",
                "Ich habe den Artikel vor zwei Wochen zurückgeschickt und noch kein Geld erhalten.",
            ),
        },
        {
            "en": (
                "Refunds are issued to the original payment method within 5 business days after the return reaches our warehouse. I can see the return for {order} was received, so the refund of ${amount} has been started.",
                "I've opened refund request {ticket} for order {order}. You'll get a confirmation e-mail and the money should be back on your card within 5-7 business days.",
            ),
            "es": (
                "Los reembolsos se hacen al método de pago original en un plazo de 5 días hábiles desde que recibimos la devolución. Ya he iniciado el reembolso del pedido {order}.",
            ),
            "pt": (
                "Os reembolsos são feitos no meio de pagamento original em até 5 dias úteis após recebermos a devolução. Já iniciei o estorno do pedido {order}.",
            ),
            "fr": (
                "Le remboursement est effectué sur le moyen de paiement d'origine sous 5 jours ouvrés après réception du retour.",
            ),
            "de": (
                "Die Rückerstattung erfolgt innerhalb von 5 Werktagen nach Eingang der Rücksendung auf das ursprüngliche Zahlungsmittel.",
            ),
        },
    ),
    Intent(
        "account_locked",
        {
            "en": (
                "My account is locked, I can't log in.",
                "It says my account has been locked after too many attempts. How do I unlock it?",
                "I'm locked out of my account ({email}). Help!",
                "Account blocked, can't sign in. My phone is {phone} if you need to verify.",
            ),
            "es": (
                "Mi cuenta está bloqueada, no puedo entrar.",
                "Me dice que la cuenta se bloqueó por demasiados intentos. ¿Cómo la desbloqueo?",
                "No puedo acceder a mi cuenta ({email}). ¡Ayuda!",
                "Cuenta bloqueada. Mi teléfono es {phone} por si necesitáis verificar.",
            ),
            "pt": (
                "Minha conta está bloqueada, não consigo entrar.",
                "Aparece que a conta foi bloqueada por muitas tentativas. Como desbloqueio?",
                "Não consigo acessar minha conta ({email}). Socorro!",
                "Conta bloqueada. Meu telefone é {phone} se precisarem confirmar.",
            ),
            "fr": (
                "Mon compte est bloqué, je ne peux plus me connecter.",
                "Compte verrouillé après trop de tentatives, comment le débloquer ?",
            ),
            "de": (
                "Mein Konto ist gesperrt, ich kann mich nicht anmelden.",
                "Konto nach zu vielen Versuchen gesperrt, wie entsperre ich es?",
            ),
        },
        {
            "en": (
                "For your security, accounts lock for 15 minutes after 5 failed sign-ins. After that you can sign in again, or use **Forgot password** to unlock it right away.",
            ),
            "es": (
                "Por seguridad, la cuenta se bloquea 15 minutos tras 5 intentos fallidos. Después podrás entrar de nuevo o usar **¿Olvidaste tu contraseña?** para desbloquearla.",
            ),
            "pt": (
                "Por segurança, a conta fica bloqueada por 15 minutos após 5 tentativas erradas. Depois disso você pode entrar de novo ou usar **Esqueci minha senha**.",
            ),
            "fr": (
                "Par sécurité, le compte est bloqué 15 minutes après 5 échecs. Vous pouvez ensuite réessayer ou utiliser **Mot de passe oublié**.",
            ),
            "de": (
                "Aus Sicherheitsgründen wird das Konto nach 5 Fehlversuchen für 15 Minuten gesperrt. Danach können Sie sich wieder anmelden.",
            ),
        },
    ),
)

# --- Sales copilot ------------------------------------------------------------------------------------

SALES = (
    Intent(
        "email_draft",
        {
            "en": (
                "Draft a follow-up e-mail to {name} at {company} after yesterday's demo. Mention the {pct}% volume discount.",
                "Write a follow-up to {name} ({email}) from {company}, recap the demo and propose a call next week.",
                "Can you write a short e-mail to {name} at {company} thanking them for the meeting and sending pricing?",
            )
        },
        {
            "en": (
                "Subject: Great speaking with you, {first}\n\nHi {first},\n\nThank you for taking the time to see the demo yesterday. As promised, for a commitment above 500 seats we can offer a {pct}% volume discount. Would Tuesday or Thursday next week work for a 30-minute call with your team?\n\nBest regards,",
                "Subject: Next steps for {company}\n\nHi {first},\n\nThanks again for your questions during the demo. I've attached our pricing overview and a short case study from a customer in your industry. Happy to walk your team through it - does next Wednesday suit you?\n\nKind regards,",
            )
        },
        feature="email_draft",
        weight=3.0,  # the copilot's main job, and the A/B test needs the sample
    ),
    Intent(
        "account_brief",
        {
            "en": (
                "Give me a brief on {company} before my call with {name}.",
                "What should I know about {company} ahead of the renewal meeting?",
                "Summarize the account history of {company} for me.",
            )
        },
        {
            "en": (
                "**{company} - account brief**\n- Customer since 2021, {plan} plan, 3 expansions\n- Main contact: {name}, VP Operations\n- Open opportunity: renewal in 6 weeks, usage up {pct}% this quarter\n- Risk: two escalated support tickets last month about invoicing",
            )
        },
        feature="account_brief",
    ),
    Intent(
        "objection_handling",
        {
            "en": (
                "The customer says we're {pct}% more expensive than the competitor. How do I respond?",
                "How should I answer a prospect who says our price is too high?",
                "{name} thinks the competitor is cheaper. What are good counter-arguments?",
            )
        },
        {
            "en": (
                "Acknowledge the concern, then move the conversation to total cost: 1) implementation is included, 2) support is 24/7 at no extra cost, 3) customers like {company} cut handling time by {pct}%. Offer a pilot so they can measure the value themselves.",
            )
        },
    ),
)

# --- HR assistant ----------------------------------------------------------------------------------

HR = (
    Intent(
        "pto_policy",
        {
            "en": (
                "How many vacation days do I have left this year?",
                "What's my remaining PTO balance?",
                "How much paid time off can I still take in {days} months?",
            ),
            "es": ("¿Cuántos días de vacaciones me quedan este año?", "¿Cuál es mi saldo de vacaciones?"),
        },
        {
            "en": (
                "You have {days} vacation days left for this year. Unused days up to 5 carry over to the first quarter of next year. You can book time off in the HR portal under **Time off > Request**.",
            ),
            "es": (
                "Te quedan {days} días de vacaciones este año. Puedes pasar hasta 5 días al primer trimestre del año que viene.",
            ),
        },
    ),
    Intent(
        "parental_leave",
        {
            "en": (
                "What is the parental leave policy?",
                "How many weeks of paternity leave do we get?",
                "I'm expecting a baby in {days} months, what leave am I entitled to?",
            ),
            "es": (
                "¿Cuál es la política de baja por maternidad/paternidad?",
                "¿Cuántas semanas de permiso por nacimiento tenemos?",
            ),
        },
        {
            "en": (
                "All parents get 16 weeks of fully paid leave, which can be taken within the first 12 months after the birth or adoption. Let your manager and HR know at least 8 weeks in advance.",
            ),
            "es": (
                "Todos los progenitores tienen 16 semanas de permiso retribuido, que pueden disfrutarse en los 12 meses siguientes al nacimiento o la adopción.",
            ),
        },
    ),
    Intent(
        "benefits",
        {
            "en": (
                "How do I add my partner {name} to my health insurance?",
                "Can I add a dependent to my medical plan? Her name is {name}.",
                "What do I need to enroll my spouse {name} in the health plan?",
            ),
            "es": ("¿Cómo añado a mi pareja {name} al seguro médico?",),
        },
        {
            "en": (
                "You can add a dependent within 30 days of a qualifying life event, or during open enrollment. Go to **Benefits > Dependents**, add {name}'s details and upload proof of relationship.",
            ),
            "es": (
                "Puedes añadir a un familiar en los 30 días siguientes a un cambio de situación o en el periodo de inscripción abierta, desde **Beneficios > Beneficiarios**.",
            ),
        },
    ),
    Intent(
        "payroll_question",
        {
            "en": (
                "My payslip shows a deduction of ${amount} I don't recognize. What is it?",
                "Why is there an extra ${amount} deducted from my salary this month?",
                "There's a ${amount} deduction on my pay stub, can you explain it?",
            ),
            "es": ("En mi nómina hay una deducción de {amount} € que no reconozco.",),
        },
        {
            "en": (
                "That deduction is most likely your pension contribution adjustment after the annual salary review. If it doesn't match, contact payroll at payroll@tessera-demo.example or call +1 415-555-0100.",
            ),
            "es": (
                "Probablemente es el ajuste de la aportación al plan de pensiones tras la revisión salarial anual.",
            ),
        },
    ),
    Intent(
        "career_coach",
        {
            "en": (
                "I want to move from my current role into product management. What skills should I build?",
                "What career path could I follow to become a team lead?",
                "Help me plan my next career step, I'd like to grow into a senior role.",
            ),
            "es": ("Quiero pasar a gestión de producto. ¿Qué habilidades debería desarrollar?",),
        },
        {
            "en": (
                "Here's a 6-month plan: 1) shadow a product manager on two discovery interviews, 2) take the internal Product Foundations course, 3) own a small feature end to end with your manager's support, 4) ask {other_name} from the PM guild to be your mentor.",
            ),
            "es": (
                "Un plan de 6 meses: 1) acompaña a un product manager en entrevistas, 2) haz el curso interno de producto, 3) lidera una funcionalidad pequeña con apoyo de tu responsable.",
            ),
        },
        feature="career_coach",
    ),
)

# --- Code assistant ----------------------------------------------------------------------------------

CODE = (
    Intent(
        "python_error",
        {
            "en": (
                "Why does my code raise {error} in {func}?",
                "Getting {error} when I call {func}(). How do I fix it?",
                "{func} keeps failing with {error}, what's wrong?",
                "how to fix {error}",
            )
        },
        {
            "en": (
                'The error means `{func}` receives data in a shape it doesn\'t expect. Guard the lookup and fail with a clear message:\n\n```python\ndef {func}(payload: dict) -> dict:\n    customer_id = payload.get("customer_id")\n    if customer_id is None:\n        raise ValueError("payload has no customer_id")\n    ...\n```',
                'Add a check before the failing line; the value is missing for some records. For example:\n\n```python\nif record is None:\n    logger.warning("skipping empty record")\n    continue\n```',
            )
        },
    ),
    Intent(
        "sql_query",
        {
            "en": (
                "Write a SQL query for the total {column} per month from the {table} table.",
                "SQL: monthly sum of {column} in {table}?",
                "How do I group {table} by month and sum {column} in Postgres?",
            )
        },
        {
            "en": (
                "```sql\nSELECT date_trunc('month', created_at) AS month,\n       sum({column}) AS total\nFROM {table}\nGROUP BY 1\nORDER BY 1;\n```",
            )
        },
    ),
    Intent(
        "regex",
        {
            "en": (
                "Give me a regex that matches {regex_target}.",
                "I need a regular expression for {regex_target}.",
                "regex to validate {regex_target}?",
            )
        },
        {
            "en": (
                'You can use this pattern (anchored, so it matches the whole string):\n\n```python\nimport re\nPATTERN = re.compile(r"^[A-Z]{{3}}-\\d{{6}}$")\n```\nTest it with a few valid and invalid samples before relying on it.',
            )
        },
    ),
    Intent(
        "unit_tests",
        {
            "en": (
                "Write pytest unit tests for {func}.",
                "Can you generate tests for the {func} function?",
                "I need test cases for {func}, including edge cases.",
            )
        },
        {
            "en": (
                '```python\nimport pytest\n\nfrom billing import {func}\n\n\ndef test_{func}_happy_path():\n    assert {func}({{"amount": 100}}) == {{"amount": 100}}\n\n\ndef test_{func}_rejects_empty_input():\n    with pytest.raises(ValueError):\n        {func}({{}})\n```',
            )
        },
    ),
    Intent(
        "git_help",
        {
            "en": (
                "How do I undo my last commit but keep the changes?",
                "git: revert the last commit without losing my work?",
                "I committed to the wrong branch, how do I move the commit?",
            )
        },
        {
            "en": (
                "Use `git reset --soft HEAD~1`: it removes the last commit and keeps its changes staged. If you already pushed, prefer `git revert HEAD` so you don't rewrite shared history.",
            )
        },
    ),
)

# --- Marketing writer -------------------------------------------------------------------------------

MARKETING = (
    Intent(
        "social_post",
        {
            "en": (
                "Write a {channel} post announcing {topic}.",
                "Give me a catchy {channel} post about {topic}.",
                "Draft 3 {channel} captions for {topic}.",
            ),
            "fr": (
                "Rédige un post {channel} pour annoncer {topic}.",
                "Propose un post {channel} accrocheur sur {topic}.",
            ),
            "de": (
                "Schreib einen {channel}-Post zu {topic}.",
                "Entwirf einen knackigen {channel}-Beitrag über {topic}.",
            ),
        },
        {
            "en": (
                "Big news! 🎉 We're excited to share {topic} with you. Faster, simpler and built around your feedback. Learn more at the link in bio. #launch #product",
            ),
            "fr": ("Grande nouvelle ! 🎉 Découvrez {topic} : plus simple, plus rapide, pensé pour vous. Lien en bio.",),
            "de": (
                "Große Neuigkeiten! 🎉 Entdecken Sie {topic} - einfacher, schneller und nach Ihrem Feedback gebaut. Link in der Bio.",
            ),
        },
        feature="social_post",
    ),
    Intent(
        "blog_outline",
        {
            "en": (
                "Outline a blog post about {topic}.",
                "Give me a structure for an article on {topic}.",
                "What sections should a blog post on {topic} have?",
            ),
            "fr": ("Fais le plan d'un article de blog sur {topic}.",),
            "de": ("Erstelle eine Gliederung für einen Blogartikel über {topic}.",),
        },
        {
            "en": (
                "**Outline: {topic}**\n1. Hook: a customer problem in one sentence\n2. What changed and why it matters\n3. Three concrete examples\n4. Quote from {other_name}, product lead\n5. Call to action",
            ),
            "fr": ("**Plan : {topic}**\n1. Accroche\n2. Ce qui change\n3. Trois exemples\n4. Appel à l'action",),
            "de": ("**Gliederung: {topic}**\n1. Einstieg\n2. Was sich ändert\n3. Drei Beispiele\n4. Call to Action",),
        },
        feature="blog_outline",
    ),
)

# --- Ticket summarizer (support agents) ---------------------------------------------------------------

TICKETS = (
    Intent(
        "summarize_ticket",
        {
            "en": (
                "Summarize ticket {ticket}: customer {name} ({email}, {phone}) says the {product} stopped working after {days} days and wants a replacement.",
                "Summarize this thread: {name} wrote three times about order {order}, last message says they'll dispute the charge on card {card}.",
            )
        },
        {
            "en": (
                "**Summary {ticket}**: {name} reports the {product} failed after {days} days. Wants a replacement, not a refund. Sentiment: frustrated. Suggested action: send replacement under warranty, waive shipping.",
                "**Summary**: repeated contact about {order}; customer threatens a chargeback. Priority: high. Suggested action: call back today and offer an immediate refund.",
            )
        },
        feature="summarize",
    ),
    Intent(
        "suggest_reply",
        {
            "en": (
                "Suggest a reply to {name} about the delayed order {order}.",
                "Write a polite answer for {name}, order {order} is late.",
            )
        },
        {
            "en": (
                "Hi {first},\n\nI'm sorry your order {order} is taking longer than expected. It's now with the carrier and should arrive within 2 business days. As an apology, I've added a 10% voucher to your account.\n\nBest wishes,\nCustomer Support",
            )
        },
        feature="suggest_reply",
    ),
)

# --- Data Q&A ----------------------------------------------------------------------------------------

DATA = (
    Intent(
        "metric_lookup",
        {
            "en": (
                "What was our {metric} last month?",
                "Show me the {metric} for the last quarter.",
                "How did {metric} change compared to last month?",
            )
        },
        {
            "en": (
                "The {metric} was up {pct}% month over month. The increase comes mostly from the EMEA region. Source: finance dashboard, refreshed daily.",
            )
        },
    ),
    Intent(
        "dashboard_help",
        {"en": ("Which dashboard shows {metric} by region?", "Where can I find {metric} broken down by country?")},
        {
            "en": (
                "Open **Revenue Overview** and use the Region filter at the top; the country breakdown is on the second tab.",
            )
        },
    ),
)

# --- Onboarding buddy (retired) --------------------------------------------------------------------

ONBOARDING = (
    Intent(
        "first_week",
        {
            "en": (
                "What should I do in my first week?",
                "Any checklist for my first days here?",
                "I'm new, where do I start?",
            )
        },
        {
            "en": (
                "Welcome! Your first week: 1) meet your buddy {other_name}, 2) finish security training, 3) set up your laptop with IT, 4) book intro chats with your team.",
            )
        },
    ),
    Intent(
        "it_setup",
        {"en": ("How do I get access to the VPN?", "My laptop isn't set up for VPN yet, how do I request it?")},
        {
            "en": (
                "Request VPN access in the IT portal under **Access > VPN**. Approval usually takes one business day.",
            )
        },
    ),
)

BANKS: dict[str, tuple[Intent, ...]] = {
    "support": SUPPORT,
    "sales": SALES,
    "hr": HR,
    "code": CODE,
    "marketing": MARKETING,
    "tickets": TICKETS,
    "data": DATA,
    "onboarding": ONBOARDING,
}

# Weaker answers for internal assistants when a turn fails (off-target but plausible).
WEAK_ANSWER: dict[str, tuple[str, ...]] = {
    "en": (
        "Here's a general overview that may help. Could you share more context about what you're trying to do?",
        "I couldn't find specific information about that. You may want to check the internal documentation.",
        "There are several ways to approach this. One option is to start with the documentation and adjust as needed.",
    ),
    "es": ("No encontré información concreta sobre eso. Revisa la documentación interna.",),
    "fr": ("Je n'ai pas trouvé d'information précise. Pouvez-vous donner plus de contexte ?",),
    "de": ("Dazu habe ich keine genauen Informationen gefunden. Können Sie mehr Kontext geben?",),
    "pt": ("Não encontrei informação específica sobre isso. Pode dar mais contexto?",),
}
