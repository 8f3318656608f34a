"""Page templates of the Knowledge Lab website: the first step of the corpus, resource dicts in,
HTML text out.

A resource is a plain dict:

    {"title": str, "types": [str, ...], "year": int | None, "topics": [str, ...],
     "slug": str, "description": str | [str, ...] (optional),
     "body": [(heading, [paragraph, ...]), ...] (optional),
     "documents": [{"href": str, "format": str, "label": str}, ...] (optional)}

Topics are printed exactly as given, in the given order. Every function here is pure and
deterministic: the markup drift the real site shows (wrapper divs, stray thumbnails, spread-out
whitespace, character entities) is chosen by a card's position, never at random, so the same
input always renders the same bytes. Only the standard library is used, so that the corpus
builder and a benchmark generator can both import this module.
"""

import re
from html import escape
from html.entities import codepoint2name
from string import Template

SITE_NAME = "National Law Enforcement Knowledge Lab"
CARDS_PER_PAGE = 8
SLUG_MAX_LENGTH = 80
FALLBACK_SLUG = "resource"
META_SEPARATOR = " | "
TYPE_SEPARATOR = ", "
PAGE_PARAMETER = "sf_paged"
DEFAULT_THUMBNAIL_SRC = "/img/default-thumbnail.jpg"
DEFAULT_THUMBNAIL_ALT = "A Law Enforcement Officer\u2019s Duty Belt"
TOPIC_IMAGE_SRC = "/img/topics/$slug.jpg"
FEATURED_HEADING = "Featured Resources"
RESOURCES_HEADING = "Resources Related to $topic"
RESOURCE_INDEX_LINE = ("Visit the Knowledge Lab\u2019s full resource index ", "here", ".")
RESOURCE_INDEX_URL = "/resources/"
RESET_LABEL = "Reset"
DOCUMENT_FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "html": "HTML", "txt": "Text"}
TOPIC_TEXTS = ("intro", "image_alt")

# Markup drift, by a card's position in its listing (0-based): a variation applies where
# position % period == offset. The periods differ so that the variations combine differently
# from card to card.
WRAPPER_PERIOD, WRAPPER_OFFSET = 5, 3  # card inside an extra <div class="sf-result">
OUTER_THUMBNAIL_PERIOD, OUTER_THUMBNAIL_OFFSET = 4, 1  # default thumbnail before the card
INNER_THUMBNAIL_PERIOD, INNER_THUMBNAIL_OFFSET = 4, 3  # default thumbnail inside the card
SPREAD_PERIOD, SPREAD_OFFSET = 3, 1  # meta and title spread over several indented lines
DIV_CARD_PERIOD, DIV_CARD_OFFSET = 7, 6  # card is a <div>, with an extra class, not <article>
# Non-ASCII characters are written as themselves, as &#8217; or as &rsquo;, in turn.
ENTITY_STYLES = ("literal", "numeric", "named")

_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")

DOCUMENT = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
$links</head>
<body>
<header class="site-header">
  <a class="site-name" href="/">$site_name</a>
$nav</header>
<main id="content">
$main</main>
$footer</body>
</html>
"""
)


def slugify(text, max_length=SLUG_MAX_LENGTH):
    """Return the URL slug of a title: lower case, non-alphanumeric runs as one '-', cut at a '-'."""
    slug = _NON_ALPHANUMERIC.sub("-", text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[:cut] if cut > 0 else slug[:max_length]
    return slug or FALLBACK_SLUG


def unique_slugs(titles):
    """Return one slug per title, in order, made unique with '-2', '-3', ... suffixes."""
    taken = set()
    slugs = []
    for title in titles:
        slug = slugify(title)
        number = 2
        while slug in taken:
            suffix = f"-{number}"
            slug = slugify(title, SLUG_MAX_LENGTH - len(suffix)) + suffix
            number += 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def listing_key(resource):
    """Return the sort key of a listing: newest year first, undated last, ties by title."""
    year = resource.get("year")
    title = resource["title"]
    return (year is None, -(year or 0), title.casefold(), title)


def paginate(items, per_page=CARDS_PER_PAGE):
    """Split items into pages of per_page (no pages for no items)."""
    return [items[start : start + per_page] for start in range(0, len(items), per_page)]


def format_meta(types, year):
    """Return a card's meta text, 'Guidebook/Tool, Video | 2021', or the types alone if undated."""
    text = TYPE_SEPARATOR.join(types)
    return text if year is None else f"{text}{META_SEPARATOR}{year}"


