"""``{% per_language %}`` (core/templatetags/per_language.py): a part rendered once per
language gives what rendering it every time gives, follows the language, the URL configuration,
the script prefix and the settings, and refuses, when the template is compiled, anything that
could differ between two people or two requests. The site's header and footer are built from
such parts: two people's pages still each show their own name, language and return address."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError, engines
from django.templatetags.static import static
from django.test import override_settings
from django.urls import clear_url_caches, reverse, set_script_prefix
from django.utils import translation
from django.utils.html import escape

from core.templatetags import per_language as tag

PART = (
    "{% load i18n static per_language %}<p>{% per_language %}"
    '<a href="{% url \'register\' %}">{% translate "Register of waivers" %}</a>'
    '{% translate "Change" context "language switcher" %}'
    "<link href=\"{% static 'sandbox/site.css' %}\">"
    "<select>{% language_options %}</select>"
    "{% endper_language %}</p>"
)
# The same part written out: what rendering every tag each time gives.
UNKEPT = PART.replace("{% per_language %}", "").replace("{% endper_language %}", "")
UNKEPT = UNKEPT.replace("{% language_options %}", "")  # compared apart, below


def _render(source: str, language: str) -> str:
    with translation.override(language):
        return Template(source).render(Context({}))


def _part_node(template: Template) -> tag.PerLanguageNode:
    return next(node for node in template.nodelist if isinstance(node, tag.PerLanguageNode))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_kept_part_is_what_rendering_it_each_time_gives(language: str) -> None:
    template = Template(PART)
    with translation.override(language):
        first = template.render(Context({}))
        again = template.render(Context({}))
    assert first == again
    options = re.search(r"<select>(.*)</select>", first, re.S)
    assert options is not None
    assert first.replace(options.group(1), "") == _render(UNKEPT, language)
    assert reverse("register") in first and static("sandbox/site.css") in first


def test_each_language_keeps_its_own_text() -> None:
    template = Template(PART)
    with translation.override("en"):
        english = template.render(Context({}))
    with translation.override("ko"):
        korean = template.render(Context({}))
    with translation.override("en"):
        english_again = template.render(Context({}))
    assert "Register of waivers" in english and "Register of waivers" not in korean
    assert english_again == english
    assert korean == _render(PART, "ko")  # a template compiled afresh, nothing kept
    assert len(_part_node(template).kept) == 2


def test_the_language_options_name_each_language_in_itself_with_the_current_selected() -> None:
    source = "{% load per_language %}{% language_options %}"
    english, korean = _render(source, "en"), _render(source, "ko")
    assert '<option value="en" lang="en" selected>English</option>' in english
    assert '<option value="ko" lang="ko">한국어</option>' in english
    assert '<option value="ko" lang="ko" selected>한국어</option>' in korean
    assert '<option value="en" lang="en">English</option>' in korean
    # What Django's own tags give, option by option.
    loop = (
        "{% load i18n %}{% get_current_language as current %}{% get_available_languages as L %}"
        "{% get_language_info_list for L as languages %}{% for l in languages %}"
        '<option value="{{ l.code }}" lang="{{ l.code }}"{% if l.code == current %} selected'
        "{% endif %}>{{ l.name_local }}</option>\n{% endfor %}"
    )
    for language, ours in (("en", english), ("ko", korean)):
        assert [line.strip() for line in ours.splitlines()] == _render(
            loop, language
        ).strip().splitlines()


URLS_ELSEWHERE = "tests.core.per_language_urls"


def test_the_part_follows_the_url_configuration_and_the_script_prefix() -> None:
    template = Template(PART)
    assert 'href="/register/"' in _render_with(template)
    with override_settings(ROOT_URLCONF=URLS_ELSEWHERE):
        clear_url_caches()
        assert 'href="/elsewhere/register/"' in _render_with(template)
    clear_url_caches()
    set_script_prefix("/sandbox/")
    try:
        assert 'href="/sandbox/register/"' in _render_with(template)
    finally:
        set_script_prefix("/")
    assert 'href="/register/"' in _render_with(template)


def test_a_changed_setting_is_followed() -> None:
    template = Template(PART)
    assert f'href="{static("sandbox/site.css")}"' in _render_with(template)
    with override_settings(
        STATIC_URL="/elsewhere-static/",
        STORAGES={
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        },
    ):
        assert 'href="/elsewhere-static/sandbox/site.css"' in _render_with(template)


def test_a_part_keeps_a_bounded_number_of_texts() -> None:
    template = Template(PART)
    node = _part_node(template)
    for n in range(tag.KEPT_PER_PART + 5):
        set_script_prefix(f"/p{n}/")
        try:
            assert f'href="/p{n}/register/"' in _render_with(template)
        finally:
            set_script_prefix("/")
        assert len(node.kept) <= tag.KEPT_PER_PART


def _render_with(template: Template) -> str:
    with translation.override("en"):
        return template.render(Context({}))


@pytest.mark.parametrize(
    ("inside", "named"),
    [
        ("{{ user }}", "VariableNode"),
        ("{{ 'text' }}", "VariableNode"),
        ("{% translate message %}", "translate"),
        ('{% translate "Sign out" as label %}', "translate"),
        ('{% translate "Sign out"|upper %}', "translate"),
        ('{% translate "Change" context where %}', "translate"),
        ("{% url 'review-case' 1 %}", "url"),
        ("{% url 'review-case' pk=case.pk %}", "url"),
        ("{% url name %}", "url"),
        ("{% url 'register' as where %}", "url"),
        ("{% url 'admin:index' %}", "namespaced"),
        ("{% static path %}", "static"),
        ("{% static 'sandbox/site.css' as css %}", "static"),
        ("{% csrf_token %}", "CsrfTokenNode"),
        ("{% if user %}x{% endif %}", "IfNode"),
        ("{% now 'Y' %}", "NowNode"),
        ("{% blocktranslate %}Sign out{% endblocktranslate %}", "BlockTranslateNode"),
        ('{% include "_staff_nav.html" %}', "IncludeNode"),
    ],
)
def test_anything_that_could_differ_between_requests_is_refused(inside: str, named: str) -> None:
    source = "{% load i18n static per_language %}{% per_language %}" + inside
    with pytest.raises(TemplateSyntaxError, match=re.escape(named)):
        Template(source + "{% endper_language %}")


def test_the_tags_take_no_arguments() -> None:
    with pytest.raises(TemplateSyntaxError, match="takes no arguments"):
        Template("{% load per_language %}{% per_language now %}{% endper_language %}")
    with pytest.raises(TemplateSyntaxError, match="takes no arguments"):
        Template("{% load per_language %}{% language_options en %}")


def test_every_template_of_the_project_compiles() -> None:
    """Every part written in the project's templates passes the check above."""
    engine = engines["django"]
    root = Path(__file__).resolve().parents[2]
    found = [
        path
        for path in root.glob("*/templates/**/*.html")
        if "per_language" in path.read_text(encoding="utf-8")
    ]
    assert len(found) >= 6  # the site's bases, the staff menu, the queue
    for path in found:
        engine.from_string(path.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_two_people_each_see_their_own_header(client, django_user_model) -> None:
    """The header is mostly parts kept per language; what differs between people (the name)
    and requests (the address the language form returns to) still does, in both languages."""
    names = {"ko": ("지우", "김"), "en": ("Min & <Co>", "Lee")}
    for n, language in enumerate(("ko", "en", "ko")):
        first, last = names[language]
        user = django_user_model.objects.create_user(
            username=f"person{n}", password="a-long-password-1", first_name=first, last_name=last
        )
        client.force_login(user)
        client.cookies["django_language"] = language
        page = client.get(f"/register/?seen={n}").content.decode()
        assert f'<span class="who">{escape(f"{first} {last}")}</span>' in page
        assert f'name="next" type="hidden" value="/register/?seen={n}"' in page
        assert f'<html lang="{language}">' in page
        selected = "한국어" if language == "ko" else "English"
        assert f'lang="{language}" selected>{selected}</option>' in page
        signed_out = "로그아웃" if language == "ko" else "Sign out"
        assert signed_out in page
