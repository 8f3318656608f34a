"""The shipped corpus's documents: nine public-domain texts typeset as PDF, Word and HTML.

The step before the indexer, beside corpus_pages: it reads ../shared/fulltext/*.txt (works of
the United States Government, see that folder's README for each one's source) and returns
the document files of corpus/files/ and the resource dicts that link them. Seven become PDFs
typeset with reportlab (US Letter, a title block, section headings, justified paragraphs
with long words hyphenated at line ends, a running header with the document's short title
and a footer with the page number), one a Word file with explicit page breaks (python-docx)
and one an HTML document with site navigation, a header and a footer around its `<main>`, so
that every format the indexer reads, and its removal of headers and footers, is tested on
real prose. Output is deterministic: fixed dates, ids and zip timestamps.
"""

import io
import re
import zipfile
from datetime import datetime
from html import escape

FILES_FOLDER = "files"
FIXED_DATE = datetime(2026, 1, 1)  # naive: Word stores these dates without a zone
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
HEADING_MAX_CHARACTERS = 90
HYPHENATE_FROM = 11  # letters: longer words may be broken across lines, with a hyphen
WORDS_PER_DOCX_PAGE = 450  # the Word file's explicit page breaks, at paragraph ends
SOFT_HYPHEN = "\u00ad"
PAGE_BREAK = "break"  # a block kind render_pdf reads as the end of a page (bench/generate.py)
# Characters the PDF's standard fonts (Windows-1252) lack, and what is printed instead.
PDF_SUBSTITUTES = {"\u2011": "-"}

WHITE_HOUSE = "The White House"
# ../shared/fulltext/README.md: each text's document, issuer, year and suggested metadata.
FULLTEXT = (
    ("eo-14074-advancing-effective-accountable-policing-2022", "pdf", "Executive Order 14074: Advancing Effective, Accountable Policing and Criminal Justice Practices to Enhance Public Trust and Public Safety", "Executive Order 14074", WHITE_HOUSE, 2022, ["Policy"], ["Use of Force", "Community Trust and Partnerships", "Public Transparency", "Recruitment and Retention", "Officer Safety and Wellness", "Technology Implementation"]),
    ("wh-fact-sheet-eo-14074-signing-2022", "pdf", "Fact Sheet: President Biden to Sign Historic Executive Order to Advance Effective, Accountable Policing and Strengthen Public Safety", "Fact Sheet: Executive Order 14074", WHITE_HOUSE, 2022, ["Webpage"], ["Use of Force", "Public Transparency"]),
    ("wh-remarks-signing-eo-14074-2022", "html", "Remarks by President Biden and Vice President Harris at Signing of an Executive Order to Advance Effective, Accountable Policing and Strengthen Public Safety", "Remarks at the Signing of Executive Order 14074", WHITE_HOUSE, 2022, ["Webpage"], ["Community Trust and Partnerships", "Use of Force"]),
    ("wh-fact-sheet-eo-14074-first-anniversary-2023", "pdf", "Fact Sheet: Accomplishments on the Anniversary of the Executive Order to Advance Effective, Accountable Policing", "Fact Sheet: EO 14074 First Anniversary", WHITE_HOUSE, 2023, ["Webpage"], ["Use of Force", "Public Transparency", "Community Trust and Partnerships"]),
    ("wh-fact-sheet-eo-14074-second-anniversary-2024", "pdf", "Fact Sheet: Accomplishments on the Second Anniversary of the Executive Order to Advance Effective, Accountable Policing", "Fact Sheet: EO 14074 Second Anniversary", WHITE_HOUSE, 2024, ["Webpage"], ["Use of Force", "Public Transparency", "Mental Health and Crisis Response"]),
    ("wh-fact-sheet-safer-america-plan-2022", "docx", "Fact Sheet: President Biden's Safer America Plan", "Fact Sheet: Safer America Plan", WHITE_HOUSE, 2022, ["Webpage"], ["Crime and Violence Response", "Mental Health and Crisis Response", "Community Trust and Partnerships", "Recruitment and Retention"]),
    ("eo-14053-public-safety-native-americans-mmip-2021", "pdf", "Executive Order 14053: Improving Public Safety and Criminal Justice for Native Americans and Addressing the Crisis of Missing or Murdered Indigenous People", "Executive Order 14053", WHITE_HOUSE, 2021, ["Policy"], ["Crime and Violence Response", "Community Trust and Partnerships", "Public Transparency"]),
    ("eo-14288-strengthening-law-enforcement-2025", "pdf", "Executive Order 14288: Strengthening and Unleashing America's Law Enforcement to Pursue Criminals and Protect Innocent Citizens", "Executive Order 14288", WHITE_HOUSE, 2025, ["Policy"], ["Officer Safety and Wellness", "Recruitment and Retention", "Training and Education"]),
    ("doj-crt-ferguson-investigation-report-summary-2015", "pdf", "Investigation of the Ferguson Police Department, Section I: Report Summary", "Investigation of the Ferguson Police Department", "U.S. Department of Justice, Civil Rights Division", 2015, ["Report", "Case Study"], ["Community Trust and Partnerships", "Stops, Searches, and Arrests", "Use of Force"]),
)  # fmt: skip

