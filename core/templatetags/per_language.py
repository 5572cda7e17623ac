"""``{% per_language %}…{% endper_language %}``: a part of a page that is the same for every
request in one language, rendered once per language and then served as text.

The site's header and footer, a table's headings, a form's labels: runs of ``{% translate %}``,
``{% url %}`` and ``{% static %}`` whose answer depends only on the language, the URL
configuration and the static files' storage. Rendering them costs 10–30 µs a tag, about a
millisecond on a staff page (docs/performance.md, "The parts of a page that are the same for
everyone"), for text that never changes between two requests in the same language.

What may stand inside is checked when the template is compiled, so a part can never hold
anything that differs between people or requests: text, those three tags written with
literal arguments only (no variable, no filter, no ``as``, a view name without a namespace),
and ``{% language_options %}`` (the language switcher's options, below).
Anything else is a ``TemplateSyntaxError`` naming what was found.

Django's ``{% cache %}`` would also keep the text, but through the cache backend (a key hashed
per use, the value pickled) and with nothing to stop a variable from slipping inside; here the
text is kept on the compiled node, so a template the loader compiles again (a changed file in
development) starts with nothing kept."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import (
    FilterExpression,
    Node,
    NodeList,
    Parser,
    TextNode,
    Token,
    Variable,
)
from django.template.defaulttags import CommentNode, URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html_join
from django.utils.translation import get_language, get_language_info

register = template.Library()

# Each part keeps one text per (language, URL configuration, script prefix, settings' era): a
# handful. Past this many (a server behind many script prefixes) it starts again.
KEPT_PER_PART = 64

_era = 0  # moves on whenever a setting changes (tests override STATIC_URL, ROOT_URLCONF, …)


def _next_era(**_kwargs: Any) -> None:
    global _era
    _era += 1


setting_changed.connect(_next_era, dispatch_uid="core.templatetags.per_language")


class PerLanguageNode(Node):
    # Its text is kept whole: a walk of the template's nodes (``{% extends %}`` looks for the
    # blocks of the page's root template on every render) has nothing to find inside, which
    # holds no block (``_refusal``).
    child_nodelists = ()

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.kept: dict[tuple[Any, ...], str] = {}

    def render(self, context: template.Context) -> str:
        key = (get_language(), get_urlconf(), get_script_prefix(), _era)
        text = self.kept.get(key)
        if text is None:
            text = self.nodelist.render(context)
            if len(self.kept) >= KEPT_PER_PART:
                self.kept.clear()
            self.kept[key] = text
        return text


class LanguageOptionsNode(Node):
    """``{% language_options %}``: an ``<option>`` for each of ``settings.LANGUAGES``, named in
    its own language, the current one selected: a function of the language alone, so it may
    stand in a ``{% per_language %}``."""

    language_only = True

    def render(self, context: template.Context) -> str:
        current = get_language()
        return format_html_join(
            "\n          ",
            '<option value="{}" lang="{}"{}>{}</option>',
            (
                (
                    code,
                    code,
                    " selected" if code == current else "",
                    get_language_info(code)["name_local"],
                )
                for code, _name in settings.LANGUAGES
            ),
        )


@register.tag
def language_options(parser: Parser, token: Token) -> LanguageOptionsNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% language_options %} takes no arguments.")
    return LanguageOptionsNode()


def _literal(expression: FilterExpression | None) -> bool:
    """A quoted text with no filter (``"Sign out"``, ``'home'``), or no expression at all."""
    if expression is None:
        return True
    if expression.filters:
        return False
    variable = expression.var
    if isinstance(variable, Variable):  # {% translate %} wraps its constant in a Variable
        return isinstance(variable.literal, str) and variable.lookups is None
    return isinstance(variable, str)  # a constant, resolved when compiled


def _refusal(node: Node) -> str | None:
    """Why ``node`` may not stand in a part kept per language, or None if it may."""
    if isinstance(node, (TextNode, CommentNode)) or getattr(node, "language_only", False):
        return None
    if isinstance(node, TranslateNode):
        if node.asvar or not _literal(node.filter_expression) or not _literal(node.message_context):
            return "a {% translate %} of anything but a quoted text"
        return None
    if isinstance(node, URLNode):
        name = node.view_name
        if node.args or node.kwargs or node.asvar or not _literal(name):
            return "a {% url %} with arguments, a variable or 'as'"
        if ":" in str(name.var):
            return "a {% url %} of a namespaced view (its answer follows the request's app)"
        return None
    if isinstance(node, StaticNode):
        if node.varname or not _literal(node.path):
            return "a {% static %} of anything but a quoted path, or with 'as'"
        return None
    return f"{node.__class__.__name__} ({node.token.contents if node.token else '?'})"


@register.tag
def per_language(parser: Parser, token: Token) -> PerLanguageNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% per_language %} takes no arguments.")
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    for node in nodelist:
        refusal = _refusal(node)
        if refusal is not None:
            raise template.TemplateSyntaxError(
                "{% per_language %} holds only text and {% translate %}, {% url %} and "
                f"{{% static %}} with quoted arguments, not {refusal}."
            )
    return PerLanguageNode(nodelist)
