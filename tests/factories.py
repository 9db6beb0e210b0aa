from datetime import timedelta

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.registry.models import Department


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    roles = factory.LazyFunction(lambda: ["viewer"])
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


class AssistantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.Assistant"

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"Assistant {n}")
    vendor = "openai"
    model = "gpt-4o-mini"
    purpose = "Answers questions"


def issue_key(assistant) -> str:
    """A real key through the real service (hash + public route), returned in plaintext."""
    from apps.registry.services import api_key_create

    return api_key_create(actor=None, assistant=assistant, name="test").plaintext


def issue_publishable_key(assistant, *, origins=("https://shop.example",), rate_limit_per_minute: int = 600) -> str:
    """A real publishable (browser) key through the real service, returned in plaintext."""
    from apps.registry.services import publishable_key_create

    return publishable_key_create(
        actor=None,
        assistant=assistant,
        allowed_origins=list(origins),
        rate_limit_per_minute=rate_limit_per_minute,
        name="browser test",
    ).plaintext


class ReleaseAnnotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.ReleaseAnnotation"

    assistant = factory.SubFactory(AssistantFactory)
    date = factory.Faker("date_this_year")
    kind = "prompt"
    text = factory.Sequence(lambda n: f"Prompt revision {n}")


def sensitive_events(conv: str, user: str, content: str, *, department: str = "Support") -> list[dict]:
    """A user message carrying ``content``, a clean assistant answer and an outcome (3 events)."""
    from tests.fixtures.events import iso

    return [
        {
            "id": f"{conv}-e1",
            "type": "message",
            "timestamp": iso(),
            "conversation_id": conv,
            "user_id": user,
            "message_id": f"{conv}-m1",
            "role": "user",
            "content": content,
            "user": {"locale": "en-US", "department": department},
        },
        {
            "id": f"{conv}-e2",
            "type": "message",
            "timestamp": iso(timedelta(seconds=2)),
            "conversation_id": conv,
            "user_id": user,
            "message_id": f"{conv}-m2",
            "role": "assistant",
            "content": "Thanks, I have passed this on to our billing team.",
        },
        {
            "id": f"{conv}-e3",
            "type": "outcome",
            "timestamp": iso(timedelta(seconds=3)),
            "conversation_id": conv,
            "user_id": user,
            "outcome": "resolved",
        },
    ]


class ConversationFactory(factory.django.DjangoModelFactory):
    """The enriched record written directly, for metric tests with hand-computed expectations."""

    class Meta:
        model = "conversations.Conversation"

    assistant = factory.SubFactory(AssistantFactory)
    external_id = factory.Sequence(lambda n: f"conv-{n}")
    user_id = factory.Sequence(lambda n: f"user-{n}")
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    last_event_at = factory.LazyAttribute(lambda c: c.started_at + timedelta(minutes=2))


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Message"

    conversation = factory.SubFactory(ConversationFactory)
    external_id = factory.Sequence(lambda n: f"msg-{n}")
    event_id = factory.LazyAttribute(lambda m: m.external_id)
    role = "user"
    content = "How do I reset my password?"
    ts = factory.LazyAttribute(lambda m: m.conversation.started_at)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Action"

    message = factory.SubFactory(MessageFactory, role="assistant")
    conversation = factory.LazyAttribute(lambda a: a.message.conversation)
    message_external_id = factory.LazyAttribute(lambda a: a.message.external_id)
    event_id = factory.Sequence(lambda n: f"act-{n}")
    action = "copy"
    ts = factory.LazyAttribute(lambda a: a.message.ts + timedelta(seconds=5))


class SensitiveFindingFactory(factory.django.DjangoModelFactory):
    """A finding written directly (no detector run), for counts computed by hand."""

    class Meta:
        model = "detection.SensitiveFinding"

    message = factory.SubFactory(MessageFactory)
    conversation = factory.LazyAttribute(lambda f: f.message.conversation)
    type = "EMAIL"
    start = factory.Sequence(lambda n: n * 10)
    end = factory.LazyAttribute(lambda f: f.start + 5)
    masked_start = factory.LazyAttribute(lambda f: f.start)
    masked_end = factory.LazyAttribute(lambda f: f.end)
    score = 1.0
    recognizer = "test"
    action = "mask"
    severity = 2
    value_hash = factory.Sequence(lambda n: f"{n:064x}")
    masked_preview = factory.LazyAttribute(lambda f: f"[{f.type}]")
    created_at = factory.LazyFunction(timezone.now)


class ReviewCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "compliance.ReviewCase"

    conversation = factory.SubFactory(ConversationFactory)
    assistant = factory.LazyAttribute(lambda c: c.conversation.assistant)
    department = factory.LazyAttribute(lambda c: c.conversation.assistant.department)
    user_id = factory.LazyAttribute(lambda c: c.conversation.user_id)
    finding_type = "EMAIL"
    severity = 2
    finding_count = 1
    reviewable_count = factory.LazyAttribute(lambda c: c.finding_count)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda c: c.created_at)
