from rest_framework import serializers

from apps.conversations.models import Action, Conversation, Feedback, Message


class MessageOut(serializers.ModelSerializer):
    message_id = serializers.CharField(source="external_id")

    class Meta:
        model = Message
        fields = (
            "message_id",
            "role",
            "content",
            "ts",
            "model",
            "variant",
            "feature",
            "latency_ms",
            "input_tokens",
            "output_tokens",
            "cost_usd",
        )


class ActionOut(serializers.ModelSerializer):
    message_id = serializers.CharField(source="message_external_id")

    class Meta:
        model = Action
        fields = ("action", "message_id", "ts", "feature")


class FeedbackOut(serializers.ModelSerializer):
    message_id = serializers.CharField(source="message_external_id", allow_null=True)

    class Meta:
        model = Feedback
        fields = ("rating", "thumb", "comment", "message_id", "ts")


class ConversationOut(serializers.ModelSerializer):
    conversation_id = serializers.CharField(source="external_id")
    assistant = serializers.CharField(source="assistant.name")
    assistant_id = serializers.IntegerField()
    messages = MessageOut(many=True)
    actions = ActionOut(many=True)
    feedback = FeedbackOut(many=True)

    class Meta:
        model = Conversation
        fields = (
            "conversation_id",
            "assistant",
            "assistant_id",
            "user_id",
            "started_at",
            "last_event_at",
            "outcome",
            "outcome_at",
            "variant",
            "feature",
            "user_locale",
            "user_department",
            "user_region",
            "user_messages",
            "assistant_messages",
            "messages",
            "actions",
            "feedback",
        )
