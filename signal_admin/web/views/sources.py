"""The admin UI's Sources page: every source with its kind and write key, and a form to add one."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from integrations.models import Source
from signal_admin.web.views.common import read_only, staff_required

KIND_HELP = {
    Source.BROWSER: "A website: events take the visitor's IP from the connection.",
    Source.MOBILE: "An app: events take the phone's IP from the connection.",
    Source.SERVER: "A back end: its own address is never taken as the user's IP.",
}


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["name", "kind"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "off"})}

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


@staff_required
@require_http_methods(["GET", "POST"])
def sources(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not request.user.has_perm("integrations.add_source"):
        return read_only(request, "integrations.add_source")
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = form.save()
        messages.success(request, f"Source {source.name} created ({source.get_kind_display()}).")
        return redirect("integrations:sources")
    context = {
        "nav": "sources",
        "sources": Source.objects.order_by("name", "id"),
        "form": form,
        "kind_help": KIND_HELP,
    }
    status = 400 if form.errors else 200
    return render(request, "integrations/sources.html", context, status=status)
