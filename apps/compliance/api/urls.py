from rest_framework.routers import SimpleRouter

from apps.compliance.api.views import ReviewCaseViewSet

router = SimpleRouter()
router.register("v1/compliance/cases", ReviewCaseViewSet, basename="review-case")

urlpatterns = router.urls
