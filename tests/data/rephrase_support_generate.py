"""Generate our own multilingual support-chat rephrase training pairs (rephrase_support_train.tsv).

    .venv/bin/python tests/data/rephrase_support_generate.py      # rewrites the TSV next to it

Pairs of short requests a user writes to a support assistant, in en, es, pt, fr, de and it, as
the enrichment step sees them (a message and one sent before it):
- rephrases (label 1): the same request reworded (another template of the same request, a
  synonym of its object, keywords only), the same text with typos or without accents, and
  re-asks ("still waiting...", impatient or polite wrappers), and the same request with roles
  kept in other words ("move it from monday to friday" / "I need it on friday instead of monday");
- not rephrases (label 0): a follow-up in the same frame on another topic ("how do I change my
  email" after "how do I change my password"), another request about the same thing ("cancel my
  order" after "where is my order"), the same request with another order number, the roles
  swapped ("from monday to friday" / "from friday to monday", PAWS-style), and an unrelated
  request in the same domain.
The public intent data the rephrase model learns from is English; our hand-written chat pairs
are 285. This set gives the non-English frames thousands of pairs (docs/nlp.md, "Rephrase").

Written for TRAINING only (scripts/nlp_fit_rephrase.py --support reads it as the ``support`` source; the
``split`` column puts a quarter of the requests, with every pair anchored on them, in a dev part
for the script's selection rule). It must stay disjoint from everything we score on: every text
of tests/data/rephrase_pairs_chat.tsv (fit and heldout) and the string literals of
tests/nlp/test_rephrase.py and tests/nlp/test_enrich_step.py. A pair is dropped when either text
is a near-copy of one of those (the rule of sentiment_support_generate.py: within 30 % of the
longer text in edits, or containing a test text of three words or more), and
tests/nlp/test_rephrase_support_data.py checks the written file against the same rule.

Measured as a training source and NOT adopted (docs/nlp.md, "Rephrase", "generated support-chat
pairs"): the shipped rephrase model does not use it. The written file is v2 (with the role swaps);
REPHRASE_SUPPORT_VERSION=1 regenerates v1.

Templates and vocabulary are written per language (not translations of one list, and not taken
from the chat pairs or the tests), expanded at random with a fixed seed. The request families
(change, not arrived, cancel, not working, how long / how much, numbered orders) were chosen
knowing which frames the hand-written non-English checks use, so those checks are not blind.
"""

from __future__ import annotations

import ast
import bisect
import os
import random
import re
import sys
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sentiment_support_generate import CONTAIN_WORDS, MAX_EDIT_SHARE, fold, near_copy  # noqa: E402 - one rule

OUT = HERE / "rephrase_support_train.tsv"
BLOCKED_TSV = "rephrase_pairs_chat.tsv"
TEST_FILES = ("test_rephrase.py", "test_enrich_step.py")
SEED = 20261130
LANGS = ("en", "es", "pt", "fr", "de", "it")
# Anchors drawn per request (family x topic); each gives up to three rephrases and three not.
ANCHORS = 4
# A quarter of the requests (and every pair anchored on them) is the dev part.
DEV_SHARE = 4


@dataclass(frozen=True)
class Family:
    """One request frame: templates with a ``{o}`` slot (``{k}``: the keyword form of the same
    filler) and, per topic, synonymous fillers ("phrase|keyword"). Templates with ``{n}`` carry an
    order number. The same template with another topic is a same-frame follow-up, not a rephrase."""

    name: str
    templates: tuple[str, ...]
    topics: dict[str, tuple[str, ...]]


def _f(name: str, templates: list[str], topics: dict[str, list[str]]) -> Family:
    return Family(name, tuple(templates), {k: tuple(v) for k, v in topics.items()})