def resource_url(slug):
    """Return the site path of a resource page."""
    return f"/resources/{slug}/"


def topic_url(topic_slug, page):
    """Return the site path of one page of a topic listing."""
    return f"/topics/{topic_slug}/?{PAGE_PARAMETER}={page}"


def resource_file(slug):
    """Return the corpus-relative file name of a resource page."""
    return f"resources/{slug}.html"


def topic_file(topic_slug, page):
    """Return the corpus-relative file name of one page of a topic listing."""
    return f"topics/{topic_slug}/page-{page}.html"


def encode_text(text, style="literal"):
    """Escape text for HTML, writing non-ASCII characters literally, as &#N; or as &name;."""
    escaped = escape(text, quote=False)
    if style == "literal":
        return escaped
    return "".join(_encode_character(character, style) for character in escaped)


def _encode_character(character, style):
    code = ord(character)
    if code < 128:
        return character
    if style == "named" and code in codepoint2name:
        return f"&{codepoint2name[code]};"
    return f"&#{code};"


def _drifts(position, period, offset):
    return position % period == offset


def _entity_style(position):
    return ENTITY_STYLES[position % len(ENTITY_STYLES)]


def _spread(text, indent):
    """Split text at its middle space over two indented lines (whitespace-only drift)."""
    words = text.split(" ")
    middle = len(words) // 2
    lines = [" ".join(words[:middle]), " ".join(words[middle:])]
    return "".join(f"\n{indent}{line}" for line in lines if line) + "\n"


def render_thumbnail(style="literal"):
    """Return the default thumbnail image the site shows beside some cards."""
    alt = encode_text(DEFAULT_THUMBNAIL_ALT, style).replace('"', "&quot;")
    return f'<img src="{DEFAULT_THUMBNAIL_SRC}" alt="{alt}">'


def render_topic_list(topics, style="literal", indent="  "):
    """Return a resource's topics as a <ul class="resource-topics"> list."""
    if not topics:
        return f'{indent}<ul class="resource-topics"></ul>\n'
    items = "".join(f"{indent}  <li>{encode_text(topic, style)}</li>\n" for topic in topics)
    return f'{indent}<ul class="resource-topics">\n{items}{indent}</ul>\n'


def _spread_meta(types_text, year):
    """Put the types and the year on indented lines of their own (whitespace-only drift)."""
    lines = [types_text] if year is None else [types_text, f"| {year}"]
    return "".join(f"\n      {line}" for line in lines) + "\n  "


def render_card(resource, position=0):
    """Return a resource card, with the markup drift of its listing position."""
    style = _entity_style(position)
    types, year = resource["types"], resource.get("year")
    title = encode_text(resource["title"], style)
    link = escape(resource_url(resource["slug"]))
    if _drifts(position, SPREAD_PERIOD, SPREAD_OFFSET):
        meta = _spread_meta(encode_text(TYPE_SEPARATOR.join(types), style), year)
        title_html = f'\n    <a href="{link}">{_spread(title, "      ")}    </a>\n  '
    else:
        meta = encode_text(format_meta(types, year), style)
        title_html = f'<a href="{link}">{title}</a>'
    if _drifts(position, DIV_CARD_PERIOD, DIV_CARD_OFFSET):
        opening, closing = '<div class="sf-item resource-card">', "</div>"
    else:
        opening, closing = '<article class="resource-card">', "</article>"
    inner_thumbnail = (
        f"  {render_thumbnail(style)}\n"
        if _drifts(position, INNER_THUMBNAIL_PERIOD, INNER_THUMBNAIL_OFFSET)
        else ""
    )
    card = (
        f"{opening}\n"
        f"{inner_thumbnail}"
        f'  <p class="resource-meta">{meta}</p>\n'
        f'  <h3 class="resource-title">{title_html}</h3>\n'
        f"{render_topic_list(resource['topics'], style)}"
        f"{closing}\n"
    )
    if _drifts(position, WRAPPER_PERIOD, WRAPPER_OFFSET):
        card = f'<div class="sf-result">\n{card}</div>\n'
    if _drifts(position, OUTER_THUMBNAIL_PERIOD, OUTER_THUMBNAIL_OFFSET):
        card = f"{render_thumbnail(style)}\n{card}"
    return card


