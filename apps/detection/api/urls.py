from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.detection.api.views import (
    CatalogViewSet,
    EgressImportViewSet,
    ExternalMentionViewSet,
    IdentityMapViewSet,
    LaunchImpactViewSet,
    ShadowFindingViewSet,
    ShadowPolicyView,
    UnregisteredModelViewSet,
)

router = SimpleRouter()
router.register("v1/shadow-ai/imports", EgressImportViewSet, basename="shadow-import")
router.register("v1/shadow-ai/findings", ShadowFindingViewSet, basename="shadow-finding")
router.register("v1/shadow-ai/unregistered-models", UnregisteredModelViewSet, basename="shadow-unregistered-model")
router.register("v1/shadow-ai/mentions", ExternalMentionViewSet, basename="shadow-mention")
router.register("v1/shadow-ai/launch-impact", LaunchImpactViewSet, basename="shadow-launch-impact")

router.register("v1/shadow-ai/identity-map", IdentityMapViewSet, basename="shadow-identity-map")
router.register("v1/shadow-ai/catalog", CatalogViewSet, basename="shadow-catalog")

urlpatterns = [path("v1/shadow-ai/policy/", ShadowPolicyView.as_view(), name="shadow-policy"), *router.urls]