# fmt: off
FAMILIES: dict[str, list[Family]] = {
    "en": [
        _f("change", [
            "how can I update {o}?", "I need to change {o}", "where do I edit {o}", "is it possible to modify {o}?",
            "{k} change", "can you help me update {o}", "I'd like a different {k}", "changing {o}, how?",
        ], {
            "password": ["my password|password", "my login password|password", "the account password|password"],
            "email": ["my email address|email", "the e-mail on my account|email address", "my contact email|email"],
            "address": ["my delivery address|delivery address", "the shipping address|shipping address",
                        "where my parcels get delivered|delivery address"],
            "phone": ["my phone number|phone number", "the mobile number on file|mobile number"],
            "card": ["my saved card|payment card", "the card I pay with|card details", "my payment method|payment method"],
            "username": ["my username|username", "my display name|display name"],
        }),
        _f("missing", [
            "{o} never showed up", "I'm still waiting for {o}", "{o} hasn't come yet", "still no sign of {o}",
            "{k} not received", "why haven't I got {o} yet?", "{o} is late, where is it?", "been days and no {k}",
        ], {
            "parcel": ["my parcel|parcel", "the package I ordered|package", "my delivery|delivery"],
            "refund": ["my refund|refund", "the money you owe me back|refund", "the reimbursement|reimbursement"],
            "code": ["the verification code|verification code", "the sms code|sms code", "the one-time code|login code"],
            "invoice": ["the invoice|invoice", "my receipt|receipt", "the bill for my purchase|invoice"],
            "confirmation": ["the confirmation email|confirmation email", "the booking confirmation|confirmation"],
        }),
        _f("cancel", [
            "I want to stop {o}", "please cancel {o}", "how do I get rid of {o}?", "cancel {k}",
            "I no longer want {o}, cancel it", "can I terminate {o}?", "end {o} please", "I'd like to cancel {o}",
        ], {
            "subscription": ["my subscription|subscription", "the monthly plan|monthly plan", "my membership|membership"],
            "booking": ["my booking|booking", "the reservation I made|reservation", "my appointment|appointment"],
            "renewal": ["the automatic renewal|auto renewal", "the auto-renew|auto renew"],
            "newsletter": ["the newsletter|newsletter", "the marketing emails|promo emails"],
        }),
        _f("broken", [
            "{o} isn't working", "{o} is broken", "something's wrong with {o}", "{k} not working",
            "{o} keeps failing", "having trouble with {o}", "{o} doesn't work at all", "why does {o} keep failing?",
        ], {
            "app": ["the app|app", "your mobile app|mobile app", "the application on my phone|app"],
            "payment": ["the card payment|payment", "paying at checkout|checkout", "the payment step|payment"],
            "promo": ["the promo code|promo code", "my discount voucher|voucher", "the coupon|coupon"],
            "notifications": ["the notifications|notifications", "the push alerts|push notifications"],
            "search": ["the search|search", "the search bar|search", "searching for products|search"],
        }),
        _f("howlong", [
            "how long does {o} take?", "how many days for {o}?", "when can I expect {o}?", "{k} time?",
            "what's the usual wait for {o}", "how fast is {o}?",
        ], {
            "shipping": ["delivery|delivery", "shipping|shipping", "the parcel to arrive|delivery"],
            "refund": ["a refund|refund", "getting my money back|refund"],
            "review": ["the account verification|verification", "the identity check|id check"],
            "exchange": ["an exchange|exchange", "swapping an item|exchange"],
        }),
        _f("order", [
            "I want to cancel order {n}", "please cancel order #{n}", "cancel {n}",
            "where is order {n}?", "order {n} status?", "can you track order no. {n}",
            "I'd like to return order {n}", "how do I send back order {n}", "return for order {n}",
            "invoice for order {n} please", "send me the invoice of order {n}",
        ], {"cancel": ["0", "1", "2"], "track": ["3", "4", "5"], "return": ["6", "7", "8"], "invoice": ["9", "10"]}),
    ],
    "es": [
        _f("change", [
            "¿dónde puedo modificar {o}?", "necesito actualizar {o}", "¿me dejan cambiar {o}?", "cambiar {k}",
            "¿se puede editar {o}?", "ayúdame a cambiar {o}", "¿cómo actualizo {o}?", "tengo que modificar {o}",
        ], {
            "password": ["la clave|clave", "mi clave de acceso|clave de acceso", "la contraseña de la cuenta|contraseña"],
            "email": ["el correo de la cuenta|correo", "mi email|email", "la dirección de correo|correo electrónico"],
            "address": ["la dirección de entrega|dirección de entrega", "el domicilio de envío|domicilio"],
            "phone": ["mi número de móvil|móvil", "el teléfono de contacto|teléfono", "mi celular|celular"],
            "card": ["la tarjeta guardada|tarjeta", "el método de pago|método de pago", "los datos de la tarjeta|tarjeta"],
            "username": ["mi nombre de usuario|usuario", "el nombre que aparece en el perfil|nombre de perfil"],
        }),
        _f("missing", [
            "sigo esperando {o}", "{o} todavía no llega", "aún no me ha llegado {o}", "no tengo noticias de {o}",
            "¿por qué no me llega {o}?", "{k} sin llegar", "ya pasaron varios días y {o} nada", "¿y {o}? no llega",
        ], {
            "parcel": ["el paquete|paquete", "mi envío|envío", "la compra que hice|compra"],
            "refund": ["el reembolso|reembolso", "la devolución del dinero|devolución", "mi dinero|reembolso"],
            "code": ["el código de verificación|código", "el sms con el código|código sms", "el código de acceso|código"],
            "invoice": ["la factura|factura", "el recibo|recibo", "el comprobante de pago|comprobante"],
            "confirmation": ["el correo de confirmación|confirmación", "la confirmación de la reserva|confirmación"],
        }),
        _f("cancel", [
            "quiero dar de baja {o}", "cancelen {o}, por favor", "¿cómo anulo {o}?", "anular {k}",
            "ya no quiero {o}", "¿puedo cancelar {o}?", "necesito cancelar {o} hoy", "dar de baja {k}",
        ], {
            "subscription": ["la suscripción|suscripción", "el plan mensual|plan mensual", "mi membresía|membresía"],
            "booking": ["la reserva|reserva", "mi cita|cita", "la reservación que hice|reservación"],
            "renewal": ["la renovación automática|renovación automática", "el cobro automático|cobro recurrente"],
            "newsletter": ["el boletín|boletín", "los correos de publicidad|publicidad"],
        }),
        _f("broken", [
            "{o} no va", "{o} falla todo el tiempo", "tengo problemas con {o}", "{k} no funciona",
            "{o} está roto", "algo pasa con {o}", "¿por qué falla {o}?", "{o} da error",
        ], {
            "app": ["la app|app", "la aplicación del móvil|aplicación", "la app en el celular|app"],
            "payment": ["el pago con tarjeta|pago", "el pago al finalizar la compra|pago", "la pasarela de pago|pago"],
            "promo": ["el cupón|cupón", "el código promocional|código promocional", "el vale de descuento|vale"],
            "notifications": ["las notificaciones|notificaciones", "los avisos en el móvil|avisos"],
            "search": ["el buscador|buscador", "la búsqueda de productos|búsqueda"],
        }),
        _f("howlong", [
            "¿cuánto demora {o}?", "¿en cuántos días llega {o}?", "¿cuándo puedo esperar {o}?", "plazo de {k}",
            "¿cuánto hay que esperar {o}?", "¿qué tan rápido es {o}?",
        ], {
            "shipping": ["la entrega|entrega", "el paquete|envío", "el pedido a casa|entrega"],
            "refund": ["el reembolso|reembolso", "la devolución del dinero|reembolso"],
            "review": ["la verificación de la cuenta|verificación", "la revisión de identidad|verificación"],
            "exchange": ["un cambio de talla|cambio", "el cambio de un producto|cambio"],
        }),
        _f("order", [
            "quiero cancelar el pedido {n}", "cancelen el pedido nº {n}", "anular pedido {n}",
            "¿dónde está el pedido {n}?", "estado del pedido {n}", "¿pueden rastrear el pedido {n}?",
            "quiero devolver el pedido {n}", "¿cómo devuelvo el pedido {n}?", "devolución del pedido {n}",
            "¿me mandan la factura del pedido {n}?", "factura para el pedido número {n}",
        ], {"cancel": ["0", "1", "2"], "track": ["3", "4", "5"], "return": ["6", "7", "8"], "invoice": ["9", "10"]}),
    ],
    "pt": [
        _f("change", [
            "onde eu altero {o}?", "preciso atualizar {o}", "quero trocar {o}", "mudar {k}",
            "dá pra editar {o}?", "me ajuda a mudar {o}", "como atualizo {o}?", "tenho que alterar {o}",
        ], {
            "password": ["a senha da conta|senha", "minha senha de acesso|senha", "a palavra-passe|palavra-passe"],
            "email": ["o e-mail cadastrado|e-mail", "meu endereço de e-mail|e-mail"],
            "address": ["o endereço de entrega|endereço", "o endereço para envio|endereço de entrega"],
            "phone": ["o número de celular|celular", "meu telefone de contato|telefone"],
            "card": ["o cartão salvo|cartão", "a forma de pagamento|forma de pagamento", "os dados do cartão|cartão"],
            "username": ["meu nome de usuário|usuário", "o nome que aparece no perfil|nome do perfil"],
        }),
        _f("missing", [
            "ainda estou esperando {o}", "{o} ainda não veio", "{o} não apareceu até agora", "não recebi {o} até hoje",
            "por que {o} não chega?", "{k} não recebido", "já faz dias e {o} nada", "e {o}? nada ainda",
        ], {
            "parcel": ["a encomenda|encomenda", "o pacote|pacote", "a minha compra|compra"],
            "refund": ["o reembolso|reembolso", "o estorno|estorno", "o dinheiro de volta|reembolso"],
            "code": ["o código de verificação|código", "o sms com o código|código sms", "o código de acesso|código"],
            "invoice": ["a nota fiscal|nota fiscal", "o recibo|recibo", "o comprovante|comprovante"],
            "confirmation": ["o e-mail de confirmação|confirmação", "a confirmação da reserva|confirmação"],
        }),
        _f("cancel", [
            "quero encerrar {o}", "cancelem {o}, por favor", "como eu cancelo {o}?", "cancelar {k}",
            "não quero mais {o}", "posso cancelar {o}?", "preciso cancelar {o} hoje", "encerrar {k}",
        ], {
            "subscription": ["o plano mensal|plano mensal", "a minha assinatura premium|assinatura", "o meu plano|plano"],
            "booking": ["a reserva|reserva", "o agendamento|agendamento", "a minha consulta marcada|consulta"],
            "renewal": ["a renovação automática|renovação automática", "a cobrança recorrente|cobrança recorrente"],
            "newsletter": ["a newsletter|newsletter", "os e-mails de promoção|e-mails promocionais"],
        }),
        _f("broken", [
            "{o} não funciona", "{o} tá dando erro", "estou com problema com {o}", "{k} com defeito",
            "{o} parou de funcionar", "tem algo errado com {o}", "por que {o} falha?", "{o} trava toda hora",
        ], {
            "app": ["o app|app", "o aplicativo do celular|aplicativo"],
            "payment": ["o pagamento com cartão|pagamento", "o pagamento no checkout|checkout"],
            "promo": ["o cupom|cupom", "o código promocional|código promocional", "o vale-desconto|vale"],
            "notifications": ["as notificações|notificações", "os alertas no celular|alertas"],
            "search": ["a busca|busca", "a pesquisa de produtos|pesquisa"],
        }),
        _f("howlong", [
            "quanto tempo leva {o}?", "em quantos dias sai {o}?", "quando posso esperar {o}?", "prazo de {k}",
            "quanto tempo demora {o}?", "{o} demora muito?",
        ], {
            "shipping": ["a entrega|entrega", "o frete|frete", "o envio|envio"],
            "refund": ["o reembolso|reembolso", "o estorno|estorno"],
            "review": ["a verificação da conta|verificação", "a análise de identidade|verificação"],
            "exchange": ["uma troca|troca", "a troca de produto|troca"],
        }),
        _f("order", [
            "quero cancelar o pedido {n}", "cancelem o pedido nº {n}", "cancelar pedido {n}",
            "cadê o pedido {n}?", "status do pedido {n}", "podem rastrear o pedido {n}?",
            "quero devolver o pedido {n}", "como devolvo o pedido {n}?", "devolução do pedido {n}",
            "me mandem o recibo do pedido {n}", "recibo do pedido número {n}",
        ], {"cancel": ["0", "1", "2"], "track": ["3", "4", "5"], "return": ["6", "7", "8"], "invoice": ["9", "10"]}),
    ],
    "fr": [
        _f("change", [
            "où puis-je modifier {o} ?", "je dois mettre à jour {o}", "je voudrais changer {o}", "modifier {k}",
            "est-il possible de changer {o} ?", "aidez-moi à modifier {o}", "comment mettre à jour {o} ?",
            "il faut que je change {o}",
        ], {
            "password": ["le mot de passe du compte|mot de passe", "mon code d'accès|code d'accès"],
            "email": ["mon adresse mail|adresse mail", "l'e-mail du compte|e-mail", "mon courriel|courriel"],
            "address": ["l'adresse de livraison|adresse", "l'adresse d'expédition|adresse de livraison"],
            "phone": ["mon numéro de portable|portable", "le téléphone de contact|téléphone"],
            "card": ["la carte enregistrée|carte", "le moyen de paiement|moyen de paiement", "ma carte bancaire|carte"],
            "username": ["mon identifiant|identifiant", "mon pseudo|pseudo", "le nom affiché sur le profil|nom"],
        }),
        _f("missing", [
            "j'attends toujours {o}", "{o} n'arrive pas", "toujours rien pour {o}", "pas encore reçu {o}",
            "pourquoi {o} n'arrive pas ?", "{k} non reçu", "ça fait des jours et toujours pas {o}",
            "et {o} ? toujours rien",
        ], {
            "parcel": ["le colis|colis", "mon paquet|paquet", "mon achat|achat"],
            "refund": ["le remboursement|remboursement", "mon argent|remboursement", "l'avoir|avoir"],
            "code": ["le code de vérification|code", "le sms avec le code|code sms", "le code de connexion|code"],
            "invoice": ["la facture|facture", "le reçu|reçu", "le justificatif de paiement|justificatif"],
            "confirmation": ["le mail de confirmation|confirmation", "la confirmation de réservation|confirmation"],
        }),
        _f("cancel", [
            "je veux arrêter {o}", "annulez {o} s'il vous plaît", "comment résilier {o} ?", "annuler {k}",
            "je ne veux plus {o}", "puis-je annuler {o} ?", "il faut annuler {o} aujourd'hui", "résilier {k}",
        ], {
            "subscription": ["mon forfait|forfait", "l'offre mensuelle|offre mensuelle", "mon adhésion|adhésion"],
            "booking": ["la réservation|réservation", "mon rendez-vous|rendez-vous"],
            "renewal": ["le renouvellement automatique|renouvellement", "le prélèvement automatique|prélèvement"],
            "newsletter": ["la newsletter|newsletter", "les mails publicitaires|pubs"],
        }),
        _f("broken", [
            "{o} ne marche pas", "{o} bug", "j'ai un souci avec {o}", "{k} en panne",
            "{o} ne fonctionne plus", "il y a un problème avec {o}", "pourquoi {o} plante ?", "{o} affiche une erreur",
        ], {
            "app": ["l'appli|appli", "l'application mobile|application"],
            "payment": ["le paiement par carte|paiement", "le paiement à la caisse|paiement"],
            "promo": ["le code promo|code promo", "mon bon de réduction|bon de réduction", "le coupon|coupon"],
            "notifications": ["les notifications|notifications", "les alertes sur mon téléphone|alertes"],
            "search": ["la recherche|recherche", "la barre de recherche|recherche"],
        }),
        _f("howlong", [
            "combien de temps prend {o} ?", "il faut combien de jours pour {o} ?", "quand puis-je attendre {o} ?", "délai de {k}",
            "quel est le délai pour {o} ?", "{o} c'est rapide ?",
        ], {
            "shipping": ["la livraison|livraison", "l'expédition|expédition", "l'envoi du colis|livraison"],
            "refund": ["le remboursement|remboursement", "le retour de mon argent|remboursement"],
            "review": ["la vérification du compte|vérification", "le contrôle d'identité|vérification"],
            "exchange": ["un échange|échange", "l'échange d'un article|échange"],
        }),
        _f("order", [
            "je veux annuler la commande {n}", "annulez la commande n° {n}", "annuler commande {n}",
            "où en est la commande {n} ?", "statut de la commande {n}", "pouvez-vous suivre la commande {n} ?",
            "je veux retourner la commande {n}", "comment renvoyer la commande {n} ?", "retour de la commande {n}",
            "envoyez-moi la facture de la commande {n}", "facture pour la commande numéro {n}",
        ], {"cancel": ["0", "1", "2"], "track": ["3", "4", "5"], "return": ["6", "7", "8"], "invoice": ["9", "10"]}),
    ],
    "de": [
        _f("change", [
            "wo kann ich {o} ändern?", "ich muss {o} aktualisieren", "ich will {o} anpassen", "{k} ändern",
            "kann man {o} bearbeiten?", "helft mir bitte, {o} zu ändern", "wie aktualisiere ich {o}?",
            "ich möchte {o} neu festlegen",
        ], {
            "password": ["das Kennwort|Kennwort", "mein Login-Passwort|Passwort", "das Kontopasswort|Passwort"],
            "email": ["meine Mailadresse|Mailadresse", "die E-Mail im Konto|E-Mail"],
            "address": ["die Versandadresse|Versandadresse", "meine Anschrift für Lieferungen|Anschrift"],
            "phone": ["meine Handynummer|Handynummer", "die Telefonnummer|Telefonnummer"],
            "card": ["die gespeicherte Karte|Karte", "die Zahlungsart|Zahlungsart", "meine Kreditkartendaten|Kreditkarte"],
            "username": ["meinen Benutzernamen|Benutzername", "den Anzeigenamen im Profil|Anzeigename"],
        }),
        _f("missing", [
            "ich warte immer noch auf {a}", "{o} ist noch nicht da", "von {d} fehlt jede Spur", "{k} nicht erhalten",
            "warum kommt {o} nicht?", "{o} lässt auf sich warten", "seit Tagen warte ich auf {a}",
            "{o}? immer noch nichts",
        ], {
            # nominative | keyword | accusative (auf ...) | dative (von ...)
            "parcel": ["das Paket|Paket|das Paket|dem Paket", "meine Lieferung|Lieferung|meine Lieferung|meiner Lieferung"],
            "refund": ["die Erstattung|Erstattung|die Erstattung|der Erstattung",
                       "mein Geld|Geld zurück|mein Geld|meinem Geld"],
            "code": ["der Bestätigungscode|Code|den Bestätigungscode|dem Bestätigungscode",
                     "die SMS mit dem Code|SMS-Code|die SMS mit dem Code|der SMS mit dem Code"],
            "invoice": ["die Rechnung|Rechnung|die Rechnung|der Rechnung", "der Beleg|Beleg|den Beleg|dem Beleg"],
            "confirmation": ["die Bestätigungsmail|Bestätigung|die Bestätigungsmail|der Bestätigungsmail",
                             "die Buchungsbestätigung|Bestätigung|die Buchungsbestätigung|der Buchungsbestätigung"],
        }),
        _f("cancel", [
            "ich will {o} beenden", "bitte storniert {o}", "wie kündige ich {o}?", "{k} stornieren",
            "ich brauche {o} nicht mehr", "kann ich {o} kündigen?", "kann ich {o} heute noch kündigen?",
            "{k} kündigen",
        ], {
            "subscription": ["das Monatsabo|Monatsabo", "meine Mitgliedschaft|Mitgliedschaft", "den Tarif|Tarif"],
            "booking": ["die Reservierung|Reservierung", "meinen Termin|Termin", "die Buchung|Buchung"],
            "renewal": ["die automatische Verlängerung|Verlängerung", "die Abbuchung jeden Monat|Lastschrift"],
            "newsletter": ["den Newsletter|Newsletter", "die Werbemails|Werbemails"],
        }),
        _f("broken", [
            "{o} geht nicht", "{o} spinnt", "ich habe Probleme mit {d}", "{k} kaputt",
            "{o} funktioniert nicht mehr", "mit {d} stimmt was nicht", "warum hängt {o}?", "{o} zeigt einen Fehler",
        ], {
            # nominative | keyword | (unused) | dative
            "app": ["die App|App|die App|der App", "die Handy-App|App|die Handy-App|der Handy-App"],
            "payment": ["die Kartenzahlung|Zahlung|die Kartenzahlung|der Kartenzahlung",
                        "das Bezahlen an der Kasse|Bezahlen|das Bezahlen|dem Bezahlen an der Kasse"],
            "promo": ["der Gutscheincode|Gutschein|den Gutscheincode|dem Gutscheincode",
                      "der Rabattcode|Rabattcode|den Rabattcode|dem Rabattcode"],
            "notifications": ["die Benachrichtigungen|Benachrichtigungen|die Benachrichtigungen|den Benachrichtigungen",
                              "die Push-Meldungen|Push|die Push-Meldungen|den Push-Meldungen"],
            "search": ["die Suche|Suche|die Suche|der Suche", "die Produktsuche|Suche|die Produktsuche|der Produktsuche"],
        }),
        _f("howlong", [
            "wie lange braucht {o}?", "wie viele Tage dauert {o}?", "wann kann ich mit {d} rechnen?", "Dauer {k}?",
            "wie lange muss man auf {a} warten?", "geht {o} schnell?",
        ], {
            "shipping": ["die Lieferung|Lieferung|die Lieferung|der Lieferung", "der Versand|Versand|den Versand|dem Versand"],
            "refund": ["die Erstattung|Erstattung|die Erstattung|der Erstattung",
                       "die Rückzahlung|Rückzahlung|die Rückzahlung|der Rückzahlung"],
            "review": ["die Kontoprüfung|Prüfung|die Kontoprüfung|der Kontoprüfung",
                       "die Identitätsprüfung|Prüfung|die Identitätsprüfung|der Identitätsprüfung"],
            "exchange": ["ein Umtausch|Umtausch|einen Umtausch|einem Umtausch",
                         "der Artikeltausch|Umtausch|den Artikeltausch|dem Artikeltausch"],
        }),
        _f("order", [
            "ich will Bestellung {n} stornieren", "bitte Bestellung Nr. {n} stornieren", "Storno {n}",
            "wo ist Bestellung {n}?", "Status von Bestellung {n}", "könnt ihr Bestellung {n} verfolgen?",
            "ich möchte Bestellung {n} zurückschicken", "wie sende ich Bestellung {n} zurück?", "Retoure Bestellung {n}",
            "schickt mir die Rechnung zu Bestellung {n}", "Rechnung für Auftrag {n} bitte",
        ], {"cancel": ["0", "1", "2"], "track": ["3", "4", "5"], "return": ["6", "7", "8"], "invoice": ["9", "10"]}),
    ],
    "it": [
        _f("change", [
            "dove posso modificare {o}?", "devo aggiornare {o}", "vorrei cambiare {o}", "cambiare {k}",
            "si può modificare {o}?", "mi aiutate a cambiare {o}", "come aggiorno {o}?", "ho bisogno di cambiare {o}",
        ], {
            "password": ["la password|password", "la mia password di accesso|password", "la parola d'ordine|password"],
            "email": ["l'indirizzo email|email", "la mail dell'account|mail"],
            "address": ["l'indirizzo di consegna|indirizzo", "l'indirizzo di spedizione|indirizzo di spedizione"],
            "phone": ["il numero di cellulare|cellulare", "il mio telefono|telefono"],
            "card": ["la carta salvata|carta", "il metodo di pagamento|metodo di pagamento", "i dati della carta|carta"],
            "username": ["il nome utente|nome utente", "il nome del profilo|nome profilo"],
        }),
        _f("missing", [
            "sto ancora aspettando {o}", "non ho ancora ricevuto {o}", "ancora niente per {o}", "{k} non ricevuto",
            "perché non arriva {o}?", "{o} non si vede", "sono giorni che aspetto {o}", "e {o}? ancora nulla",
        ], {
            "parcel": ["il pacco|pacco", "la spedizione|spedizione", "il mio acquisto|acquisto"],
            "refund": ["il rimborso|rimborso", "il riaccredito|riaccredito", "i miei soldi|rimborso"],
            "code": ["il codice di verifica|codice", "l'sms con il codice|codice sms"],
            "invoice": ["la fattura|fattura", "la ricevuta|ricevuta", "lo scontrino|scontrino"],
            "confirmation": ["la mail di conferma|conferma", "la conferma della prenotazione|conferma"],
        }),
        _f("cancel", [
            "voglio disdire {o}", "annullate {o}, per favore", "come disattivo {o}?", "disdetta {k}",
            "non voglio più {o}", "posso annullare {o}?", "devo annullare {o} oggi", "annullare {k}",
        ], {
            "subscription": ["l'abbonamento|abbonamento", "il piano mensile|piano mensile", "la mia iscrizione|iscrizione"],
            "booking": ["la prenotazione|prenotazione", "il mio appuntamento|appuntamento"],
            "renewal": ["il rinnovo automatico|rinnovo automatico", "l'addebito ricorrente|addebito"],
            "newsletter": ["la newsletter|newsletter", "le email pubblicitarie|pubblicità"],
        }),
        _f("broken", [
            "{o} non funziona", "{o} dà errore", "ho un problema con {o}", "{k} guasto",
            "{o} non va più", "c'è qualcosa che non va con {o}", "perché si blocca {o}?", "{o} si pianta sempre",
        ], {
            "app": ["l'app|app", "l'applicazione sul telefono|applicazione"],
            "payment": ["il pagamento con carta|pagamento", "il pagamento alla cassa|pagamento"],
            "promo": ["il codice sconto|codice sconto", "il buono|buono", "il coupon|coupon"],
            "notifications": ["le notifiche|notifiche", "gli avvisi sul cellulare|avvisi"],
            "search": ["la ricerca|ricerca", "la barra di ricerca|ricerca"],
        }),
        _f("howlong", [
            "quanto ci vuole per {o}?", "in quanti giorni arriva {o}?", "quando posso aspettarmi {o}?", "tempi di {k}",
            "quanto bisogna aspettare {o}?", "{o} è veloce?",
        ], {
            "shipping": ["la consegna|consegna", "la spedizione|spedizione"],
            "refund": ["il rimborso|rimborso", "il riaccredito|riaccredito"],
            "review": ["la verifica dell'account|verifica", "il controllo dell'identità|verifica"],
            "exchange": ["un cambio|cambio", "il cambio di un articolo|cambio"],
        }),
        _f("order", [
            "voglio annullare l'ordine {n}", "annullate l'ordine n. {n}", "annulla ordine {n}",
            "dov'è l'ordine {n}?", "stato dell'ordine {n}", "potete tracciare l'ordine {n}?",
            "voglio restituire l'ordine {n}", "come rendo l'ordine {n}?", "reso dell'ordine {n}",
            "mandatemi la fattura dell'ordine {n}", "fattura per l'ordine numero {n}",
        ], {"cancel": ["0", "1", "2"], "track": ["3", "4", "5"], "return": ["6", "7", "8"], "invoice": ["9", "10"]}),
    ],
}

