"""Names in their own script inside a Latin-script message: the English NER model and the
capitalisation rules see none of them."""

from __future__ import annotations

import pytest

from apps.detection.recognizers import recognize_foreign_script_names, recognize_native_cued_names
from apps.detection.sensitive import detect


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Thanks 淳!", "淳"),
        ("Regards,\n梁鑫", "梁鑫"),
        ("Hi 裕美子, thanks for the quick reply.", "裕美子"),
        ("Can I speak to 김경자?", "김경자"),
        ("My colleague Всеволод will call you", "Всеволод"),
        ("Dear Ганна Колесниченко,", "Ганна Колесниченко"),
        ("My colleague Мишин Радим Харитонович will call you", "Мишин Радим Харитонович"),
        ("Hi Πυθαγόρας Χατζηκύρκος, thanks for the quick reply.", "Πυθαγόρας Χατζηκύρκος"),
        ("Ask مُنذر about it", "مُنذر"),
        ("Can I speak to राहुल?", "राहुल"),
    ],
)
def test_a_name_in_another_script_inside_a_latin_message_is_a_person(text: str, name: str) -> None:
    assert [("PERSON", name)] == [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


@pytest.mark.parametrize(
    "text",
    [
        "我的订单 ORD-123 在哪里",  # a Chinese message with an id: no Latin word
        "Где мой заказ ORD-123?",  # lower-case Cyrillic words outside any run
        "注文 ORD-123456 はどこですか？",
        "The Russian word привет means hi",  # not capitalised
        "He wrote: Я не знаю, что делать",
        "ok 谢谢",  # thanks, not a name
        "Спасибо, got it",
        "Excellente journée ツ #Energie",  # a kana smiley
        "Address: ΛΕΥΚΩΣΙΑ 1010, Cyprus",  # a town in capitals
        "Меня зовут Иван, я из Москвы",  # a message in Russian: its own rules
    ],
)
def test_messages_in_that_script_quotes_and_greetings_are_no_name(text: str) -> None:
    assert recognize_foreign_script_names(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Меня зовут Иван Петров, мой заказ не пришёл", "Иван Петров"),
        ("Мене звати Ольга Коваленко", "Ольга Коваленко"),
        ("Με λένε Γιώργος Παπαδόπουλος", "Γιώργος Παπαδόπουλος"),
        ("我叫王伟，我的订单还没到", "王伟"),
        ("私の名前は田中太郎です", "田中太郎"),
        ("田中と申します", "田中"),
        ("제 이름은 김민준입니다", "김민준"),
        ("اسمي أحمد علي", "أحمد علي"),
        ("मेरा नाम राहुल शर्मा है", "राहुल शर्मा"),
    ],
)
def test_my_name_is_in_the_non_latin_languages_we_serve(text: str, name: str) -> None:
    assert ("PERSON", name) in [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


@pytest.mark.parametrize("text", ["меня зовут так себе", "私は学生です", "저는 학생입니다", "我叫了出租车"])
def test_i_am_a_student_is_no_name(text: str) -> None:
    assert recognize_native_cued_names(text) == []