def render_cards(resources, first_position=0):
    """Return consecutive cards, numbering their positions from first_position."""
    return "".join(
        render_card(resource, first_position + offset) for offset, resource in enumerate(resources)
    )


def render_pagination(topic_slug, page, page_count):
    """Return the pagination nav of a topic listing, linking /topics/<slug>/?sf_paged=N."""
    links = []
    if page > 1:
        links.append(f'<a class="prev" href="{topic_url(topic_slug, page - 1)}">Previous</a>')
    for number in range(1, page_count + 1):
        if number == page:
            links.append(f'<span class="current" aria-current="page">{number}</span>')
        else:
            links.append(f'<a href="{topic_url(topic_slug, number)}">{number}</a>')
    if page < page_count:
        links.append(f'<a class="next" href="{topic_url(topic_slug, page + 1)}">Next</a>')
    items = "".join(f"  {link}\n" for link in links)
    return f'<nav class="pagination" aria-label="Resource pages">\n{items}</nav>\n'


def render_nav(links):
    """Return the site navigation from (label, path) pairs, or nothing when there are none."""
    if not links:
        return ""
    items = "".join(
        f'    <li><a href="{escape(path)}">{encode_text(label)}</a></li>\n' for label, path in links
    )
    return f'  <nav class="site-nav" aria-label="Topics">\n  <ul>\n{items}  </ul>\n  </nav>\n'


def render_footer(footer):
    """Return the site footer from a dict {notice (optional), heading, subheading, paragraphs}."""
    if not footer:
        return ""
    parts = []
    if footer.get("notice"):
        parts.append(f'  <p class="module-notice">{encode_text(footer["notice"])}</p>\n')
    if footer.get("heading"):
        parts.append(f"  <h2>{encode_text(footer['heading'])}</h2>\n")
    if footer.get("subheading"):
        parts.append(f'  <p class="tagline">{encode_text(footer["subheading"])}</p>\n')
    parts.extend(f"  <p>{encode_text(text)}</p>\n" for text in footer.get("paragraphs", ()))
    return f'<footer class="site-footer">\n{"".join(parts)}</footer>\n'


def page_title(name):
    """Return the <title> text of a page about name: 'name | National Law Enforcement ...'."""
    return f"{name}{META_SEPARATOR}{SITE_NAME}"


def render_document(title, main, *, canonical=None, nav=(), footer=None):
    """Return a whole HTML page: doctype, head, site header and navigation, main, footer."""
    links = f'<link rel="canonical" href="{escape(canonical)}">\n' if canonical else ""
    return DOCUMENT.substitute(
        title=encode_text(title),
        links=links,
        site_name=encode_text(SITE_NAME),
        nav=render_nav(nav),
        main=main,
        footer=render_footer(footer),
    )


def render_topic_intro(topic):
    """Return a topic's intro paragraphs and image, or nothing when the topic has none."""
    parts = [f"  <p>{encode_text(paragraph)}</p>\n" for paragraph in topic.get("intro", ())]
    if topic.get("image_alt"):
        source = Template(TOPIC_IMAGE_SRC).substitute(slug=topic["slug"])
        alt = escape(topic["image_alt"])
        parts.append(f'  <img class="topic-image" src="{source}" alt="{alt}">\n')
    return f'<div class="topic-intro">\n{"".join(parts)}</div>\n' if parts else ""


def render_topic_page(topic, resources, page, page_count, *, nav=(), footer=None):
    """Return one page of a topic listing; topic is {heading, slug, intro (opt.), image_alt (opt.)}.

    resources are this page's cards only, already in listing order.
    """
    heading = topic["heading"]
    prefix, link_text, suffix = RESOURCE_INDEX_LINE
    main = (
        f'<h1 class="topic-heading">{encode_text(heading)}</h1>\n'
        f"{render_topic_intro(topic)}"
        f'<h2 class="results-heading">'
        f"{encode_text(Template(RESOURCES_HEADING).substitute(topic=heading))}</h2>\n"
        f'<p>{encode_text(prefix)}<a href="{RESOURCE_INDEX_URL}">{link_text}</a>{suffix}</p>\n'
        f'<ul class="sf-filters"><li><a href="{topic_url(topic["slug"], 1)}">'
        f"{RESET_LABEL}</a></li></ul>\n"
        f'<div class="sf-results">\n'
        f"{render_cards(resources, (page - 1) * CARDS_PER_PAGE)}"
        f"</div>\n"
        f"{render_pagination(topic['slug'], page, page_count)}"
    )
    name = heading if page == 1 else f"{heading} \u2013 Page {page}"
    return render_document(
        page_title(name), main, canonical=topic_url(topic["slug"], page), nav=nav, footer=footer
    )


