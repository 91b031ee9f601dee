"""PDFs made from HTML with WeasyPrint: the feedback pack, training certificates and records."""

from __future__ import annotations

# PDF/UA-1: a tagged PDF (headings, lists, tables and paragraphs in the order they are read), its
# title shown in the window instead of the file name, and the language the document's <html lang>
# gives. Screen readers and reflow on a phone depend on the tags; an untagged PDF is one picture of text.
PDF_VARIANT = "pdf/ua-1"


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of ``html`` (its <title> is the PDF's title)."""
    from weasyprint import HTML  # imported here: it is heavy and only needed for a download

    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant=PDF_VARIANT)
