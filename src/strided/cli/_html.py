"""A self-contained HTML page: inline CSS, figures embedded as PNG data URIs, no network.

`page(title, sections)` returns the document; each section is (heading, html body). Figures
become <img> tags with `figure_tag(figure, alt)`. A short script reports any image that fails
to decode on the browser's console (the report's test reads the console).
"""

import base64
import html
import io

STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
border-bottom: 1px solid #d0d7de; padding-bottom: 0.3rem; }
.subtitle { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0; } td, th { padding: 0.25rem 0.8rem;
text-align: left; border-bottom: 1px solid #eaeef2; } th { background: #f6f8fa; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.bar { background: #0969da; height: 0.8rem; border-radius: 2px; }
img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
.note { color: #59636e; font-size: 0.9rem; }
"""

CHECK_IMAGES = """
window.addEventListener("load", function () {
  for (const image of document.images) {
    if (!image.complete || image.naturalWidth === 0) {
      console.error("image failed to load: " + image.alt);
    }
  }
});
"""


def escape(text):
    return html.escape(str(text), quote=True)


def figure_tag(figure, alt, dpi=90):
    """An <img> holding the figure as a base64 PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return png_tag(buffer.getvalue(), alt)


def png_tag(data, alt):
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{encoded}">'


def table(rows, header=None, numeric=()):
    """An HTML table; columns whose index is in `numeric` are right-aligned."""
    parts = ["<table>"]
    if header:
        parts.append("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = ' class="number"' if index in numeric else ""
            cells.append(f"<td{css}>{cell}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def page(title, subtitle, sections):
    body = "\n".join(f"<section><h2>{escape(heading)}</h2>\n{content}</section>"
                     for heading, content in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style>"
        f"<script>{CHECK_IMAGES}</script></head>\n<body>\n<h1>{escape(title)}</h1>\n"
        f"<p class=\"subtitle\">{escape(subtitle)}</p>\n{body}\n</body></html>\n"
    )


__all__ = ["escape", "figure_tag", "page", "png_tag", "table"]