# Word-order pairs (PAWS-style, as the fit script's English word swaps): two values with roles,
# "from {x} to {y}". Another template with the same roles is a rephrase (even when it names them
# in the other order: "on {y} instead of {x}"); the roles swapped is not. Per language, per kind
# of value: (values, templates).
SwapSpec = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
SWAPS: dict[str, SwapSpec] = {
    "en": {
        "days": (("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), (
            "move my booking from {x} to {y}",
            "can my booking be moved from {x} to {y}?",
            "please reschedule my booking from {x} to {y}",
            "I need the booking on {y} instead of {x}",)),
        "cities": (("Madrid", "Lisbon", "Berlin", "Paris", "Rome", "London", "Porto", "Munich", "Milan", "Lyon"), (
            "I'm moving from {x} to {y}, update my address",
            "my address changes from {x} to {y}",
            "please deliver in {y} from now on, not in {x}",
            "relocating from {x} to {y}, where do I update that?",)),
        "plans": (("basic", "premium", "family", "student", "annual", "monthly"), (
            "switch my plan from {x} to {y}", "change the subscription from {x} to {y}",
            "I want the {y} plan instead of {x}")),
        "sizes": (("small", "medium", "large", "XL"), (
            "exchange size {x} for size {y}", "I ordered {x} but I need {y}", "swap the {x} one for a {y}")),
    },
    "es": {
        "days": (("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"), (
            "quiero pasar la reserva del {x} al {y}",
            "¿pueden mover mi reserva del {x} al {y}?",
            "cambien la reserva del {x} al {y}",
            "necesito la reserva el {y} en vez del {x}",)),
        "cities": (("Madrid", "Lisboa", "Berlín", "París", "Roma", "Londres", "Oporto", "Múnich", "Milán", "Lyon"), (
            "me mudo de {x} a {y}, actualicen la dirección",
            "mi dirección cambia de {x} a {y}",
            "a partir de ahora entreguen en {y}, no en {x}",
            "me traslado de {x} a {y}, ¿dónde lo actualizo?",)),
        "plans": (("básico", "premium", "familiar", "estudiante", "anual", "mensual"), (
            "pasar mi plan de {x} a {y}", "cambiar la suscripción de {x} a {y}", "quiero el plan {y} en lugar del {x}")),
        "sizes": (("S", "M", "L", "XL"), (
            "cambiar la talla {x} por la {y}", "pedí la {x} pero necesito la {y}", "me mandan una {y} en vez de la {x}")),
    },
    "pt": {
        "days": (("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"), (
            "quero passar a reserva de {x} para {y}",
            "podem mudar minha reserva de {x} para {y}?",
            "remarquem a reserva de {x} para {y}",
            "preciso da reserva para {y}, não {x}",)),
        "cities": (("Madri", "Lisboa", "Berlim", "Paris", "Roma", "Londres", "Porto", "Munique", "Milão", "Lyon"), (
            "vou me mudar de {x} para {y}, atualizem o endereço",
            "meu endereço muda de {x} para {y}",
            "a partir de agora entreguem em {y}, não em {x}",
            "estou me mudando de {x} para {y}, onde atualizo isso?",)),
        "plans": (("básico", "premium", "família", "estudante", "anual", "mensal"), (
            "mudar meu plano de {x} para {y}", "trocar a assinatura de {x} para {y}", "quero o plano {y} em vez do {x}")),
        "sizes": (("P", "M", "G", "GG"), (
            "trocar o tamanho {x} pelo {y}", "pedi {x} mas preciso de {y}", "me mandem um {y} no lugar do {x}")),
    },
    "fr": {
        "days": (("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"), (
            "déplacer ma réservation de {x} à {y}",
            "pouvez-vous décaler ma réservation de {x} à {y} ?",
            "reporter la réservation de {x} à {y}",
            "je veux la réservation {y} au lieu de {x}",)),
        "cities": (("Madrid", "Lisbonne", "Berlin", "Paris", "Rome", "Londres", "Porto", "Munich", "Milan", "Lyon"), (
            "je déménage de {x} à {y}, changez l'adresse",
            "mon adresse passe de {x} à {y}",
            "désormais livrez à {y}, pas à {x}",
            "je quitte {x} pour {y}, où mettre à jour l'adresse ?",)),
        "plans": (("basique", "premium", "famille", "étudiant", "annuel", "mensuel"), (
            "passer mon forfait de {x} à {y}", "changer l'abonnement de {x} à {y}", "je veux l'offre {y} au lieu de {x}")),
        "sizes": (("S", "M", "L", "XL"), (
            "échanger la taille {x} contre la {y}", "j'ai commandé du {x} mais il me faut du {y}",
            "envoyez-moi un {y} à la place du {x}")),
    },
    "de": {
        "days": (("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"), (
            "meine Buchung von {x} auf {y} verschieben",
            "könnt ihr meine Buchung von {x} auf {y} legen?",
            "die Buchung bitte von {x} auf {y} verlegen",
            "ich brauche die Buchung am {y} statt am {x}",)),
        "cities": (("Madrid", "Lissabon", "Berlin", "Paris", "Rom", "London", "Porto", "München", "Mailand", "Lyon"), (
            "ich ziehe von {x} nach {y}, bitte Adresse ändern",
            "meine Adresse wechselt von {x} nach {y}",
            "ab jetzt bitte nach {y} liefern, nicht nach {x}",
            "Umzug von {x} nach {y}, wo ändere ich das?",)),
        "plans": (("Basis", "Premium", "Familie", "Student", "Jahresabo", "Monatsabo"), (
            "Tarif von {x} auf {y} wechseln", "das Abo von {x} auf {y} umstellen", "ich will {y} statt {x}")),
        "sizes": (("S", "M", "L", "XL"), (
            "Größe {x} gegen {y} tauschen", "ich habe {x} bestellt, brauche aber {y}", "schickt mir {y} statt {x}")),
    },
    "it": {
        "days": (("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"), (
            "spostare la prenotazione da {x} a {y}",
            "potete spostare la mia prenotazione da {x} a {y}?",
            "rimandate la prenotazione da {x} a {y}",
            "mi serve la prenotazione {y} invece di {x}",)),
        "cities": (("Madrid", "Lisbona", "Berlino", "Parigi", "Roma", "Londra", "Porto", "Monaco", "Milano", "Lione"), (
            "mi trasferisco da {x} a {y}, aggiornate l'indirizzo",
            "il mio indirizzo passa da {x} a {y}",
            "d'ora in poi consegnate a {y}, non a {x}",
            "cambio città da {x} a {y}, dove lo aggiorno?",)),
        "plans": (("base", "premium", "famiglia", "studente", "annuale", "mensile"), (
            "passare il piano da {x} a {y}", "cambiare l'abbonamento da {x} a {y}", "voglio il piano {y} invece del {x}")),
        "sizes": (("S", "M", "L", "XL"), (
            "cambiare la taglia {x} con la {y}", "ho ordinato la {x} ma mi serve la {y}", "mandatemi una {y} al posto della {x}")),
    },
}
# Anchors drawn per kind of value; each gives two rephrases and two swaps.
SWAP_ANCHORS = 10
# The written file is v2; REPHRASE_SUPPORT_VERSION=1 regenerates the first set (no role swaps),
# measured in docs/nlp.md ("generated support-chat pairs").
VERSION = int(os.environ.get("REPHRASE_SUPPORT_VERSION", "2"))

