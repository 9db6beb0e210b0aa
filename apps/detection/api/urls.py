from rest_framework.routers import SimpleRouter

from apps.detection.api.views import (
    EgressImportViewSet,
    ExternalMentionViewSet,
    LaunchImpactViewSet,
    ShadowFindingViewSet,
    UnregisteredModelViewSet,
)

router = SimpleRouter()
router.register("v1/shadow-ai/imports", EgressImportViewSet, basename="shadow-import")
router.register("v1/shadow-ai/findings", ShadowFindingViewSet, basename="shadow-finding")
router.register("v1/shadow-ai/unregistered-models", UnregisteredModelViewSet, basename="shadow-unregistered-model")
router.register("v1/shadow-ai/mentions", ExternalMentionViewSet, basename="shadow-mention")
router.register("v1/shadow-ai/launch-impact", LaunchImpactViewSet, basename="shadow-launch-impact")

urlpatterns = router.urls
