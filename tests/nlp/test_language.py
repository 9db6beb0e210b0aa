import pytest

from apps.nlp.language import detect_language, detect_languages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how do I reset my password", "en"),
        ("¿dónde está mi pedido?", "es"),
        ("não consigo entrar no aplicativo", "pt"),
        ("je veux parler à un humain", "fr"),
        ("die Rechnung ist schon wieder falsch", "de"),
        ("questa risposta non mi aiuta", "it"),
        ("waar is mijn bestelling?", "nl"),
        ("var är min beställning?", "sv"),
        ("gdzie jest moje zamówienie?", "pl"),
        ("где мой заказ?", "ru"),
        ("де моє замовлення?", "uk"),
        ("πού είναι η παραγγελία μου;", "el"),
        ("我的订单在哪里？", "zh"),
        ("注文はどこですか？", "ja"),
        ("제 주문은 어디에 있나요?", "ko"),
        ("أين طلبي؟", "ar"),
        ("di mana pesanan saya?", "id"),
        ("siparişim nerede?", "tr"),
    ],
)
def test_short_messages_in_many_languages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀👍",
        "12345 678",
        "?!",
        "ok",
        "def add(x, y):\n    return x + y\n",
        "const total = items.reduce((a, b) => a + b, 0);",
        "SELECT id, name FROM users WHERE id = 3;",
        "https://example.com/a/b?c=d",
    ],
)
def test_no_language_gives_none(text: str) -> None:
    assert detect_language(text) is None


def test_shouting_and_mentions_do_not_change_the_answer() -> None:
    assert detect_languages(["NO FUNCIONA NADA, QUIERO HABLAR CON UNA PERSONA", "@bot #help où est ma commande ?"]) == [
        "es",
        "fr",
    ]


def test_mixed_language_message_gets_its_dominant_language() -> None:
    text = "hola, necesito ayuda con mi cuenta porque no puedo entrar, thanks"
    assert detect_language(text) == "es"


def test_long_message_reads_only_its_start_and_is_fast() -> None:
    text = "Ich habe eine Frage zu meiner Rechnung vom letzten Monat. " * 900  # ~50 kB
    assert len(text) > 50_000
    assert detect_language(text) == "de"


def test_batch_keeps_order_and_length() -> None:
    texts = ["", "merci beaucoup pour votre aide", "😀", "thank you so much for your help"]
    assert detect_languages(texts) == [None, "fr", None, "en"]
    assert detect_languages([]) == []
