from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integrations.models import Integration


@login_required
def installed(request: HttpRequest) -> HttpResponse:
    return render(
        request, "integrations/installed.html", {"integrations": Integration.objects.all()}
    )