_SECTION = re.compile(r"^((?:Section|Sec\.)\s+\d+\.\s+[^.]{1,80}\.)\s+(.*)$", re.DOTALL)
_LONG_WORD = re.compile(rf"[A-Za-z]{{{HYPHENATE_FROM},}}")
_VOWELS = set("aeiouy")


def parse_text(text):
    """Return (citation line, [(kind, text)]): paragraphs ('p') and headings ('h')."""
    first, _, rest = text.partition("\n")
    blocks = []
    for chunk in re.split(r"\n\s*\n", rest.strip()):
        paragraph = " ".join(line.strip() for line in chunk.splitlines() if line.strip())
        section = _SECTION.match(paragraph)
        if section:
            blocks += [("h", section[1]), ("p", section[2])]
        elif len(paragraph) <= HEADING_MAX_CHARACTERS and not paragraph.endswith(
            (".", ",", ";", ":", '"', "\u201d")
        ):
            blocks.append(("h", paragraph))
        elif paragraph:
            blocks.append(("p", paragraph))
    return first.strip(), blocks


def _hyphenate(match):
    """Offer one break in a long word, near its middle: between two consonants after a vowel
    (enfor-cement), else after a vowel (adminis-tration has both)."""
    word = match[0]
    lower = word.lower()
    middle = len(word) // 2
    places = sorted(range(4, len(word) - 4), key=lambda i: abs(i - middle))
    for fits in (
        lambda i: lower[i - 2] in _VOWELS and not {lower[i - 1], lower[i]} & _VOWELS,
        lambda i: lower[i - 1] in _VOWELS and lower[i] not in _VOWELS,
    ):
        for at in places:
            if fits(at):
                return word[:at] + SOFT_HYPHEN + word[at:]
    return word


def _pdf_text(text):
    for character, substitute in PDF_SUBSTITUTES.items():
        text = text.replace(character, substitute)
    return escape(text, quote=False)


def render_pdf(entry, citation, blocks):
    """Return the bytes of a typeset PDF: title block, headings, running header and footer."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    _, _, title, short, issuer, *_ = entry
    body = ParagraphStyle(
        "body",
        fontName="Times-Roman",
        fontSize=11,
        leading=14.5,
        alignment=TA_JUSTIFY,
        spaceAfter=7,
        embeddedHyphenation=1,
        uriWasteReduce=0.3,
    )
    heading = ParagraphStyle(
        "heading",
        fontName="Helvetica-Bold",
        fontSize=12,
        leading=15,
        spaceBefore=8,
        spaceAfter=5,
        keepWithNext=1,
    )
    title_style = ParagraphStyle(
        "title", fontName="Helvetica-Bold", fontSize=17, leading=21, spaceAfter=10
    )
    cite_style = ParagraphStyle(
        "cite", fontName="Times-Italic", fontSize=10, leading=13, spaceAfter=14
    )

    def furniture(canvas, document):
        canvas.saveState()
        width, height = LETTER
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(inch, height - 0.6 * inch, _pdf_text(short).replace("&amp;", "&"))
        canvas.drawRightString(width - inch, height - 0.6 * inch, issuer)
        canvas.line(inch, height - 0.65 * inch, width - inch, height - 0.65 * inch)
        canvas.drawCentredString(width / 2, 0.55 * inch, f"Page {document.page}")
        canvas.restoreState()

    story = [Paragraph(_pdf_text(title), title_style), Paragraph(_pdf_text(citation), cite_style)]
    for kind, text in blocks:
        if kind == PAGE_BREAK:
            story.append(PageBreak())
        elif kind == "h":
            story.append(Paragraph(_pdf_text(text), heading))
        else:
            story.append(Paragraph(_LONG_WORD.sub(_hyphenate, _pdf_text(text)), body))
    story.append(Spacer(1, 6))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        title=title,
        author=issuer,
        creator="tools/corpus_documents.py",
        invariant=1,
        topMargin=inch,
        bottomMargin=inch,
    )
    document.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out.getvalue()


def _fixed_zip(data):
    """The same zip with every entry dated ZIP_DATE, so the bytes never depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return out.getvalue()


