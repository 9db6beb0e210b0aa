from django.db import models


class Intent(models.Model):
    """One named cluster of an assistant's user requests. Ids survive re-clustering when the
    cluster persists (matched by centroid), so dashboards and history keep pointing at it."""

    assistant = models.ForeignKey("registry.Assistant", on_delete=models.CASCADE, related_name="intents")
    label = models.CharField(max_length=120)
    size = models.PositiveIntegerField(default=0)  # messages assigned at the last clustering
    active = models.BooleanField(default=True)  # False once a re-clustering no longer finds it
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assistant_id", "-size"]

    def __str__(self) -> str:
        return self.label


class IntentModelState(models.Model):
    """The fitted clustering of one assistant, to place new messages between re-clusterings."""

    assistant = models.OneToOneField("registry.Assistant", on_delete=models.CASCADE, related_name="intent_model")
    model = models.JSONField()  # apps.nlp.intents.IntentModel.to_dict()
    intent_ids = models.JSONField()  # cluster id (position in model.cluster_ids) → Intent.pk
    fitted_at = models.DateTimeField()
    fitted_on = models.PositiveIntegerField()  # user messages it was fitted on
    new_since_fit = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"intents of assistant {self.assistant_id}"