# Wrappers put around the later message, on rephrases and non-rephrases alike (so that they are
# not a label cue): polite openers, impatient re-asks ("still waiting..."), and closers.
OPENERS: dict[str, tuple[str, ...]] = {
    "en": ("hi, ", "hello? ", "sorry, ", "again: ", "still waiting... ", "any news? ", "ok but ", "I asked before: "),
    "es": ("hola, ", "¿hola? ", "perdona, ", "otra vez: ", "sigo esperando... ", "¿alguna novedad? ", "vale pero ",
           "ya lo pregunté: "),
    "pt": ("oi, ", "alô? ", "desculpa, ", "de novo: ", "ainda esperando... ", "alguma novidade? ", "tá mas ",
           "já perguntei: "),
    "fr": ("bonjour, ", "allô ? ", "pardon, ", "encore une fois : ", "j'attends toujours... ", "des nouvelles ? ",
           "ok mais ", "je l'ai déjà demandé : "),
    "de": ("hallo, ", "hallo?? ", "sorry, ", "nochmal: ", "warte immer noch... ", "gibt's was Neues? ", "ok aber ",
           "hab ich schon gefragt: "),
    "it": ("ciao, ", "pronto? ", "scusate, ", "di nuovo: ", "sto ancora aspettando... ", "novità? ", "ok ma ",
           "l'ho già chiesto: "),
}
CLOSERS: dict[str, tuple[str, ...]] = {
    "en": (", please", " asap", "??", "!!", ", thanks", ", it's urgent", "?!"),
    "es": (", por favor", " ya", "??", "!!", ", gracias", ", es urgente", "?!"),
    "pt": (", por favor", ", urgente", "??", "!!", ", obrigado", ", é urgente", "?!"),
    "fr": (" svp", ", merci", " ??", " !!", ", c'est urgent", " vite"),
    "de": (" bitte", ", danke", "??", "!!", ", ist dringend", ", schnell"),
    "it": (", per favore", ", grazie", "??", "!!", ", è urgente", " subito"),
}
# fmt: on