def render_docx(entry, citation, blocks):
    """Return the bytes of a Word file: title, headings, paragraphs, a page break every ~450 words."""
    import docx

    _, _, title, _, issuer, *_ = entry
    document = docx.Document()
    properties = document.core_properties
    properties.title, properties.author, properties.revision = title, issuer, 1
    properties.created = properties.modified = properties.last_printed = FIXED_DATE
    document.add_heading(title, level=0)
    document.add_paragraph(citation).runs[0].italic = True
    words = 0
    for kind, text in blocks:
        if kind == "p" and words >= WORDS_PER_DOCX_PAGE:
            document.add_page_break()
            words = 0
        if kind == "h":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
            words += len(text.split())
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue())


def render_html(entry, citation, blocks):
    """Return an HTML document: site header, navigation and footer around the text's <main>."""
    _, _, title, short, issuer, *_ = entry
    parts = [
        f"<h1>{escape(title)}</h1>\n",
        f'<p class="citation"><em>{escape(citation)}</em></p>\n',
    ]
    for kind, text in blocks:
        tag = "h2" if kind == "h" else "p"
        parts.append(f"<{tag}>{escape(text)}</{tag}>\n")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(short)} | {escape(issuer)}</title>\n"
        "<style>body { font-family: serif; max-width: 40em; margin: auto; }</style>\n"
        "<script>document.documentElement.className = 'js';</script>\n</head>\n<body>\n"
        f'<header><p>{escape(issuer)}</p>\n<nav><ul><li><a href="/">Home</a></li>'
        '<li><a href="/briefing-room/">Briefing Room</a></li>'
        '<li><a href="/briefing-room/speeches-remarks/">Speeches and Remarks</a></li></ul></nav>\n'
        f"</header>\n<main>\n{''.join(parts)}</main>\n"
        f"<aside><h2>Related</h2><p>More from the Briefing Room</p></aside>\n"
        f"<footer><p>{escape(issuer)}</p><p>1600 Pennsylvania Ave NW, Washington, DC 20500</p></footer>\n"
        "</body>\n</html>\n"
    )


RENDERERS = {"pdf": render_pdf, "docx": render_docx, "html": render_html}


def document_file(entry):
    """Return the corpus-relative file of a text's document, e.g. files/eo-14053-....pdf."""
    stem, format, *_ = entry
    return f"{FILES_FOLDER}/{stem}.{format}"


def build_documents(shared):
    """Return ({corpus-relative file: bytes}, [resource dicts linking them]) from shared/fulltext."""
    files, resources = {}, []
    for entry in FULLTEXT:
        stem, format, title, _, _, year, types, topics = entry
        citation, blocks = parse_text((shared / "fulltext" / f"{stem}.txt").read_text("utf-8"))
        rendered = RENDERERS[format](entry, citation, blocks)
        files[document_file(entry)] = (
            rendered.encode("utf-8") if isinstance(rendered, str) else rendered
        )
        document = {"href": f"/{document_file(entry)}", "format": format, "label": title}
        resources.append(
            {
                "title": title,
                "types": types,
                "year": year,
                "topics": topics,
                "listed_under": [],
                "documents": [document],
            }
        )
    return files, resources