def render_topic_listing(topic, resources, *, nav=(), footer=None, editions=()):
    """Return [(corpus-relative file, html)] for a topic: its resources sorted and paginated.

    editions are the topic's texts at different times, dicts with any of intro, image_alt and
    footer; page N shows edition (N - 1) modulo their number, over the topic's own texts.
    """
    pages = paginate(sorted(resources, key=listing_key))
    rendered = []
    for number, cards in enumerate(pages, start=1):
        edition = editions[(number - 1) % len(editions)] if editions else {}
        page_topic = {**topic, **{key: edition[key] for key in TOPIC_TEXTS if key in edition}}
        html = render_topic_page(
            page_topic, cards, number, len(pages), nav=nav, footer=edition.get("footer", footer)
        )
        rendered.append((topic_file(topic["slug"], number), html))
    return rendered


def _paragraphs(value):
    return [value] if isinstance(value, str) else list(value or ())


def render_document_links(documents, style="literal"):
    """Return a resource's documents as links in a <ul class="resource-documents">, or nothing.

    Each link has the class `resource-document`, the file's site path (or an outside address)
    as `href` and its format as `data-format`; its text is the label and the format's name.
    """
    if not documents:
        return ""
    items = "".join(
        f'    <li><a class="resource-document" href="{escape(document["href"])}"'
        f' data-format="{escape(document["format"])}">{encode_text(document["label"], style)}'
        f" ({DOCUMENT_FORMAT_LABELS.get(document['format'], document['format'])})</a></li>\n"
        for document in documents
    )
    return f'  <ul class="resource-documents">\n{items}  </ul>\n'


def render_resource_page(resource, position=0, *, nav=(), footer=None):
    """Return a resource page: title, meta and topics, and description and body when given."""
    style = _entity_style(position)
    title = encode_text(resource["title"], style)
    if _drifts(position, SPREAD_PERIOD, SPREAD_OFFSET):
        title = _spread(title, "    ") + "  "
    meta = encode_text(format_meta(resource["types"], resource.get("year")), style)
    parts = [
        '<article class="resource">\n',
        f'  <h1 class="resource-title">{title}</h1>\n',
        f'  <p class="resource-meta">{meta}</p>\n',
        render_topic_list(resource["topics"], style),
    ]
    description = _paragraphs(resource.get("description"))
    if description:
        paragraphs = "".join(f"<p>{encode_text(text, style)}</p>" for text in description)
        parts.append(f'  <div class="resource-description">{paragraphs}</div>\n')
    parts.append(render_document_links(resource.get("documents", ()), style))
    if resource.get("body"):
        parts.append('  <div class="resource-body">\n')
        for heading, texts in resource["body"]:
            paragraphs = "".join(f"<p>{encode_text(text, style)}</p>" for text in texts)
            parts.append(
                f"    <section><h2>{encode_text(heading, style)}</h2>{paragraphs}</section>\n"
            )
        parts.append("  </div>\n")
    parts.append("</article>\n")
    return render_document(
        page_title(resource["title"]),
        "".join(parts),
        canonical=resource_url(resource["slug"]),
        nav=nav,
        footer=footer,
    )


def render_home_page(featured, *, nav=(), footer=None):
    """Return the home page: the featured resources as cards, in listing order."""
    main = (
        f'<h1 class="site-heading">{encode_text(SITE_NAME)}</h1>\n'
        f'<h2 class="featured-heading">{FEATURED_HEADING}</h2>\n'
        f'<div class="featured-resources">\n'
        f"{render_cards(sorted(featured, key=listing_key))}"
        f"</div>\n"
    )
    return render_document(SITE_NAME, main, canonical="/", nav=nav, footer=footer)