_SLOT = re.compile(r"{(\w)}")


def _fill(template: str, filler: str, number: str) -> str:
    """Expand one template: {o} phrase, {k} keyword, {a} / {d} accusative / dative (German) forms."""
    forms = filler.split("|")
    index = {"o": 0, "k": 1, "a": 2, "d": 3}
    return _SLOT.sub(
        lambda m: number if m.group(1) == "n" else forms[min(index[m.group(1)], len(forms) - 1)], template
    ).strip()


def _capital(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _typos(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters in one or two longer words."""
    words = text.split(" ")
    long_words = [k for k, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    for k in rng.sample(long_words, min(len(long_words), rng.choice((1, 2)))):
        w = words[k]
        i = rng.randrange(1, len(w) - 2)
        words[k] = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return " ".join(words)


def _dress(text: str, lang: str, rng: random.Random) -> str:
    """The way users retype a message: wrappers, no accents, lower case, no final punctuation."""
    if rng.random() < 0.35:
        text = rng.choice(OPENERS[lang]) + text
    if rng.random() < 0.3:
        text = text.rstrip("?!. ") + rng.choice(CLOSERS[lang])
    if lang != "en" and rng.random() < 0.2:
        text = _strip_accents(text)
    if rng.random() < 0.2:
        text = text.lower().rstrip("?!. ")
    elif rng.random() < 0.25:
        text = _capital(text)
    return text


@dataclass(frozen=True)
class Request:
    family: str
    topic: str
    template: int
    text: str


def _requests(lang: str, family: Family, topic: str, number: str) -> list[Request]:
    """Every wording of one request (for the ``order`` family, the topic selects its templates)."""
    out = []
    for t, template in enumerate(family.templates):
        if "{n}" in template:
            if str(t) in family.topics[topic]:
                out.append(Request(family.name, topic, t, _fill(template, "", number)))
        else:
            out.extend(Request(family.name, topic, t, _fill(template, f, number)) for f in family.topics[topic])
    return out


def _split(lang: str, family: str, topic: str) -> str:
    return "dev" if zlib.crc32(f"{lang}:{family}:{topic}".encode()) % DEV_SHARE == 0 else "train"


def _number(rng: random.Random) -> str:
    return str(rng.randrange(1000, 99999))


def _other_number(number: str, rng: random.Random) -> str:
    """Another order number that looks alike: two digits swapped or one digit changed."""
    digits = list(number)
    if rng.random() < 0.5:
        i = rng.randrange(len(digits) - 1)
        if digits[i] != digits[i + 1]:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            return "".join(digits)
    i = rng.randrange(len(digits))
    digits[i] = str((int(digits[i]) + rng.randrange(1, 10)) % 10)
    return "".join(digits)


Row = tuple[str, str, str, str, str, str, str]  # label, a, b, lang, kind, split, group


def _pairs_for(lang: str, rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    families = FAMILIES[lang]
    for family in families:
        for topic in family.topics:
            split = _split(lang, family.name, topic)
            group = f"{lang}:{family.name}:{topic}"
            for _ in range(ANCHORS):
                number = _number(rng)
                own = _requests(lang, family, topic, number)
                anchor = rng.choice(own)
                a = anchor.text
                out: list[tuple[int, str, str]] = []
                # Rephrases: another wording (twice); the anchor with typos or without accents.
                reworded = [r for r in own if r.template != anchor.template]
                others = [r for r in own if r.text != a]
                if reworded:
                    out.append((1, "reword", rng.choice(reworded).text))
                if others:
                    out.append((1, "reask", rng.choice(others).text))
                edit = "typos" if lang == "en" else rng.choice(("typos", "accents", "both"))
                edited = _typos(a, rng) if edit != "accents" else a
                edited = _strip_accents(edited) if edit != "typos" else edited
                if edited != a:
                    out.append((1, "typo", edited))
                # Not rephrases: the same frame on another topic; another request on the same topic
                # or another order number (else a second same-frame follow-up); an unrelated request.
                frame = [
                    r
                    for t in family.topics
                    if t != topic
                    for r in _requests(lang, family, t, number)
                    if r.template == anchor.template or family.name == "order"
                ]
                same_topic = [
                    r
                    for f in families
                    if f.name != family.name and topic in f.topics
                    for r in _requests(lang, f, topic, number)
                ]
                if "{n}" in family.templates[anchor.template]:
                    changed = _requests(lang, family, topic, _other_number(number, rng))
                    pick = rng.choice([r for r in changed if r.template == anchor.template] + changed)
                    out.append((0, "number", pick.text))
                elif same_topic:
                    out.append((0, "other_request", rng.choice(same_topic).text))
                elif frame:
                    out.append((0, "frame", rng.choice(frame).text))
                if frame:
                    out.append((0, "frame", rng.choice(frame).text))
                other_family = rng.choice([f for f in families if f.name != family.name])
                other_topic = rng.choice(sorted(other_family.topics))
                unrelated = _requests(lang, other_family, other_topic, _number(rng))
                out.append((0, "unrelated", rng.choice(unrelated).text))
                # The later message retyped the way users do, on rephrases and not alike.
                out = [(label, kind, _dress(b, lang, rng)) for label, kind, b in out]
                if rng.random() < 0.25:
                    a = _capital(a)
                rows.extend((str(label), a, b, lang, kind, split, group) for label, kind, b in out)
    return rows


def _swap_pairs_for(lang: str, rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for kind, (values, templates) in SWAPS[lang].items():
        split = _split(lang, "swap", kind)
        group = f"{lang}:swap:{kind}"
        for _ in range(SWAP_ANCHORS):
            x, y = rng.sample(values, 2)
            t = rng.randrange(len(templates))
            others = [u for u in range(len(templates)) if u != t]
            a = templates[t].format(x=x, y=y)
            out = [(1, "reword", templates[u].format(x=x, y=y)) for u in rng.sample(others, 2)]
            out += [
                (0, "swap", templates[t].format(x=y, y=x)),
                (0, "swap", templates[rng.choice(others)].format(x=y, y=x)),
            ]
            rows.extend((str(label), a, _dress(b, lang, rng), lang, k, split, group) for label, k, b in out)
    return rows


def blocked_texts() -> list[str]:
    """Every text we score rephrase on: our chat pairs (fit and heldout) and the tests' literals."""
    out = []
    lines = (HERE / BLOCKED_TSV).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        if line.strip():
            row = dict(zip(header, line.split("\t"), strict=True))
            out += [row["a"], row["b"]]
    for name in TEST_FILES:
        tree = ast.parse((HERE.parent / "nlp" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"[^\W\d_]", node.value):
                out.append(node.value)
    return list(dict.fromkeys(out))


def _bigrams(text: str) -> set[tuple[str, int]]:
    """Character bigrams as a multiset (the k-th repeat of a bigram is its own element)."""
    seen: dict[str, int] = {}
    out = set()
    for i in range(len(text) - 1):
        gram = text[i : i + 2]
        seen[gram] = seen.get(gram, 0) + 1
        out.add((gram, seen[gram]))
    return out


class Blocked:
    """``near_copy`` against many folded texts at once, with exact shortcuts: only texts whose
    length is within the edit share are compared, and only when they share enough character
    bigrams (q-gram lemma: k edits destroy at most 2k bigrams of the longer text)."""

    def __init__(self, folded: Iterable[str]) -> None:
        texts = sorted(set(folded), key=len)
        self.lengths = [len(t) for t in texts]
        self.texts = texts
        self.grams = [_bigrams(t) for t in texts]
        self.contained = [f" {t} " for t in texts if len(t.split()) >= CONTAIN_WORDS]

    def hit(self, candidate: str) -> bool:
        if not candidate:
            return False
        padded = f" {candidate} "
        if any(t in padded for t in self.contained):
            return True
        n = len(candidate)
        grams = _bigrams(candidate)
        lo = bisect.bisect_left(self.lengths, int((1 - MAX_EDIT_SHARE) * n))
        hi = bisect.bisect_right(self.lengths, int(n / (1 - MAX_EDIT_SHARE)) + 1)
        for k in range(lo, hi):
            longer = max(n, self.lengths[k])
            edits = int(MAX_EDIT_SHARE * longer) + 1  # one more than allowed: the bound stays exact
            if len(grams & self.grams[k]) >= longer - 1 - 2 * edits and near_copy(candidate, self.texts[k]):
                return True
        return False


def generate(blocked: Iterable[str]) -> list[Row]:
    """(label, a, b, lang, kind, split, group) rows; a pair with a near-copy of a ``blocked`` text
    on either side is dropped, and so is a repeated (a, b)."""
    rng = random.Random(SEED)
    index = Blocked(fold(t) for t in blocked)
    verdict: dict[str, bool] = {}

    def is_copy(text: str) -> bool:
        key = fold(text)
        if key not in verdict:
            verdict[key] = index.hit(key)
        return verdict[key]

    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for lang in LANGS:
        for row in _pairs_for(lang, rng) + (_swap_pairs_for(lang, rng) if VERSION >= 2 else []):
            key = (fold(row[1]), fold(row[2]))
            if key[0] == key[1] and row[0] == "0":
                continue
            if key in seen or is_copy(row[1]) or is_copy(row[2]):
                continue
            seen.add(key)
            rows.append(row)
    return rows


def main() -> None:
    rows = generate(blocked_texts())
    lines = ["label\ta\tb\tlang\tkind\tsplit\tgroup"] + ["\t".join(r) for r in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts: dict[tuple[str, str], list[int]] = {}
    for label, _, _, lang, _, split, _ in rows:
        counts.setdefault((lang, split), [0, 0])[int(label)] += 1
    print(f"{len(rows)} pairs -> {OUT}")
    print(" ".join(f"{lang}/{split} +{pos} -{neg}" for (lang, split), (neg, pos) in sorted(counts.items())))


if __name__ == "__main__":
    main()
