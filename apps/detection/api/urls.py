from rest_framework.routers import SimpleRouter

from apps.detection.api.views import EgressImportViewSet, ShadowFindingViewSet

router = SimpleRouter()
router.register("v1/shadow-ai/imports", EgressImportViewSet, basename="shadow-import")
router.register("v1/shadow-ai/findings", ShadowFindingViewSet, basename="shadow-finding")

urlpatterns = router.urls
